import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, parseCollectorFlags, resolveCollectorConfig } from '../src/index.js';

let directory: string;
before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'agent-otel-config-'));
});
after(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Writes a configuration file and checks that it is refused with every error in `expected`. */
async function assertFileErrors(name: string, yaml: string, expected: RegExp[]): Promise<void> {
  const file = join(directory, name);
  await writeFile(file, yaml);
  assert.throws(
    () => resolve(['--config', file]),
    (error: Error) =>
      error instanceof ConfigError && expected.every((pattern) => pattern.test(error.message)),
  );
}

function resolve(args: string[], env: NodeJS.ProcessEnv = {}) {
  return resolveCollectorConfig(parseCollectorFlags(args), env);
}

describe('collector configuration', () => {
  it('has the embedded defaults: 127.0.0.1:4318, recommended ruleset, file store, terminal', () => {
    const { options, policy } = resolve([]);
    assert.equal(policy, 'recommended');
    assert.equal(options.listen, '127.0.0.1:4318');
    assert.equal(options.stateDir, '.agent-otel/collector');
    assert.equal(options.exportFile, join('.agent-otel/collector', 'traces.jsonl'));
    assert.deepEqual(options.otlpExporters, []);
    assert.equal(options.terminal, true);
    assert.equal(options.windowMs, 2000);
    // Memory bounds: the exporters' backlog in memory, and the ordering window's spans.
    assert.equal(options.maxInFlightSpans, 50_000);
    assert.equal(options.maxHeldSpans, 100_000);
    // The OpenTelemetry Collector's body limit: a batch it takes is not refused (413) here.
    assert.equal(options.maxBodyBytes, 20 * 1024 * 1024);
    assert.equal(options.maxDecompressedBytes, 20 * 1024 * 1024);
  });

  it('layers file < environment < flags', async () => {
    const file = join(directory, 'layers.yaml');
    await writeFile(
      file,
      [
        'receiver:',
        '  listen: 0.0.0.0:4000',
        'processor:',
        '  policy: /etc/policy.yaml',
        'exporters:',
        '  otlp:',
        '    - endpoint: https://api.honeycomb.io',
        '      headers: { x-honeycomb-team: from-file }',
      ].join('\n'),
    );
    const fromFile = resolve(['--config', file]);
    assert.equal(fromFile.options.listen, '0.0.0.0:4000');
    assert.equal(fromFile.policy, '/etc/policy.yaml');
    assert.deepEqual(fromFile.options.otlpExporters, [
      {
        endpoint: 'https://api.honeycomb.io',
        protocol: 'http/protobuf',
        headers: { 'x-honeycomb-team': 'from-file' },
        compression: 'gzip',
        timeoutMs: 10_000,
      },
    ]);
    const layered = resolve(
      ['--config', file, '--listen', '127.0.0.1:5000', '--export-file', '/tmp/x.jsonl'],
      {
        AGENT_OTEL_COLLECTOR_LISTEN: '127.0.0.1:4500',
        AGENT_OTEL_COLLECTOR_EXPORT_OTLP_HEADERS: 'x-honeycomb-team=from-env',
      },
    );
    assert.equal(layered.options.listen, '127.0.0.1:5000');
    assert.equal(layered.options.exportFile, '/tmp/x.jsonl');
    assert.deepEqual(layered.options.otlpExporters?.[0]?.headers, {
      'x-honeycomb-team': 'from-env',
    });
  });

  it('serves OTLP/gRPC only when told where: file < environment < flag', async () => {
    assert.equal(resolve([]).options.grpcListen, undefined);
    const file = join(directory, 'grpc.yaml');
    await writeFile(file, 'receiver:\n  grpc_listen: 0.0.0.0:4317\n');
    assert.equal(resolve(['--config', file]).options.grpcListen, '0.0.0.0:4317');
    const env = { AGENT_OTEL_COLLECTOR_GRPC_LISTEN: '127.0.0.1:14317' };
    assert.equal(resolve(['--config', file], env).options.grpcListen, '127.0.0.1:14317');
    assert.equal(
      resolve(['--config', file, '--grpc-listen', '127.0.0.1:24317'], env).options.grpcListen,
      '127.0.0.1:24317',
    );
    assert.throws(
      () => resolve(['--grpc-listen', '4317']),
      /receiver\.grpc_listen: expected HOST:PORT/u,
    );
  });

  it('reads CORS from the file, as the OpenTelemetry Collector writes it', async () => {
    assert.equal(resolve([]).options.cors, undefined);
    const file = join(directory, 'cors.yaml');
    await writeFile(
      file,
      [
        'receiver:',
        '  cors:',
        '    allowed_origins: [https://app.example.com, "https://*.example.net"]',
        '    allowed_headers: [x-agent-session]',
        '    max_age: 600',
      ].join('\n'),
    );
    assert.deepEqual(resolve(['--config', file]).options.cors, {
      allowedOrigins: ['https://app.example.com', 'https://*.example.net'],
      allowedHeaders: ['x-agent-session'],
      maxAgeSeconds: 600,
    });
    await writeFile(file, 'receiver:\n  cors:\n    allowed_origins: []\n');
    assert.throws(() => resolve(['--config', file]), /receiver\.cors\.allowed_origins/u);
  });

  it('takes --export-otlp base URLs, --no-policy, --no-export-file', () => {
    const { options, policy } = resolve([
      '--export-otlp',
      'http://127.0.0.1:4319',
      '--export-otlp-protocol',
      'http/json',
      '--no-policy',
      '--no-export-file',
    ]);
    assert.equal(policy, 'off');
    assert.equal(options.exportFile, null);
    assert.equal(options.otlpExporters?.[0]?.endpoint, 'http://127.0.0.1:4319');
    assert.equal(options.otlpExporters?.[0]?.protocol, 'http/json');
  });

  it('names the field of every error', async () => {
    assert.throws(
      () => resolve(['--listen', 'localhost']),
      /receiver\.listen: expected HOST:PORT/u,
    );
    assert.throws(
      () => resolve(['--export-otlp', 'ftp://x']),
      /exporters\.otlp\[0\]\.endpoint: expected an http\(s\) URL/u,
    );
    assert.throws(() => resolve(['--bogus']), ConfigError);
    await assertFileErrors(
      'headers.yaml',
      'exporters:\n  otlp:\n    - endpoint: http://127.0.0.1:1\n      headers: { "bad name": x, x-key: "a\\nb" }\n',
      [
        /exporters\.otlp\[0\]\.headers\.bad name: not a valid HTTP header/u,
        /exporters\.otlp\[0\]\.headers\.x-key: not a valid HTTP header/u,
      ],
    );
    await assertFileErrors(
      'bad.yaml',
      'receiver:\n  listen: 127.0.0.1:1\n  lisen: x\nprocessor:\n  window_ms: -1\n  max_held_spans: 0\n',
      [
        /receiver\.lisen: unknown field/u,
        /processor\.window_ms: /u,
        /processor\.max_held_spans: /u,
      ],
    );
  });

  it('names the line of a YAML syntax error and the missing file', async () => {
    const file = join(directory, 'syntax.yaml');
    await writeFile(file, 'receiver:\n  listen: [unclosed\n');
    assert.throws(() => resolve(['--config', file]), new RegExp(`${file}:\\d+: `, 'u'));
    assert.throws(
      () => resolve(['--config', join(directory, 'missing.yaml')]),
      /--config .*missing\.yaml: ENOENT/u,
    );
  });
});
