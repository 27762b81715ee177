import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { Histogram } from '@opentelemetry/api';
import { PATCHED_METHODS, isWrapped, wrapperFor } from './protocol.js';
import {
  DEFAULT_MAX_CONTENT_LENGTH,
  INSTRUMENTATION_NAME,
  INSTRUMENTATION_VERSION,
  durationHistograms,
} from './source.js';
import { logger } from './telemetry.js';
import type { TelemetrySource } from './telemetry.js';
import type { McpInstrumentationConfig } from './types.js';

/** The `@modelcontextprotocol/sdk` versions whose `Protocol` internals this patches. */
export const SUPPORTED_SDK_VERSIONS = ['>=1.25.0 <2'];

// Client and Server both extend Protocol, which owns request/notification sending and
// dispatch of received messages: patching its prototype covers both sides and every transport.
const PROTOCOL_FILES = ['dist/cjs/shared/protocol.js', 'dist/esm/shared/protocol.js'];

type ProtocolPrototype = Record<(typeof PATCHED_METHODS)[number], (...args: unknown[]) => unknown>;

/**
 * OpenTelemetry instrumentation of `@modelcontextprotocol/sdk` 1.x (CommonJS and ESM): register
 * it with `NodeSDK` (or `registerInstrumentations`) before the SDK is loaded. For bundles, use
 * `instrumentMcpClient` / `instrumentMcpServer` instead.
 */
export class McpInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  private histograms: { client: Histogram; server: Histogram } | undefined;
  private readonly source: TelemetrySource;

  constructor(config: McpInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
    this.source = {
      tracer: () => this.tracer,
      clientDuration: () => this.durations().client,
      serverDuration: () => this.durations().server,
      captureContent: () => this.getConfig().captureContent === true,
      maxContentLength: () => this.getConfig().maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH,
      resourceUriInSpanName: () => this.getConfig().resourceUriInSpanName === true,
    };
  }

  private durations(): { client: Histogram; server: Histogram } {
    this.histograms ??= durationHistograms(this.meter);
    return this.histograms;
  }

  protected override _updateMetricInstruments(): void {
    this.histograms = durationHistograms(this.meter);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const files = PROTOCOL_FILES.map(
      (file) =>
        new InstrumentationNodeModuleFile(
          file,
          SUPPORTED_SDK_VERSIONS,
          (moduleExports: unknown) => this.patch(moduleExports),
          (moduleExports: unknown) => this.unpatch(moduleExports),
        ),
    );
    return [
      new InstrumentationNodeModuleDefinition(
        '@modelcontextprotocol/sdk',
        SUPPORTED_SDK_VERSIONS,
        undefined,
        undefined,
        files,
      ),
    ];
  }

  private prototypeOf(moduleExports: unknown): ProtocolPrototype | undefined {
    const protocol = (moduleExports as { Protocol?: { prototype?: unknown } } | undefined)
      ?.Protocol;
    const prototype = protocol?.prototype as Partial<ProtocolPrototype> | undefined;
    if (!prototype || !PATCHED_METHODS.every((name) => typeof prototype[name] === 'function')) {
      logger.warn('@modelcontextprotocol/sdk Protocol has an unexpected shape; not instrumented');
      return undefined;
    }
    return prototype as ProtocolPrototype;
  }

  private patch(moduleExports: unknown): unknown {
    const prototype = this.prototypeOf(moduleExports);
    if (!prototype) return moduleExports;
    for (const method of PATCHED_METHODS) {
      if (isWrapped(prototype[method])) this._unwrap(prototype, method);
      this._wrap(
        prototype,
        method,
        wrapperFor(method, this.source) as unknown as (
          original: ProtocolPrototype[typeof method],
        ) => ProtocolPrototype[typeof method],
      );
    }
    return moduleExports;
  }

  private unpatch(moduleExports: unknown): void {
    const prototype = this.prototypeOf(moduleExports);
    if (!prototype) return;
    for (const method of PATCHED_METHODS) this._unwrap(prototype, method);
  }
}
