/**
 * Optional TLS on the receiver: with `tls` the collector serves HTTPS (a certificate made with
 * the system's openssl for 127.0.0.1), accepts OTLP over it, and a plain-HTTP client gets no
 * answer from the TLS port; with `grpcListen` too, OTLP/gRPC over TLS with the same certificate
 * (the official gRPC exporter trusting it). And the OTLP/HTTP exporter over HTTPS: it trusts the system's CAs
 * and `NODE_EXTRA_CA_CERTS` (set at a process's start: the export runs in a child process).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Collector } from '@agent-otel/collector';
import type { CollectorOptions } from '@agent-otel/collector';
import { startBackend, tempDir, waitFor } from './collector-helpers.js';

function postOverTls(url: string, ca: Buffer, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      `${url}/v1/traces`,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function makeCertificate(certFile: string, keyFile: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
}

/**
 * A collector (policy off) serving TLS with a fresh certificate for 127.0.0.1, in front of a
 * backend; `options` adds to its options.
 */
async function startTlsCollector(name: string, options: CollectorOptions = {}) {
  const state = await tempDir(name);
  const backend = await startBackend();
  const certFile = join(state.path, 'cert.pem');
  const keyFile = join(state.path, 'key.pem');
  makeCertificate(certFile, keyFile);
  const collector = await Collector.start(
    {
      listen: '127.0.0.1:0',
      stateDir: state.path,
      tls: { certFile, keyFile },
      windowMs: 0,
      otlpExporters: [{ endpoint: backend.url, protocol: 'http/json' }],
      exportFile: null,
      terminal: false,
      ...options,
    },
    undefined,
  );
  return { state, backend, certFile, collector };
}

describe('collector receiver over TLS', () => {
  it('serves OTLP over HTTPS with the configured certificate', async () => {
    const { state, backend, certFile, collector } = await startTlsCollector('collector-tls');
    try {
      assert.match(collector.url, /^https:\/\/127\.0\.0\.1:\d+$/u);
      const body = JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0af7651916cd43dd8448eb211c80319c',
                    spanId: 'b7ad6b7169203331',
                    name: 'over tls',
                    startTimeUnixNano: '1',
                    endTimeUnixNano: '2',
                  },
                ],
              },
            ],
          },
        ],
      });
      assert.equal(await postOverTls(collector.url, readFileSync(certFile), body), 200);
      await waitFor(() => backend.spans().some((span) => span.name === 'over tls'), 'the span');
      await assert.rejects(fetch(`${collector.url.replace('https:', 'http:')}/healthz`));
    } finally {
      await collector.stop();
      await backend.close();
      await state.remove();
    }
  });

  it('serves OTLP/gRPC over TLS with the same certificate, to the official gRPC exporter', async () => {
    const { state, backend, certFile, collector } = await startTlsCollector('collector-grpc-tls', {
      grpcListen: '127.0.0.1:0',
    });
    const recorded = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(recorded)],
    });
    try {
      provider.getTracer('tls').startSpan('over grpc tls').end();
      const spans = recorded.getFinishedSpans();
      const send = (credentials: ChannelCredentials) =>
        new Promise<ExportResult>((resolve) =>
          new OTLPTraceExporter({ url: `https://${collector.grpcAddress!}`, credentials }).export(
            spans,
            resolve,
          ),
        );
      // Trusting the certificate: delivered.
      const trusted = await send(credentials.createSsl(readFileSync(certFile)));
      assert.equal(trusted.code, ExportResultCode.SUCCESS, String(trusted.error));
      await waitFor(
        () => backend.spans().some((span) => span.name === 'over grpc tls'),
        'the span',
      );
      // Not trusting it (the system's CAs only): refused by the client.
      const untrusted = await send(credentials.createSsl());
      assert.equal(untrusted.code, ExportResultCode.FAILED);
    } finally {
      await provider.shutdown();
      await collector.stop();
      await backend.close();
      await state.remove();
    }
  });
});

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));

/** Exports one span with a fresh `OtlpHttpExporter` in a child process; its result. */
function exportInChild(
  url: string,
  env: NodeJS.ProcessEnv,
): Promise<{ kind: string; reason?: string }> {
  const script = `
    import { OtlpHttpExporter } from '@agent-otel/collector';
    const exporter = new OtlpHttpExporter({ endpoint: ${JSON.stringify(url)}, timeoutMs: 5000 });
    const span = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
      name: 'exported over tls', startTimeUnixNano: '1', endTimeUnixNano: '2',
      attributes: [], events: [], links: [] };
    const result = await exporter.export({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    await exporter.shutdown();
    console.log(JSON.stringify(result));`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script],
      { cwd: REPOSITORY, env: { ...process.env, ...env } },
      (error, stdout) => (error ? reject(error) : resolve(JSON.parse(stdout) as { kind: string })),
    );
  });
}

describe('OTLP/HTTP exporter over TLS', () => {
  it('exports to an HTTPS backend it trusts, and refuses one it does not', async () => {
    const state = await tempDir('exporter-tls');
    const certFile = join(state.path, 'cert.pem');
    const keyFile = join(state.path, 'key.pem');
    makeCertificate(certFile, keyFile);
    const received: Buffer[] = [];
    const server = createHttpsServer(
      { cert: readFileSync(certFile), key: readFileSync(keyFile) },
      (request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          received.push(Buffer.concat(chunks));
          response.writeHead(200).end();
        });
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual(await exportInChild(url, { NODE_EXTRA_CA_CERTS: certFile }), {
        kind: 'success',
      });
      assert.equal(received.length, 1);
      // gzip, then protobuf: the span's name is in the decompressed bytes.
      assert.ok(gunzipSync(received[0]!).includes('exported over tls'));
      const untrusted = await exportInChild(url, { NODE_EXTRA_CA_CERTS: '' });
      assert.equal(untrusted.kind, 'retry');
      assert.match(untrusted.reason ?? '', /certificate/u);
      assert.equal(received.length, 1);
    } finally {
      server.closeAllConnections();
      server.close();
      await state.remove();
    }
  });
});
