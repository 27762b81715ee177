// Tests of the real-agent harness itself (test/support): the Anthropic stand-in speaks the
// Messages API as Claude Code needs it, the OTLP receiver decodes what the official exporters
// send, the hook recorder records, and the real Claude Code binary runs a session end to end.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

import { startAnthropicStandIn } from './support/anthropic-stand-in.js';
import type { AnthropicStandIn } from './support/anthropic-stand-in.js';
import { createSandbox, runClaude } from './support/claude.js';
import { startOtlpReceiver } from './support/otlp-receiver.js';
import type { OtlpReceiver } from './support/otlp-receiver.js';
import { anonymizeRecording, RECORD_HOOK_SCRIPT, recorderHooks } from './support/record.js';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text
    .trim()
    .split('\n\n')
    .map((chunk) => {
      const lines = chunk.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7) ?? '';
      const data = JSON.parse(lines.find((line) => line.startsWith('data: '))?.slice(6) ?? '{}');
      return { event, data };
    });
}

const toolsOf = [{ name: 'Bash', input_schema: { type: 'object' } }];

function post(standIn: AnthropicStandIn, body: unknown): Promise<Response> {
  return fetch(`${standIn.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Anthropic stand-in', () => {
  let standIn: AnthropicStandIn;
  before(async () => {
    standIn = await startAnthropicStandIn({
      turns: [
        [
          { type: 'text', text: 'Listing.' },
          { type: 'tool_use', name: 'Bash', input: { command: 'ls -la' } },
          { type: 'tool_use', id: 'toolu_fixed', name: 'Bash', input: { command: 'pwd' } },
        ],
        (request) => [{ type: 'text', text: `saw ${request.body?.messages.length ?? 0} messages` }],
      ],
      subagents: [
        {
          name: 'helper',
          promptIncludes: 'Count the files',
          turns: [[{ type: 'tool_use', name: 'Bash', input: { command: 'ls | wc -l' } }]],
        },
      ],
      finalText: 'All done.',
    });
  });
  after(() => standIn.close());

  test('streams a turn with text and parallel tool_use blocks as Messages API SSE', async () => {
    const response = await post(standIn, {
      model: 'claude-test',
      stream: true,
      tools: toolsOf,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Look around' }] }],
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const events = parseSse(await response.text());
    assert.deepEqual(
      events.map((event) => event.event),
      [
        'message_start',
        'content_block_start',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'content_block_start',
        'content_block_delta',
        'content_block_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ],
    );
    for (const event of events) assert.equal(event.data.type, event.event);
    const toolStarts = events
      .filter((event) => event.event === 'content_block_start')
      .map((event) => event.data.content_block as { type: string; id?: string; name?: string });
    assert.deepEqual(toolStarts, [
      { type: 'text', text: '' },
      { type: 'tool_use', id: 'toolu_main_0_1', name: 'Bash', input: {} },
      { type: 'tool_use', id: 'toolu_fixed', name: 'Bash', input: {} },
    ]);
    // The partial JSON deltas of block 1 reassemble into the scripted input.
    const json = events
      .filter((event) => event.event === 'content_block_delta' && event.data.index === 1)
      .map((event) => (event.data.delta as { partial_json: string }).partial_json)
      .join('');
    assert.deepEqual(JSON.parse(json), { command: 'ls -la' });
    const delta = events.find((event) => event.event === 'message_delta')?.data.delta;
    assert.deepEqual(delta, { stop_reason: 'tool_use', stop_sequence: null });
  });

  test('picks the turn from the history, answers non-streaming requests with JSON', async () => {
    const response = await post(standIn, {
      model: 'claude-test',
      tools: toolsOf,
      messages: [
        { role: 'user', content: 'Look around' },
        { role: 'assistant', content: [{ type: 'text', text: 'Listing.' }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_main_0_1', content: 'a\nb' },
            {
              type: 'tool_result',
              tool_use_id: 'toolu_fixed',
              is_error: true,
              content: [{ type: 'text', text: 'denied: policy' }],
            },
          ],
        },
      ],
    });
    const body = (await response.json()) as { content: unknown[]; stop_reason: string };
    assert.deepEqual(body.content, [{ type: 'text', text: 'saw 3 messages' }]);
    assert.equal(body.stop_reason, 'end_turn');
    assert.deepEqual(standIn.toolResults(), [
      { conversation: 'main', toolUseId: 'toolu_main_0_1', isError: false, text: 'a\nb' },
      { conversation: 'main', toolUseId: 'toolu_fixed', isError: true, text: 'denied: policy' },
    ]);
  });

  test('routes subagent conversations by their first user message', async () => {
    const response = await post(standIn, {
      model: 'claude-test',
      tools: toolsOf,
      messages: [{ role: 'user', content: 'Count the files in src' }],
    });
    const body = (await response.json()) as { content: { id?: string; input?: unknown }[] };
    assert.deepEqual(body.content, [
      { type: 'tool_use', id: 'toolu_helper_0_0', name: 'Bash', input: { command: 'ls | wc -l' } },
    ]);
    assert.equal(standIn.requests.at(-1)?.conversation, 'helper');
  });

  test('answers side requests without tools with text and never consumes a turn', async () => {
    const before = standIn.requests.length;
    const title = await post(standIn, {
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'Write a title' }],
    });
    assert.equal(((await title.json()) as { content: unknown[] }).content.length, 1);
    const head = await fetch(`${standIn.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    const next = await post(standIn, {
      model: 'claude-test',
      tools: toolsOf,
      messages: [
        { role: 'user', content: 'Count the files in src' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: 'y' },
      ],
    });
    const body = (await next.json()) as { content: unknown[] };
    assert.deepEqual(body.content, [{ type: 'text', text: 'All done.' }]);
    assert.deepEqual(
      standIn.requests.slice(before).map((request) => request.conversation),
      ['auxiliary', 'auxiliary', 'helper'],
    );
  });

  test('a body over the limit is refused and the server stays up', async () => {
    const response = await post(standIn, Buffer.alloc(33 * 1024 * 1024, 0x20).toString());
    assert.equal(response.status, 413);
    const ok = await post(standIn, { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(ok.status, 200);
  });

  test('malformed bodies get a 400 and the server stays up', async () => {
    const broken = await post(standIn, '{"model": ');
    assert.equal(broken.status, 400);
    assert.match(
      ((await broken.json()) as { error: { message: string } }).error.message,
      /not JSON/,
    );
    const wrong = await post(standIn, { messages: 'nope' });
    assert.equal(wrong.status, 400);
    const ok = await post(standIn, { model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(ok.status, 200);
  });
});

describe('OTLP receiver', () => {
  let receiver: OtlpReceiver;
  before(async () => {
    receiver = await startOtlpReceiver();
  });
  after(() => receiver.close());

  async function exportOneSpan(exporter: SpanExporter, name: string): Promise<void> {
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'harness-test' }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('harness', '1.2.3');
    const span = tracer.startSpan(name, {
      kind: SpanKind.CLIENT,
      attributes: {
        'a.string': 'x',
        'a.int': 42,
        'a.double': 1.5,
        'a.bool': true,
        'a.list': ['p', 'q'],
      },
    });
    span.addEvent('something', { 'e.key': 'v' });
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    const child = tracer.startSpan(`${name} child`, {}, undefined);
    child.end();
    span.end();
    await provider.forceFlush();
    await provider.shutdown();
  }

  for (const [label, make] of [
    ['OTLP/HTTP JSON', () => new OtlpHttpJsonExporter({ url: `${receiver.url}/v1/traces` })],
    ['OTLP/HTTP protobuf', () => new OtlpProtoExporter({ url: `${receiver.url}/v1/traces` })],
  ] as const) {
    test(`decodes what the official ${label} exporter sends`, async () => {
      await exportOneSpan(make(), label);
      const [span] = await receiver.waitFor((spans) => spans.some((s) => s.name === label));
      const received = receiver.spans().find((s) => s.name === label);
      assert.ok(span && received);
      assert.match(received.traceId, /^[0-9a-f]{32}$/);
      assert.match(received.spanId, /^[0-9a-f]{16}$/);
      assert.equal(received.parentSpanId, '');
      assert.equal(received.kind, 3); // SPAN_KIND_CLIENT in OTLP (API kind + 1)
      assert.deepEqual(received.attributes, {
        'a.string': 'x',
        'a.int': 42,
        'a.double': 1.5,
        'a.bool': true,
        'a.list': ['p', 'q'],
      });
      assert.deepEqual(
        received.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        [{ name: 'something', attributes: { 'e.key': 'v' } }],
      );
      assert.deepEqual(received.status, { code: 2, message: 'boom' });
      assert.equal(received.resource['service.name'], 'harness-test');
      assert.deepEqual(received.scope, { name: 'harness', version: '1.2.3' });
      assert.ok(BigInt(received.endTimeUnixNano) >= BigInt(received.startTimeUnixNano));
      assert.ok(BigInt(received.startTimeUnixNano) > 1_600_000_000_000_000_000n);
    });
  }

  test('accepts gzip, rejects broken bodies with 400 and keeps running', async () => {
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [] },
          scopeSpans: [
            {
              scope: { name: 's' },
              spans: [
                {
                  traceId: '0123456789ABCDEF0123456789ABCDEF',
                  spanId: '0123456789abcdef',
                  name: 'gz',
                  kind: 1,
                  startTimeUnixNano: '1',
                  endTimeUnixNano: '2',
                },
              ],
            },
          ],
        },
      ],
    };
    const gz = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    assert.equal(gz.status, 200);
    assert.equal(receiver.spans().at(-1)?.traceId, '0123456789abcdef0123456789abcdef');
    const count = receiver.requests.length;
    for (const [contentType, payload] of [
      ['application/json', '{"resourceSpans": ['],
      ['application/x-protobuf', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01])],
    ] as const) {
      const response = await fetch(`${receiver.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: payload,
      });
      assert.equal(response.status, 400);
    }
    assert.equal(receiver.requests.length, count);
    const huge = await fetch(`${receiver.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(17 * 1024 * 1024, 0x20),
    });
    assert.equal(huge.status, 413);
    receiver.setStatus(503);
    const down = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', body: '{}' });
    assert.equal(down.status, 503);
    receiver.setStatus(200);
  });
});

