#!/usr/bin/env bash
# Instructions per span of the collector's processor path (decode → policy processor → export
# encoding, `run.ts --processor-only`), with the recommended ruleset and with policy off,
# counted by valgrind: for telling whether a change made the path cheaper when CPU time cannot
# (on a shared 2-core machine one round's CPU time moves by ±15 % for the same code; these
# counts move by ~0.2 %).
#
#   npm run build && bash bench/collector-throughput/instructions.sh [SPANS] [ROUNDS]
#   (defaults 27000 and 2; ~4 min)
#
# How: the same traffic every run (`run.ts --processor-only --seed 1 --save-bodies`), run by
# processor-path.mjs — plain JavaScript over the built packages, nothing else in the process —
# with V8 deterministic and single-threaded (`--predictable`) and a 1 GiB young generation so
# scavenges rarely run; each path is counted for a run of 1 round and a run of 1 + ROUNDS (each
# after a warm-up pass), and the difference — ROUNDS rounds' work, without start-up and
# warm-up — divided by the spans. A full garbage collection falls in some rounds and not others
# (one in two rounds moves the figure by ~10 %), and where it falls moves with what a change
# allocates: to compare changes that allocate differently, count over more rounds (16: the
# twentieth pass of docs/collector-benchmark-history.md). What it does not show: most of the
# garbage collector's work and cache misses (time the counts leave out), nor anything outside
# the processor path (HTTP, disk queue, exporters). Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/../.."
spans=${1:-27000}
rounds=${2:-2}
command -v valgrind >/dev/null || {
  echo "instructions.sh needs valgrind (apt-get install valgrind)" >&2
  exit 2
}
bodies=$(mktemp --suffix=.json)
trap 'rm -f "$bodies"' EXIT
total=$(npx tsx bench/collector-throughput/run.ts --processor-only --seed 1 --spans "$spans" \
  --save-bodies "$bodies" | sed -n 's/^\([0-9]*\) spans in .*/\1/p')

count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    node --predictable --min-semi-space-size=1024 --max-semi-space-size=1024 \
    bench/collector-throughput/processor-path.mjs "$bodies" "$1" "$2" 2>&1 |
    sed -n 's/.*I *refs: *//p' | tr -d ,
}

declare -A per_span
for policy in recommended off; do
  one=$(count "$policy" 1)
  more=$(count "$policy" $((1 + rounds)))
  per_span[$policy]=$(((more - one) / rounds / total))
  echo "$policy: ${per_span[$policy]} instructions per span ($total spans, $rounds rounds)"
done
echo "policy path: $((per_span[recommended] - per_span[off])) instructions per span more than policy off"
