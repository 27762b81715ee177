'use strict';
/* global require, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- Node 20 snapshots one CommonJS file */
// Entry of the hook's start-up snapshot (scripts/bundle-hook.mjs bundles it with the hook into
// dist/hook-bundle/hook-snapshot.cjs and runs `node --build-snapshot` on that file). While the
// snapshot is built, the hook's modules are loaded and the recommended policy compiled; a hook
// process started with `node --snapshot-blob hook.blob` then only reads its event.
//
// Node checks the blob itself: a blob from another Node version, or a missing or damaged one,
// makes node exit non-zero before anything is read from stdin, and the plugin command then runs
// the ordinary launcher (see packages/claude-code/plugin/hooks/hooks.json). Once running, this
// process always exits 0: telemetry never breaks the agent.
const { dirname, join, resolve } = require('node:path');
const { createRequire } = require('node:module');
const { startupSnapshot } = require('node:v8');
const { prepareHookSnapshot, runHookCommand } = require('../dist/hook-entry.js');

/** The folder the snapshot was built in: the bundle's module URLs point there. */
const BUILT_IN = __dirname;

/** The blob this process started from (`--snapshot-blob <file>` or `--snapshot-blob=<file>`). */
function blobFile() {
  const argv = process.execArgv;
  for (let index = 0; index < argv.length; index += 1) {
    const option = argv[index];
    if (option === '--snapshot-blob') return argv[index + 1];
    if (option.startsWith('--snapshot-blob=')) return option.slice('--snapshot-blob='.length);
  }
  return undefined;
}

async function main() {
  const args = process.argv.slice(2);
  try {
    const blob = blobFile();
    // Moved since it was built: the paths baked into the snapshot (the flusher's bin) are stale,
    // so the plain bundle next to the blob runs instead.
    // (The snapshot's own `require` loads built-in modules only.)
    const moved = blob !== undefined && dirname(resolve(blob)) !== BUILT_IN;
    const bundle = moved ? join(dirname(resolve(blob)), 'hook.cjs') : undefined;
    const run = bundle ? createRequire(bundle)(bundle).runHookCommand : runHookCommand;
    process.exitCode = await run(args);
  } catch (error) {
    process.stderr.write(`agent-otel hook: ${error && error.message}\n`);
    process.exitCode = 0;
  }
}

if (startupSnapshot.isBuildingSnapshot()) {
  // scripts/bundle-hook.mjs passes a throw-away state directory for the warm-up session.
  prepareHookSnapshot(process.env.AGENT_OTEL_SNAPSHOT_WARM_DIR).catch((error) => {
    // A snapshot without the compiled policy still starts faster than no snapshot.
    process.stderr.write(
      `agent-otel hook snapshot: could not prepare the policy: ${error.message}\n`,
    );
  });
  startupSnapshot.setDeserializeMainFunction(() => {
    void main();
  });
}
