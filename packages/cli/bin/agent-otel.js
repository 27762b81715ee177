#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ (run `npm run build` first).
// `agent-otel hook` runs once per Claude Code event: it uses the esbuild bundle of the hook
// (dist/hook-bundle/, made by `npm run build`) when there is one, for a fast start.
if (process.argv[2] === 'hook') {
  let bundle;
  try {
    bundle = await import('../dist/hook-bundle/hook.mjs');
  } catch {
    bundle = undefined;
  }
  if (bundle) process.exitCode = await bundle.runHookCommand(process.argv.slice(3));
}
if (process.argv[2] !== 'hook' || process.exitCode === undefined) {
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
