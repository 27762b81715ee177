/** The exporter interface of the collector's pipeline. */
import type { OtlpTraceRequest } from '../otlp-model.js';

/** The outcome of one export: done, worth retrying (after `retryAfterMs` when the backend said), or never deliverable. */
export type ExportResult =
  | { readonly kind: 'success' }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'drop'; readonly reason: string };

/** A destination for tagged spans. Reports failures through the result, never by throwing. */
export interface TraceExporter {
  readonly name: string;
  export(request: OtlpTraceRequest, spanCount: number): Promise<ExportResult>;
  shutdown(): Promise<void>;
}
