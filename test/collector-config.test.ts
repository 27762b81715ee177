/**
 * Checks the OpenTelemetry Collector files of `collector-config/` against the component types
 * and settings of the current Collector release, because the Collector itself cannot run here.
 *
 * What this checks: every component type exists (current name, or a deprecated alias we
 * reject in our own files), every setting key is one that component accepts, enum-like
 * settings have valid values, pipelines only name defined components, each connector is an
 * exporter of one pipeline and a receiver of another, queue storage names a file_storage
 * extension that the service enables, and the agent-otel command line written in each file
 * is valid for `agent-otel collector` and points at the endpoints the file uses.
 * What it does not prove: that the Collector starts (value types, durations, TLS files,
 * DNS names and OTTL are not evaluated), or that a backend accepts the data.
 *
 * Component types and settings checked against (read 2026-11 in the upstream repositories):
 * - `otlp_http` exporter, deprecated alias `otlphttp`: opentelemetry-collector
 *   exporter/otlphttpexporter/metadata.yaml (`type: otlp_http`, `deprecated_type: otlphttp`),
 *   config.schema.yaml (traces_endpoint, encoding, retry_on_failure, sending_queue + confighttp
 *   client settings); rename PR open-telemetry/opentelemetry-collector#14397 (v0.144.0).
 * - `otlp_grpc` exporter, deprecated alias `otlp`: PR open-telemetry/opentelemetry-collector#14403;
 *   configgrpc client settings + timeout, retry_on_failure, sending_queue.
 * - `load_balancing` exporter, deprecated alias `loadbalancing`: opentelemetry-collector-contrib
 *   exporter/loadbalancingexporter/config.schema.yaml (protocol.otlp, resolver static/dns/k8s/
 *   aws_cloud_map, routing_key, routing_attributes, timeout, retry_on_failure, sending_queue);
 *   rename PR open-telemetry/opentelemetry-collector-contrib#48533.
 * - `routing` connector: connector/routingconnector/config.schema.yaml (default_pipelines,
 *   error_mode, table[].context/condition/statement/pipelines/action) and metadata.yaml.
 * - `file_storage` extension: extension/storage/filestorage/config.go (directory, timeout,
 *   compaction.*, fsync) and metadata.yaml.
 * - `otlp` receiver (protocols.grpc / protocols.http server settings) and `batch` processor.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseCollectorFlags, resolveCollectorConfig } from '@agent-otel/collector';
import { ATTR_AGENT_POLICY_VIOLATED } from '@agent-otel/semconv';

const DIRECTORY = fileURLToPath(new URL('../collector-config/', import.meta.url));

/** A setting shape: any value, a free-form map, a nested object, a list of shapes, or an enum. */
type Shape =
  | 'any'
  | 'map'
  | { readonly object: Readonly<Record<string, Shape>> }
  | { readonly list: Shape }
  | { readonly oneOf: readonly string[] };

const obj = (object: Record<string, Shape>): Shape => ({ object });

