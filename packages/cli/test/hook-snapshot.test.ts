/**
 * The plugin's hook command starts from the hook's start-up snapshot
 * (`node --snapshot-blob …/hook.blob`, built by `npm run build`), and falls back to the launcher
 * when node refuses the blob. Run through /bin/sh exactly as hooks.json states it, with a `node`
 * on PATH that records each start, so the tests see which path ran — and compared event by event
 * with `agent-otel hook` (the bundle with its code cache), whose behaviour the snapshot must keep.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const CLI = join(REPO, 'packages/cli/bin/agent-otel.js');
const PLUGIN_ROOT = join(REPO, 'packages/claude-code/plugin');
const BUNDLE_DIR = join(REPO, 'packages/cli/dist/hook-bundle');
const BLOB = join(BUNDLE_DIR, 'hook.blob');
const FIXTURE = join(REPO, 'packages/cli/demo/claude-code-session-2.1.197.jsonl');
const lines = readFileSync(FIXTURE, 'utf8').split('\n').filter(Boolean);
const HOOKS = JSON.parse(readFileSync(join(PLUGIN_ROOT, 'hooks/hooks.json'), 'utf8')) as {
  hooks: Record<string, { hooks: { command: string }[] }[]>;
};
const PLUGIN_COMMAND =
  'node --snapshot-blob "${CLAUDE_PLUGIN_ROOT}/../../cli/dist/hook-bundle/hook.blob" || node "${CLAUDE_PLUGIN_ROOT}/bin/agent-otel-hook.mjs"';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function temporary(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-otel-snapshot-test-'));
  dirs.push(dir);
  return dir;
}

interface Box {
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Every `node` the shell started, one line of arguments each. */
  readonly starts: () => string[][];
}

/** An isolated state dir and a PATH whose `node` logs its arguments, then runs the real node. */
function box(extra: NodeJS.ProcessEnv = {}): Box {
  const dir = temporary();
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'path'));
  const log = join(dir, 'node-starts.log');
  const wrapper = join(dir, 'path', 'node');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${process.execPath}' "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  return {
    stateDir: join(dir, 'state'),
    env: {
      PATH: `${join(dir, 'path')}:${process.env.PATH}`,
      HOME: join(dir, 'home'),
      XDG_CONFIG_HOME: join(dir, 'home', '.config'),
      AGENT_OTEL_STATE_DIR: join(dir, 'state'),
      AGENT_OTEL_OWNER: 'dev@example.com',
      AGENT_OTEL_FINGERPRINT_KEY: 'snapshot-test-key-0123456789abcdef',
      ...extra,
    },
    starts: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => line.split(' '))
        : [],
  };
}

