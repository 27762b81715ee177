// Loads the CommonJS hook bundle (dist/hook-bundle/hook.cjs) through `vm.Script` with a V8 code
// cache next to it, so a hook process does not recompile the bundle every time (Node 20 has no
// module compile cache). The cache is written atomically after the first run, rewritten when V8
// rejects it (another Node version), and simply skipped where the folder is read-only.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/** Runs `agent-otel hook` from the bundle; `undefined` when there is no bundle. */
export async function runBundledHook(args) {
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
  const code = await module.exports.runHookCommand(args);
  if (cachedData === undefined || script.cachedDataRejected) {
    try {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A read-only install only loses the cache.
    }
  }
  return code;
}
