/** Shannon entropy of a string, in bits per character (0 for the empty string). */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const probability = count / value.length;
    entropy -= probability * Math.log2(probability);
  }
  return entropy;
}

const PLACEHOLDER_WORDS = [
  'example',
  'placeholder',
  'changeme',
  'change_me',
  'change-me',
  'your_',
  'your-',
  'yourtoken',
  'yourpassword',
  'xxxx',
  '****',
  '...',
  'redacted',
  'dummy',
  'sample',
  'replace',
  'insert',
  'fixme',
  'todo',
];

const PLACEHOLDER_VALUES = new Set([
  'password',
  'passwd',
  'pass',
  'secret',
  'token',
  'root',
  'admin',
  'user',
  'test',
  'null',
  'none',
  'undefined',
  'empty',
]);

/**
 * Whether a value is a template or documentation placeholder rather than a secret:
 * `${VAR}`, `{{ secrets.X }}`, `<token>`, `$TOKEN`, `%VAR%`, `your-api-key`, `xxxx…`, `changeme`.
 */
export function isPlaceholder(value: string): boolean {
  if (/\$\{|\{\{|\$\(|%[A-Z_]{1,40}%|<[^>]{0,60}>|^\$[A-Za-z_]/.test(value)) return true;
  const lower = value.toLowerCase();
  if (PLACEHOLDER_VALUES.has(lower)) return true;
  if (PLACEHOLDER_WORDS.some((word) => lower.includes(word))) return true;
  return /^(.)\1*$/.test(value);
}
