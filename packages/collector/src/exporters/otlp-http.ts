/**
 * OTLP/HTTP exporter (protobuf or JSON, optional gzip) with the retry semantics of the OTLP
 * spec (https://opentelemetry.io/docs/specs/otlp/#failures-1): 429, 502, 503, 504 and network
 * errors are retried, honouring `Retry-After`; other 4xx are not (the data would never fit).
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { OtlpExporterOptions } from '../types.js';
import type { OtlpTraceRequest } from '../otlp-model.js';
import { encodeTraceRequestProto } from '../otlp-proto.js';
import type { ExportResult, TraceExporter } from './exporter.js';

const gzipAsync = promisify(gzip);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

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

  constructor(options: OtlpExporterOptions) {
    this.#url = tracesUrlOf(options);
    this.name = `otlp ${this.#url}`;
    this.#json = options.protocol === 'http/json';
    this.#gzip = (options.compression ?? 'gzip') === 'gzip';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#headers = {
      ...options.headers,
      'content-type': this.#json ? 'application/json' : 'application/x-protobuf',
      ...(this.#gzip ? { 'content-encoding': 'gzip' } : {}),
    };
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
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: this.#headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { kind: 'retry', reason: `${(error as Error).message}${cause ? ` (${cause})` : ''}` };
    }
    // Drain the body so the connection is reused.
    const text = await response.text().catch(() => '');
    if (response.ok) return { kind: 'success' };
    const reason = `HTTP ${response.status}${text && this.#json ? `: ${text.slice(0, 200)}` : ''}`;
    if (RETRYABLE_STATUS.has(response.status)) {
      const retryAfterMs = retryAfterMsOf(response.headers.get('retry-after'));
      return retryAfterMs === undefined
        ? { kind: 'retry', reason }
        : { kind: 'retry', reason, retryAfterMs };
    }
    return { kind: 'drop', reason };
  }

  async shutdown(): Promise<void> {
    // fetch keeps no state that needs closing.
  }
}
