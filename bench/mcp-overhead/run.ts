// bench:mcp-overhead — per-call latency and CPU of `tools/call` over the in-memory transport and
// over stdio: uninstrumented, agent-otel, @traceloop/instrumentation-mcp and
// @arizeai/openinference-instrumentation-mcp, measured in the same run. Each variant runs in a
// fresh process; rounds alternate the variants' order to spread machine noise; the figure of a
// variant is its median over rounds. Usage: npm run bench:mcp-overhead [-- --rounds 3 --calls 3000]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const VARIANTS = ['uninstrumented', 'agent-otel', 'agent-otel-client-only', 'traceloop', 'arize'];
const TRANSPORTS = ['in-memory', 'stdio'] as const;

interface Result {
  variant: string;
  transport: string;
  calls: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerCall: number;
  spansExported: number;
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
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
  const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const transport of TRANSPORTS) {
    for (const variant of order) {
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
  '| transport | variant | mean µs/call | p50 µs | p99 µs | CPU µs/call | latency vs uninstrumented | CPU vs uninstrumented | spans/call |',
);
rows.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const transport of TRANSPORTS) {
  const base = results.get(`${transport}\tuninstrumented`) ?? [];
  const baseMean = median(base.map((r) => r.meanUs));
  const baseCpu = median(base.map((r) => r.cpuUsPerCall));
  for (const variant of VARIANTS) {
    const runs = results.get(`${transport}\t${variant}`) ?? [];
    const mean = median(runs.map((r) => r.meanUs));
    const cpu = median(runs.map((r) => r.cpuUsPerCall));
    const spans = median(runs.map((r) => r.spansExported / r.calls));
    const pct = (value: number, reference: number): string =>
      `${value >= reference ? '+' : ''}${(((value - reference) / reference) * 100).toFixed(1)}%`;
    rows.push(
      `| ${transport} | ${variant} | ${mean.toFixed(1)} | ${median(runs.map((r) => r.p50Us)).toFixed(1)} | ${median(runs.map((r) => r.p99Us)).toFixed(1)} | ${cpu.toFixed(1)} | ${pct(mean, baseMean)} | ${pct(cpu, baseCpu)} | ${spans.toFixed(2)} |`,
    );
  }
}
process.stdout.write(
  `MCP tools/call overhead — ${rounds} rounds, medians; Node ${process.version}\n\n${rows.join('\n')}\n\n` +
    'spans/call counts every exported span per call, including the one "agent turn" span the\n' +
    'benchmark wraps each call in (so 1.00 means the instrumentation made none).\n',
);
