/** Writes the files derived from the registry. Run with `npm run generate`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderAttributeConstants, renderIndex, renderSemconvDoc } from './render.js';

export const GENERATED_CONSTANTS_PATH = fileURLToPath(
  new URL('../src/generated/attributes.ts', import.meta.url),
);
export const INDEX_PATH = fileURLToPath(new URL('../src/index.ts', import.meta.url));
export const SEMCONV_DOC_PATH = fileURLToPath(new URL('../../../docs/semconv.md', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(GENERATED_CONSTANTS_PATH, renderAttributeConstants());
  writeFileSync(SEMCONV_DOC_PATH, renderSemconvDoc());
  writeFileSync(INDEX_PATH, renderIndex(readFileSync(INDEX_PATH, 'utf8')));
  console.log(`wrote ${GENERATED_CONSTANTS_PATH} and ${SEMCONV_DOC_PATH}`);
}
