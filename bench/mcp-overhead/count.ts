// bench:mcp-overhead, the stable figure: instructions per `tools/call` over the in-memory
// transport, counted by valgrind's callgrind over N warmed-up calls of each variant (client and
// server in one process), on the main thread only: the JS of the call, the instrumentation and
// the scavenges they cause, without V8's background compiler and concurrent marking, whose share
// depends on timing. It moves far less than CPU time with the load of a shared machine, but it
// still moves: which functions V8's background compiler has optimized by the time the count starts
// depends on timing, so runs of unchanged code differ by ±15 k and now and then by 100 k or more.
// Hence --runs (medians and ranges over interleaved runs). It does not see cache misses: it
// complements the CPU figures of run.ts. Needs valgrind.
// Usage: tsx bench/mcp-overhead/count.ts [--calls 300 --warmup 3000 --runs 3 --variants a,b
//   --node-flags='--flag …' (node flags of the measured process) --keep <dir> (callgrind files)]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { VARIANTS } from './variants.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '3000' },
    variants: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    keep: { type: 'string' },
    runs: { type: 'string', default: '1' },
  },
});
const nodeFlags = (values['node-flags'] ?? '').split(' ').filter((flag) => flag !== '');
const calls = Number(values.calls);
// --runs N: every variant N times, rounds interleaved (all variants, then all again), so that a
// disturbance of the shared machine falls on one round; figures are per-variant medians with the
// range, and "vs uninstrumented" is the ratio of the medians.
const runs = Number(values.runs);
const names = values.variants ? values.variants.split(',') : [...VARIANTS];
const script = fileURLToPath(new URL('./calls.ts', import.meta.url));
// --keep <dir>: leave the callgrind files there (for callgrind_annotate) instead of a temp dir.
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mcp-overhead-count-'));

async function count(variant: string, run: number): Promise<number> {
  const out = join(dir, `${variant}.${run}.callgrind`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}`,
      // V8 writes the machine code it runs.
      '--smc-check=all-non-file',
      process.execPath,
      ...nodeFlags,
      '--import',
      'tsx',
      script,
      variant,
      String(values.warmup),
      String(calls),
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const pid = String(child.pid);
  for await (const line of createInterface({ input: child.stdout })) {
    if (line === 'ready') {
      execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
      child.stdin.write('\n');
    } else if (line === 'done') {
      execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
      child.stdin.write('\n');
    }
  }
  if ((await exited) !== 0) throw new Error(`${variant} failed under valgrind`);
  // With --separate-threads, thread 1 (the main thread) is written to <out>-01.
  const totals = /^totals:\s+(\d+)/m.exec(readFileSync(`${out}-01`, 'utf8'));
  if (!totals?.[1]) throw new Error(`no instruction count for ${variant}`);
  return Number(totals[1]) / calls;
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? NaN)
    : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

const k = (value: number): string => `${(value / 1000).toFixed(0)} k`;

try {
  const counts = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let run = 1; run <= runs; run++) {
    for (const name of names) {
      const value = await count(name, run);
      counts.get(name)?.push(value);
      process.stderr.write(`run ${run} ${name}: ${k(value)} instr/call\n`);
    }
  }
  const base = median(counts.get('uninstrumented') ?? []);
  const rows = [
    '| variant | instructions/call (median) | min … max | vs uninstrumented |',
    '| --- | --- | --- | --- |',
  ];
  for (const [name, values] of counts) {
    const value = median(values);
    const vs = Number.isFinite(base)
      ? `${value >= base ? '+' : ''}${(((value - base) / base) * 100).toFixed(1)}%`
      : '-';
    rows.push(
      `| ${name} | ${k(value)} | ${k(Math.min(...values))} … ${k(Math.max(...values))} | ${vs} |`,
    );
  }
  process.stdout.write(
    `MCP tools/call in memory — callgrind instructions per call over ${calls} calls after ` +
      `${values.warmup} warm-up calls, ${runs} run(s) per variant; Node ${process.version}\n\n` +
      `${rows.join('\n')}\n`,
  );
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
