// Conformance: @modelcontextprotocol/conformance drives (a) the reference server
// (server-everything over Streamable HTTP) and (b) an SDK client, each once plain and once
// instrumented by McpInstrumentation; every check must come out the same both ways, which
// shows the instrumentation changes no protocol behaviour. Conformance 0.1.13 is the newest
// release that runs on Node 20 (0.1.14 on imports fs.globSync, Node 22+). Everything listens on
// 127.0.0.1 only (fixtures/loopback-only.mjs).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { ATTR_MCP_METHOD_NAME, validateSpan } from '@agent-otel/semconv';

const require = createRequire(import.meta.url);
const conformanceBin = require.resolve('@modelcontextprotocol/conformance/dist/index.js');
const everythingBin = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const fixtures = fileURLToPath(new URL('../packages/mcp/test/fixtures/', import.meta.url));
const loopbackOnly = join(fixtures, 'loopback-only.mjs');
const register = join(fixtures, 'register.mjs');
const work = mkdtempSync(join(tmpdir(), 'agent-otel-mcp-conformance-'));

interface Check {
  id: string;
  status: string;
}
interface ExportedSpan {
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 240_000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

/** Every check the conformance run saved, as `scenario-dir/check-id: STATUS`, sorted. */
function checksIn(outputDir: string): string[] {
  const checks: string[] = [];
  for (const dir of readdirSync(outputDir)) {
    const scenario = dir.replace(/-\d{4}-\d{2}-\d{2}T.*$/, '');
    const list = JSON.parse(readFileSync(join(outputDir, dir, 'checks.json'), 'utf8')) as Check[];
    for (const check of list) {
      // INFO entries are the suite's log of messages, not verdicts.
      if (check.status !== 'INFO') checks.push(`${scenario}/${check.id}: ${check.status}`);
    }
  }
  return checks.sort();
}

function spansIn(file: string): ExportedSpan[] {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as ExportedSpan);
  } catch {
    return [];
  }
}

async function startEverything(
  instrumented: boolean,
  spansFile: string,
): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const preload = instrumented ? ['--import', register] : [];
  const child = spawn(
    process.execPath,
    ['--import', loopbackOnly, ...preload, everythingBin, 'streamableHttp'],
    {
      env: { ...process.env, PORT: String(port), AGENT_OTEL_TEST_SPANS: spansFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on port')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `http://127.0.0.1:${port}/mcp`, child };
}

describe('MCP conformance suite, plain and instrumented', () => {
  it('server-everything gives the same verdict on every server check', async () => {
    const verdicts: string[][] = [];
    const spansFile = join(work, 'server-spans.jsonl');
    for (const instrumented of [false, true]) {
      const { url, child } = await startEverything(instrumented, spansFile);
      try {
        const outputDir = join(work, instrumented ? 'server-instrumented' : 'server-plain');
        await run(
          ['--import', loopbackOnly, conformanceBin, 'server', '--url', url, '-o', outputDir],
          process.env,
        );
        verdicts.push(checksIn(outputDir));
      } finally {
        child.kill();
      }
    }
    const [plain, instrumented] = verdicts;
    assert.ok(plain && plain.length > 20, `the suite ran: ${plain?.length} checks`);
    assert.ok(plain.filter((check) => check.endsWith(': SUCCESS')).length >= 10);
    assert.deepEqual(instrumented, plain);
    // The instrumented run really was instrumented: server spans for what the suite sent.
    const spans = spansIn(spansFile);
    const toolCalls = spans.filter(
      (span) =>
        span.kind === SpanKind.SERVER && span.attributes[ATTR_MCP_METHOD_NAME] === 'tools/call',
    );
    assert.ok(toolCalls.length > 0, 'tools/call server spans recorded');
    for (const span of spans.filter((s) => s.kind === SpanKind.SERVER)) {
      assert.deepEqual(validateSpan('mcp_server', span.attributes), [], span.name);
    }
  });

  it('an SDK client passes the client scenarios the same way', async () => {
    const spansFile = join(work, 'client-spans.jsonl');
    for (const scenario of ['initialize', 'tools_call']) {
      const verdicts: string[][] = [];
      for (const instrumented of [false, true]) {
        const outputDir = join(work, `client-${scenario}-${instrumented}`);
        const command = [
          process.execPath,
          '--import',
          loopbackOnly,
          ...(instrumented ? ['--import', register] : []),
          join(fixtures, 'conformance-client.mjs'),
        ].join(' ');
        await run(
          [
            '--import',
            loopbackOnly,
            conformanceBin,
            'client',
            '--command',
            command,
            '--scenario',
            scenario,
            '-o',
            outputDir,
          ],
          { ...process.env, AGENT_OTEL_TEST_SPANS: spansFile },
        );
        verdicts.push(checksIn(outputDir));
      }
      const [plain, instrumented] = verdicts;
      assert.ok(plain && plain.length > 0, `${scenario} ran`);
      assert.ok(
        plain.every((check) => check.endsWith(': SUCCESS')),
        `${scenario}: ${plain.join(', ')}`,
      );
      assert.deepEqual(instrumented, plain);
    }
    const clientSpans = spansIn(spansFile).filter((span) => span.kind === SpanKind.CLIENT);
    assert.ok(clientSpans.some((span) => span.name === 'tools/call add_numbers'));
    for (const span of clientSpans) {
      assert.deepEqual(validateSpan('mcp_client', span.attributes), [], span.name);
    }
  });

  after(() => {
    rmSync(work, { recursive: true, force: true });
  });
});
