/**
 * OTLP/HTTP exporter (protobuf or JSON, optional gzip) with the retry semantics of the OTLP
 * spec (https://opentelemetry.io/docs/specs/otlp/#failures-1): 429, 502, 503, 504 and network
 * errors are retried, honouring `Retry-After`; other 4xx are not (the data would never fit).
 *
 * Requests go out with `node:http` / `node:https` over a keep-alive agent of the exporter's
 * own, as the OpenTelemetry JS exporters send theirs. Not `fetch`: it copies every body
 * (`extractBody` slices the buffer) and builds a Request, Headers, an AbortSignal and web
 * streams per request — in the collector's benchmark that was about a sixth of its CPU time per
 * span, on both paths. HTTPS trusts the system's CAs and `NODE_EXTRA_CA_CERTS`. A 307 or 308
 * redirect to the same host (another scheme or port allowed) is followed with the same body,
 * as `fetch` did; one to another host is not (the exporter's headers may carry an API key),
 * nor a 301/302/303 (which turn a POST into a GET): both are reported with the new URL.
 */
import {
  Agent as HttpAgent,
  request as httpRequest,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OtlpExporterOptions } from '../types.js';
import type { OtlpTraceRequest } from '../otlp-model.js';
import { encodeTraceRequestProto } from '../otlp-proto.js';
import type { ExportResult, TraceExporter } from './exporter.js';

const gzipAsync = promisify(gzip);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Of a response body, at most this much is kept (for the reason of a refused JSON export). */
const MAX_RESPONSE_TEXT = 4096;

/**
 * What the exporter says it is, as the OTLP exporter specification asks (the exporter, its
 * version, the language): `agent-otel-collector/0.1.0 (Node.js v20.20.2)`.
 */
const USER_AGENT = `agent-otel-collector/${
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version
} (Node.js ${process.version})`;

/** Redirects followed for one export at most. */
const MAX_REDIRECTS = 5;

/** What came back for one request: a response, or the error that stopped it. */
type Outcome =
  | {
      readonly status: number;
      readonly text: string;
      readonly retryAfter: string | null;
      readonly location: string | null;
    }
  | { readonly error: Error };

/** The traces URL of exporter options: `tracesEndpoint`, or `endpoint` + `/v1/traces`. */
export function tracesUrlOf(options: OtlpExporterOptions): string {
  if (options.tracesEndpoint) return options.tracesEndpoint;
  if (!options.endpoint) throw new Error('an OTLP exporter needs an endpoint');
  return `${options.endpoint.replace(/\/+$/u, '')}/v1/traces`;
}

