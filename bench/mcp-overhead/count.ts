// bench:mcp-overhead, the stable figure: instructions per `tools/call` over the in-memory
// transport, counted by valgrind's callgrind over N warmed-up calls of each variant (client and
// server in one process), on the main thread only: the JS of the call, the instrumentation and
// the scavenges they cause, without V8's background compiler and concurrent marking, whose share
// depends on timing. Unlike CPU time, the count does not move with the load of a shared machine
// (nor does it see cache misses: it complements the CPU figures of run.ts). Needs valgrind.
// Usage: tsx bench/mcp-overhead/count.ts [--calls 300 --warmup 3000 --variants a,b]
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
  },
});
const nodeFlags = (values['node-flags'] ?? '').split(' ').filter((flag) => flag !== '');
const calls = Number(values.calls);
const names = values.variants ? values.variants.split(',') : [...VARIANTS];
const script = fileURLToPath(new URL('./calls.ts', import.meta.url));
// --keep <dir>: leave the callgrind files there (for callgrind_annotate) instead of a temp dir.
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mcp-overhead-count-'));

async function count(variant: string): Promise<number> {
  const out = join(dir, `${variant}.callgrind`);
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

try {
  const counts = new Map<string, number>();
  for (const name of names) {
    counts.set(name, await count(name));
    process.stderr.write(`${name}: ${((counts.get(name) ?? 0) / 1000).toFixed(0)} k instr/call\n`);
  }
  const base = counts.get('uninstrumented');
  const rows = ['| variant | instructions/call | vs uninstrumented |', '| --- | --- | --- |'];
  for (const [name, value] of counts) {
    const vs = base
      ? `${value >= base ? '+' : ''}${(((value - base) / base) * 100).toFixed(1)}%`
      : '-';
    rows.push(`| ${name} | ${(value / 1000).toFixed(0)} k | ${vs} |`);
  }
  process.stdout.write(
    `MCP tools/call in memory — callgrind instructions per call over ${calls} calls after ` +
      `${values.warmup} warm-up calls; Node ${process.version}\n\n${rows.join('\n')}\n`,
  );
} finally {
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
}
