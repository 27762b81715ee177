// bench:mcp-overhead — CPU and latency of `tools/call` over the in-memory transport and over
// stdio: uninstrumented, agent-otel, @traceloop/instrumentation-mcp and
// @arizeai/openinference-instrumentation-mcp, all in ONE process. Every variant is warmed up,
// then rounds interleave the variants (the order rotates each round) so that the load of a shared
// machine falls on all of them alike. A round of a variant is `--calls` calls plus the export of
// the spans they made; its CPU is process.cpuUsage (user+system) over the round. Figures are
// medians over rounds; "vs uninstrumented" is the median of the per-round ratios to the
// uninstrumented round next to it, with the spread (min–max of those ratios).
// Usage: npm run bench:mcp-overhead [-- --rounds 21 --calls 1000 --stdio-calls 300 --transport in-memory]
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { VARIANTS, createVariant, installGlobals } from './variants.js';
import type { TransportName, Variant, VariantName } from './variants.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '21' },
    calls: { type: 'string', default: '1000' },
    'stdio-calls': { type: 'string', default: '300' },
    warmup: { type: 'string', default: '1000' },
    transport: { type: 'string', default: 'both' },
    variants: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const transports: TransportName[] =
  values.transport === 'both' ? ['in-memory', 'stdio'] : [values.transport as TransportName];
const selected = values.variants ? (values.variants.split(',') as VariantName[]) : [...VARIANTS];

// A full GC before each round (outside the measured time), so that no round pays for the
// garbage of the variant that ran before it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

installGlobals();

interface Round {
  cpuUsPerCall: number;
  p50Us: number;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

async function measure(variant: Variant, calls: number): Promise<Round> {
  gc();
  const latencies = new Float64Array(calls);
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await variant.call();
    latencies[i] = performance.now() - start;
  }
  await variant.flush();
  const cpu = process.cpuUsage(cpuStart);
  latencies.sort();
  return {
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    p50Us: (latencies[Math.floor(calls / 2)] ?? NaN) * 1000,
  };
}

const pct = (ratio: number): string => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

const rows: string[] = [
  '| transport | variant | CPU µs/call | CPU vs uninstrumented (spread) | min CPU µs/call | min vs uninstrumented | p50 µs/call | p50 vs uninstrumented | spans/call |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const transport of transports) {
  const calls = Number(transport === 'stdio' ? values['stdio-calls'] : values.calls);
  // Over stdio the server is a separate, uninstrumented process for every variant: agent-otel
  // and agent-otel-client-only would be the same run.
  const names = selected.filter((name) => transport === 'in-memory' || name !== 'agent-otel');
  const variants: Variant[] = [];
  for (const name of names) variants.push(await createVariant(name, transport));
  const warmup = Number(values.warmup);
  for (const variant of variants) {
    for (let i = 0; i < warmup; i++) await variant.call();
    await variant.flush();
  }
  const spansBefore = variants.map((variant) => variant.spansExported());
  const results = variants.map((): Round[] => []);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < variants.length; k++) {
      const index = (k + round) % variants.length;
      results[index]?.push(await measure(variants[index] as Variant, calls));
    }
    process.stderr.write(`${transport}: round ${round + 1}/${rounds}\r`);
  }
  const base = results[names.indexOf('uninstrumented')];
  for (const [index, variant] of variants.entries()) {
    const runs = results[index] ?? [];
    const cpuRatios = base
      ? runs.map((run, r) => run.cpuUsPerCall / (base[r]?.cpuUsPerCall ?? NaN))
      : [];
    const p50Ratios = base ? runs.map((run, r) => run.p50Us / (base[r]?.p50Us ?? NaN)) : [];
    const spans = (variant.spansExported() - (spansBefore[index] ?? 0)) / (rounds * calls);
    rows.push(
      `| ${transport} | ${variant.name} | ${median(runs.map((run) => run.cpuUsPerCall)).toFixed(1)} | ` +
        `${base ? `${pct(median(cpuRatios))} (${pct(Math.min(...cpuRatios))} … ${pct(Math.max(...cpuRatios))})` : '-'} | ` +
        `${Math.min(...runs.map((run) => run.cpuUsPerCall)).toFixed(1)} | ` +
        `${base ? pct(Math.min(...runs.map((run) => run.cpuUsPerCall)) / Math.min(...base.map((run) => run.cpuUsPerCall))) : '-'} | ` +
        `${median(runs.map((run) => run.p50Us)).toFixed(1)} | ${base ? pct(median(p50Ratios)) : '-'} | ${spans.toFixed(2)} |`,
    );
  }
  for (const variant of variants) await variant.close();
}
process.stdout.write(
  `MCP tools/call overhead — one process, ${rounds} interleaved rounds of ${values.calls} ` +
    `(stdio ${values['stdio-calls']}) calls per variant; Node ${process.version}\n\n${rows.join('\n')}\n\n` +
    'CPU is user+system of the whole process per call (in memory: client and server), medians\n' +
    'over rounds; "vs uninstrumented" is the median of per-round ratios (min … max in brackets).\n' +
    'spans/call counts every exported span with the "agent turn" span each call runs in: 1.00\n' +
    'means the instrumentation made none.\n',
);
