// bench:mcp-overhead — per-call latency and CPU of `tools/call` over the in-memory transport and
// over stdio: uninstrumented, agent-otel, @traceloop/instrumentation-mcp and
// @arizeai/openinference-instrumentation-mcp, measured in the same run. Each variant runs in a
// fresh process; rounds alternate the variants' order to spread machine noise; the figure of a
// variant is its median over rounds. Usage: npm run bench:mcp-overhead [-- --rounds 3 --calls 3000]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const TRANSPORTS = ['in-memory', 'stdio'] as const;
const VARIANTS = [
  'uninstrumented',
  'uninstrumented+traceparent',
  'agent-otel',
  'agent-otel-client-only',
  'traceloop',
  'arize',
];
// Over stdio the server is a separate, uninstrumented process for every variant, so
// agent-otel and agent-otel-client-only would be the same run.
const VARIANTS_OF: Record<(typeof TRANSPORTS)[number], string[]> = {
  'in-memory': VARIANTS,
  stdio: VARIANTS.filter((variant) => variant !== 'agent-otel-client-only'),
};

interface Result {
  variant: string;
  transport: string;
  calls: number;
  warmup: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerCall: number;
  spansExported: number;
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '5000' },
    'stdio-calls': { type: 'string', default: '1500' },
  },
});
const rounds = Number(values.rounds);
const variantScript = fileURLToPath(new URL('./variant.ts', import.meta.url));

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const results = new Map<string, Result[]>();
for (let round = 0; round < rounds; round++) {
  for (const transport of TRANSPORTS) {
    const variants = VARIANTS_OF[transport];
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const calls = transport === 'stdio' ? values['stdio-calls'] : values.calls;
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', variantScript, variant, transport, String(calls)],
        { encoding: 'utf8', timeout: 300_000 },
      );
      if (run.status !== 0) {
        process.stderr.write(`${variant} over ${transport} failed:\n${run.stderr}\n`);
        process.exit(1);
      }
      const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as Result;
      const key = `${transport}\t${variant}`;
      results.set(key, [...(results.get(key) ?? []), result]);
    }
  }
}

const rows: string[] = [];
rows.push(
  '| transport | variant | p50 µs/call | mean µs | p99 µs | CPU µs/call | p50 vs uninstrumented | CPU vs uninstrumented | spans/call |',
);
rows.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const transport of TRANSPORTS) {
  const base = results.get(`${transport}\tuninstrumented`) ?? [];
  const baseP50 = median(base.map((r) => r.p50Us));
  const baseCpu = median(base.map((r) => r.cpuUsPerCall));
  for (const variant of VARIANTS_OF[transport]) {
    const runs = results.get(`${transport}\t${variant}`) ?? [];
    const p50 = median(runs.map((r) => r.p50Us));
    const cpu = median(runs.map((r) => r.cpuUsPerCall));
    const spans = median(runs.map((r) => r.spansExported / (r.calls + r.warmup)));
    const pct = (value: number, reference: number): string =>
      `${value >= reference ? '+' : ''}${(((value - reference) / reference) * 100).toFixed(1)}%`;
    rows.push(
      `| ${transport} | ${variant} | ${p50.toFixed(1)} | ${median(runs.map((r) => r.meanUs)).toFixed(1)} | ${median(runs.map((r) => r.p99Us)).toFixed(1)} | ${cpu.toFixed(1)} | ${pct(p50, baseP50)} | ${pct(cpu, baseCpu)} | ${spans.toFixed(2)} |`,
    );
  }
}
process.stdout.write(
  `MCP tools/call overhead — ${rounds} rounds, medians; Node ${process.version}\n\n${rows.join('\n')}\n\n` +
    'Figures are medians over rounds. p50 and CPU (user+system of the client process, per call)\n' +
    'are the robust figures on a shared machine; the mean and p99 move with GC and other load.\n' +
    'spans/call counts every exported span per call, with the one "agent turn" span the benchmark\n' +
    'wraps each call in: 1.00 means the instrumentation made none.\n',
);
