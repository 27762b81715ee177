/**
 * Configuration, layered highest first: `AGENT_OTEL_*` variables, the Claude Code plugin's
 * options (`CLAUDE_PLUGIN_OPTION_*`), the file named by `AGENT_OTEL_CONFIG`, `.agent-otel.yaml`
 * in the project directory, `~/.config/agent-otel/config.yaml`, then the standard `OTEL_*`
 * variables. Claude Code strips `OTEL_*` from hook processes, which is why the other layers
 * exist. A bad file is reported as one line in `problems` and skipped; it never throws.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentOtelConfig, AgentOtelConfigFile, ConfigDenyRule } from './types.js';

/** Where a resolved value came from (for `agent.owner.source`). */
export type ConfigLayer = 'env' | 'plugin_option' | 'config' | 'otel';

/** The configuration after layering, plus what went wrong while reading it. */
export interface ResolvedConfig extends Required<
  Pick<
    AgentOtelConfig,
    | 'headers'
    | 'serviceName'
    | 'resourceAttributes'
    | 'captureContent'
    | 'contentMaxLength'
    | 'stateDir'
    | 'failClosed'
    | 'deny'
    | 'sessionTimeoutSeconds'
  >
> {
  readonly endpoint?: string;
  /** The full traces URL (`…/v1/traces`), when an endpoint is configured. */
  readonly tracesUrl?: string;
  readonly outputFile?: string;
  readonly owner?: string;
  /** Which layer gave the owner: `env`, `plugin_option` or `config`. */
  readonly ownerSource?: 'env' | 'plugin_option' | 'config';
  readonly policy?: string;
  /** Files that were read. */
  readonly files: readonly string[];
  /** One line per problem (a bad file, a bad value), for stderr. */
  readonly problems: readonly string[];
}

/** Inputs of {@link loadConfig}; all optional, for tests and the Agent SDK. */
export interface LoadConfigOptions {
  /** The environment to read. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** The project directory (`.agent-otel.yaml` is looked up there). Default: `CLAUDE_PROJECT_DIR` or `process.cwd()`. */
  readonly projectDir?: string;
  /** Values given in code (the Agent SDK options): highest precedence. */
  readonly overrides?: AgentOtelConfig;
}

const DEFAULT_CONTENT_MAX_LENGTH = 8192;
const DEFAULT_SESSION_TIMEOUT_SECONDS = 3600;

/** `k1=v1,k2=v2` (the `OTEL_EXPORTER_OTLP_HEADERS` format, values percent-decoded). */
export function parseKeyValueList(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of text.split(',')) {
    const index = entry.indexOf('=');
    if (index <= 0) continue;
    const key = entry.slice(0, index).trim();
    const raw = entry.slice(index + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // A value that is not valid percent-encoding is taken literally.
    }
    if (key) result[key] = value;
  }
  return result;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const normalized = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  return undefined;
}

function parsePositiveInt(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const number = Number(value);
  return Number.isInteger(number) && number > 0 ? number : undefined;
}

/** The user's state directory for agent-otel (`$XDG_STATE_HOME/agent-otel`, `~/.local/state/agent-otel`). */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'agent-otel');
}

/** Reads a layer from variables with a prefix (`AGENT_OTEL_`, `CLAUDE_PLUGIN_OPTION_`). */
function layerFromVariables(
  env: NodeJS.ProcessEnv,
  prefix: string,
  problems: string[],
): AgentOtelConfig {
  const get = (name: string): string | undefined => {
    const value = env[prefix + name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const layer: AgentOtelConfig = {};
  const endpoint = get('ENDPOINT');
  if (endpoint !== undefined) layer.endpoint = endpoint;
  const headers = get('HEADERS');
  if (headers !== undefined) layer.headers = parseKeyValueList(headers);
  const owner = get('OWNER');
  if (owner !== undefined) layer.owner = owner;
  for (const [name, key] of [
    ['CAPTURE_CONTENT', 'captureContent'],
    ['FAIL_CLOSED', 'failClosed'],
  ] as const) {
    const raw = get(name);
    if (raw === undefined) continue;
    const value = parseBoolean(raw);
    if (value === undefined)
      problems.push(`${prefix}${name}: expected true or false, got '${raw}'`);
    else layer[key] = value;
  }
  for (const [name, key] of [
    ['CONTENT_MAX_LENGTH', 'contentMaxLength'],
    ['SESSION_TIMEOUT', 'sessionTimeoutSeconds'],
  ] as const) {
    const raw = get(name);
    if (raw === undefined) continue;
    const value = parsePositiveInt(raw);
    if (value === undefined)
      problems.push(`${prefix}${name}: expected a positive integer, got '${raw}'`);
    else layer[key] = value;
  }
  const stateDir = get('STATE_DIR');
  if (stateDir !== undefined) layer.stateDir = stateDir;
  const policy = get('POLICY');
  if (policy !== undefined) layer.policy = policy;
  const serviceName = get('SERVICE_NAME');
  if (serviceName !== undefined) layer.serviceName = serviceName;
  const outputFile = get('OUTPUT_FILE');
  if (outputFile !== undefined) layer.outputFile = outputFile;
  return layer;
}

function layerFromOtel(env: NodeJS.ProcessEnv): AgentOtelConfig & { tracesUrl?: string } {
  const layer: AgentOtelConfig & { tracesUrl?: string } = {};
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) layer.endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
    layer.tracesUrl = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const headers = {
    ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS ?? ''),
    ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? ''),
  };
  if (Object.keys(headers).length > 0) layer.headers = headers;
  if (env.OTEL_SERVICE_NAME) layer.serviceName = env.OTEL_SERVICE_NAME;
  if (env.OTEL_RESOURCE_ATTRIBUTES) {
    layer.resourceAttributes = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES);
  }
  return layer;
}

