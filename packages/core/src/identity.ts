/**
 * Identity: the human owner of a session and the non-human identities visible to the agent
 * (tokens, cloud profiles, kube contexts, MCP servers' credentials), each as `kind:fingerprint`
 * — a keyed hash, never the value (docs/architecture.md "Fingerprints"). Also the credentials
 * one tool call uses, and whether it switches identity mid-session.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findSecrets, fingerprintValue } from '@agent-otel/secrets';
import {
  AGENT_OWNER_SOURCE_VALUE_GIT,
  AGENT_OWNER_SOURCE_VALUE_OS,
  ATTR_AGENT_OWNER_SOURCE,
  ATTR_USER_EMAIL,
  ATTR_USER_ID,
  ATTR_USER_NAME,
} from '@agent-otel/semconv';
import type { OwnerSource } from '@agent-otel/semconv';
import type { SpanAttributes } from './decision.js';
import { writePrivateFile } from './files.js';

/** The per-installation fingerprint key: `AGENT_OTEL_FINGERPRINT_KEY`, else `<stateDir>/fingerprint.key` (0600, created on first use). */
export function installationKey(stateDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.AGENT_OTEL_FINGERPRINT_KEY?.trim();
  if (fromEnv) return fromEnv;
  const path = join(stateDir, 'fingerprint.key');
  try {
    const existing = readFileSync(path, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // First use on this installation.
  }
  const key = randomBytes(32).toString('hex');
  writePrivateFile(path, key);
  // Two processes may race to create it: whichever rename landed last is the key for everyone.
  return readFileSync(path, 'utf8').trim();
}

/** `kind:fingerprint` of a credential value. */
export function credentialId(kind: string, value: string, key: string | Uint8Array): string {
  return `${kind}:${fingerprintValue(value, key)}`;
}

/** The human owner of a session. */
export interface Owner {
  readonly id: string;
  readonly email?: string;
  readonly name?: string;
  readonly source: OwnerSource;
}

function gitConfigValue(cwd: string, key: string): string | undefined {
  try {
    const value = execFileSync('git', ['config', '--get', key], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 1_000,
    }).trim();
    return value || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resolves the owner: the configured owner (config file, `AGENT_OTEL_OWNER`, the plugin option —
 * with the layer it came from), then git `user.email`, then the OS user.
 */
export function resolveOwner(options: {
  readonly configured?: { readonly value: string; readonly source: OwnerSource };
  readonly cwd: string;
}): Owner {
  const osUser = (() => {
    try {
      return userInfo().username;
    } catch {
      return process.env.USER ?? 'unknown';
    }
  })();
  if (options.configured) {
    const value = options.configured.value;
    return {
      id: value,
      ...(value.includes('@') ? { email: value } : {}),
      source: options.configured.source,
    };
  }
  const email = gitConfigValue(options.cwd, 'user.email');
  if (email) {
    const name = gitConfigValue(options.cwd, 'user.name');
    return { id: email, email, ...(name ? { name } : {}), source: AGENT_OWNER_SOURCE_VALUE_GIT };
  }
  return { id: osUser, name: osUser, source: AGENT_OWNER_SOURCE_VALUE_OS };
}

/** The session-span attributes of an owner. */
export function ownerAttributes(owner: Owner): SpanAttributes {
  return {
    [ATTR_USER_ID]: owner.id,
    [ATTR_USER_EMAIL]: owner.email,
    [ATTR_USER_NAME]: owner.name,
    [ATTR_AGENT_OWNER_SOURCE]: owner.source,
  };
}

/** Environment variables holding a credential, and its kind. */
const CREDENTIAL_VARIABLES: Record<string, string> = {
  GITHUB_TOKEN: 'github_token',
  GH_TOKEN: 'github_token',
  GITHUB_PAT: 'github_token',
  GH_ENTERPRISE_TOKEN: 'github_token',
  GITLAB_TOKEN: 'gitlab_token',
  GL_TOKEN: 'gitlab_token',
  CI_JOB_TOKEN: 'gitlab_token',
  NPM_TOKEN: 'npm_token',
  NODE_AUTH_TOKEN: 'npm_token',
  AWS_ACCESS_KEY_ID: 'aws_access_key',
  AWS_SESSION_TOKEN: 'aws_session_token',
  AWS_PROFILE: 'aws_profile',
  AWS_DEFAULT_PROFILE: 'aws_profile',
  GOOGLE_APPLICATION_CREDENTIALS: 'gcp_credentials',
  CLOUDSDK_AUTH_ACCESS_TOKEN: 'gcp_access_token',
  ANTHROPIC_API_KEY: 'anthropic_api_key',
  ANTHROPIC_AUTH_TOKEN: 'anthropic_api_key',
  CLAUDE_CODE_OAUTH_TOKEN: 'anthropic_oauth_token',
  OPENAI_API_KEY: 'openai_api_key',
  AZURE_OPENAI_API_KEY: 'azure_openai_api_key',
  HF_TOKEN: 'huggingface_token',
  SLACK_BOT_TOKEN: 'slack_token',
  STRIPE_API_KEY: 'stripe_key',
  DOCKER_AUTH_CONFIG: 'docker_credentials',
  VAULT_TOKEN: 'vault_token',
  KUBECONFIG: 'kube_config',
};

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `current-context:` of a kubeconfig, without a YAML parser (it is a top-level scalar). */
function kubeCurrentContext(text: string): string | undefined {
  const match = /^current-context:\s*["']?([^"'\n#]+?)["']?\s*$/m.exec(text);
  return match?.[1];
}

/** Options of {@link discoverCredentials}. */
export interface DiscoverCredentialsOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly home?: string;
  /** The project directory (its `.mcp.json` is read). */
  readonly cwd?: string;
  readonly key: string | Uint8Array;
}

/** What {@link discoverCredentials} found: ids, and the default identity per switchable kind. */
export interface DiscoveredCredentials {
  /** `kind:fingerprint`, sorted, unique. */
  readonly credentials: string[];
  /** The identity a tool call uses when it names none (`aws_profile`, `kube_context`, `github_token`). */
  readonly defaults: Record<string, string>;
}

/**
 * The non-human identities visible to the agent: credential variables, `~/.aws/credentials`
 * profiles, the kube context, GitHub CLI and npm tokens, gcloud credentials, and credentials
 * configured for MCP servers (`.mcp.json`, `~/.claude.json`). Values never leave: only kinds and
 * keyed fingerprints.
 */
export function discoverCredentials(options: DiscoverCredentialsOptions): DiscoveredCredentials {
  const env = options.env ?? process.env;
  const home = options.home ?? homedir();
  const found = new Set<string>();
  const defaults: Record<string, string> = {};
  const add = (kind: string, value: string | undefined): string | undefined => {
    if (!value) return undefined;
    const id = credentialId(kind, value, options.key);
    found.add(id);
    return id;
  };

  for (const [variable, kind] of Object.entries(CREDENTIAL_VARIABLES)) {
    const value = env[variable]?.trim();
    const id = add(kind, value);
    if (id && kind === 'github_token') defaults.github_token ??= id;
  }
  // Any other variable whose value is a recognisable secret (a vendor token pattern).
  for (const [variable, value] of Object.entries(env)) {
    if (!value || variable in CREDENTIAL_VARIABLES || value.length < 16 || value.length > 4096)
      continue;
    if (!/(TOKEN|SECRET|KEY|PASSWORD|PASS|CREDENTIAL|AUTH)/i.test(variable)) continue;
    for (const finding of findSecrets(value, { fingerprintKey: options.key, entropy: false })) {
      found.add(finding.fingerprint);
    }
  }

  const awsProfile = env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default';
  const awsCredentials = readText(
    env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
  );
  const awsConfig = readText(env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'));
  const profiles = new Set<string>();
  for (const text of [awsCredentials, awsConfig]) {
    for (const match of (text ?? '').matchAll(/^\[(?:profile\s+)?([^\]]+)\]/gm))
      profiles.add(match[1]!.trim());
  }
  for (const profile of profiles) add('aws_profile', profile);
  if (profiles.size > 0 || env.AWS_PROFILE || env.AWS_ACCESS_KEY_ID) {
    defaults.aws_profile = credentialId('aws_profile', awsProfile, options.key);
  }

  const kubeconfigPath = (env.KUBECONFIG ?? join(home, '.kube', 'config')).split(':')[0]!;
  const kubeconfig = readText(kubeconfigPath);
  const context = kubeconfig ? kubeCurrentContext(kubeconfig) : undefined;
  const contextId = add('kube_context', context);
  if (contextId) defaults.kube_context = contextId;

  const ghHosts = readText(join(env.GH_CONFIG_DIR ?? join(home, '.config', 'gh'), 'hosts.yml'));
  for (const match of (ghHosts ?? '').matchAll(/oauth_token:\s*["']?([^\s"']+)/g)) {
    const id = add('github_token', match[1]);
    if (id) defaults.github_token ??= id;
  }
  const npmrc = readText(join(home, '.npmrc'));
  for (const match of (npmrc ?? '').matchAll(/_authToken\s*=\s*["']?([^\s"']+)/g)) {
    if (!match[1]!.startsWith('${')) add('npm_token', match[1]);
  }
  const gcloud = readText(join(home, '.config', 'gcloud', 'application_default_credentials.json'));
  if (gcloud) {
    const match = /"(?:refresh_token|private_key_id)"\s*:\s*"([^"]+)"/.exec(gcloud);
    add('gcp_credentials', match?.[1]);
  }

  // MCP servers' configured credentials: values of env entries and headers.
  for (const path of [
    options.cwd ? join(options.cwd, '.mcp.json') : undefined,
    join(home, '.claude.json'),
  ]) {
    const text = path ? readText(path) : undefined;
    if (!text || text.length > 5_000_000) continue;
    try {
      collectMcpCredentials(JSON.parse(text) as unknown, (server, value) =>
        add(`mcp_credential`, `${server}\u0000${value}`),
      );
    } catch {
      // Not JSON: not a config we understand.
    }
  }
  return { credentials: [...found].sort(), defaults };
}

function collectMcpCredentials(
  config: unknown,
  add: (server: string, value: string) => void,
  depth = 0,
): void {
  if (depth > 4 || typeof config !== 'object' || config === null) return;
  const record = config as Record<string, unknown>;
  const servers = record.mcpServers;
  if (typeof servers === 'object' && servers !== null) {
    for (const [name, server] of Object.entries(servers as Record<string, unknown>)) {
      if (typeof server !== 'object' || server === null) continue;
      for (const field of ['env', 'headers']) {
        const values = (server as Record<string, unknown>)[field];
        if (typeof values !== 'object' || values === null) continue;
        for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
          if (
            typeof value === 'string' &&
            value &&
            /(TOKEN|SECRET|KEY|PASSWORD|AUTH|CREDENTIAL)/i.test(key)
          ) {
            add(name, value);
          }
        }
      }
    }
  }
  // ~/.claude.json keeps per-project MCP servers under `projects.<path>.mcpServers`.
  const projects = record.projects;
  if (typeof projects === 'object' && projects !== null) {
    for (const project of Object.values(projects as Record<string, unknown>))
      collectMcpCredentials(project, add, depth + 1);
  }
}

/** The credentials one tool call uses, and whether it moves to another identity. */
export interface CredentialUse {
  /** `kind:fingerprint` of each credential the call uses. */
  readonly used: string[];
  /** Kinds for which the call uses another identity than the session used before. */
  readonly switchedKinds: string[];
}

function optionValue(words: readonly string[], names: readonly string[]): string | undefined {
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    for (const name of names) {
      if (word === name) return words[index + 1];
      if (word.startsWith(`${name}=`)) return word.slice(name.length + 1);
    }
  }
  return undefined;
}

/**
 * The credentials a shell tool call uses: `aws --profile` / `AWS_PROFILE=`, `kubectl --context`
 * / `kubectl config use-context`, `gh` (the session's GitHub identity, or `GH_TOKEN=`),
 * `gh auth switch`, and any token written in the command. `previous` maps a kind to the
 * identity the session used last (updated in place); a call that uses another one of the same
 * kind is a switch.
 */
export function credentialsUsedByCommand(options: {
  readonly command: string;
  readonly commands: readonly (readonly string[])[];
  readonly assignments?: readonly string[];
  readonly defaults: Record<string, string>;
  readonly previous: Record<string, string>;
  readonly key: string | Uint8Array;
}): CredentialUse {
  const used = new Set<string>();
  const switched = new Set<string>();
  const use = (kind: string, id: string, explicit: boolean): void => {
    used.add(id);
    const before = options.previous[kind] ?? options.defaults[kind];
    if (explicit && before !== undefined && before !== id) switched.add(kind);
    options.previous[kind] = id;
  };
  const assignment = (name: string): string | undefined => {
    const match = new RegExp(`(?:^|[\\s;&|(])${name}=["']?([^\\s"';&|]+)`).exec(options.command);
    return match?.[1];
  };
  for (const words of options.commands) {
    const program = (words[0] ?? '').split('/').pop();
    if (program === 'aws') {
      const profile = optionValue(words, ['--profile']) ?? assignment('AWS_PROFILE');
      if (profile) use('aws_profile', credentialId('aws_profile', profile, options.key), true);
      else if (options.defaults.aws_profile)
        use('aws_profile', options.defaults.aws_profile, false);
    } else if (program === 'kubectl' || program === 'helm' || program === 'k9s') {
      const context =
        optionValue(words, ['--context', '--kube-context']) ??
        (words[1] === 'config' && words[2] === 'use-context' ? words[3] : undefined);
      if (context) use('kube_context', credentialId('kube_context', context, options.key), true);
      else if (options.defaults.kube_context)
        use('kube_context', options.defaults.kube_context, false);
    } else if (program === 'gh') {
      const token = assignment('GH_TOKEN') ?? assignment('GITHUB_TOKEN');
      if (words[1] === 'auth' && words[2] === 'switch') {
        const user = optionValue(words, ['--user', '-u']) ?? 'next';
        use('github_token', credentialId('github_account', user, options.key), true);
      } else if (token) use('github_token', credentialId('github_token', token, options.key), true);
      else if (options.defaults.github_token)
        use('github_token', options.defaults.github_token, false);
    }
  }
  // A huge command is scanned by its head and tail, like the rest of the command analysis.
  const scanned =
    options.command.length > 262_144
      ? `${options.command.slice(0, 131_072)}\n${options.command.slice(-131_072)}`
      : options.command;
  for (const finding of findSecrets(scanned, {
    fingerprintKey: options.key,
    entropy: false,
  })) {
    used.add(finding.fingerprint);
    const kind = finding.type;
    const before = options.previous[kind] ?? options.defaults[kind];
    if (before !== undefined && before !== finding.fingerprint) switched.add(kind);
    options.previous[kind] = finding.fingerprint;
  }
  return { used: [...used], switchedKinds: [...switched] };
}
