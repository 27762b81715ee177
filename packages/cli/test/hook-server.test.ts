/**
 * The plugin's hook command is the hook client (dist/hook-client.cjs), which hands each event to
 * the user's hook server and runs it itself when no server answers. Run through /bin/sh exactly
 * as hooks.json states it and compared event by event with `agent-otel hook` (the in-process
 * path), whose behaviour the server must keep; then the ways a server can be missing, stale,
 * foreign, broken or idle.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ATTR_GEN_AI_TOOL_CALL_ID } from '@agent-otel/semconv';
import { startOtlpReceiver } from '../../../test/support/otlp-receiver.js';
import { FAILING_RULE_POLICY, makeBox, runProcess } from './support.js';
import type { Box, ProcessResult } from './support.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(REPO, 'packages/cli/bin/agent-otel.js');
const PLUGIN_ROOT = join(REPO, 'packages/claude-code/plugin');
const FIXTURE = join(REPO, 'packages/cli/demo/claude-code-session-2.1.197.jsonl');
const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);
const HOOKS = JSON.parse(readFileSync(join(PLUGIN_ROOT, 'hooks/hooks.json'), 'utf8')) as {
  hooks: Record<string, { hooks: { command: string }[] }[]>;
};
const PLUGIN_COMMAND =
  'node "${CLAUDE_PLUGIN_ROOT}/../../cli/dist/hook-client.cjs" || node "${CLAUDE_PLUGIN_ROOT}/bin/agent-otel-hook.mjs"';

interface ServerBox extends Box {
  readonly socket: string;
}

function box(extra: NodeJS.ProcessEnv = {}): ServerBox {
  const b = makeBox('agent-otel-server-test-', {
    AGENT_OTEL_OWNER: 'dev@example.com',
    AGENT_OTEL_FINGERPRINT_KEY: 'server-test-key-0123456789abcdef',
    ...extra,
  });
  return { ...b, socket: join(b.stateDir, 'hook.sock') };
}

/** The plugin's command through the shell, as Claude Code runs it. */
function pluginHook(
  b: ServerBox,
  payload: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<ProcessResult> {
  return runProcess('/bin/sh', ['-c', PLUGIN_COMMAND], payload, {
    ...b.env,
    CLAUDE_PLUGIN_ROOT: PLUGIN_ROOT,
    ...extra,
  });
}

function cliHook(b: ServerBox, payload: string): Promise<ProcessResult> {
  return runProcess(process.execPath, [CLI, 'hook'], payload, b.env);
}

interface OutboxSpan {
  readonly name: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly attributes: Record<string, unknown>;
}

/** The spans waiting in the outbox, without times (two runs of one session differ only there). */
function outboxSpans(stateDir: string): Omit<OutboxSpan, never>[] {
  const directory = join(stateDir, 'outbox');
  if (!existsSync(directory)) return [];
  const spans: OutboxSpan[] = [];
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.json'))) {
    for (const span of JSON.parse(readFileSync(join(directory, name), 'utf8')) as OutboxSpan[]) {
      const { name: spanName, spanId, parentSpanId, attributes } = span;
      spans.push({ name: spanName, spanId, ...(parentSpanId ? { parentSpanId } : {}), attributes });
    }
  }
  return spans.sort((a, b) => a.spanId.localeCompare(b.spanId));
}

async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function inode(path: string): number | undefined {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
}

