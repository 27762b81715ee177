#!/usr/bin/env node
// Runs every package's tests (packages/*/test) and the end-to-end tests (test/) with Node's
// built-in test runner; TypeScript is loaded through tsx. Extra arguments are passed on, so
// `npm test -- --test-name-pattern=hook` narrows the run.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function testFiles(directory) {
  let files = [];
  let entries;
  try {
    entries = readdirSync(directory);
  } catch {
    return files;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'fixtures') continue;
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files = files.concat(testFiles(path));
    else if (entry.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

const packageTests = readdirSync(join(root, 'packages')).flatMap((name) =>
  testFiles(join(root, 'packages', name, 'test')),
);
const files = [...packageTests.sort(), ...testFiles(join(root, 'test')).sort()].map((file) =>
  relative(root, file),
);
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', ...process.argv.slice(2), ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
