/**
 * The `agent-otel` command. Each subcommand lives in its own module under `commands/` and is
 * imported only when it runs: the `hook` command starts once per Claude Code hook event, so
 * it must not pay for loading the collector or the policy tooling.
 */
import { readFileSync } from 'node:fs';

/** A subcommand: takes its arguments, returns the process exit code. */
export type Command = (args: string[]) => Promise<number>;

interface CommandEntry {
  readonly summary: string;
  readonly load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  hook: {
    summary: 'hook < payload.json: record one Claude Code hook event (used by the plugin)',
    load: async () => (await import('./commands/hook.js')).hookCommand,
  },
  'hook-server': {
    summary:
      'hook-server --socket PATH --build ID: serve hook events for the hook client (started by it)',
    load: async () => (await import('./commands/hook-server.js')).hookServerCommand,
  },
  flush: {
    summary: 'flush [--end-sessions]: deliver every span waiting in the outbox',
    load: async () => (await import('./commands/flush.js')).flushCommand,
  },
  demo: {
    summary: 'demo [--output FILE]: replay a recorded Claude Code session as a trace',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  sessions: {
    summary: 'sessions [--json]: open sessions and the outbox size',
    load: async () => (await import('./commands/sessions.js')).sessionsCommand,
  },
  policy: {
    summary:
      'policy check|test|eval: validate a policy, replay sessions through it, score it on a corpus',
    load: async () => (await import('./commands/policy.js')).policyCommand,
  },
  semconv: {
    summary: 'semconv check FILE: check OTLP JSON spans against the agent semantic convention',
    load: async () => (await import('./commands/semconv.js')).semconvCommand,
  },
  collector: {
    summary: 'run the OTLP collector that tags agent spans with policy violations and intents',
    load: async () => (await import('./commands/collector.js')).collectorCommand,
  },
};

function version(): string {
  const packageJson = JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as { version: string };
  return packageJson.version;
}

function usage(): string {
  const lines = Object.entries(COMMANDS).map(
    ([name, entry]) => `  ${name.padEnd(10)} ${entry.summary}`,
  );
  return `usage: agent-otel <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nagent-otel <command> --help shows a command's options.`;
}

/** Runs the command line `args` (without node and the script) and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`agent-otel: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest);
}
