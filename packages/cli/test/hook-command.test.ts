/**
 * `agent-otel hook`, `flush` and `demo` as separate processes, the way Claude Code runs them:
 * the recorded session replayed one process per event, delivered to a loopback OTLP receiver
 * (test/support/otlp-receiver.ts, which decodes with its own code).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  sessionSpanId,
  subagentSpanId,
  toolSpanId,
  traceIdForSession,
  turnSpanId,
} from '@agent-otel/core';
import {
  AGENT_TOOL_CATEGORY_VALUE_READ,
  AGENT_TOOL_OUTCOME_VALUE_SUCCESS,
  ATTR_AGENT_DATA_SECRET_FINGERPRINTS,
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_PERMISSION_MODE,
  ATTR_AGENT_SESSION_END_REASON,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TOOL_DECISION,
  ATTR_AGENT_TOOL_OUTCOME,
  ATTR_AGENT_TOOL_PATHS,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_AGENT_TURN_ID,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_FILE_PATH,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_SESSION_ID,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
} from '@agent-otel/semconv';
import { startOtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { makeBox, runProcess } from './support.js';
import type { Box, ProcessResult } from './support.js';
import type { OtlpReceiver, ReceivedSpan } from '../../../test/support/otlp-receiver.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(REPO, 'packages/cli/bin/agent-otel.js');
const FIXTURE = join(REPO, 'packages/cli/demo/claude-code-session-2.1.197.jsonl');
const SESSION = '98fc761d-ec95-4132-8f0e-b3dfcaa0dff4';
const TOKEN = 'ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d';
const PASSWORD = 'S3cr3tPassw0rd';
const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);

function box(extra: NodeJS.ProcessEnv = {}): Box {
  return makeBox('agent-otel-cli-test-', {
    AGENT_OTEL_OWNER: 'dev@example.com',
    AGENT_OTEL_FINGERPRINT_KEY: 'cli-test-key-0123456789abcdef0123',
    AGENT_OTEL_POLICY: 'off',
    ...extra,
  });
}

const PLUGIN_LAUNCHER = join(REPO, 'packages/claude-code/plugin/bin/agent-otel-hook.mjs');

/** Runs the CLI (or the plugin's launcher) as its own process. */
function run(
  b: Box,
  args: string[],
  input?: string | Buffer,
  extra: NodeJS.ProcessEnv = {},
): Promise<ProcessResult> {
  return runProcess(
    process.execPath,
    args[0] === PLUGIN_LAUNCHER ? args : [CLI, ...args],
    input ?? '',
    { ...b.env, ...extra },
  );
}

function hook(b: Box, payload: string | Buffer, extra: NodeJS.ProcessEnv = {}) {
  return run(b, ['hook'], payload, extra);
}

function outboxSpanCount(stateDir: string): number {
  const directory = join(stateDir, 'outbox');
  if (!existsSync(directory)) return 0;
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .reduce(
      (count, name) =>
        count + (JSON.parse(readFileSync(join(directory, name), 'utf8')) as unknown[]).length,
      0,
    );
}

function tree(spans: readonly ReceivedSpan[]): string[] {
  return spans
    .map((span) => `${span.name} ${span.spanId} <- ${span.parentSpanId || 'root'}`)
    .sort();
}

const TURN = '2b1e40b0-f080-43b3-9889-ff8c3438ed37';
const EXPECTED_TREE = (() => {
  const session = sessionSpanId(SESSION);
  const turn = turnSpanId(SESSION, TURN);
  const tool = (id: string) => toolSpanId(SESSION, id);
  const subagent = subagentSpanId(SESSION, 'a7839c626a0d550d7');
  return [
    `session claude-code ${session} <- root`,
    `invoke_agent claude-code ${turn} <- ${session}`,
    `execute_tool Read ${tool('toolu_1_0')} <- ${turn}`,
    `execute_tool mcp__fs__list_directory ${tool('toolu_2_0')} <- ${turn}`,
    `execute_tool Bash ${tool('toolu_3_0')} <- ${turn}`,
    `execute_tool Bash ${tool('toolu_4_0')} <- ${turn}`,
    `execute_tool Agent ${tool('toolu_5_0')} <- ${turn}`,
    `invoke_agent general-purpose ${subagent} <- ${tool('toolu_5_0')}`,
    `execute_tool Bash ${tool('toolu_6_0')} <- ${subagent}`,
    `execute_tool Bash ${tool('toolu_8_1')} <- ${turn}`,
    `execute_tool Read ${tool('toolu_8_0')} <- ${turn}`,
    `execute_tool Edit ${tool('toolu_9_0')} <- ${turn}`,
  ].sort();
})();