/** `Retry-After` as milliseconds (delay-seconds or an HTTP date), or undefined. */
export function retryAfterMsOf(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/u.test(header.trim())) return Number(header.trim()) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class OtlpHttpExporter implements TraceExporter {
  readonly name: string;
  readonly #url: string;
  readonly #json: boolean;
  readonly #gzip: boolean;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  /** Keep-alive agents by scheme (the configured one, and another after a redirect to it). */
  readonly #agents = new Map<string, HttpAgent>();

  constructor(options: OtlpExporterOptions) {
    this.#url = tracesUrlOf(options);
    this.name = `otlp ${this.#url}`;
    const protocol = new URL(this.#url).protocol;
    if (protocol !== 'http:' && protocol !== 'https:')
      throw new Error(`an OTLP/HTTP endpoint must be http: or https:, not ${protocol}`);
    this.#json = options.protocol === 'http/json';
    this.#gzip = (options.compression ?? 'gzip') === 'gzip';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#headers = {
      // Before the configured headers: a User-Agent of the configuration's replaces it.
      'user-agent': USER_AGENT,
      ...options.headers,
      'content-type': this.#json ? 'application/json' : 'application/x-protobuf',
      ...(this.#gzip ? { 'content-encoding': 'gzip' } : {}),
    };
    // A header no request could carry is a configuration error: said now, not at every export.
    for (const [header, value] of Object.entries(this.#headers)) {
      const problem = headerProblem(header, value);
      if (problem !== undefined)
        throw new Error(`${this.name}: header ${JSON.stringify(header)}: ${problem}`);
    }
  }

  async export(request: OtlpTraceRequest): Promise<ExportResult> {
    let body: Uint8Array;
    try {
      const raw = this.#json
        ? Buffer.from(JSON.stringify(request))
        : encodeTraceRequestProto(request);
      body = this.#gzip ? await gzipAsync(raw) : raw;
    } catch (error) {
      return { kind: 'drop', reason: `cannot encode: ${(error as Error).message}` };
    }
    let url = new URL(this.#url);
    let outcome = await this.#post(url, body);
    for (let hops = 0; 'status' in outcome && isRedirect(outcome.status); hops++) {
      const target = redirectTarget(outcome.status, outcome.location, url, hops);
      if (typeof target === 'string')
        return { kind: 'drop', reason: `HTTP ${outcome.status}: redirected ${target}` };
      url = target;
      outcome = await this.#post(url, body);
    }
    if ('error' in outcome) {
      const { message, code } = outcome.error as Error & { code?: string };
      return {
        kind: 'retry',
        reason: code && !message.includes(code) ? `${message} (${code})` : message,
      };
    }
    const { status, text } = outcome;
    if (status >= 200 && status < 300) return { kind: 'success' };
    const reason = `HTTP ${status}${text && this.#json ? `: ${text.slice(0, 200)}` : ''}`;
    if (RETRYABLE_STATUS.has(status)) {
      const retryAfterMs = retryAfterMsOf(outcome.retryAfter);
      return retryAfterMs === undefined
        ? { kind: 'retry', reason }
        : { kind: 'retry', reason, retryAfterMs };
    }
    return { kind: 'drop', reason };
  }

  /** POSTs `body` to `url`; the response read to its end (so the connection is reused) or an error. */
  #post(url: URL, body: Uint8Array): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      // (`timer` is set below, before any callback can run: they all run later.)
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const onResponse = (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        response.on('data', (chunk: Buffer) => {
          if (kept >= MAX_RESPONSE_TEXT) return;
          chunks.push(chunk);
          kept += chunk.length;
        });
        response.on('end', () =>
          settle({
            status: response.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8', 0, MAX_RESPONSE_TEXT),
            retryAfter: headerValue(response.headers['retry-after']),
            location: headerValue(response.headers.location),
          }),
        );
        response.on('error', (error) => settle({ error }));
        response.on('close', () => {
          if (!response.complete) settle({ error: new Error('the response was cut off') });
        });
      };
      const secure = url.protocol === 'https:';
      let agent = this.#agents.get(url.protocol);
      if (!agent) {
        agent = secure ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
        this.#agents.set(url.protocol, agent);
      }
      const options = {
        method: 'POST',
        agent,
        headers: { ...this.#headers, 'content-length': String(body.length) },
      };
      const request = secure
        ? httpsRequest(url, options, onResponse)
        : httpRequest(url, options, onResponse);
      // A deadline for the whole exchange, not only for an idle socket.
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      request.on('error', (error) => settle({ error }));
      request.end(body);
    });
  }

  async shutdown(): Promise<void> {
    for (const agent of this.#agents.values()) agent.destroy();
  }
}

/**
 * Where a redirect of an export leads, when it is followed (a 307 or 308 to the same host,
 * over HTTP or HTTPS but never from HTTPS to HTTP, within `MAX_REDIRECTS`), else why it is not.
 */
export function redirectTarget(
  status: number,
  location: string | null,
  from: URL,
  hops: number,
): URL | string {
  let target: URL;
  try {
    if (location === null) throw new Error('no Location');
    target = new URL(location, from);
  } catch {
    return 'without a valid Location';
  }
  if (status !== 307 && status !== 308)
    return `to ${target.href} (only 307 and 308 keep the POST and its body: configure that URL)`;
  if (target.hostname !== from.hostname)
    return `to another host, ${target.href} (not followed: the headers may carry a key)`;
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return `to ${target.href} (not HTTP)`;
  if (from.protocol === 'https:' && target.protocol !== 'https:')
    return `to ${target.href} (not followed: from HTTPS to plain HTTP)`;
  if (hops >= MAX_REDIRECTS) return `more than ${MAX_REDIRECTS} times`;
  return target;
}

/**
 * Why no HTTP request could carry this header (a space in its name, a newline in its value),
 * in Node's words; undefined when it is a valid one.
 */
export function headerProblem(name: string, value: string): string | undefined {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A status that redirects (3xx but 304, which a POST does not get). */
function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

/** A header's value as `Headers#get` gives it (several joined with `, `), or null. */
function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}
