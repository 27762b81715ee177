/**
 * Appends one `ExportTraceServiceRequest` per line in OTLP JSON, the format of the
 * OpenTelemetry Collector's `file` exporter (and what `agent-otel semconv check` reads).
 * Each batch is fsynced before it counts as exported.
 */
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OtlpTraceRequest } from '../otlp-model.js';
import type { ExportResult, TraceExporter } from './exporter.js';

export class FileExporter implements TraceExporter {
  readonly name: string;
  readonly #path: string;
  #handle: FileHandle | undefined;

  constructor(path: string) {
    this.#path = path;
    this.name = `file ${path}`;
  }

  async export(request: OtlpTraceRequest): Promise<ExportResult> {
    try {
      if (!this.#handle) {
        await mkdir(dirname(this.#path), { recursive: true });
        this.#handle = await open(this.#path, 'a', 0o600);
      }
      await this.#handle.write(`${JSON.stringify(request)}\n`);
      await this.#handle.datasync();
      return { kind: 'success' };
    } catch (error) {
      // A full disk or a removed directory may heal: retry.
      await this.#handle?.close().catch(() => undefined);
      this.#handle = undefined;
      return { kind: 'retry', reason: (error as Error).message };
    }
  }

  async shutdown(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