describe('hook recorder', () => {
  test('appends each payload as one line; non-JSON input is kept, exit 0', () => {
    const sandbox = createSandbox();
    try {
      const out = join(sandbox.root, 'hooks.jsonl');
      const first = spawnSync(process.execPath, [RECORD_HOOK_SCRIPT, out], {
        input: '{\n  "hook_event_name": "SessionStart",\n  "session_id": "s1"\n}',
      });
      assert.equal(first.status, 0);
      const second = spawnSync(process.execPath, [RECORD_HOOK_SCRIPT, out], { input: 'not json' });
      assert.equal(second.status, 0);
      assert.match(second.stderr.toString(), /stdin was not JSON/);
      assert.deepEqual(
        readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
        [
          { hook_event_name: 'SessionStart', session_id: 's1' },
          { unparsed_hook_input: 'not json' },
        ],
      );
    } finally {
      sandbox.cleanup();
    }
  });

  test('anonymizeRecording rewrites the sandbox home, its dashed form and the root', () => {
    const sandbox = createSandbox();
    try {
      const dashed = sandbox.home.replace(/[^a-zA-Z0-9]/g, '-');
      const text = JSON.stringify({
        cwd: sandbox.workspace,
        transcript_path: `${sandbox.home}/.claude/projects/${dashed}-acme-app/x.jsonl`,
        tmp: `${sandbox.root}/settings.json`,
      });
      assert.deepEqual(JSON.parse(anonymizeRecording(text, sandbox)), {
        cwd: '/home/dev/acme-app',
        transcript_path: '/home/dev/.claude/projects/-home-dev-acme-app/x.jsonl',
        tmp: '/tmp/settings.json',
      });
    } finally {
      sandbox.cleanup();
    }
  });
});

