/**
 * The commands' own diagnostics on stderr. The packages log through OpenTelemetry's `diag`
 * (an exporter refusing spans for good, a torn queue record, a disk that cannot be written, a
 * rule that fails to evaluate), which says nothing until a logger is installed: a library
 * leaves that to its application, and the `agent-otel` commands are the application.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';

/** `OTEL_LOG_LEVEL`'s values (the OpenTelemetry SDK environment specification), lower case. */
const LEVELS: ReadonlyMap<string, DiagLogLevel> = new Map([
  ['none', DiagLogLevel.NONE],
  ['error', DiagLogLevel.ERROR],
  ['warn', DiagLogLevel.WARN],
  ['info', DiagLogLevel.INFO],
  ['debug', DiagLogLevel.DEBUG],
  ['verbose', DiagLogLevel.VERBOSE],
  ['all', DiagLogLevel.ALL],
]);

/** The specification's default. */
const DEFAULT_LEVEL = 'info';

/** `OTEL_LOG_LEVEL` in a command's help. */
export const OTEL_LOG_LEVEL_HELP = `messages on stderr: ${[...LEVELS.keys()].join(', ')} (default ${DEFAULT_LEVEL})`;

/** Where the lines go: `process.stderr`, or a test's sink. */
export interface DiagnosticsOutput {
  write(line: string): unknown;
}

/** One line per message: `PREFIX: LEVEL: COMPONENT: message detail…` (an Error as its message). */
function lineLogger(prefix: string, output: DiagnosticsOutput): DiagLogger {
  const write =
    (level: string) =>
    (message: string, ...args: unknown[]): void => {
      // A component logger passes its namespace first, then what it was given.
      const parts = [message, ...args].map((part) =>
        part instanceof Error ? part.message : String(part),
      );
      const text = args.length > 0 ? `${parts[0]}: ${parts.slice(1).join(' ')}` : parts[0];
      output.write(`${prefix}: ${level}: ${text}\n`);
    };
  return {
    error: write('error'),
    warn: write('warn'),
    info: write('info'),
    debug: write('debug'),
    verbose: write('verbose'),
  };
}

/**
 * Installs the stderr logger for `diag` at the level `OTEL_LOG_LEVEL` names (`info` by
 * default, as the specification says; case-insensitive). An unknown value is reported and the
 * default used. Returns the level's name.
 */
export function installDiagnostics(
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
  output: DiagnosticsOutput = process.stderr,
): string {
  const given = env['OTEL_LOG_LEVEL']?.trim().toLowerCase();
  const known = given !== undefined && given !== '' && LEVELS.has(given);
  const name = known ? given : DEFAULT_LEVEL;
  diag.setLogger(lineLogger(prefix, output), {
    logLevel: LEVELS.get(name)!,
    suppressOverrideMessage: true,
  });
  if (!known && given !== undefined && given !== '') {
    output.write(
      `${prefix}: warn: OTEL_LOG_LEVEL '${env['OTEL_LOG_LEVEL']}' is not one of ` +
        `${[...LEVELS.keys()].join(', ')}; using ${DEFAULT_LEVEL}\n`,
    );
  }
  return name;
}
