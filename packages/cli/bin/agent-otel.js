#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ (run `npm run build` first).
// `agent-otel hook` runs once per Claude Code event: it uses the esbuild bundle of the hook
// (dist/hook-bundle/, made by `npm run build`), compiled with a V8 code cache, for a fast start.
if (process.argv[2] === 'hook') {
  const { runBundledHook } = await import('./hook-loader.js');
  let code;
  try {
    code = await runBundledHook(process.argv.slice(3));
  } catch (error) {
    process.stderr.write(
      `agent-otel hook: the hook bundle failed to load (${error.message}); using the unbundled hook\n`,
    );
  }
  if (code !== undefined) process.exitCode = code;
}
if (process.argv[2] !== 'hook' || process.exitCode === undefined) {
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
