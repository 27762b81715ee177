/**
 * Optional TLS on the receiver: with `tls` the collector serves HTTPS (a certificate made with
 * the system's openssl for 127.0.0.1), accepts OTLP over it, and a plain-HTTP client gets no
 * answer from the TLS port.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Collector } from '@agent-otel/collector';
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

describe('collector receiver over TLS', () => {
  it('serves OTLP over HTTPS with the configured certificate', async () => {
    const state = await tempDir('collector-tls');
    const backend = await startBackend();
    const certFile = join(state.path, 'cert.pem');
    const keyFile = join(state.path, 'key.pem');
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
    const collector = await Collector.start(
      {
        listen: '127.0.0.1:0',
        stateDir: state.path,
        tls: { certFile, keyFile },
        windowMs: 0,
        otlpExporters: [{ endpoint: backend.url, protocol: 'http/json' }],
        exportFile: null,
        terminal: false,
      },
      undefined,
    );
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
});
