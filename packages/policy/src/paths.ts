/**
 * Path facts the rules need, judged from the path text alone (the collector sees paths from
 * other machines, so nothing here looks at the local file system or home directory).
 */

/** Files that hold credentials. `.env.example` and friends are templates, not secrets. */
const SECRET_PATH_PATTERNS: readonly RegExp[] = [
  /(^|\/)\.env(\.[\w.-]+)?$/,
  /(^|\/)\.ssh\/(id_[\w-]+|[\w.-]*_(rsa|ed25519|ecdsa|dsa))$/,
  /(^|\/)\.aws\/credentials$/,
  /(^|\/)\.config\/gcloud\/(credentials\.db|access_tokens\.db|application_default_credentials\.json|legacy_credentials(\/.*)?)$/,
  /(^|\/)\.azure\/(accessTokens\.json|msal_token_cache\.(json|bin)|azureProfile\.json)$/,
  /(^|\/)\.kube\/config$/,
  /(^|\/)\.docker\/config\.json$/,
  /(^|\/)\.npmrc$/,
  /(^|\/)\.pypirc$/,
  /(^|\/)\.netrc$/,
  /(^|\/)\.pgpass$/,
  /(^|\/)\.my\.cnf$/,
  /(^|\/)\.git-credentials$/,
  /(^|\/)\.config\/gh\/hosts\.ya?ml$/,
  /(^|\/)\.vault-token$/,
  /(^|\/)\.terraform\.d\/credentials\.tfrc\.json$/,
  /(^|\/)\.gnupg\/(private-keys-v1\.d(\/.*)?|secring\.gpg)$/,
  /(^|\/)[\w.-]*(service[-_]?account|credentials?|secrets?)[\w.-]*\.(json|ya?ml|toml|env)$/i,
  /\.(pem|key|p12|pfx|jks|keystore|ppk)$/i,
  /(^|\/)\/?etc\/shadow$/,
  /(^|\/)\.claude\/\.credentials\.json$/,
];

/** Templates that document a secret file's shape without holding secrets. */
const TEMPLATE_PATH = /(\.|-|_)(example|sample|template|dist|defaults?|schema)(\.[\w]+)?$|\.pub$/i;

/** Whether a path is a credential file: `.env`, SSH keys, cloud credentials, `.npmrc`, kube config… */
export function isSecretPath(path: string): boolean {
  if (TEMPLATE_PATH.test(path)) return false;
  return SECRET_PATH_PATTERNS.some((pattern) => pattern.test(path));
}

/** Folders a build regenerates: deleting them destroys nothing. */
const BUILD_SEGMENTS = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'target',
  '.next',
  '.nuxt',
  '.svelte-kit',
  'coverage',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.cache',
  '.turbo',
  '.parcel-cache',
  '.tox',
  '.venv',
  'venv',
  '.gradle',
  'tmp',
  '.tmp',
  'temp',
  'obj',
  '.angular',
  '.expo',
  '.output',
  '.vite',
  '.eslintcache',
  '.tsbuildinfo',
]);

/** Files a build, a test run or an editor leaves behind (`*.log`, `*.pyc`, `.DS_Store`…). */
const GENERATED_FILE =
  /^(\*|[\w.-]*)\.(log|pyc|pyo|tmp|temp|o|obj|class|tsbuildinfo|swp|swo|bak|orig|rej)$|^\.DS_Store$|^Thumbs\.db$/;

/** Whether a path is (inside) a build output or cache folder, a temporary directory, or a generated file. */
export function isBuildPath(path: string): boolean {
  if (isNeutralPath(path)) return true;
  if (GENERATED_FILE.test(path.split('/').pop() ?? '')) return true;
  return path
    .split('/')
    .some((segment) => BUILD_SEGMENTS.has(segment) || segment.endsWith('.tsbuildinfo'));
}

/** Paths outside any workspace that every tool touches: temp dirs and device files. */
export function isNeutralPath(path: string): boolean {
  return /^\/(tmp|var\/tmp|private\/tmp|dev\/(null|stdout|stderr|stdin|tty|fd\/\d+))(\/|$)/.test(
    path,
  );
}

/** Whether `path` is `directory` or inside it. */
export function isUnder(path: string, directory: string): boolean {
  if (directory === '') return false;
  const base = directory.endsWith('/') ? directory.slice(0, -1) : directory;
  return path === base || path.startsWith(base + '/') || base === '';
}

/** A home directory (`/home/x`, `/Users/x`, `/root`), the file system root, or a top-level system folder. */
export function isCriticalDirectory(path: string): boolean {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return (
    trimmed === '/' ||
    /^\/(home|Users)\/[^/]+$/.test(trimmed) ||
    /^\/(root|etc|usr|var|bin|sbin|lib|lib64|opt|boot|srv|home|Users)$/.test(trimmed)
  );
}
