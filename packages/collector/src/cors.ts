/**
 * CORS for the OTLP/HTTP receiver, as the OpenTelemetry Collector's HTTP servers offer it
 * (confighttp `cors`): a browser's OTLP exporter (an agent's web UI) posts JSON from another
 * origin, so it asks first with an `OPTIONS` preflight. Off unless origins are configured; then
 * a preflight from an allowed origin gets 204 with the allowed method and headers, and the
 * answers to its requests name the origin. Anything else gets no CORS header (the browser then
 * refuses the request itself).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface CorsOptions {
  /** Origins allowed (`https://app.example.com`), with `*` wildcards (`https://*.example.com`, `*`). */
  readonly allowedOrigins: readonly string[];
  /**
   * Request headers allowed besides the ones always allowed (`Accept`, `Accept-Language`,
   * `Content-Language`, `Content-Type`, `Content-Encoding`); `*` allows any.
   */
  readonly allowedHeaders?: readonly string[];
  /** Seconds a browser may cache a preflight's answer. Default: not sent (the browser's own). */
  readonly maxAgeSeconds?: number;
}

/** Headers a preflight may ask for without configuration (OTLP/HTTP exporters send these). */
const ALWAYS_ALLOWED = [
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'content-encoding',
];

/** The origin patterns as regular expressions: `*` matches any run of characters. */
function originMatchers(patterns: readonly string[]): RegExp[] {
  return patterns.map(
    (pattern) =>
      new RegExp(
        `^${pattern
          .toLowerCase()
          .split('*')
          .map((part) => part.replace(/[.+?^${}()|[\]\\/]/gu, '\\$&'))
          .join('.*')}$`,
        'u',
      ),
  );
}

/** Answers preflights and names allowed origins on answers, per `CorsOptions`. */
export class Cors {
  readonly #origins: RegExp[];
  readonly #anyHeader: boolean;
  readonly #headers: ReadonlySet<string>;
  readonly #maxAge: number | undefined;

  constructor(options: CorsOptions) {
    this.#origins = originMatchers(options.allowedOrigins);
    const extra = (options.allowedHeaders ?? []).map((header) => header.toLowerCase());
    this.#anyHeader = extra.includes('*');
    this.#headers = new Set([...ALWAYS_ALLOWED, ...extra]);
    this.#maxAge = options.maxAgeSeconds;
  }

  /** The request's `Origin` when it is allowed, else undefined. */
  #allowedOrigin(request: IncomingMessage): string | undefined {
    const origin = request.headers.origin;
    if (origin === undefined || origin === '') return undefined;
    const lower = origin.toLowerCase();
    return this.#origins.some((matcher) => matcher.test(lower)) ? origin : undefined;
  }

  /**
   * Answers an `OPTIONS` preflight for `POST`: 204 with the CORS headers when the origin, the
   * method and every requested header are allowed; 204 without them otherwise (the browser then
   * does not send the request). Always `Vary` on what the answer depends on.
   */
  preflight(request: IncomingMessage, response: ServerResponse): void {
    const vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
    const origin = this.#allowedOrigin(request);
    const method = (request.headers['access-control-request-method'] ?? '').toUpperCase();
    const requested = (request.headers['access-control-request-headers'] ?? '')
      .split(',')
      .map((header) => header.trim().toLowerCase())
      .filter(Boolean);
    const headersAllowed =
      this.#anyHeader || requested.every((header) => this.#headers.has(header));
    if (origin === undefined || method !== 'POST' || !headersAllowed) {
      response.writeHead(204, { vary }).end();
      return;
    }
    response
      .writeHead(204, {
        vary,
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        ...(requested.length > 0 ? { 'access-control-allow-headers': requested.join(', ') } : {}),
        ...(this.#maxAge !== undefined ? { 'access-control-max-age': String(this.#maxAge) } : {}),
      })
      .end();
  }

  /** Names the request's origin on its answer when it is allowed (call before writing it). */
  decorate(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader('vary', 'Origin');
    const origin = this.#allowedOrigin(request);
    if (origin !== undefined) response.setHeader('access-control-allow-origin', origin);
  }
}
