// Loads the CommonJS hook bundle (dist/hook-bundle/hook.cjs) through `vm.Script` with a V8 code
// cache next to it, so a hook process does not recompile the bundle every time (Node 20 has no
// module compile cache). The cache is written atomically after the first run, rewritten when V8
// rejects it (another Node version), and simply skipped where the folder is read-only.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** The bundle's exports and a function that saves its code cache; `undefined` without a bundle. */
function loadBundle() {
  const fileUrl = new URL('../dist/hook-bundle/hook.cjs', import.meta.url);
  const filename = fileURLToPath(fileUrl);
  let source;
  try {
    source = readFileSync(filename, 'utf8');
  } catch {
    return undefined;
  }
  const cacheFile = `${filename}.${process.version}.${process.arch}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, {
    filename,
    cachedData,
    importModuleDynamically: (specifier) => import(specifier),
  });
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(fileUrl),
    module,
    filename,
    dirname(filename),
  );
  // Saved after a run, so the functions the run compiled lazily are in the cache too.
  const saveCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    try {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A read-only install only loses the cache.
    }
  };
  return { exports: module.exports, saveCache };
}

/**
 * Runs `agent-otel hook` from the bundle (with `input`: on a payload the hook client already
 * read); `undefined` when there is no bundle.
 */
export async function runBundledHook(args, input) {
  const bundle = loadBundle();
  if (bundle === undefined) return undefined;
  const code = await bundle.exports.runHookCommand(args, input);
  bundle.saveCache();
  return code;
}

/**
 * Runs `agent-otel hook-server` from the bundle; `undefined` when there is no bundle. A plain
 * `require`: a long-lived server gains nothing from the code cache, and code loaded through
 * `vm.Script` cannot use dynamic `import()` on Node 20 (delivery does).
 */
export async function runBundledHookServer(args) {
  const fileUrl = new URL('../dist/hook-bundle/hook.cjs', import.meta.url);
  let bundle;
  try {
    bundle = createRequire(fileUrl)(fileURLToPath(fileUrl));
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return bundle.runHookServerCommand(args);
}
