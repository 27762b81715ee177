#!/usr/bin/env node
// The plugin's hook command: runs `agent-otel hook` from the agent-otel CLI next to this plugin
// (in the repository: packages/cli; when installed from npm: node_modules/@agent-otel/cli).
// If the CLI is missing, it says so on stderr and exits 0: telemetry never breaks the agent.
import { existsSync } from 'node:fs';

const cli = new URL('../../../cli/bin/agent-otel.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    `agent-otel plugin: the agent-otel CLI was not found at ${cli.pathname}; run "npm ci && npm run build" in the agent-otel repository\n`,
  );
  process.exit(0);
}
process.argv.splice(2, process.argv.length - 2, 'hook');
await import(cli.href);
