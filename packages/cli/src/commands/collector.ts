/**
 * `agent-otel collector`: the OTLP/HTTP collector that tags agent spans with policy violations
 * and intents and sends them on. With no options it runs on the embedded defaults: listen on
 * 127.0.0.1:4318, the recommended ruleset, a local OTLP JSON file store and a live summary.
 */
import {
  Collector,
  ConfigError,
  ENVIRONMENT_VARIABLES,
  parseCollectorFlags,
  resolveCollectorConfig,
} from '@agent-otel/collector';
import { loadCollectorDecider } from '@agent-otel/collector';
import { installDiagnostics, OTEL_LOG_LEVEL_HELP } from '../diagnostics.js';
import type { Command } from '../main.js';

const HELP = `usage: agent-otel collector [options]

Receives OTLP/HTTP traces (protobuf or JSON, gzip) on POST /v1/traces, tags agent spans with
policy violations and intents, and exports them (OTLP/HTTP, an OTLP JSON lines file, a live
summary). GET /healthz reports counters. Acknowledged spans are queued on disk until delivered.

options (flags win over environment variables, which win over the --config file):
  --config FILE               YAML configuration (see docs/collector.md)
  --listen HOST:PORT          where to listen (default 127.0.0.1:4318)
  --grpc-listen HOST:PORT     OTLP/gRPC too, e.g. 127.0.0.1:4317 (default: HTTP only)
  --policy FILE               policy file (default: the recommended ruleset)
  --no-policy                 no policy or intent: spans pass through
  --export-otlp URL           OTLP/HTTP base URL, /v1/traces appended (repeatable)
  --export-otlp-protocol P    http/protobuf (default) or http/json
  --export-otlp-header K=V    header for the OTLP exporters (repeatable), e.g. x-honeycomb-team=KEY
  --export-otlp-compression C gzip (default) or none
  --export-file PATH          OTLP JSON lines file (default STATE_DIR/traces.jsonl)
  --no-export-file            no file store
  --no-terminal               no live summary
  --state-dir DIR             disk queue and file store (default .agent-otel/collector)
  --token TOKEN               require Authorization: Bearer TOKEN
  --tls-cert FILE --tls-key FILE   serve HTTPS (and gRPC over TLS)
  --window-ms N               hold spans N ms to order each session's spans (default 2000)

environment:
${Object.entries(ENVIRONMENT_VARIABLES)
  .map(([name, what]) => `  ${name.padEnd(42)} ${what}`)
  .join('\n')}
  ${'OTEL_LOG_LEVEL'.padEnd(42)} ${OTEL_LOG_LEVEL_HELP}`;

export const collectorCommand: Command = async (args) => {
  let resolved;
  try {
    const flags = parseCollectorFlags(args);
    if (flags.help) {
      console.log(HELP);
      return 0;
    }
    resolved = resolveCollectorConfig(flags);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(
      `agent-otel collector: ${error.message}\n\nagent-otel collector --help shows the options.`,
    );
    return 2;
  }
  // Before anything starts: what the packages report through `diag` goes to stderr.
  installDiagnostics('agent-otel collector');
  let collector: Collector;
  try {
    const decider = await loadCollectorDecider(resolved.policy);
    collector = await Collector.start(resolved.options, decider);
  } catch (error) {
    console.error(`agent-otel collector: ${(error as Error).message}`);
    return 1;
  }
  const exporters = [
    ...(resolved.options.otlpExporters ?? []).map(
      (exporter) => exporter.tracesEndpoint ?? exporter.endpoint,
    ),
    ...(resolved.options.exportFile ? [resolved.options.exportFile] : []),
  ];
  const grpc =
    collector.grpcAddress !== undefined ? ` and OTLP/gRPC on ${collector.grpcAddress}` : '';
  console.error(
    `agent-otel collector listening on ${collector.url}${grpc} (policy: ${resolved.policy}; exporting to ${exporters.join(', ') || 'the terminal only'})`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.error('agent-otel collector: stopping (undelivered spans stay queued on disk)');
  await collector.stop();
  console.error(collector.summaryLine());
  return 0;
};