describe('agent-otel hook: the recorded session, one process per event', async () => {
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(async () => {
    await receiver.close();
  });

  it('replays to the outbox, then flush delivers one trace with the right tree and attributes', async () => {
    const b = box();
    for (const line of lines) {
      const result = await hook(b, line);
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr, '');
    }
    // Files of the state directory are private.
    assert.equal(statSync(join(b.stateDir, 'outbox')).mode & 0o077, 0);
    for (const name of readdirSync(join(b.stateDir, 'outbox'))) {
      assert.equal(statSync(join(b.stateDir, 'outbox', name)).mode & 0o777, 0o600);
    }
    assert.equal(outboxSpanCount(b.stateDir), 12);
    // The hook ran from the bundle, which left its V8 code cache for the next process.
    assert.ok(
      existsSync(
        join(
          REPO,
          `packages/cli/dist/hook-bundle/hook.cjs.${process.version}.${process.arch}.v8cache`,
        ),
      ),
    );
    const flushed = await run(b, ['flush'], undefined, { AGENT_OTEL_ENDPOINT: receiver.url });
    assert.equal(flushed.status, 0, flushed.stderr);
    assert.match(flushed.stdout, /delivered 12 span/);
    const spans = receiver.spans().filter((span) => span.traceId === traceIdForSession(SESSION));
    assert.deepEqual(tree(spans), EXPECTED_TREE);
    const read = spans.find((span) => span.spanId === toolSpanId(SESSION, 'toolu_1_0'))!;
    const fingerprints = read.attributes[ATTR_AGENT_DATA_SECRET_FINGERPRINTS] as string[];
    assert.equal(fingerprints.length, 2);
    assert.deepEqual(read.attributes, {
      [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
      [ATTR_GEN_AI_TOOL_NAME]: 'Read',
      [ATTR_GEN_AI_TOOL_TYPE]: GEN_AI_TOOL_TYPE_VALUE_FUNCTION,
      [ATTR_AGENT_TOOL_CATEGORY]: AGENT_TOOL_CATEGORY_VALUE_READ,
      [ATTR_AGENT_TOOL_TARGET]: '/home/dev/acme-app/.env',
      [ATTR_FILE_PATH]: '/home/dev/acme-app/.env',
      [ATTR_AGENT_TOOL_PATHS]: ['/home/dev/acme-app/.env'],
      [ATTR_GEN_AI_TOOL_CALL_ID]: 'toolu_1_0',
      [ATTR_SESSION_ID]: SESSION,
      [ATTR_GEN_AI_CONVERSATION_ID]: SESSION,
      [ATTR_AGENT_TURN_ID]: TURN,
      [ATTR_AGENT_PERMISSION_MODE]: 'default',
      [ATTR_AGENT_WORKSPACE_PATH]: '/home/dev/acme-app',
      [ATTR_AGENT_TOOL_OUTCOME]: AGENT_TOOL_OUTCOME_VALUE_SUCCESS,
      [ATTR_AGENT_DATA_SECRET_TYPES]: ['database_url_password', 'github_token'],
      [ATTR_AGENT_DATA_SECRET_FINGERPRINTS]: fingerprints,
    });
    assert.ok(fingerprints.every((value) => /^[a-z_]+:[0-9a-f]{8}$/.test(value)));
    assert.equal(read.resource['service.name'], 'agent-otel');
    assert.equal(read.resource['host.name'], hostname());
    assert.equal(outboxSpanCount(b.stateDir), 0);
  });

  it('malformed stdin: exit 0, one clear stderr line, earlier spans and the session intact', async () => {
    const b = box();
    for (const line of lines.slice(0, 4)) assert.equal((await hook(b, line)).status, 0);
    const before = outboxSpanCount(b.stateDir);
    const sessionFile = join(b.stateDir, 'sessions', `${SESSION}.json`);
    const sessionBefore = readFileSync(sessionFile, 'utf8');
    const wrongType = JSON.stringify({ ...JSON.parse(lines[2]!), tool_use_id: 42 });
    const huge = JSON.stringify({
      ...JSON.parse(lines[4]!),
      hook_event_name: 'PreToolUse',
      tool_name: 'Write',
      tool_input: { file_path: 'big.txt', content: 'x'.repeat(10 * 1024 * 1024) },
      tool_use_id: 'toolu_big',
    });
    const cases: [string, string | Buffer, RegExp][] = [
      [
        'not JSON',
        '{"session_id": "x", oops',
        /^agent-otel hook: stdin is not JSON \(\d+ bytes\): /,
      ],
      ['empty', '', /^agent-otel hook: empty stdin/],
      [
        'wrong field types',
        wrongType,
        /^agent-otel hook: invalid hook payload: PreToolUse: tool_use_id: .*expected string/,
      ],
      [
        'not an object',
        '[1,2,3]',
        /^agent-otel hook: invalid hook payload: payload is not a JSON object/,
      ],
      [
        'binary garbage',
        Buffer.from([0xff, 0xfe, 0x00, 0x01]),
        /^agent-otel hook: stdin is not JSON/,
      ],
    ];
    for (const [label, input, message] of cases) {
      const result = await hook(b, input);
      assert.equal(result.status, 0, label);
      assert.equal(result.stdout, '', label);
      const stderr = result.stderr.trim().split('\n');
      assert.equal(stderr.length, 1, `${label}: ${result.stderr}`);
      assert.match(stderr[0]!, message, label);
      assert.equal(outboxSpanCount(b.stateDir), before, label);
      assert.equal(readFileSync(sessionFile, 'utf8'), sessionBefore, label);
    }
    // A 10 MB payload is a valid event: recorded, quickly, exit 0.
    const started = Date.now();
    const big = await hook(b, huge);
    assert.equal(big.status, 0, big.stderr);
    assert.equal(big.stderr, '');
    assert.ok(Date.now() - started < 20_000);
    // The rest of the session still completes into the same trace.
    for (const line of lines.slice(4)) assert.equal((await hook(b, line)).status, 0);
    const flushed = await run(b, ['flush'], undefined, { AGENT_OTEL_ENDPOINT: receiver.url });
    assert.equal(flushed.status, 0, flushed.stderr);
    const spans = receiver.spans().filter((span) => span.traceId === traceIdForSession(SESSION));
    assert.ok(spans.some((span) => span.spanId === toolSpanId(SESSION, 'toolu_big')));
  });
});

