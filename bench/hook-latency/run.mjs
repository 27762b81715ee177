#!/usr/bin/env node
// Wall time of one hook process (what Claude Code pays per hook event) for a PreToolUse and a
// PostToolUse payload, against bare Node start-up (`node -e 0`). Spans are delivered to a
// loopback OTLP receiver started here, so the background flusher the hook starts does real
// work, as it would in a session. Requires `npm run build` first.
//
//   npm run bench:hook-latency -- [--runs 50] [--policy off] [--launcher plugin|cli]
//                                 [--server off] [--json]
//
// --launcher plugin (default): the plugin's command from hooks.json, run through /bin/sh as
// Claude Code runs it: the hook client, which hands the event to the hook server (started by
// the first event; the measured runs begin once it listens).
// --server off: the same command with AGENT_OTEL_HOOK_SERVER=off, so every event runs in the
// client process — what the first event pays when no server is running.
// --launcher cli: `node packages/cli/bin/agent-otel.js hook` (in-process, the bundle with its
// code cache).
//
// Target (issue 3): p50 <= 1.3x and p95 <= 2x bare Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'packages/cli/bin/agent-otel.js');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(name);
  return index === -1 ? fallback : args[index + 1];
};
const runs = Number(option('--runs', '50'));
const policy = option('--policy', 'on');
const launcher = option('--launcher', 'plugin');
const server = option('--server', 'on');
if (!['plugin', 'cli'].includes(launcher)) throw new Error('--launcher is plugin or cli');
const pluginRoot = join(root, 'packages/claude-code/plugin');
const pluginCommand = JSON.parse(
  readFileSync(join(pluginRoot, 'hooks/hooks.json'), 'utf8'),
).hooks.PreToolUse[0].hooks[0].command.replaceAll('${CLAUDE_PLUGIN_ROOT}', pluginRoot);

const fixture = readFileSync(
  join(root, 'packages/cli/demo/claude-code-session-2.1.197.jsonl'),
  'utf8',
)
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));
const pre = fixture.find(
  (event) => event.hook_event_name === 'PreToolUse' && event.tool_name === 'Bash',
);
const post = fixture.find(
  (event) => event.hook_event_name === 'PostToolUse' && event.tool_name === 'Bash',
);
const start = fixture.find((event) => event.hook_event_name === 'SessionStart');
const prompt = fixture.find((event) => event.hook_event_name === 'UserPromptSubmit');

// The receiver runs in its own process: this one blocks in spawnSync while it measures, and an
// in-process server could not answer the background flusher meanwhile.
const RECEIVER = `
  const http = require('node:http');
  let received = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));
  process.on('SIGTERM', () => { console.log('received ' + received); process.exit(0); });
`;
const receiver = spawn(process.execPath, ['-e', RECEIVER], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const receiverOutput = [];
receiver.stdout.setEncoding('utf8');
const port = await new Promise((resolve, reject) => {
  receiver.stdout.once('data', (line) => resolve(Number(String(line).trim())));
  receiver.once('exit', () => reject(new Error('the OTLP receiver did not start')));
});
receiver.stdout.on('data', (chunk) => receiverOutput.push(chunk));
const endpoint = `http://127.0.0.1:${port}`;
const stateDir = mkdtempSync(join(tmpdir(), 'agent-otel-bench-'));
const env = {
  ...process.env,
  AGENT_OTEL_STATE_DIR: stateDir,
  AGENT_OTEL_ENDPOINT: endpoint,
  CLAUDE_PLUGIN_ROOT: pluginRoot,
  ...(policy === 'off' ? { AGENT_OTEL_POLICY: 'off' } : {}),
  ...(server === 'off' ? { AGENT_OTEL_HOOK_SERVER: 'off' } : {}),
};
const socket = join(stateDir, 'hook.sock');

function time(command, commandArgs, input) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, commandArgs, { input, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${commandArgs.join(' ')} exited ${result.status}: ${result.stderr}`);
  // A hook that says anything here (a problem it reports) is not the path this bench means to
  // measure.
  if (result.stderr.length > 0)
    throw new Error(`${commandArgs.join(' ')} wrote to stderr: ${result.stderr}`);
  return elapsed;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

try {
  const sessionId = `bench-${Date.now()}`;
  const input = (payload) => JSON.stringify({ ...payload, session_id: sessionId });
  const hook = (payload) =>
    launcher === 'plugin'
      ? time('/bin/sh', ['-c', pluginCommand], input(payload))
      : time(process.execPath, [cli, 'hook'], input(payload));
  // Warm the OS file cache and create the session (its start resolves identity once).
  for (let index = 0; index < 3; index += 1) time(process.execPath, ['-e', '0']);
  hook(start);
  // The first event started the hook server (plugin launcher): measure once it listens.
  if (launcher === 'plugin' && server === 'on') {
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (Date.now() > deadline) throw new Error('the hook server did not start');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  hook(prompt);
  const samples = { node: [], pre: [], post: [] };
  for (let index = 0; index < runs; index += 1) {
    // Interleaved, so load on the machine affects all three alike.
    const id = `toolu_bench_${index}`;
    samples.node.push(time(process.execPath, ['-e', '0']));
    samples.pre.push(hook({ ...pre, tool_use_id: id }));
    samples.post.push(hook({ ...post, tool_use_id: id }));
  }
  const summary = {};
  for (const [name, values] of Object.entries(samples)) {
    summary[name] = { p50: percentile(values, 50), p95: percentile(values, 95) };
  }
  const ratios = {};
  for (const name of ['pre', 'post']) {
    ratios[name] = {
      p50: summary[name].p50 / summary.node.p50,
      p95: summary[name].p95 / summary.node.p95,
    };
  }
  if (args.includes('--json')) {
    console.log(JSON.stringify({ runs, policy, launcher, server, summary, ratios }, null, 2));
  } else {
    console.log(
      `hook latency, ${runs} runs each, policy ${policy}, launcher ${launcher}, server ${server} (node ${process.version})`,
    );
    if (launcher === 'plugin') console.log(`command: ${pluginCommand}`);
    console.log('                 p50 ms   p95 ms   p50 ratio  p95 ratio');
    console.log(
      `node -e 0       ${summary.node.p50.toFixed(1).padStart(7)}  ${summary.node.p95.toFixed(1).padStart(7)}`,
    );
    for (const name of ['pre', 'post']) {
      const label = name === 'pre' ? 'hook PreToolUse ' : 'hook PostToolUse';
      console.log(
        `${label}${summary[name].p50.toFixed(1).padStart(8)}  ${summary[name].p95.toFixed(1).padStart(7)}  ${ratios[name].p50.toFixed(2).padStart(9)}x ${ratios[name].p95.toFixed(2).padStart(9)}x`,
      );
    }
    console.log('target: p50 <= 1.30x, p95 <= 2.00x');
  }
} finally {
  // Let the background flusher finish its last delivery before the receiver goes away.
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    try {
      readFileSync(join(stateDir, 'flusher.pid'));
      await new Promise((resolve) => setTimeout(resolve, 100));
    } catch {
      break;
    }
  }
  const exited = new Promise((resolve) => receiver.once('exit', resolve));
  receiver.kill('SIGTERM');
  await exited;
  const requests = /received (\d+)/.exec(receiverOutput.join(''))?.[1] ?? '?';
  if (!args.includes('--json'))
    console.log(`OTLP export requests received by the loopback receiver: ${requests}`);
  rmSync(stateDir, { recursive: true, force: true });
}