const TLS_CLIENT = obj(
  Object.fromEntries(
    [
      'insecure',
      'insecure_skip_verify',
      'ca_file',
      'ca_pem',
      'cert_file',
      'cert_pem',
      'key_file',
      'key_pem',
      'server_name_override',
      'min_version',
      'max_version',
      'reload_interval',
      'include_system_ca_certs_pool',
      'cipher_suites',
      'curve_preferences',
    ].map((key) => [key, 'any' as Shape]),
  ),
);
const TLS_SERVER = obj(
  Object.fromEntries(
    [
      'ca_file',
      'cert_file',
      'key_file',
      'client_ca_file',
      'min_version',
      'max_version',
      'reload_interval',
    ].map((key) => [key, 'any' as Shape]),
  ),
);
const RETRY = obj(
  Object.fromEntries(
    [
      'enabled',
      'initial_interval',
      'randomization_factor',
      'multiplier',
      'max_interval',
      'max_elapsed_time',
    ].map((key) => [key, 'any' as Shape]),
  ),
);
const SENDING_QUEUE = obj({
  enabled: 'any',
  num_consumers: 'any',
  queue_size: 'any',
  storage: 'any',
  sizer: { oneOf: ['requests', 'items', 'bytes'] },
  blocking: 'any',
  block_on_overflow: 'any',
  wait_for_result: 'any',
  batch: 'map',
});
const COMPRESSION = {
  oneOf: ['gzip', 'zlib', 'deflate', 'snappy', 'zstd', 'lz4', 'none', ''],
} as const;
const HTTP_CLIENT: Record<string, Shape> = {
  endpoint: 'any',
  proxy_url: 'any',
  tls: TLS_CLIENT,
  read_buffer_size: 'any',
  write_buffer_size: 'any',
  timeout: 'any',
  headers: 'map',
  auth: 'map',
  compression: COMPRESSION,
  compression_params: 'map',
  max_idle_conns: 'any',
  max_idle_conns_per_host: 'any',
  max_conns_per_host: 'any',
  idle_conn_timeout: 'any',
  disable_keep_alives: 'any',
  http2_read_idle_timeout: 'any',
  http2_ping_timeout: 'any',
  cookies: 'map',
  force_attempt_http2: 'any',
  middlewares: { list: 'map' },
};
const GRPC_CLIENT: Record<string, Shape> = {
  endpoint: 'any',
  compression: COMPRESSION,
  tls: TLS_CLIENT,
  keepalive: obj({ time: 'any', timeout: 'any', permit_without_stream: 'any' }),
  read_buffer_size: 'any',
  write_buffer_size: 'any',
  wait_for_ready: 'any',
  headers: 'map',
  balancer_name: 'any',
  authority: 'any',
  auth: 'map',
  middlewares: { list: 'map' },
};
const OTLP_GRPC_EXPORTER = obj({
  ...GRPC_CLIENT,
  timeout: 'any',
  retry_on_failure: RETRY,
  sending_queue: SENDING_QUEUE,
});

interface Component {
  readonly shape: Shape;
  /** The current type when this one is a deprecated alias. */
  readonly deprecatedFor?: string;
}

const OTLP_HTTP_EXPORTER = obj({
  ...HTTP_CLIENT,
  traces_endpoint: 'any',
  metrics_endpoint: 'any',
  logs_endpoint: 'any',
  profiles_endpoint: 'any',
  encoding: { oneOf: ['proto', 'json'] },
  retry_on_failure: RETRY,
  sending_queue: SENDING_QUEUE,
});
const LOAD_BALANCING = obj({
  protocol: obj({ otlp: OTLP_GRPC_EXPORTER }),
  resolver: obj({
    static: obj({ hostnames: { list: 'any' } }),
    dns: obj({ hostname: 'any', port: 'any', interval: 'any', timeout: 'any' }),
    k8s: obj({ service: 'any', ports: { list: 'any' }, timeout: 'any', return_hostnames: 'any' }),
    aws_cloud_map: 'map',
  }),
  routing_key: { oneOf: ['traceID', 'service', 'resource', 'metric', 'streamID', 'attributes'] },
  routing_attributes: { list: 'any' },
  timeout: 'any',
  retry_on_failure: RETRY,
  sending_queue: SENDING_QUEUE,
});

const COMPONENTS: Record<
  'receivers' | 'processors' | 'exporters' | 'connectors' | 'extensions',
  Record<string, Component>
