import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  InstrumentationBase,
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
} from '@opentelemetry/instrumentation';
import type { Histogram } from '@opentelemetry/api';
import { Hook } from 'require-in-the-middle';
import { isContentCaptureEnabled } from '@agent-otel/core';
import { PATCHED_METHODS, isWrapped, wrapperFor } from './protocol.js';
import { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, durationHistograms } from './source.js';
import { logger } from './telemetry.js';
import type { TelemetrySource } from './internal-types.js';
import type { McpInstrumentationConfig } from './types.js';

/** The `@modelcontextprotocol/sdk` versions whose `Protocol` internals this patches. */
export const SUPPORTED_SDK_VERSIONS = ['>=1.25.0 <2'];

const SDK = '@modelcontextprotocol/sdk';
// Client and Server both extend Protocol, which owns request/notification sending and
// dispatch of received messages: patching its prototype covers both sides and every transport.
const ESM_PROTOCOL_FILE = `${SDK}/dist/esm/shared/protocol.js`;
// require-in-the-middle matches internal files by their module path without the extension.
const CJS_PROTOCOL_FILE = `${SDK}/dist/cjs/shared/protocol`;

type ProtocolPrototype = Record<(typeof PATCHED_METHODS)[number], (...args: unknown[]) => unknown>;

/** True for a 1.x SDK version from 1.25.0 on (the range of SUPPORTED_SDK_VERSIONS). */
export function isSupportedSdkVersion(version: string | undefined): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (!match) return false;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major === 1 && minor >= 25;
}

function packageVersion(baseDir: string | undefined): string | undefined {
  if (!baseDir) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(join(baseDir, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof parsed.version === 'string' ? parsed.version : undefined;
  } catch {
    return undefined;
  }
}

/**
 * OpenTelemetry instrumentation of `@modelcontextprotocol/sdk` 1.x (CommonJS and ESM): register
 * it with `NodeSDK` (or `registerInstrumentations`) before the SDK is loaded. For bundles, use
 * `instrumentMcpClient` / `instrumentMcpServer` instead.
 */
export class McpInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  private histograms: { client: Histogram; server: Histogram } | undefined;
  private readonly source: TelemetrySource;
  // InstrumentationBase calls enable() from its constructor, before subclass fields would be
  // initialised (and a field initialiser would then overwrite what enable() set): `declare`d
  // fields emit nothing, and enable() creates them.
  declare private cjsHook: Hook | undefined;
  declare private cjsExports: Set<unknown> | undefined;

  constructor(config: McpInstrumentationConfig = {}) {
    super(INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION, config);
    const captureFromEnvironment = isContentCaptureEnabled();
    this.source = {
      tracer: () => this.tracer,
      clientDuration: () => this.durations().client,
      serverDuration: () => this.durations().server,
      captureContent: () => this.getConfig().captureContent ?? captureFromEnvironment,
      maxContentLength: () => this.getConfig().maxContentLength,
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

  /** ESM: the loader hook (import-in-the-middle) delivers the SDK's ESM protocol module. */
  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(SDK, SUPPORTED_SDK_VERSIONS, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          ESM_PROTOCOL_FILE,
          SUPPORTED_SDK_VERSIONS,
          (moduleExports: unknown) => this.patch(moduleExports),
          (moduleExports: unknown) => this.unpatch(moduleExports),
        ),
      ]),
    ];
  }

  /**
   * CommonJS: the SDK's package has no CommonJS main file (`dist/cjs/index.js` does not exist),
   * so the shared require hook of `InstrumentationBase`, which resolves a package's main to
   * tell internal files apart, never reports its files. A require hook of our own that names
   * the protocol file in full does.
   */
  override enable(): void {
    super.enable();
    this.cjsExports ??= new Set();
    for (const moduleExports of this.cjsExports) this.patch(moduleExports);
    this.cjsHook ??= new Hook(
      [CJS_PROTOCOL_FILE],
      { internals: true },
      (moduleExports, _name, baseDir) => {
        const version = packageVersion(baseDir);
        if (!isSupportedSdkVersion(version)) {
          logger.warn(
            `${SDK} ${version ?? '(unknown version)'} is outside ${SUPPORTED_SDK_VERSIONS.join(' ')}; not instrumented`,
          );
          return moduleExports;
        }
        this.cjsExports?.add(moduleExports);
        if (this.isEnabled()) this.patch(moduleExports);
        return moduleExports;
      },
    );
  }

  override disable(): void {
    super.disable();
    for (const moduleExports of this.cjsExports ?? []) this.unpatch(moduleExports);
  }

  private prototypeOf(moduleExports: unknown): ProtocolPrototype | undefined {
    const protocol = (moduleExports as { Protocol?: { prototype?: unknown } } | undefined)
      ?.Protocol;
    const prototype = protocol?.prototype as Partial<ProtocolPrototype> | undefined;
    if (!prototype || !PATCHED_METHODS.every((name) => typeof prototype[name] === 'function')) {
      logger.warn(`${SDK} Protocol has an unexpected shape; not instrumented`);
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
