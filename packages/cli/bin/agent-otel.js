#!/usr/bin/env node
// Thin launcher: the compiled entry point lives in dist/ (run `npm run build` first).
// `agent-otel hook` runs once per Claude Code event and `agent-otel hook-server` runs that same
// code for the hook client: both use the esbuild bundle of the hook (dist/hook-bundle/, made by
// `npm run build`), compiled with a V8 code cache, for a fast start.
const command = process.argv[2];
if (command === 'hook' || command === 'hook-server') {
  const loader = await import('./hook-loader.js');
  const args = process.argv.slice(3);
  let code;
  try {
    code =
      command === 'hook'
        ? await loader.runBundledHook(args)
        : await loader.runBundledHookServer(args);
  } catch (error) {
    process.stderr.write(
      `agent-otel ${command}: the hook bundle failed to load (${error.message}); using the unbundled code\n`,
    );
  }
  if (code !== undefined) process.exitCode = code;
}
if ((command !== 'hook' && command !== 'hook-server') || process.exitCode === undefined) {
  const { main } = await import('../dist/main.js');
  process.exitCode = await main(process.argv.slice(2));
}