function serverLog(b: ServerBox): string {
  try {
    return readFileSync(join(b.stateDir, 'hook-server.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Removes the socket, which stops the server; resolves with the number of events it served. */
async function stopServer(b: ServerBox): Promise<number> {
  rmSync(b.socket, { force: true });
  await until(() => /stopping: .*\((\d+) events served\)/.test(serverLog(b)), 'the server to stop');
  return Number(/stopping: .*\((\d+) events served\)/.exec(serverLog(b))![1]);
}

/** A hook server started as the client starts it, with an explicit build. */
function startServerProcess(b: ServerBox, build: string, idleSeconds = 600): ChildProcess {
  mkdirSync(b.stateDir, { recursive: true, mode: 0o700 });
  return spawn(
    process.execPath,
    [
      CLI,
      'hook-server',
      '--socket',
      b.socket,
      '--build',
      build,
      '--idle-seconds',
      String(idleSeconds),
    ],
    { env: b.env, stdio: ['ignore', 'ignore', openSync(join(b.stateDir, 'hook-server.log'), 'a')] },
  );
}

/** Sends raw bytes to a server socket; resolves with its answer. */
function rawRequest(socket: string, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    const chunks: Buffer[] = [];
    connection.on('connect', () => connection.end(bytes));
    connection.on('data', (chunk: Buffer) => chunks.push(chunk));
    connection.on('error', reject);
    connection.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

const preToolUse = lines.find((line) => line.includes('"hook_event_name":"PreToolUse"'))!;

describe('the hook client and server', () => {
  it('every hook in hooks.json runs the hook client, with the launcher as fallback', () => {
    const commands = Object.values(HOOKS.hooks).flatMap((groups) =>
      groups.flatMap((group) => group.hooks.map((hook) => hook.command)),
    );
    assert.ok(commands.length >= 30);
    assert.deepEqual(new Set(commands), new Set([PLUGIN_COMMAND]));
  });

  it('the first event starts a server, which answers every later event as `agent-otel hook` does', async () => {
    const viaServer = box();
    const inProcess = box();
    for (const [index, line] of lines.entries()) {
      const [served, direct] = await Promise.all([
        pluginHook(viaServer, line),
        cliHook(inProcess, line),
      ]);
      assert.equal(served.status, 0, served.stderr);
      assert.equal(served.stdout, direct.stdout, `event ${index}: the same answer`);
      assert.equal(served.stderr, direct.stderr, `event ${index}: the same problems`);
      // The first event ran in the client; from the second on there is a server.
      if (index === 0) await until(() => existsSync(viaServer.socket), 'the hook server');
    }
    assert.deepEqual(outboxSpans(viaServer.stateDir), outboxSpans(inProcess.stateDir));
    assert.equal(outboxSpans(viaServer.stateDir).length, 12);
    assert.equal(await stopServer(viaServer), lines.length - 1);
    // The socket is private to the user.
    assert.equal(existsSync(inProcess.socket), false);
  });

  it('decisions come from the server too: a deny list in the config refuses the call', async () => {
    const b = box();
    mkdirSync(join(b.env.XDG_CONFIG_HOME!, 'agent-otel'), { recursive: true });
    writeFileSync(
      join(b.env.XDG_CONFIG_HOME!, 'agent-otel', 'config.yaml'),
      'deny:\n  - tool: Read\n    pattern: ".*"\n    reason: no reading in this test\n',
    );
    const read = lines.find((line) => /"PreToolUse".*"tool_name":"Read"/.test(line))!;
    await pluginHook(b, lines[0]!);
    await until(() => existsSync(b.socket), 'the hook server');
    const answer = await pluginHook(b, read);
    assert.equal(answer.status, 0);
    assert.deepEqual(JSON.parse(answer.stdout), {
      hookSpecificOutput: {
        hookEventName: 'PreToolUse',
        permissionDecision: 'deny',
        permissionDecisionReason: 'no reading in this test',
      },
    });
    assert.equal(await stopServer(b), 1);
  });

  it('a rule that fails to evaluate is reported in the server log, once', async () => {
    const b = box();
    const policy = join(b.stateDir, '..', 'failing-rule.yaml');
    writeFileSync(policy, FAILING_RULE_POLICY);
    mkdirSync(join(b.env.XDG_CONFIG_HOME!, 'agent-otel'), { recursive: true });
    writeFileSync(
      join(b.env.XDG_CONFIG_HOME!, 'agent-otel', 'config.yaml'),
      `policy: ${JSON.stringify(policy)}\n`,
    );
    await pluginHook(b, lines[0]!);
    await until(() => existsSync(b.socket), 'the hook server');
    for (const line of lines.slice(1)) assert.equal((await pluginHook(b, line)).status, 0);
    assert.equal(await stopServer(b), lines.length - 1);
    const warnings = serverLog(b)
      .split('\n')
      .filter((line) => line.includes('path-size'));
    assert.equal(warnings.length, 1, serverLog(b));
    assert.match(
      warnings[0]!,
      /^agent-otel hook-server: warn: .*rule "path-size" failed to evaluate/,
    );
  });

  it('spans reach the endpoint through the server, without an explicit flush', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const b = box({ AGENT_OTEL_ENDPOINT: receiver.url });
      for (const [index, line] of lines.entries()) {
        assert.equal((await pluginHook(b, line)).status, 0);
        if (index === 0) await until(() => existsSync(b.socket), 'the hook server');
      }
      const spans = await receiver.waitFor((received) => received.length >= 12, 30_000);
      assert.equal(new Set(spans.map((span) => span.spanId)).size, 12);
      // Delivery ran inside the server: it held the flusher pid file, and let it go when done.
      await until(() => !existsSync(join(b.stateDir, 'flusher.pid')), 'delivery to finish');
      assert.equal(await stopServer(b), lines.length - 1);
    } finally {
      await receiver.close();
    }
  });

  it('parallel tool calls: hooks that run at once are all recorded, each span once', async () => {
    const b = box();
    await pluginHook(b, lines[0]!);
    await until(() => existsSync(b.socket), 'the hook server');
    const pre = JSON.parse(preToolUse) as Record<string, unknown>;
    const post = JSON.parse(
      lines.find((line) => line.includes('"hook_event_name":"PostToolUse"'))!,
    ) as Record<string, unknown>;
    const ids = Array.from({ length: 8 }, (_, index) => `toolu_parallel_${index}`);
    const pres = await Promise.all(
      ids.map((id) => pluginHook(b, JSON.stringify({ ...pre, tool_use_id: id }))),
    );
    const posts = await Promise.all(
      ids.map((id) => pluginHook(b, JSON.stringify({ ...post, tool_use_id: id }))),
    );
    for (const result of [...pres, ...posts]) {
      assert.equal(result.status, 0);
      assert.equal(result.stderr, '');
    }
    const toolSpans = outboxSpans(b.stateDir).filter((span) =>
      ids.includes(span.attributes[ATTR_GEN_AI_TOOL_CALL_ID] as string),
    );
    assert.equal(toolSpans.length, ids.length);
    assert.equal(new Set(toolSpans.map((span) => span.spanId)).size, ids.length);
    assert.equal(await stopServer(b), 2 * ids.length);
  });

  it('a server of another build refuses, stops, and a server of this build takes over', async () => {
    const b = box();
    const old = startServerProcess(b, 'some-older-build');
    const exited = new Promise<number | null>((resolve) => old.on('exit', resolve));
    await until(() => existsSync(b.socket), 'the old server');
    const oldSocket = inode(b.socket);
    const answer = await pluginHook(b, lines[0]!);
    assert.equal(answer.status, 0, answer.stderr);
    assert.equal(answer.stderr, '');
    assert.equal(await exited, 0);
    assert.match(serverLog(b), /stopping: a client of another build/);
    await until(
      () => inode(b.socket) !== undefined && inode(b.socket) !== oldSocket,
      'the new server',
    );
    // The event was recorded once, by the client: the session exists.
    assert.deepEqual(
      readdirSync(join(b.stateDir, 'sessions')).filter((f) => f.endsWith('.json')).length,
      1,
    );
    assert.equal(await stopServer(b), 0);
  });

  it('a stale socket (its server was killed): the client runs the event and starts a server', async () => {
    const b = box();
    mkdirSync(b.stateDir, { recursive: true });
    const killed = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(b.socket)})`,
    ]);
    await until(() => existsSync(b.socket), 'the listener');
    killed.kill('SIGKILL');
    await new Promise((resolve) => killed.on('exit', resolve));
    const stale = inode(b.socket);
    const result = await pluginHook(b, lines[0]!);
    assert.equal(result.status, 0);
    assert.equal(result.stderr, '');
    await until(() => inode(b.socket) !== stale && existsSync(b.socket), 'a new server');
    const second = await pluginHook(b, preToolUse);
    assert.equal(second.status, 0);
    assert.equal(await stopServer(b), 1);
  });

  it('a server that dies mid-request loses nothing: the client runs the event itself', async () => {
    const b = box();
    mkdirSync(b.stateDir, { recursive: true, mode: 0o700 });
    let received = 0;
    const dying = createServer((socket) => {
      socket.on('data', () => {
        received += 1;
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => dying.listen(b.socket, resolve));
    try {
      await pluginHook(b, lines[0]!, { AGENT_OTEL_HOOK_SERVER: 'off' });
      const result = await pluginHook(b, preToolUse);
      assert.equal(result.status, 0);
      assert.equal(received, 1);
      const post = lines.find((line) => line.includes('"hook_event_name":"PostToolUse"'))!;
      await pluginHook(b, post, { AGENT_OTEL_HOOK_SERVER: 'off' });
      // The tool span exists: the PreToolUse the server dropped was recorded by the client.
      assert.ok(outboxSpans(b.stateDir).some((span) => span.name.startsWith('execute_tool')));
    } finally {
      dying.close();
    }
  });

  it('bad requests get an error line and leave the server serving', async () => {
    const b = box();
    const server = startServerProcess(b, 'test-build');
    try {
      await until(() => existsSync(b.socket), 'the server');
      const garbage = JSON.parse(await rawRequest(b.socket, '\u0000\u00ff not json\n'));
      assert.equal(garbage.ok, false);
      assert.equal(garbage.reason, 'invalid');
      const wrong = JSON.parse(await rawRequest(b.socket, '{"protocol":1,"build":7}\n'));
      assert.equal(wrong.ok, false);
      assert.match(wrong.message, /field "build"/);
      // A client that ends its side before the newline.
      const cut = JSON.parse(await rawRequest(b.socket, '{"protocol":'));
      assert.equal(cut.ok, false);
      assert.match(cut.message, /ended before its newline/);
      const good = JSON.parse(
        await rawRequest(
          b.socket,
          `${JSON.stringify({
            protocol: 1,
            build: 'test-build',
            cwd: b.stateDir,
            env: b.env,
            startedAt: Date.now(),
            stdin: lines[0],
          })}\n`,
        ),
      );
      assert.deepEqual(good, { ok: true, exitCode: 0, stdout: '', stderr: [] });
      // A payload that is not a hook event is the hook's own clear error, not the server's.
      const notJson = JSON.parse(
        await rawRequest(
          b.socket,
          `${JSON.stringify({ protocol: 1, build: 'test-build', cwd: b.stateDir, env: b.env, startedAt: 0, stdin: '{oops' })}\n`,
        ),
      );
      assert.equal(notJson.ok, true);
      assert.match(notJson.stderr[0], /^agent-otel hook: stdin is not JSON/);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.on('exit', resolve));
    }
    // SIGTERM: it removed its own socket on the way out.
    assert.equal(existsSync(b.socket), false);
  });

  it('an idle server exits by itself and removes its socket', async () => {
    const b = box();
    const server = startServerProcess(b, 'test-build', 1);
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    await until(() => existsSync(b.socket), 'the server');
    assert.equal(await exited, 0);
    assert.equal(existsSync(b.socket), false);
    assert.match(serverLog(b), /stopping: idle for 1 s \(0 events served\)/);
  });

  it('AGENT_OTEL_HOOK_SERVER=off: every event runs in the hook process and no server starts', async () => {
    const b = box({ AGENT_OTEL_HOOK_SERVER: 'off' });
    for (const line of lines.slice(0, 6)) assert.equal((await pluginHook(b, line)).status, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(existsSync(b.socket), false);
    assert.ok(outboxSpans(b.stateDir).length > 0);
  });

  it('a payload over 64 MiB: one clear stderr line, exit 0, and the server is not bothered', async () => {
    const b = box();
    const result = await pluginHook(b, 'x'.repeat(65 * 1024 * 1024));
    assert.equal(result.status, 0);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'agent-otel hook: cannot read stdin: stdin exceeds 67108864 bytes\n',
    );
    assert.equal(existsSync(b.socket), false);
  });

  it('a 10 MB payload goes through the server like any other', async () => {
    const b = box();
    await pluginHook(b, lines[0]!);
    await until(() => existsSync(b.socket), 'the hook server');
    const big = JSON.parse(preToolUse) as { tool_input: Record<string, unknown> };
    big.tool_input = { ...big.tool_input, description: 'x'.repeat(10 * 1024 * 1024) };
    const result = await pluginHook(b, JSON.stringify(big));
    assert.equal(result.status, 0);
    assert.equal(await stopServer(b), 1);
  });
});
