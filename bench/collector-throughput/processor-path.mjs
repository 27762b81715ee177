/**
 * The collector's processor path alone, in this process: OTLP/protobuf request bodies decoded
 * as the receiver does (lazy protobuf), pushed through the policy processor (2 s ordering
 * window on a simulated clock, 25 ms per request) and what it releases encoded for export.
 * Plain JavaScript over the built packages (`npm run build`), so that nothing else — no
 * TypeScript loader — runs beside it: `instructions.sh` counts this process's instructions.
 *
 *   node bench/collector-throughput/processor-path.mjs BODIES.json POLICY ROUNDS
 *
 * BODIES.json: a JSON list of base64 request bodies (`run.ts --processor-only --save-bodies`);
 * POLICY: `recommended`, `off` or a policy file. Runs one pass not counted (warm-up), then
 * ROUNDS passes, each with a fresh processor, and prints spans per CPU-second of each.
 */
import { readFileSync } from 'node:fs';
import { argv } from 'node:process';
import { pathToFileURL } from 'node:url';

const dist = new URL('../../packages/collector/dist/', import.meta.url);
const { decodeProtobufWire } = await import(new URL('otlp-decode.js', dist).href);
const { PolicyProcessor, pipelineSpansOf, scopeSpansWith } = await import(
  new URL('processor.js', dist).href
);
const { loadCollectorDecider } = await import(new URL('policy-loader.js', dist).href);
const { encodeTraceRequestProto } = await import(new URL('otlp-proto.js', dist).href);

/** Spans per CPU-second (all threads of this process) of one pass over `bodies`. */
export async function processorPass(bodies, policy) {
  const processor = new PolicyProcessor({
    decider: await loadCollectorDecider(policy),
    windowMs: 2000,
    sessionTtlMs: 3_600_000,
    maxSessions: 10_000,
  });
  const exportReleased = (released) => {
    if (released.length === 0) return;
    const byScope = new Map();
    for (const item of released) {
      const spans = byScope.get(item.scope) ?? [];
      spans.push(item.span);
      byScope.set(item.scope, spans);
    }
    encodeTraceRequestProto({
      resourceSpans: [...byScope].map(([scope, spans]) => ({
        resource: released[0].resource.resource ?? { attributes: [] },
        scopeSpans: [scopeSpansWith(scope, spans)],
      })),
    });
  };
  const before = process.cpuUsage();
  let now = 0;
  let total = 0;
  for (const body of bodies) {
    const request = decodeProtobufWire(body, { maxAttributeValueLength: 65_536 }).request;
    // As the collector makes them (what a held span keeps of its request is part of the cost).
    const items = pipelineSpansOf(request, 0);
    total += items.length;
    processor.push(items, now);
    now += 25;
    exportReleased(processor.release(now));
  }
  exportReleased(processor.release(now + 60_000, true));
  const cpu = process.cpuUsage(before);
  return total / ((cpu.user + cpu.system) / 1e6);
}

if (import.meta.url === pathToFileURL(argv[1] ?? '').href) {
  const [file, policy = 'recommended', rounds = '3'] = argv.slice(2);
  if (!file) throw new Error('usage: processor-path.mjs BODIES.json POLICY ROUNDS');
  const bodies = JSON.parse(readFileSync(file, 'utf8')).map((body) => Buffer.from(body, 'base64'));
  const rates = [];
  for (let round = 0; round <= Number(rounds); round++)
    rates.push(await processorPass(bodies, policy));
  console.log(`${policy}: ${rates.slice(1).map(Math.round).join(', ')} spans per CPU-second`);
}
