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
