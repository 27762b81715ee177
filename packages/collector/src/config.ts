/**
 * Configuration of `agent-otel collector`: embedded defaults, then a YAML file (`--config`),
 * then `AGENT_OTEL_COLLECTOR_*` environment variables, then flags. The merged result is
 * checked with zod, so an error names the field (`exporters.otlp[0].endpoint: …`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDocument } from 'yaml';
import { headerProblem } from './exporters/otlp-http.js';
import { isJsonObject } from './json.js';
import type { JsonObject } from './json.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HELD_SPANS } from './types.js';
import type { CollectorOptions, OtlpExporterOptions } from './types.js';

/** A configuration problem, with the field (or flag, or file line) it is about. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const listen = z
  .string()
  .regex(/^(?:\[[^\]]+\]|[^:\s]*):\d{1,5}$/u, 'expected HOST:PORT, e.g. 127.0.0.1:4318');
const positiveInt = z.number().int().positive();
const url = z.url({ protocol: /^https?$/u, error: 'expected an http(s) URL' });

const otlpExporterSchema = z
  .object({
    endpoint: url.optional(),
    traces_endpoint: url.optional(),
    protocol: z.enum(['http/protobuf', 'http/json']).default('http/protobuf'),
    headers: z
      .record(z.string(), z.string())
      .default({})
      .superRefine((headers, context) => {
        // What no HTTP request could carry (a space in a name, a newline in a value).
        for (const [name, value] of Object.entries(headers)) {
          if (headerProblem(name, value) === undefined) continue;
          context.addIssue({
            code: 'custom',
            path: [name],
            message:
              'not a valid HTTP header (a token for a name, no control characters in a value)',
          });
        }
      }),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    timeout_ms: positiveInt.default(10_000),
  })
  .strict()
  .refine((value) => value.endpoint !== undefined || value.traces_endpoint !== undefined, {
    message: 'needs endpoint (a base URL) or traces_endpoint',
  });

/** The configuration file (and the merged configuration), in the file's snake_case. */
export const collectorConfigSchema = z
  .object({
    state_dir: z.string().min(1).default('.agent-otel/collector'),
    receiver: z
      .object({
        listen: listen.default('127.0.0.1:4318'),
        /** OTLP/gRPC too, on this `HOST:PORT` (4317 by convention); off unless set. */
        grpc_listen: listen.optional(),
        max_body_bytes: positiveInt.default(DEFAULT_MAX_BODY_BYTES),
        max_decompressed_bytes: positiveInt.default(DEFAULT_MAX_BODY_BYTES),
        max_attribute_value_length: positiveInt.default(65_536),
        bearer_token: z.string().min(1).optional(),
        tls: z
          .object({ cert_file: z.string().min(1), key_file: z.string().min(1) })
          .strict()
          .optional(),
        /** CORS for browsers' OTLP exporters, as the OpenTelemetry Collector's `cors`. */
        cors: z
          .object({
            allowed_origins: z.array(z.string().min(1)).min(1),
            allowed_headers: z.array(z.string().min(1)).optional(),
            max_age: z.number().int().nonnegative().optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    processor: z
      .object({
        /** `recommended`, `off`, or a policy file. */
        policy: z.string().min(1).default('recommended'),
        window_ms: z.number().int().nonnegative().default(2000),
        session_ttl_ms: positiveInt.default(3_600_000),
        max_sessions: positiveInt.default(10_000),
        max_held_spans: positiveInt.default(DEFAULT_MAX_HELD_SPANS),
        /** Unset: relative paths of sessions without a known workspace stay relative. */
        default_cwd: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    queue: z
      .object({
        max_bytes: positiveInt.default(1024 * 1024 * 1024),
        max_in_flight_spans: positiveInt.default(50_000),
      })
      .strict()
      .prefault({}),
    exporters: z
      .object({
        otlp: z.array(otlpExporterSchema).default([]),
        /** OTLP JSON lines file; empty string for none. Default `<state_dir>/traces.jsonl`. */
        file: z.object({ path: z.string() }).strict().optional(),
        terminal: z
          .object({ enabled: z.boolean().default(true), interval_ms: positiveInt.default(10_000) })
          .strict()
          .prefault({}),
        batch_size: positiveInt.default(2048),
        retry_initial_ms: positiveInt.default(500),
        retry_max_ms: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type CollectorConfig = z.infer<typeof collectorConfigSchema>;

/** What the command needs besides the collector options: how to get the policy. */
export interface ResolvedConfig {
  readonly options: CollectorOptions;
  /** `recommended`, `off`, or a policy file path. */
  readonly policy: string;
}

/** Deep-merges plain objects (arrays and scalars of `override` replace). */
function merge(base: JsonObject, override: JsonObject): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const existing = result[key];
    result[key] = isJsonObject(existing) && isJsonObject(value) ? merge(existing, value) : value;
  }
  return result;
}

/** Reads the YAML file; errors name the line. */
export function readConfigFile(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`--config ${path}: ${(error as Error).message}`);
  }
  const document = parseDocument(text, { prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    const line = error.linePos?.[0].line;
    throw new ConfigError(
      `${path}${line ? `:${line}` : ''}: ${error.message.split('\n')[0] ?? ''}`,
    );
  }
  const value = document.toJS() as unknown;
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) throw new ConfigError(`${path}: the configuration must be a mapping`);
  return value;
}

/** `k=v,k2=v2` (the `OTEL_EXPORTER_OTLP_HEADERS` format, values URL-decoded). */
export function parseHeaderList(text: string, source: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const index = part.indexOf('=');
    if (index <= 0) throw new ConfigError(`${source}: expected key=value, got '${part.trim()}'`);
    headers[part.slice(0, index).trim()] = decodeURIComponent(part.slice(index + 1).trim());
  }
  return headers;
}

function numberFrom(text: string | undefined, source: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new ConfigError(`${source}: expected a number, got '${text}'`);
  return value;
}

/** The layer of one source (env or flags): the fields it sets, in the file's shape. */
interface Layer {
  readonly listen?: string | undefined;
  readonly grpcListen?: string | undefined;
  readonly policy?: string | undefined;
  readonly exportOtlp?: string[] | undefined;
  readonly exportOtlpProtocol?: string | undefined;
  readonly exportOtlpHeaders?: Record<string, string> | undefined;
  readonly exportOtlpCompression?: string | undefined;
  readonly exportFile?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly token?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly windowMs?: number | undefined;
  readonly terminal?: boolean | undefined;
}

function layerToConfig(layer: Layer, base: JsonObject): JsonObject {
  const receiver: JsonObject = {
    listen: layer.listen,
    grpc_listen: layer.grpcListen,
    bearer_token: layer.token,
  };
  if (layer.tlsCert !== undefined || layer.tlsKey !== undefined) {
    receiver['tls'] = { cert_file: layer.tlsCert, key_file: layer.tlsKey };
  }
  const exporters: JsonObject = {};
  if (layer.exportOtlp !== undefined) {
    exporters['otlp'] = layer.exportOtlp.map((endpoint) => ({
      endpoint,
      ...(layer.exportOtlpProtocol !== undefined ? { protocol: layer.exportOtlpProtocol } : {}),
      ...(layer.exportOtlpHeaders !== undefined ? { headers: layer.exportOtlpHeaders } : {}),
      ...(layer.exportOtlpCompression !== undefined
        ? { compression: layer.exportOtlpCompression }
        : {}),
    }));
  } else if (
    layer.exportOtlpProtocol !== undefined ||
    layer.exportOtlpHeaders !== undefined ||
    layer.exportOtlpCompression !== undefined
  ) {
    // Options without a URL apply to the exporters the file configured.
    const existing = (base['exporters'] as JsonObject | undefined)?.['otlp'];
    exporters['otlp'] = (Array.isArray(existing) ? existing : []).map((exporter: unknown) =>
      merge(isJsonObject(exporter) ? exporter : {}, {
        protocol: layer.exportOtlpProtocol,
        headers: layer.exportOtlpHeaders,
        compression: layer.exportOtlpCompression,
      }),
    );
  }
  if (layer.exportFile !== undefined) exporters['file'] = { path: layer.exportFile };
  if (layer.terminal !== undefined) exporters['terminal'] = { enabled: layer.terminal };
  return {
    state_dir: layer.stateDir,
    receiver,
    processor: { policy: layer.policy, window_ms: layer.windowMs },
    exporters,
  };
}

/** The environment variables read, with what each sets. */
export const ENVIRONMENT_VARIABLES: Record<string, string> = {
  AGENT_OTEL_COLLECTOR_CONFIG: 'the YAML configuration file (as --config)',
  AGENT_OTEL_COLLECTOR_LISTEN: 'receiver.listen (as --listen)',
  AGENT_OTEL_COLLECTOR_GRPC_LISTEN: 'receiver.grpc_listen (as --grpc-listen)',
  AGENT_OTEL_COLLECTOR_POLICY: 'processor.policy (as --policy)',
  AGENT_OTEL_COLLECTOR_EXPORT_OTLP: 'exporters.otlp endpoints, comma-separated (as --export-otlp)',
  AGENT_OTEL_COLLECTOR_EXPORT_OTLP_HEADERS: 'headers of the OTLP exporters, k=v,k2=v2',
  AGENT_OTEL_COLLECTOR_EXPORT_FILE: 'exporters.file.path (as --export-file)',
  AGENT_OTEL_COLLECTOR_STATE_DIR: 'state_dir (as --state-dir)',
  AGENT_OTEL_COLLECTOR_TOKEN: 'receiver.bearer_token (as --token)',
};

function envLayer(env: NodeJS.ProcessEnv): Layer {
  const otlp = env['AGENT_OTEL_COLLECTOR_EXPORT_OTLP'];
  const headers = env['AGENT_OTEL_COLLECTOR_EXPORT_OTLP_HEADERS'];
  return {
    listen: env['AGENT_OTEL_COLLECTOR_LISTEN'],
    grpcListen: env['AGENT_OTEL_COLLECTOR_GRPC_LISTEN'],
    policy: env['AGENT_OTEL_COLLECTOR_POLICY'],
    exportOtlp: otlp
      ?.split(',')
      .map((part) => part.trim())
      .filter(Boolean),
    exportOtlpHeaders:
      headers !== undefined
        ? parseHeaderList(headers, 'AGENT_OTEL_COLLECTOR_EXPORT_OTLP_HEADERS')
        : undefined,
    exportFile: env['AGENT_OTEL_COLLECTOR_EXPORT_FILE'],
    stateDir: env['AGENT_OTEL_COLLECTOR_STATE_DIR'],
    token: env['AGENT_OTEL_COLLECTOR_TOKEN'],
  };
}

/** The flags of `agent-otel collector`. */
export const COLLECTOR_FLAGS = {
  config: { type: 'string' },
  listen: { type: 'string' },
  'grpc-listen': { type: 'string' },
  policy: { type: 'string' },
  'no-policy': { type: 'boolean' },
  'export-otlp': { type: 'string', multiple: true },
  'export-otlp-protocol': { type: 'string' },
  'export-otlp-header': { type: 'string', multiple: true },
  'export-otlp-compression': { type: 'string' },
  'export-file': { type: 'string' },
  'no-export-file': { type: 'boolean' },
  'no-terminal': { type: 'boolean' },
  'state-dir': { type: 'string' },
  token: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'window-ms': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed flags. */
export type CollectorFlags = ReturnType<typeof parseCollectorFlags>;

/** Parses the command line; unknown flags are errors that name them. */
export function parseCollectorFlags(args: string[]) {
  try {
    return parseArgs({ args, options: COLLECTOR_FLAGS, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
}

function flagLayer(flags: CollectorFlags): Layer {
  let headers: Record<string, string> | undefined;
  for (const header of flags['export-otlp-header'] ?? []) {
    headers = { ...headers, ...parseHeaderList(header, '--export-otlp-header') };
  }
  return {
    listen: flags.listen,
    grpcListen: flags['grpc-listen'],
    policy: flags['no-policy'] ? 'off' : flags.policy,
    exportOtlp: flags['export-otlp'],
    exportOtlpProtocol: flags['export-otlp-protocol'],
    exportOtlpHeaders: headers,
    exportOtlpCompression: flags['export-otlp-compression'],
    exportFile: flags['no-export-file'] ? '' : flags['export-file'],
    stateDir: flags['state-dir'],
    token: flags.token,
    tlsCert: flags['tls-cert'],
    tlsKey: flags['tls-key'],
    windowMs: numberFrom(flags['window-ms'], '--window-ms'),
    terminal: flags['no-terminal'] ? false : undefined,
  };
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

/** Checks a merged configuration object; errors name every bad field. */
export function parseCollectorConfig(raw: unknown): CollectorConfig {
  const result = collectorConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = fieldOf(issue.path);
    const keys = (issue as { keys?: string[] }).keys;
    if (issue.code === 'unrecognized_keys' && keys) {
      return `${keys.map((key) => (field ? `${field}.${key}` : key)).join(', ')}: unknown field`;
    }
    return `${field || '(root)'}: ${issue.message}`;
  });
  throw new ConfigError(`invalid collector configuration:\n  ${problems.join('\n  ')}`);
}

/** The collector options of a checked configuration. */
export function optionsOf(config: CollectorConfig): CollectorOptions {
  const otlpExporters: OtlpExporterOptions[] = config.exporters.otlp.map((exporter) => ({
    ...(exporter.endpoint !== undefined ? { endpoint: exporter.endpoint } : {}),
    ...(exporter.traces_endpoint !== undefined ? { tracesEndpoint: exporter.traces_endpoint } : {}),
    protocol: exporter.protocol,
    headers: exporter.headers,
    compression: exporter.compression,
    timeoutMs: exporter.timeout_ms,
  }));
  const filePath = config.exporters.file?.path;
  return {
    listen: config.receiver.listen,
    ...(config.receiver.grpc_listen !== undefined
      ? { grpcListen: config.receiver.grpc_listen }
      : {}),
    maxBodyBytes: config.receiver.max_body_bytes,
    maxDecompressedBytes: config.receiver.max_decompressed_bytes,
    maxAttributeValueLength: config.receiver.max_attribute_value_length,
    ...(config.receiver.bearer_token !== undefined
      ? { bearerToken: config.receiver.bearer_token }
      : {}),
    ...(config.receiver.tls
      ? { tls: { certFile: config.receiver.tls.cert_file, keyFile: config.receiver.tls.key_file } }
      : {}),
    ...(config.receiver.cors
      ? {
          cors: {
            allowedOrigins: config.receiver.cors.allowed_origins,
            ...(config.receiver.cors.allowed_headers !== undefined
              ? { allowedHeaders: config.receiver.cors.allowed_headers }
              : {}),
            ...(config.receiver.cors.max_age !== undefined
              ? { maxAgeSeconds: config.receiver.cors.max_age }
              : {}),
          },
        }
      : {}),
    windowMs: config.processor.window_ms,
    sessionTtlMs: config.processor.session_ttl_ms,
    maxSessions: config.processor.max_sessions,
    maxHeldSpans: config.processor.max_held_spans,
    defaultCwd: config.processor.default_cwd,
    stateDir: config.state_dir,
    queueMaxBytes: config.queue.max_bytes,
    maxInFlightSpans: config.queue.max_in_flight_spans,
    otlpExporters,
    exportFile:
      filePath === undefined
        ? join(config.state_dir, 'traces.jsonl')
        : filePath === ''
          ? null
          : filePath,
    terminal: config.exporters.terminal.enabled,
    summaryIntervalMs: config.exporters.terminal.interval_ms,
    exportBatchSize: config.exporters.batch_size,
    retryInitialMs: config.exporters.retry_initial_ms,
    retryMaxMs: config.exporters.retry_max_ms,
  };
}

/**
 * Defaults, then `--config FILE` (or `AGENT_OTEL_COLLECTOR_CONFIG`), then the environment,
 * then the flags: the collector options and the policy choice. Throws `ConfigError`.
 */
export function resolveCollectorConfig(
  flags: CollectorFlags,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedConfig {
  const configFile = flags.config ?? env['AGENT_OTEL_COLLECTOR_CONFIG'];
  let raw: JsonObject = configFile !== undefined ? readConfigFile(configFile) : {};
  raw = merge(raw, layerToConfig(envLayer(env), raw));
  raw = merge(raw, layerToConfig(flagLayer(flags), raw));
  const config = parseCollectorConfig(raw);
  return { options: optionsOf(config), policy: config.processor.policy };
}
