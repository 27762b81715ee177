/**
 * The Claude Agent SDK with agent-otel: every `query()` session becomes one OpenTelemetry
 * trace, with the same spans and in-session decisions as the Claude Code plugin, in-process.
 *
 *   AGENT_OTEL_ENDPOINT=http://127.0.0.1:4318 npx tsx examples/agent-sdk/index.ts
 */
import { query } from '@anthropic-ai/claude-agent-sdk';
import type { Options } from '@anthropic-ai/claude-agent-sdk';
import { createAgentOtelHooks } from '@agent-otel/claude-code';

const telemetry = createAgentOtelHooks({
  // Everything is optional: these are read from AGENT_OTEL_* variables and config files too.
  endpoint: process.env.AGENT_OTEL_ENDPOINT ?? 'http://127.0.0.1:4318',
  captureContent: false,
  // Refuse destructive commands in-session; the agent sees the reason.
  deny: [{ tool: 'Bash', pattern: '\\brm\\s+-rf\\b', reason: 'rm -rf is not allowed here' }],
});

const options: Options = {
  hooks: telemetry.hooks,
  allowedTools: ['Read', 'Grep', 'Glob', 'Bash'],
};

for await (const message of query({
  prompt: 'List the TypeScript files in this folder.',
  options,
})) {
  if (message.type === 'result') console.log(message.subtype);
}

// Deliver the last spans before the program exits.
const undelivered = await telemetry.flush();
if (undelivered > 0) console.error(`${undelivered} span(s) are waiting in the agent-otel outbox`);