describe('agent-otel flush: a collector that is down loses nothing', async () => {
  it('exits 1 naming the count while down; delivers every span once it is up', async () => {
    const b = box();
    const down = await startOtlpReceiver({ status: 503 });
    for (const line of lines) assert.equal((await hook(b, line)).status, 0);
    const failed = await run(b, ['flush', '--timeout', '5'], undefined, {
      AGENT_OTEL_ENDPOINT: down.url,
    });
    await down.close();
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /agent-otel flush: 12 span\(s\) not delivered/);
    assert.equal(outboxSpanCount(b.stateDir), 12);
    const up = await startOtlpReceiver();
    try {
      const delivered = await run(b, ['flush'], undefined, { AGENT_OTEL_ENDPOINT: up.url });
      assert.equal(delivered.status, 0, delivered.stderr);
      assert.equal(up.spans().length, 12);
      assert.deepEqual(tree(up.spans()), EXPECTED_TREE);
      assert.equal(outboxSpanCount(b.stateDir), 0);
    } finally {
      await up.close();
    }
  });

  it('the plugin hook hands delivery to a background flusher: spans arrive without an explicit flush', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const b = box({ AGENT_OTEL_ENDPOINT: receiver.url });
      // Through the plugin's launcher, exactly as hooks.json runs it.
      for (const line of lines) assert.equal((await run(b, [PLUGIN_LAUNCHER], line)).status, 0);
      const spans = await receiver.waitFor((received) => received.length >= 12, 30_000);
      assert.deepEqual(tree(spans), EXPECTED_TREE);
      // The flusher exits by itself once the outbox is empty.
      const deadline = Date.now() + 15_000;
      while (existsSync(join(b.stateDir, 'flusher.pid')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(existsSync(join(b.stateDir, 'flusher.pid')), false);
    } finally {
      await receiver.close();
    }
  });

  it('a session without SessionEnd: its spans are exported and flush --end-sessions closes it', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const b = box();
      for (const line of lines.slice(0, -1)) assert.equal((await hook(b, line)).status, 0);
      const flushed = await run(b, ['flush', '--end-sessions'], undefined, {
        AGENT_OTEL_ENDPOINT: receiver.url,
      });
      assert.equal(flushed.status, 0, flushed.stderr);
      assert.match(flushed.stderr, /ended 1 session/);
      assert.deepEqual(tree(receiver.spans()), EXPECTED_TREE);
      const session = receiver.spans().find((span) => span.spanId === sessionSpanId(SESSION))!;
      assert.equal(session.attributes[ATTR_AGENT_SESSION_END_REASON], 'flush');
      assert.equal(existsSync(join(b.stateDir, 'sessions', `${SESSION}.json`)), false);
    } finally {
      await receiver.close();
    }
  });
});

