// Variants in memory, warmed up, then N calls of each and nothing else: the unit that count.ts
// runs under callgrind, switching instrumentation on for the N calls only, to get instructions
// per call — which, unlike CPU time, do not move with the load of a shared machine.
// Usage: tsx calls.ts <variant[,variant…]> <warmup> <calls> [rounds]
// Before each variant's N calls it says "ready <variant>" and waits for a line on stdin; after
// them it says "done <variant>" and waits again. With several variants (count.ts --in-process)
// they all live in this one process, so they share one JIT state, and the rounds rotate their
// order; the process exits after the last round.
import { createInterface } from 'node:readline';
import { createVariant, installGlobals } from './variants.js';
import type { Variant, VariantName } from './variants.js';

const [namesArg, warmupArg, callsArg, roundsArg] = process.argv.slice(2) as [
  string,
  string,
  string,
  string | undefined,
];
const names = namesArg.split(',') as VariantName[];
const rounds = Number(roundsArg ?? '1');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
installGlobals();
const variants: Variant[] = [];
for (const name of names) variants.push(await createVariant(name, 'in-memory'));
// Warm-up interleaved in slices, so no variant's code is optimized for a shape only it has.
const slice = 100;
for (let done = 0; done < Number(warmupArg); done += slice) {
  for (const variant of variants) {
    for (let i = 0; i < slice; i++) await variant.call();
  }
}
for (const variant of variants) await variant.flush();
for (let round = 0; round < rounds; round++) {
  for (let index = 0; index < variants.length; index++) {
    const variant = variants[(index + round) % variants.length]!;
    // With --expose-gc (count.ts --node-flags=--expose-gc), the measured calls start on a clean
    // heap.
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(`ready ${variant.name}\n`);
    await lines.next();
    for (let i = 0; i < Number(callsArg); i++) await variant.call();
    await variant.flush();
    process.stdout.write(`done ${variant.name}\n`);
    await lines.next();
  }
}
for (const variant of variants) await variant.close();
process.exit(0);