test('the stand-in drives the real Claude Code binary; hooks record every step', async () => {
  const sandbox = createSandbox({ 'notes.txt': 'hello from the workspace\n' });
  const standIn = await startAnthropicStandIn({
    turns: [
      [
        {
          type: 'tool_use',
          name: 'Read',
          input: { file_path: join(sandbox.workspace, 'notes.txt') },
        },
        { type: 'tool_use', name: 'Bash', input: { command: 'exit 3', description: 'fail' } },
      ],
    ],
    finalText: 'Finished.',
  });
  try {
    const hookLog = join(sandbox.root, 'hooks.jsonl');
    writeFileSync(hookLog, '');
    const run = await runClaude({
      prompt: 'Read the notes',
      sandbox,
      baseUrl: standIn.url,
      settings: { hooks: recorderHooks(hookLog) },
      allowedTools: ['Read', 'Bash'],
      timeoutMs: 60_000,
    });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.equal(run.result?.result, 'Finished.');
    assert.match(run.result?.session_id ?? '', /^[0-9a-f-]{36}$/);
    const results = standIn.toolResults();
    assert.deepEqual(
      results.map((result) => [result.toolUseId, result.isError]),
      [
        ['toolu_main_0_0', false],
        ['toolu_main_0_1', true],
      ],
    );
    assert.match(results[0]?.text ?? '', /hello from the workspace/);
    const events = readFileSync(hookLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { hook_event_name: string; session_id: string });
    const names = events.map((event) => event.hook_event_name);
    assert.equal(names[0], 'SessionStart');
    assert.equal(names.at(-1), 'SessionEnd');
    for (const name of [
      'UserPromptSubmit',
      'PreToolUse',
      'PostToolUse',
      'PostToolUseFailure',
      'Stop',
    ]) {
      assert.ok(names.includes(name), `${name} in ${names.join(',')}`);
    }
    assert.ok(events.every((event) => event.session_id === run.result?.session_id));
  } finally {
    await standIn.close();
    sandbox.cleanup();
  }
});

