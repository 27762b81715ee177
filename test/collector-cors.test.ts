/**
 * CORS on the OTLP/HTTP receiver, for browsers' OTLP exporters (an agent's web UI posting
 * OTLP/JSON from another origin): off by default (`OPTIONS` gets 405); with `cors`, a preflight
 * from an allowed origin — exact or by a `*` pattern — gets 204 with the method, the requested
 * headers and the max age, and the answer to its POST names the origin; another origin, method
 * or header gets no CORS header, so the browser refuses it. Node's fetch does not enforce CORS:
 * the test reads the headers a browser would act on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startPolicyCollector, waitFor } from './collector-helpers.js';

const SPAN = {
  resourceSpans: [
    {
      scopeSpans: [
        {
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'from a browser',
              startTimeUnixNano: '1',
              endTimeUnixNano: '2',
            },
          ],
        },
      ],
    },
  ],
};

function preflight(url: string, origin: string, headers = 'content-type', method = 'POST') {
  return fetch(`${url}/v1/traces`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': headers,
    },
  });
}

describe('collector: CORS for browsers', () => {
  it('answers no preflight without configuration', async () => {
    const { collector, stop } = await startPolicyCollector('collector-no-cors', 0);
    try {
      const answer = await preflight(collector.url, 'https://app.example.com');
      assert.equal(answer.status, 405);
      assert.equal(answer.headers.get('access-control-allow-origin'), null);
    } finally {
      await stop();
    }
  });

  it('lets allowed origins post, and no other', async () => {
    const { collector, backend, stop } = await startPolicyCollector('collector-cors', 0, {
      cors: {
        allowedOrigins: ['https://app.example.com', 'https://*.agents.example.net'],
        allowedHeaders: ['x-agent-session'],
        maxAgeSeconds: 600,
      },
    });
    try {
      for (const origin of ['https://app.example.com', 'https://ui.agents.example.net']) {
        const answer = await preflight(collector.url, origin, 'Content-Type, X-Agent-Session');
        assert.equal(answer.status, 204, origin);
        assert.equal(answer.headers.get('access-control-allow-origin'), origin);
        assert.equal(answer.headers.get('access-control-allow-methods'), 'POST');
        assert.equal(
          answer.headers.get('access-control-allow-headers'),
          'content-type, x-agent-session',
        );
        assert.equal(answer.headers.get('access-control-max-age'), '600');
      }
      // Another origin, another method, a header not allowed: no CORS header at all.
      for (const [origin, headers, method] of [
        ['https://evil.example.org', 'content-type', 'POST'],
        ['https://agents.example.net.evil.example.org', 'content-type', 'POST'],
        ['https://app.example.com', 'content-type', 'PUT'],
        ['https://app.example.com', 'content-type, x-other', 'POST'],
      ] as const) {
        const answer = await preflight(collector.url, origin, headers, method);
        assert.equal(answer.status, 204);
        assert.equal(answer.headers.get('access-control-allow-origin'), null, origin);
        assert.match(answer.headers.get('vary') ?? '', /Origin/u);
      }
      // The POST itself: its answer names the allowed origin, and the span is taken.
      const posted = await fetch(`${collector.url}/v1/traces`, {
        method: 'POST',
        headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
        body: JSON.stringify(SPAN),
      });
      assert.equal(posted.status, 200);
      assert.equal(posted.headers.get('access-control-allow-origin'), 'https://app.example.com');
      // An error answer names it too (so the page can read why).
      const refused = await fetch(`${collector.url}/v1/traces`, {
        method: 'POST',
        headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
        body: '{ not json',
      });
      assert.equal(refused.status, 400);
      assert.equal(refused.headers.get('access-control-allow-origin'), 'https://app.example.com');
      // From an origin not allowed: taken (CORS is the browser's check), but not named.
      const other = await fetch(`${collector.url}/v1/traces`, {
        method: 'POST',
        headers: { origin: 'https://evil.example.org', 'content-type': 'application/json' },
        body: JSON.stringify(SPAN),
      });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      await waitFor(() => backend.spans().length >= 2, 'the spans at the backend');
    } finally {
      await stop();
    }
  });
});
