#!/usr/bin/env node
// Bundles the `agent-otel hook` entry into dist/hook-bundle/hook.cjs with esbuild. The hook starts
// once per Claude Code event, so its start-up time is the product's latency: one bundled file,
// tree-shaken and compiled from a V8 code cache (bin/hook-loader.js), loads far faster than
// hundreds of modules resolved through node_modules. Run by `npm run build` after
// `tsc --build`; output is never committed.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const cliRoot = fileURLToPath(new URL('..', import.meta.url));

// Our packages and zod declare no module-level side effects that matter to the hook, so unused
// modules (the semconv registry's zod schemas, for example) are dropped from the bundle.
const OWN_MODULES =
  /[\\/](packages[\\/](semconv|core|secrets|policy|claude-code)[\\/]dist|node_modules[\\/]zod)[\\/]/;
const noSideEffects = {
  name: 'no-side-effects',
  setup(context) {
    context.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.skip || args.kind === 'entry-point') return undefined;
      const resolved = await context.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { skip: true },
      });
      if (resolved.errors.length > 0 || !OWN_MODULES.test(resolved.path)) return undefined;
      return { ...resolved, sideEffects: false };
    });
  },
};

// Chunk names carry content hashes: start from an empty folder so old chunks do not pile up.
const { rmSync } = await import('node:fs');
rmSync(`${cliRoot}dist/hook-bundle`, { recursive: true, force: true });

// The policy engine reads its recommended ruleset next to its own module
// (`new URL('../rules/recommended.yaml', import.meta.url)`); in the bundle that module is a
// chunk in dist/hook-bundle/, so the ruleset is copied to dist/rules/.
const { cpSync } = await import('node:fs');
// The package's main is dist/index.js; its rules/ folder is a sibling of dist/.
const policyMain = fileURLToPath(import.meta.resolve('@agent-otel/policy'));
cpSync(new URL('../rules', `file://${policyMain}`), `${cliRoot}dist/rules`, { recursive: true });

// One CommonJS file, which bin/hook-loader.js compiles through `vm.Script` with a V8 code cache
// (Node 20 has no module compile cache): compiling the bundle is the largest part of a hook's
// start-up. `import.meta.url` becomes the file's own URL.
const bundleOptions = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: !process.env.AGENT_OTEL_BUNDLE_DEBUG,
  logLevel: 'warning',
  define: { 'import.meta.url': '__agentOtelModuleUrl' },
  banner: { js: "var __agentOtelModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [noSideEffects],
};
await build({
  ...bundleOptions,
  entryPoints: [`${cliRoot}dist/hook-entry.js`],
  outfile: `${cliRoot}dist/hook-bundle/hook.cjs`,
});

// The start-up snapshot (scripts/hook-snapshot-entry.cjs): the same code, loaded and with the
// recommended policy compiled, serialised by `node --build-snapshot` into hook.blob, which the
// plugin's hook command starts from (`node --snapshot-blob …/hook.blob`). A blob only works with
// the Node binary that built it (node refuses any other, and the plugin command falls back to
// the launcher), so it is built here with the Node that runs the build and never committed.
// Node 20 snapshots one CommonJS file that requires only built-in modules: hence the bundle.
await build({
  ...bundleOptions,
  entryPoints: [`${cliRoot}scripts/hook-snapshot-entry.cjs`],
  outfile: `${cliRoot}dist/hook-bundle/hook-snapshot.cjs`,
});
const { spawnSync } = await import('node:child_process');
const { renameSync } = await import('node:fs');
const blob = `${cliRoot}dist/hook-bundle/hook.blob`;
const temporary = `${blob}.${process.pid}.tmp`;
const { mkdtempSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
// A throw-away state directory for the warm-up session the entry runs (see prepareHookSnapshot).
const warmDir = mkdtempSync(`${tmpdir()}/agent-otel-snapshot-`);
const snapshot = spawnSync(
  process.execPath,
  [
    '--snapshot-blob',
    temporary,
    '--build-snapshot',
    `${cliRoot}dist/hook-bundle/hook-snapshot.cjs`,
  ],
  {
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { PATH: process.env.PATH, AGENT_OTEL_SNAPSHOT_WARM_DIR: warmDir },
  },
);
rmSync(warmDir, { recursive: true, force: true });
if (snapshot.status === 0 && !snapshot.stderr.includes('agent-otel hook snapshot:')) {
  // Renamed into place whole: a hook never starts from a half-written blob.
  renameSync(temporary, blob);
} else {
  // The hook still works without a snapshot (the plugin command falls back to the launcher).
  rmSync(temporary, { force: true });
  process.stderr.write(
    `bundle-hook: the hook start-up snapshot was not built (exit ${snapshot.status}); hooks use the code-cache path\n${snapshot.stderr}`,
  );
}