test('runClaude kills a session that outlives its timeout and says so', async () => {
  const sandbox = createSandbox();
  const standIn = await startAnthropicStandIn({
    turns: [
      [
        {
          type: 'tool_use',
          name: 'Bash',
          // Not `sleep 30`: Claude Code 2.1.332 refuses a standalone sleep. The workspace path
          // in the arguments lets pgrep below find the process if it outlived the kill.
          input: { command: `node -e 'setTimeout(() => {}, 30000)' "$PWD"`, description: 'wait' },
        },
      ],
    ],
  });
  try {
    const run = await runClaude({
      prompt: 'Wait',
      sandbox,
      baseUrl: standIn.url,
      allowedTools: ['Bash'],
      timeoutMs: 4_000,
    });
    assert.equal(run.timedOut, true);
    assert.equal(run.signal, 'SIGKILL');
    assert.equal(run.result, undefined);
    assert.ok(run.durationMs < 15_000, `took ${run.durationMs} ms`);
    // The shell Claude Code started for the tool call died with it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const left = spawnSync('pgrep', ['-f', sandbox.root], { encoding: 'utf8' }).stdout.trim();
    assert.equal(left, '', `processes left: ${left}`);
  } finally {
    await standIn.close();
    sandbox.cleanup();
  }
});
