#!/usr/bin/env node
// A Claude Code command hook that records its input: it appends the JSON payload it reads on
// stdin, as one line, to the file named by its first argument, and answers nothing (exit 0),
// so Claude Code proceeds as if no hook were there. One appendFileSync is one write(2) on an
// O_APPEND file, so payloads of hooks that run in parallel do not interleave.
import { appendFileSync, readFileSync } from 'node:fs';

const out = process.argv[2];
if (out === undefined) {
  process.stderr.write('record-hook: usage: record-hook.mjs OUTPUT.jsonl\n');
  process.exit(0);
}
const raw = readFileSync(0, 'utf8');
let line;
try {
  line = JSON.stringify(JSON.parse(raw));
} catch {
  process.stderr.write(`record-hook: stdin was not JSON (${raw.length} bytes); recorded as-is\n`);
  line = JSON.stringify({ unparsed_hook_input: raw });
}
appendFileSync(out, `${line}\n`);
