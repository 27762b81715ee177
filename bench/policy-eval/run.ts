/**
 * bench:policy-eval — cost per event of the policy engine with the recommended ruleset.
 *
 * Events are the tool calls of the corpus (test/corpus, recorded and synthetic Claude Code
 * sessions), mapped to tool-span attributes the way the hook does. Three measurements, each
 * the distribution over many events (p50, p99, mean, in microseconds):
 *   - decide:          engine.decide(request, state) alone (attributes already built)
 *   - decide+scan10k:  findSecrets over a 10 KB tool output, then decide (the PostToolUse path)
 *   - decideAt1000CallSession: decide for calls 900–1000 of one long session
 *   - findSecrets10k / findSecrets1m: the secret scanner alone on 10 KB and 1 MB of output
 *   - load:            loadPolicy() of the recommended ruleset (compile every CEL rule)
 * Run: npm run bench:policy-eval [-- --iterations N]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeToolCall } from '@agent-otel/core';
import type { DeciderState, DecisionRequest } from '@agent-otel/core';
import { loadCorpus, loadPolicy } from '@agent-otel/policy';
import { findSecrets } from '@agent-otel/secrets';
import {
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_GEN_AI_TOOL_CALL_ID,
} from '@agent-otel/semconv';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' } } });
const iterations = Number(values.iterations);
const root = fileURLToPath(new URL('../../', import.meta.url));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
function summary(samples: number[]): { n: number; p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    n: samples.length,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
  };
}

// Sessions of requests, built once.
const sessions: DecisionRequest[][] = loadCorpus(`${root}test/corpus`).map((session) =>
  session.payloads
    .filter(
      (payload) =>
        payload.hook_event_name === 'PreToolUse' && payload.tool_name && payload.tool_use_id,
    )
    .map((payload) => {
      const workspace = payload.cwd ?? '/';
      const description = describeToolCall(payload.tool_name!, payload.tool_input, workspace);
      return {
        phase: 'pre_tool' as const,
        sessionId: payload.session_id,
        toolCallId: payload.tool_use_id!,
        attributes: {
          ...description.attributes,
          [ATTR_GEN_AI_TOOL_CALL_ID]: payload.tool_use_id!,
          [ATTR_AGENT_WORKSPACE_PATH]: workspace,
        },
        sessionAttributes: { [ATTR_AGENT_WORKSPACE_PATH]: workspace },
        enforcedBy: 'hook' as const,
        timeMs: 0,
      };
    }),
);
const events = sessions.reduce((count, session) => count + session.length, 0);

// A 10 KB tool output: source code and a log, no secret (the common case the scan must pass).
const line =
  'export function handler(request) { return respond(200, { ok: true, id: request.id }); } // 2026-11-26T07:00:00Z GET /orders 200 12ms\n';
const output10k = line.repeat(Math.ceil(10_240 / line.length)).slice(0, 10_240);

const loadSamples: number[] = [];
for (let index = 0; index < 10; index += 1) {
  const start = process.hrtime.bigint();
  loadPolicy();
  loadSamples.push(Number(process.hrtime.bigint() - start) / 1000);
}
const engine = loadPolicy();

const decideSamples: number[] = [];
const scanSamples: number[] = [];
// Iteration 0 warms the JIT up and is not recorded.
for (let iteration = 0; iteration <= iterations; iteration += 1) {
  const record = iteration > 0;
  for (const session of sessions) {
    const state: DeciderState = { data: {} };
    const scanState: DeciderState = { data: {} };
    for (const request of session) {
      let start = process.hrtime.bigint();
      engine.decide(request, state);
      if (record) decideSamples.push(Number(process.hrtime.bigint() - start) / 1000);

      start = process.hrtime.bigint();
      const types = [
        ...new Set(
          findSecrets(output10k, { fingerprintKey: 'bench' }).map((finding) => finding.type),
        ),
      ];
      engine.decide(
        {
          ...request,
          phase: 'post_tool',
          attributes:
            types.length > 0
              ? { ...request.attributes, [ATTR_AGENT_DATA_SECRET_TYPES]: types }
              : request.attributes,
        },
        scanState,
      );
      if (record) scanSamples.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
}

// The secret scanner alone, on the 10 KB output and on 1 MB of it.
const scanOnly10k: number[] = [];
for (let index = 0; index < 500; index += 1) {
  const start = process.hrtime.bigint();
  findSecrets(output10k, { fingerprintKey: 'bench' });
  scanOnly10k.push(Number(process.hrtime.bigint() - start) / 1000);
}
const output1m = output10k.repeat(100);
const scanOnly1m: number[] = [];
for (let index = 0; index < 10; index += 1) {
  const start = process.hrtime.bigint();
  findSecrets(output1m, { fingerprintKey: 'bench' });
  scanOnly1m.push(Number(process.hrtime.bigint() - start) / 1000);
}

// One long session (1000 calls): the cost of a decision late in a session, where sequence
// rules look back over every earlier call.
const allRequests = sessions.flat();
const longState: DeciderState = { data: {} };
const longSamples: number[] = [];
for (let index = 0; index < 1000; index += 1) {
  const request = allRequests[index % allRequests.length]!;
  const start = process.hrtime.bigint();
  engine.decide({ ...request, sessionId: 'long', toolCallId: `long-${index}` }, longState);
  if (index >= 900) longSamples.push(Number(process.hrtime.bigint() - start) / 1000);
}

const result = {
  bench: 'policy-eval',
  node: process.version,
  cpus: cpus().length,
  // Other processes compete for the CPU on a shared machine: p99 then measures the scheduler.
  loadAverage: loadavg().map((value) => Math.round(value * 10) / 10),
  rules: engine.rules.length,
  corpusSessions: sessions.length,
  eventsPerIteration: events,
  iterations,
  unit: 'microseconds',
  decide: summary(decideSamples),
  decideWithScan10k: summary(scanSamples),
  decideAt1000CallSession: summary(longSamples),
  findSecrets10k: summary(scanOnly10k),
  findSecrets1m: summary(scanOnly1m),
  loadRecommended: summary(loadSamples),
};
mkdirSync(`${root}bench/results`, { recursive: true });
writeFileSync(`${root}bench/results/policy-eval.json`, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