interface Result {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: string[], input: string, env: NodeJS.ProcessEnv) {
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The plugin's command through the shell, as Claude Code runs it. */
function pluginHook(b: Box, payload: string, pluginRoot = PLUGIN_ROOT): Promise<Result> {
  return run('/bin/sh', ['-c', PLUGIN_COMMAND], payload, {
    ...b.env,
    CLAUDE_PLUGIN_ROOT: pluginRoot,
  });
}

function cliHook(b: Box, payload: string): Promise<Result> {
  return run(process.execPath, [CLI, 'hook'], payload, b.env);
}

function outboxSpans(stateDir: string): number {
  const directory = join(stateDir, 'outbox');
  if (!existsSync(directory)) return 0;
  let count = 0;
  for (const name of readdirSync(directory).filter((file) => file.endsWith('.json'))) {
    const batch = JSON.parse(readFileSync(join(directory, name), 'utf8')) as unknown[];
    count += Array.isArray(batch) ? batch.length : 1;
  }
  return count;
}

/** A plugin tree whose CLI folder holds `blob` (or no blob): the launcher is the real one. */
function pluginTree(blob: Buffer | undefined): string {
  const root = temporary();
  mkdirSync(join(root, 'claude-code', 'plugin'), { recursive: true });
  symlinkSync(join(PLUGIN_ROOT, 'bin'), join(root, 'claude-code', 'plugin', 'bin'));
  mkdirSync(join(root, 'cli', 'dist', 'hook-bundle'), { recursive: true });
  if (blob !== undefined)
    writeFileSync(join(root, 'cli', 'dist', 'hook-bundle', 'hook.blob'), blob);
  return join(root, 'claude-code', 'plugin');
}

describe('the hook start-up snapshot', () => {
  it('npm run build made the blob, and every plugin hook starts from it with the launcher as fallback', () => {
    assert.ok(existsSync(BLOB), 'run npm run build first');
    const commands = Object.values(HOOKS.hooks).flatMap((groups) =>
      groups.flatMap((group) => group.hooks.map((hook) => hook.command)),
    );
    assert.ok(commands.length >= 20);
    for (const command of commands) assert.equal(command, PLUGIN_COMMAND);
  });

  it('the plugin command runs the snapshot (one node start per event) and answers as agent-otel hook does', async () => {
    // The recommended policy is on (no AGENT_OTEL_POLICY): the snapshot holds it compiled.
    const viaPlugin = box();
    const viaCli = box();
    for (const line of lines) {
      const fast = await pluginHook(viaPlugin, line);
      const reference = await cliHook(viaCli, line);
      assert.equal(fast.status, 0, fast.stderr);
      assert.equal(fast.stderr, reference.stderr);
      assert.equal(fast.stdout, reference.stdout);
    }
    const starts = viaPlugin.starts();
    assert.equal(starts.length, lines.length);
    for (const start of starts)
      assert.deepEqual(start.slice(0, 2), [
        '--snapshot-blob',
        `${PLUGIN_ROOT}/../../cli/dist/hook-bundle/hook.blob`,
      ]);
    assert.equal(outboxSpans(viaPlugin.stateDir), outboxSpans(viaCli.stateDir));
    assert.ok(outboxSpans(viaPlugin.stateDir) > 0);
  });

  it('a policy file is compiled at run time: the snapshot answers with its rules, not the recommended ones', async () => {
    const dir = temporary();
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(
      policyFile,
      [
        'version: 1',
        'rulesets:',
        '  - name: test',
        "    version: '1'",
        '    rules:',
        '      - id: no-bash',
        '        name: No Bash',
        '        description: Bash is not allowed here.',
        '        reason: Bash is switched off in this test',
        '        severity: high',
        '        category: test',
        '        action: deny',
        '        when: tool.name == "Bash"',
        '',
      ].join('\n'),
    );
    const pre = lines.find((line) => {
      const event = JSON.parse(line) as { hook_event_name: string; tool_name?: string };
      return event.hook_event_name === 'PreToolUse' && event.tool_name === 'Bash';
    });
    assert.ok(pre);
    const viaPlugin = box({ AGENT_OTEL_POLICY: policyFile });
    const viaCli = box({ AGENT_OTEL_POLICY: policyFile });
    const fast = await pluginHook(viaPlugin, pre);
    const reference = await cliHook(viaCli, pre);
    assert.equal(fast.status, 0, fast.stderr);
    assert.equal(viaPlugin.starts().length, 1);
    assert.match(fast.stdout, /Bash is switched off in this test/);
    assert.equal(fast.stdout, reference.stdout);
  });

  const damaged: [string, () => Buffer | undefined][] = [
    ['missing', () => undefined],
    ['empty', () => Buffer.alloc(0)],
    ['truncated', () => readFileSync(BLOB).subarray(0, 100_000)],
    [
      'overwritten in the middle (checksum)',
      () => {
        const blob = Buffer.from(readFileSync(BLOB));
        blob.fill(0x5a, 5_000, 5_064);
        return blob;
      },
    ],
    ['not a blob', () => Buffer.from('this is not a V8 snapshot\n'.repeat(1000))],
  ];
  for (const [name, make] of damaged) {
    it(`a ${name} blob: node refuses it, the launcher runs the hook, exit 0 and the same answer`, async () => {
      const pre = lines.find((line) => line.includes('"PreToolUse"'))!;
      const pluginRoot = pluginTree(make());
      const viaPlugin = box({ AGENT_OTEL_POLICY: 'off' });
      const viaCli = box({ AGENT_OTEL_POLICY: 'off' });
      const fast = await pluginHook(viaPlugin, pre, pluginRoot);
      const reference = await cliHook(viaCli, pre);
      assert.equal(fast.status, 0, fast.stderr);
      assert.equal(fast.stdout, reference.stdout);
      const starts = viaPlugin.starts();
      assert.equal(starts.length, 2);
      assert.equal(starts[0]![0], '--snapshot-blob');
      assert.match(starts[1]![0]!, /agent-otel-hook\.mjs$/);
      // The event was recorded once, by the launcher.
      assert.equal(outboxSpans(viaPlugin.stateDir), outboxSpans(viaCli.stateDir));
    });
  }

  it('a blob moved away from the bundle it was built from runs the bundle next to it', async () => {
    const pluginRoot = pluginTree(readFileSync(BLOB));
    copyFileSync(
      join(BUNDLE_DIR, 'hook.cjs'),
      join(pluginRoot, '../../cli/dist/hook-bundle/hook.cjs'),
    );
    const viaPlugin = box({ AGENT_OTEL_POLICY: 'off' });
    const viaCli = box({ AGENT_OTEL_POLICY: 'off' });
    for (const line of lines.slice(0, 6)) {
      const fast = await pluginHook(viaPlugin, line, pluginRoot);
      const reference = await cliHook(viaCli, line);
      assert.equal(fast.status, 0, fast.stderr);
      assert.equal(fast.stderr, reference.stderr);
      assert.equal(fast.stdout, reference.stdout);
    }
    assert.equal(viaPlugin.starts().length, 6);
    assert.equal(outboxSpans(viaPlugin.stateDir), outboxSpans(viaCli.stateDir));
  });
});