type FileParser = (text: string) => unknown;

/**
 * Reads and validates one config file; `undefined` (and a problem line) when it is invalid.
 * `yaml` and `zod` are loaded only when a file exists: most hook runs have none, and the hook
 * must start fast.
 */
async function layerFromFile(
  path: string,
  problems: string[],
): Promise<AgentOtelConfig | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config ${path}: cannot read: ${(error as Error).message}`);
    return undefined;
  }
  let data: unknown;
  try {
    // Bundled (the hook's esbuild bundle) the CommonJS build's exports sit under `default`.
    const yaml = (await import('yaml')) as { parse?: FileParser; default?: { parse: FileParser } };
    const parse = yaml.parse ?? yaml.default?.parse;
    if (!parse) throw new Error('the yaml package has no parse()');
    data = text.trim() === '' ? {} : parse(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    problems.push(`config ${path}: not valid YAML: ${message}`);
    return undefined;
  }
  const { configFileSchema } = await import('./config-schema.js');
  const parsed = configFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    problems.push(`config ${path}: ${field}: ${issue.message}`);
    return undefined;
  }
  const file: AgentOtelConfigFile = parsed.data;
  const { headers, resourceAttributes, ...rest } = file;
  return {
    ...rest,
    ...(headers !== undefined
      ? { headers: typeof headers === 'string' ? parseKeyValueList(headers) : headers }
      : {}),
    ...(resourceAttributes !== undefined
      ? {
          resourceAttributes:
            typeof resourceAttributes === 'string'
              ? parseKeyValueList(resourceAttributes)
              : resourceAttributes,
        }
      : {}),
  };
}

/** Resolves the configuration from every layer. Never throws. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const files: string[] = [];
  const projectDir = options.projectDir ?? env.CLAUDE_PROJECT_DIR ?? process.cwd();
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');

  const layers: { layer: AgentOtelConfig; source: ConfigLayer }[] = [];
  if (options.overrides) layers.push({ layer: options.overrides, source: 'config' });
  layers.push({ layer: layerFromVariables(env, 'AGENT_OTEL_', problems), source: 'env' });
  layers.push({
    layer: layerFromVariables(env, 'CLAUDE_PLUGIN_OPTION_', problems),
    source: 'plugin_option',
  });
  const candidates = [
    env.AGENT_OTEL_CONFIG,
    join(projectDir, '.agent-otel.yaml'),
    join(projectDir, '.agent-otel.yml'),
    join(configHome, 'agent-otel', 'config.yaml'),
    join(configHome, 'agent-otel', 'config.yml'),
  ];
  for (const [index, path] of candidates.entries()) {
    if (!path) continue;
    // AGENT_OTEL_CONFIG names a file the operator expects to exist: say so when it does not.
    if (!existsSync(path)) {
      if (index === 0) problems.push(`config ${path} (AGENT_OTEL_CONFIG): file not found`);
      continue;
    }
    const layer = await layerFromFile(path, problems);
    if (layer) {
      files.push(path);
      layers.push({ layer, source: 'config' });
    }
  }
  const otel = layerFromOtel(env);
  layers.push({ layer: otel, source: 'otel' });

  const first = <K extends keyof AgentOtelConfig>(key: K): AgentOtelConfig[K] | undefined =>
    layers.find(({ layer }) => layer[key] !== undefined)?.layer[key];
  const ownerLayer = layers.find(({ layer }) => layer.owner !== undefined);

  // Headers and resource attributes merge across layers (a higher layer wins per key).
  const headers: Record<string, string> = {};
  const resourceAttributes: Record<string, string> = {};
  for (const { layer } of [...layers].reverse()) {
    Object.assign(headers, layer.headers ?? {});
    Object.assign(resourceAttributes, layer.resourceAttributes ?? {});
  }
  const endpoint = first('endpoint');
  const endpointLayer = layers.find(({ layer }) => layer.endpoint !== undefined);
  let tracesUrl: string | undefined;
  if (otel.tracesUrl && (!endpointLayer || endpointLayer.source === 'otel'))
    tracesUrl = otel.tracesUrl;
  else if (endpoint) tracesUrl = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  if (tracesUrl) {
    try {
      new URL(tracesUrl);
    } catch {
      problems.push(`endpoint '${endpoint ?? tracesUrl}' is not a URL`);
      tracesUrl = undefined;
    }
  }
  const deny: ConfigDenyRule[] = [];
  for (const { layer } of layers) deny.push(...(layer.deny ?? []));

  const owner = first('owner');
  const outputFile = first('outputFile');
  const policy = first('policy');
  return {
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(tracesUrl !== undefined ? { tracesUrl } : {}),
    headers,
    serviceName: first('serviceName') ?? 'agent-otel',
    resourceAttributes,
    ...(outputFile !== undefined ? { outputFile } : {}),
    ...(owner !== undefined && ownerLayer && ownerLayer.source !== 'otel'
      ? { owner, ownerSource: ownerLayer.source }
      : {}),
    captureContent: first('captureContent') ?? false,
    contentMaxLength: first('contentMaxLength') ?? DEFAULT_CONTENT_MAX_LENGTH,
    stateDir: first('stateDir') ?? defaultStateDir(env),
    failClosed: first('failClosed') ?? false,
    deny,
    ...(policy !== undefined ? { policy } : {}),
    sessionTimeoutSeconds: first('sessionTimeoutSeconds') ?? DEFAULT_SESSION_TIMEOUT_SECONDS,
    files,
    problems,
  };
}