describe('content capture and secrets', () => {
  it('a planted secret read with capture on appears nowhere in the exported bytes', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const b = box({ AGENT_OTEL_CAPTURE_CONTENT: 'true' });
      const planted = lines.map((line) => {
        const payload = JSON.parse(line) as Record<string, unknown>;
        // Also put the token in a command line and a prompt, where it is not a file's content.
        if (payload.hook_event_name === 'UserPromptSubmit') payload.prompt = `use ${TOKEN} please`;
        return JSON.stringify(payload);
      });
      planted.splice(
        5,
        0,
        JSON.stringify({
          ...JSON.parse(lines[2]!),
          tool_name: 'Bash',
          tool_input: {
            command: `curl -H "Authorization: token ${TOKEN}" https://api.github.com/user`,
          },
          tool_use_id: 'toolu_token',
        }),
      );
      for (const line of planted) assert.equal((await hook(b, line)).status, 0);
      const flushed = await run(b, ['flush', '--end-sessions'], undefined, {
        AGENT_OTEL_ENDPOINT: receiver.url,
      });
      assert.equal(flushed.status, 0, flushed.stderr);
      const bytes = receiver.allBytes().toString('utf8');
      assert.ok(bytes.length > 1000);
      assert.ok(!bytes.includes(TOKEN), 'the GitHub token leaked');
      assert.ok(!bytes.includes(PASSWORD), 'the database password leaked');
      assert.ok(!bytes.includes('u8jzPde0IgxLd6'), 'a fragment of the token leaked');
      // Capture did happen (redacted).
      const read = receiver
        .spans()
        .find((span) => span.spanId === toolSpanId(SESSION, 'toolu_1_0'))!;
      assert.match(
        String(read.attributes[ATTR_GEN_AI_TOOL_CALL_RESULT]),
        /\[REDACTED:github_token\]/,
      );
      assert.equal(
        read.attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS],
        '{"file_path":"/home/dev/acme-app/.env"}',
      );
    } finally {
      await receiver.close();
    }
  });
});