> = {
  receivers: {
    otlp: {
      shape: obj({
        protocols: obj({
          grpc: obj({
            endpoint: 'any',
            transport: 'any',
            tls: TLS_SERVER,
            max_recv_msg_size_mib: 'any',
            max_concurrent_streams: 'any',
            read_buffer_size: 'any',
            write_buffer_size: 'any',
            keepalive: 'map',
            auth: 'map',
            include_metadata: 'any',
            middlewares: { list: 'map' },
          }),
          http: obj({
            endpoint: 'any',
            tls: TLS_SERVER,
            cors: 'map',
            auth: 'map',
            max_request_body_size: 'any',
            include_metadata: 'any',
            response_headers: 'map',
            traces_url_path: 'any',
            metrics_url_path: 'any',
            logs_url_path: 'any',
            middlewares: { list: 'map' },
          }),
        }),
      }),
    },
  },
  processors: {
    batch: {
      shape: obj({
        timeout: 'any',
        send_batch_size: 'any',
        send_batch_max_size: 'any',
        metadata_keys: { list: 'any' },
        metadata_cardinality_limit: 'any',
      }),
    },
  },
  exporters: {
    otlp_http: { shape: OTLP_HTTP_EXPORTER },
    otlphttp: { shape: OTLP_HTTP_EXPORTER, deprecatedFor: 'otlp_http' },
    otlp_grpc: { shape: OTLP_GRPC_EXPORTER },
    otlp: { shape: OTLP_GRPC_EXPORTER, deprecatedFor: 'otlp_grpc' },
    load_balancing: { shape: LOAD_BALANCING },
    loadbalancing: { shape: LOAD_BALANCING, deprecatedFor: 'load_balancing' },
  },
  connectors: {
    routing: {
      shape: obj({
        default_pipelines: { list: 'any' },
        error_mode: { oneOf: ['ignore', 'propagate', 'silent'] },
        table: {
          list: obj({
            context: {
              oneOf: ['request', 'resource', 'span', 'log', 'metric', 'datapoint', 'otelcol'],
            },
            condition: 'any',
            statement: 'any',
            pipelines: { list: 'any' },
            action: 'any',
          }),
        },
      }),
    },
  },
  extensions: {
    file_storage: {
      shape: obj({
        directory: 'any',
        timeout: 'any',
        fsync: 'any',
        compaction: obj({
          on_start: 'any',
          on_rebound: 'any',
          directory: 'any',
          rebound_needed_threshold_mib: 'any',
          rebound_trigger_threshold_mib: 'any',
          max_transaction_size: 'any',
          check_interval: 'any',
        }),
      }),
    },
  },
};

