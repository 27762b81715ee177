// bench:mcp-overhead, the stable figure: instructions per `tools/call` over the in-memory
// transport, counted by valgrind's callgrind over N warmed-up calls of each variant (client and
// server in one process), on the main thread only: the JS of the call, the instrumentation and
// the scavenges they cause, without V8's background compiler and concurrent marking, whose share
// depends on timing. It moves far less than CPU time with the load of a shared machine, but it
// still moves: which functions V8's background compiler has optimized by the time the count starts
// depends on timing, so runs of unchanged code differ by ±15 k and now and then by 100 k or more.
// Hence --runs (medians and ranges over interleaved runs). It does not see cache misses: it
// complements the CPU figures of run.ts. Needs valgrind.
// --in-process: every variant in ONE process under callgrind (warmed up together, then --runs
// rounds of N calls each, counted window by window with a callgrind dump per window), so that all
// share one JIT state: what V8 happened to optimize moves every variant alike, and the ratios
// hold steadier than across processes.
// Usage: tsx bench/mcp-overhead/count.ts [--calls 300 --warmup 3000 --runs 3 --variants a,b
//   --in-process --node-flags='--flag …' (node flags of the measured process)
//   --keep <dir> (callgrind files)]
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    'in-process': { type: 'boolean', default: false },
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
mkdirSync(dir, { recursive: true });

/** calls.ts under callgrind: its stdin and stdout are ours, its stderr ignored. */
type Callgrinded = ChildProcessByStdio<Writable, Readable, null>;

function startCallgrind(out: string, args: string[]): Callgrinded {
  return spawn(
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
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
}

/**
 * Drives calls.ts: instrumentation on at "ready", off at "done" (then `onDone`), a line back
 * each time so that it goes on.
 */
async function drive(
  child: Callgrinded,
  what: string,
  onDone?: (variant: string) => void,
): Promise<void> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const pid = String(child.pid);
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('ready')) {
      execFileSync('callgrind_control', ['--instr=on', pid], { stdio: 'ignore' });
      child.stdin.write('\n');
    } else if (line.startsWith('done')) {
      execFileSync('callgrind_control', ['--instr=off', pid], { stdio: 'ignore' });
      onDone?.(line.slice('done '.length));
      child.stdin.write('\n');
    }
  }
  if ((await exited) !== 0) throw new Error(`${what} failed under valgrind`);
}

/** The instruction total of a callgrind file of the main thread. */
function totalOf(file: string): number {
  const totals = /^totals:\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
  if (!totals?.[1]) throw new Error(`no instruction count in ${file}`);
  return Number(totals[1]);
}

async function count(variant: string, run: number): Promise<number> {
  const out = join(dir, `${variant}.${run}.callgrind`);
  await drive(startCallgrind(out, [variant, String(values.warmup), String(calls)]), variant);
  // With --separate-threads, thread 1 (the main thread) is written to <out>-01.
  return totalOf(`${out}-01`) / calls;
}

/**
 * --in-process: instructions per call of every variant in every round, from one process. Each
 * window ends with a dump named after its variant (`<out>.<part>-01`, counts since the previous
 * dump; nothing is counted between windows).
 */
async function countInProcess(): Promise<Map<string, number[]>> {
  const out = join(dir, 'in-process.callgrind');
  const windows: string[] = [];
  const child = startCallgrind(out, [
    names.join(','),
    String(values.warmup),
    String(calls),
    String(runs),
  ]);
  await drive(child, 'the in-process run', (variant) => {
    windows.push(variant);
    execFileSync('callgrind_control', [`--dump=${variant}`, String(child.pid)], {
      stdio: 'ignore',
    });
  });
  const counts = new Map<string, number[]>(names.map((name) => [name, []]));
  windows.forEach((variant, index) => {
    const file = `${out}.${index + 1}-01`;
    const trigger = /^desc: Trigger: dump (.+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
    if (trigger !== variant) throw new Error(`${file} is the dump of ${trigger}, not ${variant}`);
    const value = totalOf(file) / calls;
    counts.get(variant)?.push(value);
    process.stderr.write(
      `round ${Math.floor(index / names.length) + 1} ${variant}: ${k(value)} instr/call\n`,
    );
  });
  return counts;
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
  let counts = new Map<string, number[]>(names.map((name) => [name, []]));
  if (values['in-process']) counts = await countInProcess();
  else {
    for (let run = 1; run <= runs; run++) {
      for (const name of names) {
        const value = await count(name, run);
        counts.get(name)?.push(value);
        process.stderr.write(`run ${run} ${name}: ${k(value)} instr/call\n`);
      }
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
      `${values.warmup} warm-up calls, ${runs} ${values['in-process'] ? 'round(s) per variant, all in one process' : 'run(s) per variant'}; ` +
      `Node ${process.version}\n\n` +
      `${rows.join('\n')}\n`,
  );
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