describe('configuration and decisions through the command', () => {
  it("a config file deny list refuses the call in Claude Code's JSON; a bad config file is one stderr line", async () => {
    const b = box();
    const project = join(b.dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, '.agent-otel.yaml'),
      "deny:\n  - tool: Bash\n    pattern: '^rm -rf'\n    reason: rm -rf is not allowed in this repository\n",
    );
    const pre = { ...JSON.parse(lines[8]!), cwd: project, session_id: 'cfg-session' };
    const result = await hook(b, JSON.stringify(pre));
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'rm -rf is not allowed in this repository',
      },
    });
    writeFileSync(join(project, '.agent-otel.yaml'), 'deny: [ {tool: Bash, pattern: 5 ]\n');
    const broken = await hook(b, JSON.stringify({ ...pre, tool_use_id: 'toolu_other' }));
    assert.equal(broken.status, 0);
    assert.equal(broken.stdout, '');
    assert.match(
      broken.stderr.trim(),
      /^agent-otel hook: config .*\.agent-otel\.yaml: not valid YAML: /,
    );
    assert.equal(broken.stderr.trim().split('\n').length, 1);
  });

  it('fail-closed: when the policy cannot be loaded, PreToolUse is denied; fail-open: no decision', async () => {
    const b = box({ AGENT_OTEL_POLICY: join(tmpdir(), 'no-such-policy-file.yaml') });
    const pre = lines[8]!;
    const open = await hook(b, pre);
    assert.equal(open.status, 0);
    assert.equal(open.stdout, '');
    assert.match(open.stderr, /agent-otel hook: policy .*no-such-policy-file\.yaml/);
    const closed = await hook(b, pre, { AGENT_OTEL_FAIL_CLOSED: 'true' });
    assert.equal(closed.status, 0);
    const output = JSON.parse(closed.stdout) as { hookSpecificOutput: Record<string, string> };
    assert.equal(output.hookSpecificOutput.hookEventName, 'PreToolUse');
    assert.equal(output.hookSpecificOutput.permissionDecision, 'deny');
    assert.match(output.hookSpecificOutput.permissionDecisionReason!, /fail closed/);
  });

  it('with no policy configured the recommended ruleset decides (the upload of .env is denied)', async () => {
    const b = box({ AGENT_OTEL_POLICY: '' });
    for (const line of lines.slice(0, 10)) assert.equal((await hook(b, line)).status, 0);
    const result = await hook(b, lines[10]!);
    assert.equal(result.status, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { hookSpecificOutput: Record<string, string> };
    assert.equal(output.hookSpecificOutput.permissionDecision, 'deny');
    const state = JSON.parse(
      readFileSync(join(b.stateDir, 'sessions', `${SESSION}.json`), 'utf8'),
    ) as {
      decider: { data: Record<string, unknown> };
    };
    // The policy engine's session state persists in the session file between processes.
    assert.ok(Object.keys(state.decider.data).length > 0);
    const outbox = readdirSync(join(b.stateDir, 'outbox')).flatMap(
      (name) =>
        JSON.parse(readFileSync(join(b.stateDir, 'outbox', name), 'utf8')) as {
          spanId: string;
          attributes: Record<string, unknown>;
        }[],
    );
    const denied = outbox.find((span) => span.spanId === toolSpanId(SESSION, 'toolu_4_0'))!;
    assert.equal(denied.attributes[ATTR_AGENT_TOOL_DECISION], 'deny');
  });
});

describe('agent-otel sessions', () => {
  it('lists the open session and the spans waiting in the outbox', async () => {
    const b = box();
    for (const line of lines.slice(0, 6)) assert.equal((await hook(b, line)).status, 0);
    const result = await run(b, ['sessions', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const listing = JSON.parse(result.stdout) as {
      stateDir: string;
      outboxSpans: number;
      sessions: { sessionId: string; traceId: string; openTurns: number; openToolCalls: number }[];
    };
    assert.equal(listing.stateDir, b.stateDir);
    assert.equal(listing.outboxSpans, 1);
    assert.deepEqual(
      listing.sessions.map(({ sessionId, traceId, openTurns, openToolCalls }) => ({
        sessionId,
        traceId,
        openTurns,
        openToolCalls,
      })),
      [{ sessionId: SESSION, traceId: traceIdForSession(SESSION), openTurns: 1, openToolCalls: 1 }],
    );
    const usage = await run(b, ['flush', '--timeout', 'soon']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--timeout needs a positive number of seconds/);
  });
});

describe('agent-otel demo', () => {
  it('replays the bundled recording to a local OTLP JSON file when no endpoint is set', async () => {
    const b = box();
    const output = join(b.dir, 'demo.jsonl');
    const result = await run(b, ['demo', '--output', output]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /agent-otel demo: 12 spans of trace [0-9a-f]{32} sent to /);
    const requests = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map(
        (line) => JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] },
      );
    const count = requests.reduce(
      (sum, request) => sum + request.resourceSpans[0]!.scopeSpans[0]!.spans.length,
      0,
    );
    assert.equal(count, 12);
  });
});
