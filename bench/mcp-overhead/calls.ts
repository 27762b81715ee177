// One variant in memory, warmed up, then N calls and nothing else: the unit that count.ts runs
// under callgrind, switching instrumentation on for the N calls only, to get instructions per
// call — which, unlike CPU time, do not move with the load of a shared machine.
// Usage: tsx calls.ts <variant> <warmup> <calls>; it says "ready" and waits for a line on stdin
// before the calls, says "done" and waits for a line again before it exits.
import { createInterface } from 'node:readline';
import { createVariant, installGlobals } from './variants.js';
import type { VariantName } from './variants.js';

const [name, warmupArg, callsArg] = process.argv.slice(2) as [VariantName, string, string];
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
installGlobals();
const variant = await createVariant(name, 'in-memory');
for (let i = 0; i < Number(warmupArg); i++) await variant.call();
await variant.flush();
// With --expose-gc (count.ts --node-flags=--expose-gc), the measured calls start on a clean heap.
(globalThis as { gc?: () => void }).gc?.();
process.stdout.write('ready\n');
await lines.next();
for (let i = 0; i < Number(callsArg); i++) await variant.call();
await variant.flush();
process.stdout.write('done\n');
await lines.next();
await variant.close();
process.exit(0);
