/** Public options of the collector. Every field is optional; defaults are the embedded ones. */
import type { Writable } from 'node:stream';
import type { Decider } from '@agent-otel/core';
import type { CorsOptions } from './cors.js';

export type { CorsOptions } from './cors.js';

/** One OTLP/HTTP destination (Jaeger, Honeycomb, another collector). */
export interface OtlpExporterOptions {
  /** Base URL; `/v1/traces` is appended (as `OTEL_EXPORTER_OTLP_ENDPOINT`). Required unless `tracesEndpoint` is set. */
  endpoint?: string;
  /** Full URL used as is (as `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). Default: `endpoint` + `/v1/traces`. */
  tracesEndpoint?: string;
  /** Wire format. Default `http/protobuf`. */
  protocol?: 'http/protobuf' | 'http/json';
  /** Extra request headers (e.g. `x-honeycomb-team`). Default none. */
  headers?: Record<string, string>;
  /** Body compression. Default `gzip`. */
  compression?: 'gzip' | 'none';
  /** Per-request timeout in milliseconds. Default 10000. */
  timeoutMs?: number;
}

/**
 * The receiver's default limit on a request body, as sent and after decompression: the
 * OpenTelemetry Collector's (its HTTP servers' `max_request_body_size`), so a batch it takes
 * is not refused here — an OTLP exporter does not retry a 413, it drops the batch.
 */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

/** `maxHeldSpans` when not set. */
export const DEFAULT_MAX_HELD_SPANS = 100_000;

/** Options of `Collector.start`. */
export interface CollectorOptions {
  /** Where the receiver listens, `HOST:PORT` (port 0 picks a free one). Default `127.0.0.1:4318`. */
  listen?: string;
  /**
   * Where the OTLP/gRPC receiver listens, `HOST:PORT` (the convention's port is 4317). Default:
   * none (OTLP/HTTP only). Same limits, token and TLS as the HTTP receiver.
   */
  grpcListen?: string;
  /** Largest request body, in bytes as sent (compressed or not). Default 20 MiB. */
  maxBodyBytes?: number;
  /** Largest body after decompression (gzip, deflate), in bytes. Default 20 MiB. */
  maxDecompressedBytes?: number;
  /** Longer string attribute values are truncated to this many characters. Default 65536. */
  maxAttributeValueLength?: number;
  /** When set, requests must carry `Authorization: Bearer <token>`. Default: no authentication. */
  bearerToken?: string;
  /**
   * CORS for browsers' OTLP exporters (an agent's web UI): the origins allowed to post, as the
   * OpenTelemetry Collector's `cors` setting. Default: none (`OPTIONS` gets 405).
   */
  cors?: CorsOptions;
  /** Serve HTTPS with this PEM certificate and key. Default: plain HTTP. */
  tls?: { certFile: string; keyFile: string };
  /**
   * The policy engine. Default: the recommended ruleset of `@agent-otel/policy` (see
   * `policyFile`); `null` turns policy and intent off (spans pass through).
   */
  decider?: Decider | null;
  /** A policy file for `@agent-otel/policy` instead of the recommended ruleset. Ignored when `decider` is given. */
  policyFile?: string;
  /** How long spans are held to order a session's spans before evaluation, in ms. Default 2000. */
  windowMs?: number;
  /** A session unseen for this long is forgotten, in ms. Default 3600000 (1 h). */
  sessionTtlMs?: number;
  /** Most sessions kept in memory; the least recently seen is forgotten first. Default 10000. */
  maxSessions?: number;
  /**
   * Resolves relative paths in tool calls when a session's workspace is unknown. Default none:
   * such paths stay relative (resolving them against `/` would name files that were not used).
   */
  defaultCwd?: string;
  /** Directory of the disk queue and the default file store. Default `.agent-otel/collector`. */
  stateDir?: string;
  /** Largest disk-queue backlog, in bytes; beyond it the receiver answers 503. Default 1 GiB. */
  queueMaxBytes?: number;
  /** OTLP/HTTP destinations. Default none. */
  otlpExporters?: OtlpExporterOptions[];
  /** OTLP JSON lines file to append to; `null` for none. Default `<stateDir>/traces.jsonl`. */
  exportFile?: string | null;
  /** Print the live summary (and one line per violation). Default true. */
  terminal?: boolean;
  /** Where the live summary goes. Default `process.stdout`. */
  terminalOutput?: Writable;
  /** Seconds between summary lines, in ms. Default 10000. */
  summaryIntervalMs?: number;
  /** Spans per export request. Default 2048. */
  exportBatchSize?: number;
  /**
   * Spans waiting in memory for the exporters, at most: released by the processor and not yet
   * delivered (reading from the queue pauses at this many, so during a backend outage the
   * backlog waits on disk), and likewise decoded requests waiting for the processor. Spans held
   * for the ordering window are bounded by `maxHeldSpans`. Default 50000.
   */
  maxInFlightSpans?: number;
  /**
   * Spans the processor holds for its ordering window, at most: reading from the queue pauses
   * at this many. The window holds about the rate of tool, turn and session spans times
   * `windowMs` (longer for sessions that keep sending, up to four windows); the bound matters
   * when a backlog is read back faster than that (after a restart or an outage). Default
   * 100000: about 2 KB of memory each, with the share of its request's bytes it keeps.
   */
  maxHeldSpans?: number;
  /** First retry delay of a failed export, in ms (doubles up to `retryMaxMs`). Default 500. */
  retryInitialMs?: number;
  /** Longest retry delay, in ms (a longer `Retry-After` is honoured). Default 30000. */
  retryMaxMs?: number;
  /** How long `stop()` waits for the last exports, in ms. Default 5000. */
  shutdownTimeoutMs?: number;
}
