/**
 * `agent-otel hook-server --socket PATH --build ID [--idle-seconds N]`: the background process
 * the hook client starts (see ../hook-server.ts). Not meant to be run by hand, but harmless:
 * it serves until idle, replaced or signalled, then exits 0.
 */
import { rmSync } from 'node:fs';
import { installDiagnostics } from '../diagnostics.js';
import type { Command } from '../main.js';

const USAGE =
  'usage: agent-otel hook-server --socket PATH --build ID [--idle-seconds N] [--started-marker FILE]\n\nServes hook events for the hook client (started by it; see docs/hook-latency.md).';

export const hookServerCommand: Command = async (args) => {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const value = (name: string): string | undefined => {
    const index = args.indexOf(name);
    return index === -1 ? undefined : args[index + 1];
  };
  const socketPath = value('--socket');
  const build = value('--build');
  const idleSeconds = Number(value('--idle-seconds') ?? 600);
  if (!socketPath || !build || !Number.isFinite(idleSeconds) || idleSeconds <= 0) {
    console.error(
      `agent-otel hook-server: --socket, --build and a positive --idle-seconds are required\n\n${USAGE}`,
    );
    return 2;
  }
  // Its stderr is <stateDir>/hook-server.log: what the packages report through `diag` (a rule
  // that fails to evaluate on some call) is written there.
  installDiagnostics('agent-otel hook-server');
  const { startHookServer } = await import('../hook-server.js');
  // The client that started this server left a marker so that others do not start one too.
  const marker = value('--started-marker');
  let server;
  try {
    server = await startHookServer({ socketPath, build, idleMs: idleSeconds * 1000 });
  } catch (error) {
    // Another server is starting, the path is too long for a Unix socket, …: clients run
    // events themselves, as they do whenever no server answers.
    console.error(
      `agent-otel hook-server: cannot listen on ${socketPath}: ${(error as Error).message}`,
    );
    return 1;
  } finally {
    if (marker) rmSync(marker, { force: true });
  }
  const stop = (): void => void server.close();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('uncaughtException', (error) => {
    console.error(
      `agent-otel hook-server: unexpected error, stopping: ${error.stack ?? error.message}`,
    );
    stop();
  });
  await server.closed;
  return 0;
};