function checkShape(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (shape === 'any' || value === null || value === undefined) return;
  if (shape === 'map') {
    if (typeof value !== 'object' || Array.isArray(value))
      problems.push(`${path}: expected a mapping`);
    return;
  }
  if ('oneOf' in shape) {
    if (typeof value !== 'string' || !shape.oneOf.includes(value)) {
      problems.push(`${path}: '${String(value)}' is not one of ${shape.oneOf.join(', ')}`);
    }
    return;
  }
  if ('list' in shape) {
    if (!Array.isArray(value)) problems.push(`${path}: expected a list`);
    else
      value.forEach((item, index) => checkShape(item, shape.list, `${path}[${index}]`, problems));
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: expected a mapping`);
    return;
  }
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const childShape = shape.object[key];
    if (!childShape) problems.push(`${path}.${key}: not a setting of this component`);
    else checkShape(child, childShape, `${path}.${key}`, problems);
  }
}

interface CollectorYaml {
  receivers?: Record<string, unknown>;
  processors?: Record<string, unknown>;
  exporters?: Record<string, unknown>;
  connectors?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  service?: {
    extensions?: string[];
    pipelines?: Record<
      string,
      { receivers?: string[]; processors?: string[]; exporters?: string[] }
    >;
  };
}

const typeOf = (id: string): string => id.split('/')[0] ?? id;

/** Every problem of one Collector configuration (empty when it passes). */
function checkCollectorConfig(config: CollectorYaml, allowDeprecated: boolean): string[] {
  const problems: string[] = [];
  for (const section of [
    'receivers',
    'processors',
    'exporters',
    'connectors',
    'extensions',
  ] as const) {
    for (const [id, settings] of Object.entries(config[section] ?? {})) {
      const component = COMPONENTS[section][typeOf(id)];
      if (!component) {
        problems.push(`${section}.${id}: unknown ${section.slice(0, -1)} type '${typeOf(id)}'`);
        continue;
      }
      if (component.deprecatedFor && !allowDeprecated) {
        problems.push(
          `${section}.${id}: '${typeOf(id)}' is deprecated, use '${component.deprecatedFor}'`,
        );
      }
      checkShape(settings ?? {}, component.shape, `${section}.${id}`, problems);
    }
  }
  const defined = (section: keyof typeof COMPONENTS) => new Set(Object.keys(config[section] ?? {}));
  const connectors = defined('connectors');
  const enabledExtensions = new Set(config.service?.extensions ?? []);
  for (const id of enabledExtensions) {
    if (!defined('extensions').has(id)) problems.push(`service.extensions: '${id}' is not defined`);
  }
  const pipelines = config.service?.pipelines ?? {};
  const asExporter = new Set<string>();
  const asReceiver = new Set<string>();
  for (const [pipelineId, pipeline] of Object.entries(pipelines)) {
    if (!['traces', 'metrics', 'logs'].includes(typeOf(pipelineId))) {
      problems.push(`service.pipelines.${pipelineId}: unknown signal`);
    }
    if (!pipeline.receivers?.length) problems.push(`service.pipelines.${pipelineId}: no receivers`);
    if (!pipeline.exporters?.length) problems.push(`service.pipelines.${pipelineId}: no exporters`);
    for (const id of pipeline.receivers ?? []) {
      if (connectors.has(id)) asReceiver.add(id);
      else if (!defined('receivers').has(id))
        problems.push(`service.pipelines.${pipelineId}.receivers: '${id}' is not defined`);
    }
    for (const id of pipeline.processors ?? []) {
      if (!defined('processors').has(id))
        problems.push(`service.pipelines.${pipelineId}.processors: '${id}' is not defined`);
    }
    for (const id of pipeline.exporters ?? []) {
      if (connectors.has(id)) asExporter.add(id);
      else if (!defined('exporters').has(id))
        problems.push(`service.pipelines.${pipelineId}.exporters: '${id}' is not defined`);
    }
  }
  for (const id of connectors) {
    if (!asExporter.has(id) || !asReceiver.has(id)) {
      problems.push(
        `connectors.${id}: must be an exporter of one pipeline and a receiver of another`,
      );
    }
    const connector = config.connectors?.[id] as {
      default_pipelines?: string[];
      table?: { pipelines?: string[] }[];
    };
    for (const pipeline of [
      ...(connector.default_pipelines ?? []),
      ...(connector.table ?? []).flatMap((row) => row.pipelines ?? []),
    ]) {
      if (!pipelines[pipeline])
        problems.push(`connectors.${id}: pipeline '${pipeline}' is not defined`);
      else if (!pipelines[pipeline].receivers?.includes(id))
        problems.push(`connectors.${id}: pipeline '${pipeline}' does not receive from it`);
    }
  }
  for (const [id, settings] of Object.entries(config.exporters ?? {})) {
    const storage = (settings as { sending_queue?: { storage?: string } } | null)?.sending_queue
      ?.storage;
    if (storage === undefined) continue;
    if (typeOf(storage) !== 'file_storage' || !defined('extensions').has(storage)) {
      problems.push(
        `exporters.${id}.sending_queue.storage: '${storage}' is not a defined file_storage extension`,
      );
    } else if (!enabledExtensions.has(storage)) {
      problems.push(
        `exporters.${id}.sending_queue.storage: '${storage}' is not in service.extensions`,
      );
    }
  }
  return problems;
}

/** The `agent-otel collector …` command written in a file's comments (continuation lines joined). */
function agentOtelCommandOf(text: string): string[] | undefined {
  const joined = text.replace(/\\\n#\s*/gu, ' ');
  const match = /agent-otel collector ([^\n]*)/u.exec(joined);
  return match?.[1]?.trim().split(/\s+/u);
}

const FILES = readdirSync(DIRECTORY).filter((name) => name.endsWith('.yaml'));

describe('collector-config/', () => {
  it('has the four layouts of the issue', () => {
    assert.deepEqual(FILES.sort(), [
      'gateway-honeycomb.yaml',
      'gateway-jaeger.yaml',
      'scale-out-replica.yaml',
      'scale-out-tier1.yaml',
      'security-routing.yaml',
    ]);
  });

  for (const file of FILES) {
    it(`${file}: only current component types and their settings, consistent pipelines`, () => {
      const text = readFileSync(`${DIRECTORY}${file}`, 'utf8');
      const config = parse(text) as CollectorYaml;
      assert.deepEqual(checkCollectorConfig(config, false), []);
    });
  }

  for (const file of FILES.filter((name) => name !== 'scale-out-tier1.yaml')) {
    it(`${file}: the agent-otel command in it is valid and wired to the file's endpoints`, () => {
      const text = readFileSync(`${DIRECTORY}${file}`, 'utf8');
      const config = parse(text) as CollectorYaml;
      const args = agentOtelCommandOf(text);
      assert.ok(args, 'no agent-otel command line in the comments');
      const { options } = resolveCollectorConfig(parseCollectorFlags(args), {});
      const toAgentOtel = config.exporters?.['otlp_http/agent_otel'] as { endpoint: string };
      assert.equal(new URL(toAgentOtel.endpoint).host, options.listen);
      const tagged = (
        config.receivers?.['otlp/tagged'] as { protocols: { http: { endpoint: string } } }
      ).protocols.http;
      assert.equal(new URL(options.otlpExporters?.[0]?.endpoint ?? '').host, tagged.endpoint);
    });
  }

  it('routes on the attribute agent-otel sets', () => {
    const config = parse(
      readFileSync(`${DIRECTORY}security-routing.yaml`, 'utf8'),
    ) as CollectorYaml;
    const table = (config.connectors?.['routing/policy'] as { table: { condition: string }[] })
      .table;
    assert.equal(table[0]?.condition, `attributes["${ATTR_AGENT_POLICY_VIOLATED}"] == true`);
  });

  it('partitions by trace id with both resolvers of the issue', () => {
    const config = parse(readFileSync(`${DIRECTORY}scale-out-tier1.yaml`, 'utf8')) as CollectorYaml;
    const exporters = config.exporters as Record<
      string,
      { routing_key: string; resolver: Record<string, unknown> }
    >;
    assert.deepEqual(
      Object.values(exporters).map((exporter) => [
        exporter.routing_key,
        Object.keys(exporter.resolver),
      ]),
      [
        ['traceID', ['dns']],
        ['traceID', ['k8s']],
      ],
    );
  });

  it('the checker catches what it claims to: unknown types, settings, aliases, dangling references', () => {
    const bad: CollectorYaml = {
      receivers: { otlp: { protocols: { http: { endpoint: 'x', bogus: 1 } } } },
      exporters: {
        otlphttp: { endpoint: 'http://x', sending_queue: { storage: 'file_storage/missing' } },
        loadbalancing: { routing_key: 'traceId', resolver: { dns: { hostname: 'h' } } },
        kafka: {},
      },
      connectors: { routing: { table: [{ condition: 'true', pipelines: ['traces/nowhere'] }] } },
      service: {
        pipelines: {
          traces: { receivers: ['otlp'], exporters: ['otlphttp', 'routing', 'jaeger'] },
        },
      },
    };
    const problems = checkCollectorConfig(bad, false);
    const expected = [
      /receivers\.otlp\.protocols\.http\.bogus: not a setting/u,
      /exporters\.otlphttp: 'otlphttp' is deprecated, use 'otlp_http'/u,
      /exporters\.loadbalancing\.routing_key: 'traceId' is not one of/u,
      /exporters\.kafka: unknown exporter type/u,
      /pipelines\.traces\.exporters: 'jaeger' is not defined/u,
      /connectors\.routing: must be an exporter of one pipeline and a receiver of another/u,
      /connectors\.routing: pipeline 'traces\/nowhere' is not defined/u,
      /sending_queue\.storage: 'file_storage\/missing' is not a defined file_storage extension/u,
    ];
    for (const pattern of expected) {
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `${String(pattern)} not in\n${problems.join('\n')}`,
      );
    }
    assert.equal(
      checkCollectorConfig(bad, true).some((problem) => problem.includes('deprecated')),
      false,
    );
  });
});
