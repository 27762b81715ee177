/**
 * The agent semantic convention, as data. Everything else in this package (key constants,
 * enum values, zod schemas, `validateSpan`, docs/semconv.md) is derived from this file.
 *
 * OTel keys are copied here, not imported from `@opentelemetry/semantic-conventions/incubating`
 * at runtime: the GenAI and MCP conventions are at Development stability and may move, and
 * OTel's own instrumentations keep such copies in their `semconv.ts` for the same reason.
 * `test/otel-keys.test.ts` checks each copy against the package where it has a constant.
 */
import type {
  AttributeDefinition,
  AttributeOrigin,
  EventDefinition,
  SpanKindDefinition,
} from './types.js';

const stable: AttributeOrigin = { kind: 'otel', stability: 'stable' };
const development: AttributeOrigin = { kind: 'otel', stability: 'development' };
const agent: AttributeOrigin = { kind: 'agent' };

/** Values of `agent.tool.category`. */
export const TOOL_CATEGORIES = [
  'read',
  'write',
  'execute',
  'network',
  'mcp',
  'agent',
  'other',
] as const;

/** Values of `agent.intent.category`. The last five before `unknown` are the risky ones. */
export const INTENT_CATEGORIES = [
  'explore',
  'implement',
  'refactor',
  'debug',
  'test',
  'document',
  'configure',
  'review',
  'credential_access',
  'reconnaissance',
  'exfiltration',
  'destruction',
  'privilege_escalation',
  'unknown',
] as const;

/** Values of `agent.policy.severity`, lowest first. */
export const POLICY_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;

/** Values of `agent.policy.action`, weakest first (deny wins over ask wins over tag). */
export const POLICY_ACTIONS = ['tag', 'ask', 'deny'] as const;

/** Values of `agent.policy.enforced_by`: the enforcement point that tagged the span. */
export const POLICY_ENFORCEMENT_POINTS = ['hook', 'sdk', 'collector'] as const;

/** Values of `agent.tool.decision`. */
export const TOOL_DECISIONS = ['allow', 'ask', 'deny', 'defer'] as const;

/** Values of `agent.tool.outcome`. */
export const TOOL_OUTCOMES = ['success', 'error', 'denied', 'not_run'] as const;

/** Values of `agent.owner.source`, in the order the owner is resolved. */
export const OWNER_SOURCES = ['config', 'env', 'plugin_option', 'git', 'os'] as const;

/** Values of `security_rule.category` used by agent-otel's rules. */
export const SECURITY_RULE_CATEGORIES = [
  'credential_access',
  'secret_exposure',
  'exfiltration',
  'destruction',
  'identity_switch',
  'unapproved_mcp',
  'mcp_tool_change',
  'outside_workspace',
  'defense_evasion',
  'persistence',
  'reconnaissance',
  'privilege_escalation',
] as const;

/** The span kinds of the convention. */
export const SPAN_KINDS: readonly SpanKindDefinition[] = [
  {
    name: 'session',
    spanKind: 'INTERNAL',
    spanName: 'session {gen_ai.agent.name}',
    brief: 'The root span of one agent session: its owner, identities, intent and policy summary.',
  },
  {
    name: 'turn',
    spanKind: 'INTERNAL',
    spanName: 'invoke_agent {gen_ai.agent.name}',
    brief: 'One user prompt and everything the agent did for it.',
  },
  {
    name: 'tool',
    spanKind: 'INTERNAL',
    spanName: 'execute_tool {gen_ai.tool.name}',
    brief: 'One tool call, from the agent asking for it to its result (or refusal).',
  },
  {
    name: 'subagent',
    spanKind: 'INTERNAL',
    spanName: 'invoke_agent {gen_ai.agent.name}',
    brief: 'A subagent, child of the tool span that spawned it; its name is the subagent type.',
  },
  {
    name: 'mcp_client',
    spanKind: 'CLIENT',
    spanName: '{mcp.method.name} {target}',
    brief:
      'One MCP request sent by a client; target is the tool, prompt or resource when there is one.',
  },
  {
    name: 'mcp_server',
    spanKind: 'SERVER',
    spanName: '{mcp.method.name} {target}',
    brief: "One MCP request handled by a server, continuing the caller's trace.",
  },
];

/** The span events of the convention. */
export const EVENTS: readonly EventDefinition[] = [
  {
    name: 'agent.policy.violation',
    scope: 'agent.policy.violation',
    brief: 'One per broken rule, on the span that broke it.',
  },
  {
    name: 'agent.mcp.tools.changed',
    scope: 'agent.mcp.tools.changed',
    brief: "An MCP server's tool list changed within a session (the 'rug pull').",
  },
  {
    name: 'agent.hook.{hook_event_name}',
    scope: 'agent.hook',
    brief:
      'An agent hook event that is not a span of its own (PostToolBatch, Stop, Notification, compaction, events newer than this release).',
  },
];

