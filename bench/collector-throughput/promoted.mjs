/**
 * What the collector's processor path keeps past the young generation, by the function that
 * allocated it: the garbage collector's work on the policy path (scavenges copying survivors,
 * full collections marking the old generation) grows with these bytes, not with what dies
 * young. One pass of processor-path.mjs (decode → policy processor → export encoding) after a
 * warm-up pass, under V8's sampling heap profiler with what scavenges collect left out — the
 * bytes reported were promoted to the old generation or are still alive.
 *
 *   node --no-turbo-inlining bench/collector-throughput/promoted.mjs BODIES.json [POLICY] [TOP] [--all]
 *
 * With `--all`, every byte allocated is counted, what scavenges collect too: the allocation rate,
 * which sets how often scavenges run (and, through V8's escape analysis and inlining, differs
 * with `--no-turbo-inlining`: run it without that flag for what the collector allocates).
 *
 * BODIES.json as for processor-path.mjs (`run.ts --processor-only --save-bodies FILE`); POLICY
 * `recommended` (default), `off` or a policy file; TOP lines of each list (default 15).
 * `--no-turbo-inlining` charges each allocation to the function that makes it rather than to
 * the one it was inlined into (slower, and the bytes are the same either way). A sample every
 * 1 KiB allocated: figures move by a few percent from run to run.
 */
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import { argv } from 'node:process';
import { processorPass } from './processor-path.mjs';

const all = argv.includes('--all');
const [bodiesFile, policy = 'recommended', top = '15'] = argv
  .slice(2)
  .filter((arg) => arg !== '--all');
if (!bodiesFile) {
  console.error('usage: node --no-turbo-inlining promoted.mjs BODIES.json [POLICY] [TOP] [--all]');
  process.exit(2);
}
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8')).map((body) =>
  Buffer.from(body, 'base64'),
);
await processorPass(bodies, policy);

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 1024,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: all,
});
await processorPass(bodies, policy);
const { profile } = await session.post('HeapProfiler.stopSampling');
session.disconnect();

/** Bytes by allocating function (`self`) and by function on the stack (`inclusive`). */
const self = new Map();
const inclusive = new Map();
let total = 0;
const frameName = ({ functionName, url, lineNumber }) =>
  `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
const walk = (node, stack) => {
  const name = frameName(node.callFrame);
  total += node.selfSize;
  self.set(name, (self.get(name) ?? 0) + node.selfSize);
  const onStack = new Set(stack).add(name);
  for (const frame of onStack) inclusive.set(frame, (inclusive.get(frame) ?? 0) + node.selfSize);
  for (const child of node.children) walk(child, onStack);
};
walk(profile.head, []);

const { decodeProtobufWire } = await import(
  new URL('../../packages/collector/dist/otlp-decode.js', import.meta.url).href
);
let spans = 0;
for (const body of bodies)
  spans += decodeProtobufWire(body, { maxAttributeValueLength: 65_536 }).acceptedSpans;
const list = (map) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(top))
    .map(([name, bytes]) => `${(bytes / 1e6).toFixed(2).padStart(8)} MB  ${name}`)
    .join('\n');
console.log(
  `${policy}: ${(total / 1e6).toFixed(1)} MB ${all ? 'allocated' : 'promoted or alive'} in one pass of ${spans} spans` +
    ` (${Math.round(total / Math.max(1, spans))} bytes per span)`,
);
console.log(`by allocating function:\n${list(self)}`);
console.log(`by function on the stack:\n${list(inclusive)}`);
