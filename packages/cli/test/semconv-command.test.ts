import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkOtlpJsonLines } from '../src/commands/semconv.js';

const bin = fileURLToPath(new URL('../bin/agent-otel.js', import.meta.url));

function stringAttribute(key: string, value: string) {
  return { key, value: { stringValue: value } };
}

const goodTool = {
  name: 'execute_tool Bash',
  kind: 1,
  spanId: '1111111111111111',
  attributes: [
    stringAttribute('gen_ai.operation.name', 'execute_tool'),
    stringAttribute('gen_ai.tool.name', 'Bash'),
    stringAttribute('gen_ai.tool.call.id', 'toolu_1'),
    stringAttribute('session.id', 's'),
    stringAttribute('agent.tool.category', 'execute'),
  ],
};
const badMcp = {
  name: 'tools/call add',
  kind: 3,
  spanId: '2222222222222222',
  attributes: [
    stringAttribute('mcp.method.name', 'tools/call'),
    { key: 'server.port', value: { stringValue: 'eighty' } },
  ],
};
const other = { name: 'GET /', kind: 2, spanId: '3333333333333333', attributes: [] };

function request(spans: unknown[]): string {
  return JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
}

describe('agent-otel semconv check', () => {
  it('classifies spans and reports their problems', () => {
    const result = checkOtlpJsonLines(`${request([goodTool, other])}\n${request([badMcp])}\n`);
    assert.equal(result.skipped, 1);
    assert.deepEqual(
      result.spans.map((span) => [span.kind, span.problems.map((p) => `${p.key}:${p.kind}`)]),
      [
        ['tool', []],
        ['mcp_client', ['server.port:type']],
      ],
    );
  });

  it('names the line that is not JSON', () => {
    assert.throws(() => checkOtlpJsonLines(`${request([goodTool])}\n{oops`), /line 2: not JSON/);
  });

  it('runs from the bin and exits 1 on problems, 0 when clean', (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'agent-otel-semconv-'));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    const clean = join(directory, 'clean.jsonl');
    const broken = join(directory, 'broken.jsonl');
    writeFileSync(clean, request([goodTool]) + '\n');
    writeFileSync(broken, request([badMcp]) + '\n');
    const ok = spawnSync(process.execPath, [bin, 'semconv', 'check', clean], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /1 spans checked, 0 with problems/);
    const bad = spawnSync(process.execPath, [bin, 'semconv', 'check', broken], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /server\.port must be an integer/);
    const unknown = spawnSync(process.execPath, [bin, 'frobnicate'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });
});