const ALL_MCP = { mcp_client: 'recommended', mcp_server: 'recommended' } as const;

/** Every attribute agent-otel emits. Sorted by key within each group. */
export const ATTRIBUTES: readonly AttributeDefinition[] = [
  // ---- GenAI (OpenTelemetry GenAI semantic conventions) ----
  {
    key: 'gen_ai.operation.name',
    type: 'string',
    brief: 'The operation the span performs.',
    examples: ['invoke_agent', 'execute_tool'],
    origin: development,
    values: ['invoke_agent', 'execute_tool', 'create_agent', 'chat'],
    openEnum: true,
    requirements: {
      turn: 'required',
      tool: 'required',
      subagent: 'required',
      mcp_client: { level: 'conditionally_required', condition: 'when the request is tools/call' },
      mcp_server: { level: 'conditionally_required', condition: 'when the request is tools/call' },
    },
  },
  {
    key: 'gen_ai.agent.name',
    type: 'string',
    brief: 'The agent (or subagent type) the span belongs to.',
    examples: ['claude-code', 'Explore'],
    origin: development,
    requirements: { session: 'required', turn: 'required', subagent: 'required' },
  },
  {
    key: 'gen_ai.agent.id',
    type: 'string',
    brief: 'The unique id of a subagent instance (Claude Code `agent_id`).',
    examples: ['a1b2c3d4e5f6'],
    origin: development,
    renamedFrom: 'agent.subagent.id',
    note: 'DESIGN.md drafted `agent.subagent.id`; the GenAI convention already has `gen_ai.agent.id` for exactly this, so it is used instead.',
    requirements: {
      subagent: 'required',
      tool: {
        level: 'conditionally_required',
        condition: 'when the tool call was made by a subagent',
      },
    },
  },
  {
    key: 'gen_ai.conversation.id',
    type: 'string',
    brief: 'The conversation the span belongs to; for Claude Code, the session id.',
    examples: ['98fc761d-ec95-4132-8f0e-b3dfcaa0dff4'],
    origin: development,
    requirements: {
      session: 'required',
      turn: 'required',
      tool: 'recommended',
      subagent: 'recommended',
    },
  },
  {
    key: 'gen_ai.provider.name',
    type: 'string',
    brief: 'The model provider behind the agent.',
    examples: ['anthropic'],
    origin: development,
    values: ['anthropic', 'openai', 'aws.bedrock', 'gcp.vertex_ai', 'azure.ai.openai'],
    openEnum: true,
    requirements: { session: 'recommended', turn: 'recommended' },
  },
  {
    key: 'gen_ai.request.model',
    type: 'string',
    brief: 'The model the agent asked for, when the agent reports it.',
    examples: ['claude-sonnet-4-5'],
    origin: development,
    requirements: {
      session: { level: 'conditionally_required', condition: 'when the agent reports its model' },
      turn: 'recommended',
    },
  },
  {
    key: 'gen_ai.input.messages',
    type: 'string',
    brief: 'The user prompt, as GenAI input messages JSON; redacted and truncated.',
    examples: ['[{"role":"user","parts":[{"type":"text","content":"Fix the failing test"}]}]'],
    origin: development,
    requirements: {
      turn: { level: 'opt_in', condition: 'only when content capture is on' },
      subagent: { level: 'opt_in', condition: 'only when content capture is on' },
    },
  },
  {
    key: 'gen_ai.tool.name',
    type: 'string',
    brief: 'The name of the tool, as the agent calls it.',
    examples: ['Bash', 'Read', 'mcp__fs__list_directory', 'get-sum'],
    origin: development,
    requirements: {
      tool: 'required',
      mcp_client: { level: 'conditionally_required', condition: 'when the request is tools/call' },
      mcp_server: { level: 'conditionally_required', condition: 'when the request is tools/call' },
    },
  },
  {
    key: 'gen_ai.tool.call.id',
    type: 'string',
    brief:
      "The tool call id (Claude Code `tool_use_id`); joins agent-otel spans with the agent's own telemetry.",
    examples: ['toolu_01A09q90qw90lq917835lq9'],
    origin: development,
    requirements: { tool: 'required' },
  },
  {
    key: 'gen_ai.tool.type',
    type: 'string',
    brief: 'The kind of tool: built into the agent (function) or provided by an extension (MCP).',
    examples: ['function', 'extension'],
    origin: development,
    values: ['function', 'extension', 'datastore'],
    openEnum: true,
    requirements: { tool: 'recommended' },
  },
  {
    key: 'gen_ai.tool.call.arguments',
    type: 'string',
    brief: 'The tool arguments as JSON; redacted and truncated.',
    examples: ['{"command":"npm test"}'],
    origin: development,
    requirements: {
      tool: { level: 'opt_in', condition: 'only when content capture is on' },
      mcp_client: { level: 'opt_in', condition: 'only when content capture is on' },
      mcp_server: { level: 'opt_in', condition: 'only when content capture is on' },
    },
  },
  {
    key: 'gen_ai.tool.call.result',
    type: 'string',
    brief: 'The tool result as JSON or text; redacted and truncated.',
    examples: ['{"stdout":"ok"}'],
    origin: development,
    requirements: {
      tool: { level: 'opt_in', condition: 'only when content capture is on' },
      mcp_client: { level: 'opt_in', condition: 'only when content capture is on' },
      mcp_server: { level: 'opt_in', condition: 'only when content capture is on' },
    },
  },
  {
    key: 'gen_ai.prompt.name',
    type: 'string',
    brief: 'The name of the MCP prompt requested.',
    examples: ['code_review'],
    origin: development,
    requirements: {
      mcp_client: { level: 'conditionally_required', condition: 'when the request is prompts/get' },
      mcp_server: { level: 'conditionally_required', condition: 'when the request is prompts/get' },
    },
  },

  // ---- MCP and JSON-RPC (OpenTelemetry MCP semantic conventions) ----
  {
    key: 'mcp.method.name',
    type: 'string',
    brief: 'The MCP request or notification method.',
    examples: ['tools/call', 'initialize', 'notifications/tools/list_changed'],
    origin: development,
    values: [
      'initialize',
      'ping',
      'tools/list',
      'tools/call',
      'resources/list',
      'resources/templates/list',
      'resources/read',
      'resources/subscribe',
      'resources/unsubscribe',
      'prompts/list',
      'prompts/get',
      'completion/complete',
      'logging/setLevel',
      'sampling/createMessage',
      'elicitation/create',
      'roots/list',
      'notifications/initialized',
      'notifications/cancelled',
      'notifications/progress',
      'notifications/message',
      'notifications/tools/list_changed',
      'notifications/resources/list_changed',
      'notifications/resources/updated',
      'notifications/prompts/list_changed',
      'notifications/roots/list_changed',
    ],
    openEnum: true,
    requirements: { mcp_client: 'required', mcp_server: 'required' },
  },
  {
    key: 'mcp.session.id',
    type: 'string',
    brief: 'The MCP session id, when the transport has one (Streamable HTTP).',
    examples: ['191c4850af6c49e08843a3f6c80e5046'],
    origin: development,
    requirements: {
      mcp_client: {
        level: 'conditionally_required',
        condition: 'when the transport has a session',
      },
      mcp_server: {
        level: 'conditionally_required',
        condition: 'when the transport has a session',
      },
    },
  },
  {
    key: 'mcp.protocol.version',
    type: 'string',
    brief: 'The MCP protocol version negotiated at initialize.',
    examples: ['2025-06-18'],
    origin: development,
    requirements: ALL_MCP,
  },
  {
    key: 'mcp.resource.uri',
    type: 'string',
    brief: 'The resource URI of a resources/* request.',
    examples: ['file:///home/dev/acme-app/README.md'],
    origin: development,
    requirements: {
      mcp_client: {
        level: 'conditionally_required',
        condition: 'when the request names a resource',
      },
      mcp_server: {
        level: 'conditionally_required',
        condition: 'when the request names a resource',
      },
    },
  },
  {
    key: 'jsonrpc.request.id',
    type: 'string',
    brief: 'The JSON-RPC request id (absent for notifications).',
    examples: ['1', '42'],
    origin: development,
    requirements: {
      mcp_client: { level: 'conditionally_required', condition: 'when the message is a request' },
      mcp_server: { level: 'conditionally_required', condition: 'when the message is a request' },
    },
  },
  {
    key: 'jsonrpc.protocol.version',
    type: 'string',
    brief: 'The JSON-RPC version, when it is not 2.0.',
    examples: ['2.0'],
    origin: development,
    requirements: ALL_MCP,
  },
  {
    key: 'rpc.response.status_code',
    type: 'string',
    brief: 'The JSON-RPC error code of a failed MCP request.',
    examples: ['-32602'],
    origin: development,
    requirements: {
      mcp_client: {
        level: 'conditionally_required',
        condition: 'when the response is a JSON-RPC error',
      },
      mcp_server: {
        level: 'conditionally_required',
        condition: 'when the response is a JSON-RPC error',
      },
    },
  },

  // ---- Core registry: session, user, host, process, VCS ----
  {
    key: 'session.id',
    type: 'string',
    brief: 'The agent session id (Claude Code `session_id`).',
    examples: ['98fc761d-ec95-4132-8f0e-b3dfcaa0dff4'],
    origin: development,
    requirements: {
      session: 'required',
      turn: 'required',
      tool: 'required',
      subagent: 'required',
    },
  },
  {
    key: 'user.id',
    type: 'string',
    brief: 'The human owner of the session (the identifier the owner was resolved to).',
    examples: ['dev@acme.example'],
    origin: development,
    requirements: { session: 'required' },
  },
  {
    key: 'user.email',
    type: 'string',
    brief: "The human owner's e-mail address, when known.",
    examples: ['dev@acme.example'],
    origin: development,
    requirements: {
      session: { level: 'conditionally_required', condition: 'when the owner has an e-mail' },
    },
  },
  {
    key: 'user.name',
    type: 'string',
    brief: "The human owner's user name, when known.",
    examples: ['dev'],
    origin: development,
    requirements: { session: 'recommended' },
  },
  {
    key: 'host.name',
    type: 'string',
    brief: 'The host the agent runs on.',
    examples: ['build-box-7'],
    origin: development,
    requirements: { session: 'recommended' },
  },
  {
    key: 'process.owner',
    type: 'string',
    brief: 'The OS user the agent process runs as.',
    examples: ['dev'],
    origin: development,
    requirements: { session: 'recommended' },
  },
  {
    key: 'vcs.repository.url.full',
    type: 'string',
    brief: "The workspace's git remote URL (credentials stripped).",
    examples: ['https://github.com/acme/acme-app'],
    origin: development,
    requirements: {
      session: { level: 'conditionally_required', condition: 'when the workspace is a git repo' },
    },
  },
  {
    key: 'vcs.ref.head.name',
    type: 'string',
    brief: 'The branch checked out in the workspace.',
    examples: ['main'],
    origin: development,
    requirements: {
      session: { level: 'conditionally_required', condition: 'when the workspace is a git repo' },
    },
  },
  {
    key: 'vcs.ref.head.revision',
    type: 'string',
    brief: 'The commit checked out in the workspace.',
    examples: ['9d59409acf479dfa0df1aa568182e43e43df8bbe'],
    origin: development,
    requirements: { session: 'recommended' },
  },

  // ---- Core registry: errors, network, files, URLs ----
  {
    key: 'error.type',
    type: 'string',
    brief: 'The class of error: `tool_error`, `denied`, a JSON-RPC code, an exception type.',
    examples: ['tool_error', 'denied', '-32601'],
    origin: stable,
    requirements: {
      tool: {
        level: 'conditionally_required',
        condition: 'when the tool call failed or was refused',
      },
      mcp_client: { level: 'conditionally_required', condition: 'when the request failed' },
      mcp_server: { level: 'conditionally_required', condition: 'when the request failed' },
      session: { level: 'conditionally_required', condition: 'when the session ended in error' },
    },
  },
  {
    key: 'server.address',
    type: 'string',
    brief: 'The host a tool call or MCP request talks to.',
    examples: ['api.github.com', 'localhost'],
    origin: stable,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the tool reaches one host' },
      mcp_client: { level: 'conditionally_required', condition: 'over HTTP transports' },
    },
  },
  {
    key: 'server.port',
    type: 'int',
    brief: 'The port of `server.address`.',
    examples: [443, 3001],
    origin: stable,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the URL names a port' },
      mcp_client: { level: 'conditionally_required', condition: 'over HTTP transports' },
    },
  },
  {
    key: 'network.transport',
    type: 'string',
    brief: 'The transport of an MCP connection: `pipe` for stdio, `tcp` for HTTP.',
    examples: ['pipe', 'tcp'],
    origin: stable,
    values: ['pipe', 'tcp', 'udp', 'unix', 'quic', 'inproc'],
    openEnum: true,
    requirements: ALL_MCP,
  },
  {
    key: 'network.protocol.name',
    type: 'string',
    brief: 'The application protocol under MCP, when there is one.',
    examples: ['http'],
    origin: stable,
    requirements: ALL_MCP,
  },
  {
    key: 'url.full',
    type: 'string',
    brief: 'The URL a tool call fetches (credentials and secret query values redacted).',
    examples: ['https://example.com/docs'],
    origin: stable,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the tool fetches a URL' },
    },
  },
  {
    key: 'file.path',
    type: 'string',
    brief: 'The file a tool call reads or writes, normalized to an absolute path.',
    examples: ['/home/dev/acme-app/src/math.js'],
    origin: development,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the tool acts on one file' },
    },
  },

  // ---- Core registry: security rules (on agent.policy.violation events) ----
  {
    key: 'security_rule.name',
    type: 'string',
    brief: 'The name of the rule that was broken.',
    examples: ['Read of a secret file'],
    origin: development,
    requirements: { 'agent.policy.violation': 'required' },
  },
  {
    key: 'security_rule.uuid',
    type: 'string',
    brief: 'The id of the rule that was broken (the policy file rule id).',
    examples: ['secret-file-read'],
    origin: development,
    requirements: { 'agent.policy.violation': 'required' },
  },
  {
    key: 'security_rule.category',
    type: 'string',
    brief: 'The category of the rule.',
    examples: ['credential_access'],
    origin: development,
    values: SECURITY_RULE_CATEGORIES,
    openEnum: true,
    requirements: { 'agent.policy.violation': 'required' },
  },
  {
    key: 'security_rule.ruleset.name',
    type: 'string',
    brief: 'The ruleset the rule belongs to.',
    examples: ['agent-otel-recommended'],
    origin: development,
    requirements: { 'agent.policy.violation': 'recommended' },
  },
  {
    key: 'security_rule.version',
    type: 'string',
    brief: 'The version of the ruleset or policy file.',
    examples: ['1'],
    origin: development,
    requirements: { 'agent.policy.violation': 'recommended' },
  },

  // ---- agent.*: session ----
  {
    key: 'agent.session.source',
    type: 'string',
    brief: 'How the session started (Claude Code `SessionStart.source`).',
    examples: ['startup', 'resume', 'clear', 'compact'],
    origin: agent,
    why: 'OTel has no attribute for how a GenAI session began.',
    values: ['startup', 'resume', 'clear', 'compact'],
    openEnum: true,
    requirements: { session: 'recommended' },
  },
  {
    key: 'agent.session.end_reason',
    type: 'string',
    brief:
      'Why the session ended (Claude Code `SessionEnd.reason`, or `timeout` / `flush` when it never said).',
    examples: ['prompt_input_exit', 'clear', 'logout', 'other', 'timeout', 'flush'],
    origin: agent,
    why: 'OTel has no attribute for why a GenAI session ended.',
    requirements: { session: 'recommended' },
  },
  {
    key: 'agent.workspace.path',
    type: 'string',
    brief: 'The directory the agent was started in: the workspace its policy scopes refer to.',
    examples: ['/home/dev/acme-app'],
    origin: agent,
    why: 'OTel has `process.working_directory`-like keys only for processes, not for an agent workspace that outlives many processes.',
    requirements: { session: 'recommended', tool: 'recommended' },
  },
  {
    key: 'agent.owner.source',
    type: 'string',
    brief: 'Where the human owner in `user.*` came from.',
    examples: ['git'],
    origin: agent,
    why: 'Security teams must know how much to trust `user.*`; OTel does not record provenance.',
    values: OWNER_SOURCES,
    requirements: { session: 'required' },
  },
  {
    key: 'agent.permission_mode',
    type: 'string',
    brief: 'The permission mode the agent ran the turn in.',
    examples: ['default', 'acceptEdits', 'plan', 'bypassPermissions'],
    origin: agent,
    why: 'OTel has no notion of an agent permission mode.',
    requirements: { turn: 'recommended', tool: 'recommended' },
  },
  {
    key: 'agent.turn.id',
    type: 'string',
    brief: 'The id of one user prompt (Claude Code `prompt_id`).',
    examples: ['2b1e40b0-f080-43b3-9889-ff8c3438ed37'],
    origin: agent,
    why: 'GenAI conventions have conversation ids but none for one turn of a conversation.',
    requirements: { turn: 'required', tool: 'recommended' },
  },
  {
    key: 'agent.turn.source',
    type: 'string',
    brief:
      "Who wrote or injected the turn's prompt (Claude Code `UserPromptSubmit.source`): a person, the SDK or `-p`, or the agent's own machinery (task notifications, wake-ups).",
    examples: ['user', 'sdk', 'system'],
    origin: agent,
    why: 'A turn started by a task notification or a scheduled wake-up is not a request of the session owner; OTel has no attribute for who prompted a GenAI invocation.',
    values: ['user', 'sdk', 'system', 'loop_wakeup', 'schedule_wakeup', 'poll_event'],
    openEnum: true,
    requirements: { turn: { level: 'recommended', condition: 'when the agent says' } },
  },

  // ---- agent.*: identity ----
  {
    key: 'agent.identity.credentials',
    type: 'string[]',
    brief:
      'Non-human identities visible to the agent, as `kind:fingerprint` (a keyed hash, never the value).',
    examples: [['github_token:3f9a1c2b', 'aws_profile:prod', 'mcp_server:fs']],
    origin: agent,
    why: 'OTel has no convention for non-human identities (tokens, cloud profiles, MCP servers) available to a process.',
    requirements: { session: 'recommended' },
  },
  {
    key: 'agent.identity.credentials.used',
    type: 'string[]',
    brief: 'The non-human identities a tool call uses, as `kind:fingerprint`.',
    examples: [['aws_profile:prod', 'github_token:3f9a1c2b']],
    origin: agent,
    why: 'OTel has no convention for which credential an operation used.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the call uses a credential' },
    },
  },
  {
    key: 'agent.identity.switched',
    type: 'boolean',
    brief:
      'True when the tool call moves to another identity of the same kind than the session used before.',
    examples: [true],
    origin: agent,
    why: 'An identity switch mid-task is a security signal no OTel key can express.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the call switches identity' },
    },
  },

  // ---- agent.*: tool calls ----
  {
    key: 'agent.tool.category',
    type: 'string',
    brief: 'What kind of action the tool call is.',
    examples: ['read', 'execute'],
    origin: agent,
    why: 'GenAI `gen_ai.tool.type` says where a tool comes from, not what it does; rules need what it does.',
    values: TOOL_CATEGORIES,
    requirements: { tool: 'required' },
  },
  {
    key: 'agent.tool.target',
    type: 'string',
    brief:
      'The normalized thing the tool acts on: a path, a command line, a URL, `server/tool`, a subagent type.',
    examples: ['/home/dev/acme-app/.env', 'npm test', 'https://example.com', 'fs/list_directory'],
    origin: agent,
    why: 'OTel spreads targets over file.path, url.full, process.command_line; one key lets rules and queries treat all tools alike.',
    requirements: { tool: 'recommended' },
  },
  {
    key: 'agent.tool.hosts',
    type: 'string[]',
    brief: 'Every host the tool call names (URLs and hosts in a command).',
    examples: [['example.com', 'api.github.com']],
    origin: agent,
    why: '`server.address` holds one host; a shell command may contact several.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the call names a host' },
    },
  },
  {
    key: 'agent.tool.paths',
    type: 'string[]',
    brief: 'Every file path the tool call names, normalized to absolute paths.',
    examples: [['/home/dev/acme-app/build', '/home/dev/acme-app/.env']],
    origin: agent,
    why: '`file.path` holds one path; a shell command may touch several.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the call names a path' },
    },
  },
  {
    key: 'agent.tool.sandbox.disabled',
    type: 'boolean',
    brief:
      "True when the agent asked to run the call outside its sandbox (Claude Code's `dangerouslyDisableSandbox`).",
    examples: [true],
    origin: agent,
    why: 'A safeguard switched off for one call; OTel has no attribute for a sandbox or its bypass.',
    requirements: {
      tool: {
        level: 'conditionally_required',
        condition: 'when the call asks to leave the sandbox',
      },
    },
  },
  {
    key: 'agent.tool.decision',
    type: 'string',
    brief: 'The in-session permission decision on the call, when one was made.',
    examples: ['deny'],
    origin: agent,
    why: 'OTel has no attribute for an authorization decision taken before an operation ran.',
    values: TOOL_DECISIONS,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when a decision was made' },
    },
  },
  {
    key: 'agent.tool.decision.source',
    type: 'string',
    brief: 'Who decided: agent-otel policy, config deny list, the user, another hook.',
    examples: ['policy', 'config', 'user', 'hook'],
    origin: agent,
    why: 'The same decision means different things when a rule or a human took it.',
    values: ['policy', 'config', 'user', 'hook', 'fail_closed'],
    openEnum: true,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when agent.tool.decision is set' },
    },
  },
  {
    key: 'agent.tool.decision.reason',
    type: 'string',
    brief: 'The reason given with the decision (the text the agent sees).',
    examples: ['Deleting the build folder is not allowed in this repository'],
    origin: agent,
    why: 'OTel has no attribute for an authorization decision reason.',
    requirements: {
      tool: { level: 'recommended', condition: 'when agent.tool.decision is set' },
    },
  },
  {
    key: 'agent.tool.outcome',
    type: 'string',
    brief: 'How the tool call ended.',
    examples: ['success', 'error', 'denied', 'not_run'],
    origin: agent,
    why: 'Span status says ok/error; a refused or never-run call needs to be told apart from a failure.',
    values: TOOL_OUTCOMES,
    requirements: { tool: 'recommended' },
  },
  {
    key: 'agent.mcp.tool.name',
    type: 'string',
    brief:
      'The MCP tool name, without the agent prefix (`list_directory` of `mcp__fs__list_directory`).',
    examples: ['list_directory'],
    origin: agent,
    why: '`gen_ai.tool.name` holds the agent-side name; joining with the MCP server span needs the server-side name.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the tool is an MCP tool' },
    },
  },

  // ---- agent.*: MCP servers ----
  {
    key: 'agent.mcp.server.name',
    type: 'string',
    brief:
      'The MCP server: its configured name for agent tool calls, its `serverInfo.name` for MCP spans.',
    examples: ['fs', 'secure-filesystem-server'],
    origin: agent,
    why: 'The MCP convention identifies the server by network address only; stdio servers have none.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when the tool is an MCP tool' },
      mcp_client: { level: 'recommended', condition: 'after initialize' },
      mcp_server: 'recommended',
    },
  },
  {
    key: 'agent.mcp.server.source',
    type: 'string',
    brief:
      'Where the MCP server of an agent tool call is configured (Claude Code `mcp_server.source`).',
    examples: ['project', 'user', 'plugin', 'managed'],
    origin: agent,
    why: 'A server from a project file the agent can edit is a different trust level than a managed one; no OTel key says where a tool provider was configured.',
    values: [
      'sdk',
      'plugin',
      'user',
      'project',
      'local',
      'dynamic',
      'managed',
      'enterprise',
      'claudeai',
      'agent',
    ],
    openEnum: true,
    requirements: {
      tool: { level: 'recommended', condition: 'when the tool is an MCP tool and the agent says' },
    },
  },
  {
    key: 'agent.mcp.server.version',
    type: 'string',
    brief: "The MCP server's `serverInfo.version`.",
    examples: ['0.6.2'],
    origin: agent,
    why: 'No OTel key for the version of the MCP server peer.',
    requirements: { mcp_client: 'recommended', mcp_server: 'recommended' },
  },
  {
    key: 'agent.mcp.tools.fingerprint',
    type: 'string',
    brief: "A hash of the server's tool list (names, descriptions and input schemas).",
    examples: ['8c1f0e6a2b7d9e41'],
    origin: agent,
    why: 'Detecting a tool list that changes mid-session (a rug pull) needs a stable digest of it.',
    requirements: {
      mcp_client: { level: 'conditionally_required', condition: 'on tools/list' },
      mcp_server: { level: 'conditionally_required', condition: 'on tools/list' },
    },
  },
  {
    key: 'agent.mcp.tools.added',
    type: 'string[]',
    brief: 'Tools that appeared since the previous tool list of the session.',
    examples: [['delete_file']],
    origin: agent,
    why: 'Names exactly what a tool-list change added.',
    requirements: { 'agent.mcp.tools.changed': 'required' },
  },
  {
    key: 'agent.mcp.tools.removed',
    type: 'string[]',
    brief: 'Tools that disappeared since the previous tool list of the session.',
    examples: [['read_file']],
    origin: agent,
    why: 'Names exactly what a tool-list change removed.',
    requirements: { 'agent.mcp.tools.changed': 'required' },
  },
  {
    key: 'agent.mcp.tools.changed',
    type: 'string[]',
    brief: 'Tools whose description or input schema changed since the previous tool list.',
    examples: [['write_file']],
    origin: agent,
    why: 'Names exactly which tools a server redefined.',
    requirements: { 'agent.mcp.tools.changed': 'required' },
  },
  {
    key: 'agent.mcp.tools.previous_fingerprint',
    type: 'string',
    brief: 'The tool-list fingerprint before the change.',
    examples: ['8c1f0e6a2b7d9e41'],
    origin: agent,
    why: 'Lets a query find every session that saw the same pair of tool lists.',
    requirements: { 'agent.mcp.tools.changed': 'recommended' },
  },

  // ---- agent.*: data ----
  {
    key: 'agent.data.secret.types',
    type: 'string[]',
    brief: 'Types of secrets found in the arguments or output of a tool call (never the values).',
    examples: [['github_token', 'database_url_password']],
    origin: agent,
    why: 'No OTel key records that an operation handled secrets.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when secrets were found' },
      mcp_client: { level: 'conditionally_required', condition: 'when secrets were found' },
    },
  },
  {
    key: 'agent.data.secret.fingerprints',
    type: 'string[]',
    brief: 'Keyed-hash fingerprints of the secrets found, to follow one secret across calls.',
    examples: [['github_token:3f9a1c2b']],
    origin: agent,
    why: 'Following a secret from the read to the send needs an identifier that is not the value.',
    requirements: {
      tool: { level: 'recommended', condition: 'when secrets were found' },
    },
  },

  // ---- agent.*: intent ----
  {
    key: 'agent.intent.category',
    type: 'string',
    brief: 'What the turn or session was trying to do, inferred from what the agent did.',
    examples: ['refactor', 'credential_access'],
    origin: agent,
    why: 'OTel has no notion of the purpose of an agent run.',
    values: INTENT_CATEGORIES,
    requirements: { session: 'recommended', turn: 'recommended' },
  },
  {
    key: 'agent.intent.confidence',
    type: 'double',
    brief: 'Confidence of the intent verdict, 0 to 1.',
    examples: [0.8],
    origin: agent,
    why: 'Goes with agent.intent.category.',
    requirements: {
      session: { level: 'conditionally_required', condition: 'when agent.intent.category is set' },
      turn: { level: 'conditionally_required', condition: 'when agent.intent.category is set' },
    },
  },
  {
    key: 'agent.intent.signals',
    type: 'string[]',
    brief: 'Short strings that explain the intent verdict.',
    examples: [['read:.env', 'network:curl POST']],
    origin: agent,
    why: 'Every verdict must explain itself.',
    requirements: { session: 'recommended', turn: 'recommended' },
  },

  // ---- agent.*: policy ----
  {
    key: 'agent.policy.violated',
    type: 'boolean',
    brief: 'True on a span that broke at least one policy rule.',
    examples: [true],
    origin: agent,
    why: 'OTel `security_rule.*` describes a rule, not whether a span broke one.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when a rule matched' },
      session: { level: 'conditionally_required', condition: 'when any span of it broke a rule' },
      turn: { level: 'conditionally_required', condition: 'when a rule matched' },
      mcp_client: { level: 'conditionally_required', condition: 'when a rule matched' },
      mcp_server: { level: 'conditionally_required', condition: 'when a rule matched' },
    },
  },
  {
    key: 'agent.policy.rule_ids',
    type: 'string[]',
    brief: 'Ids of every rule the span broke (on the session span: every rule the session broke).',
    examples: [['secret-file-read', 'exfiltration-after-secret-read']],
    origin: agent,
    why: 'A flat list makes "all spans that broke rule X" one query.',
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      session: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      turn: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_client: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_server: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
    },
  },
  {
    key: 'agent.policy.severity',
    type: 'string',
    brief: 'The highest severity among the rules broken (on an event: the rule’s severity).',
    examples: ['high'],
    origin: agent,
    why: 'Goes with agent.policy.violated.',
    values: POLICY_SEVERITIES,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      session: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      turn: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_client: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_server: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      'agent.policy.violation': 'required',
    },
  },
  {
    key: 'agent.policy.action',
    type: 'string',
    brief: 'The strongest action among the rules broken (on an event: the rule’s action).',
    examples: ['deny'],
    origin: agent,
    why: 'Goes with agent.policy.violated.',
    values: POLICY_ACTIONS,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      session: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      turn: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_client: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_server: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      'agent.policy.violation': 'required',
    },
  },
  {
    key: 'agent.policy.enforced_by',
    type: 'string',
    brief: 'The enforcement point that evaluated the rules and tagged the span.',
    examples: ['hook', 'collector'],
    origin: agent,
    why: 'The same rule can be checked in-session, in-process and in the pipeline.',
    values: POLICY_ENFORCEMENT_POINTS,
    requirements: {
      tool: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      session: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      turn: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_client: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      mcp_server: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
      'agent.policy.violation': 'required',
    },
  },
  {
    key: 'agent.policy.violation_count',
    type: 'int',
    brief: 'How many rule violations the session had, across all its spans.',
    examples: [3],
    origin: agent,
    why: 'The session summary security teams sort by.',
    requirements: {
      session: { level: 'conditionally_required', condition: 'when agent.policy.violated' },
    },
  },
  {
    key: 'agent.policy.reason',
    type: 'string',
    brief: 'Why the rule matched, in words a human and the agent can act on.',
    examples: ['Read of /home/dev/acme-app/.env, a secret file'],
    origin: agent,
    why: 'OTel `security_rule.description` describes the rule; this explains one match.',
    requirements: { 'agent.policy.violation': 'required' },
  },

  // ---- agent.*: hook events recorded as span events ----
  {
    key: 'agent.hook.event.name',
    type: 'string',
    brief: 'The agent hook event a span event records.',
    examples: ['PostToolBatch', 'Stop', 'Notification', 'PreCompact'],
    origin: agent,
    why: 'OTel has no convention for agent lifecycle hooks.',
    requirements: { 'agent.hook': 'required' },
  },
];
