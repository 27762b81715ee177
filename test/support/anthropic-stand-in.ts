// A scripted, loopback stand-in for the Anthropic Messages API, so the REAL Claude Code binary
// can run whole sessions here (no network, no model). The script says what "the model" answers
// at each turn: text and/or tool_use blocks. Claude Code then really executes those tool calls,
// runs its hooks and sends the results back in the next request, which this server records so
// tests can assert what the model saw (tool_result contents, is_error, deny reasons).
//
// Turn selection is stateless: the turn index of a conversation is the number of assistant
// messages in the request, so a retried request gets the same answer. Subagents (the `Agent`
// tool) are separate conversations; they are told apart by their first user message, which
// holds the prompt the parent gave to the `Agent` tool.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** A block of a scripted model turn. */
export type ScriptedBlock =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool_use';
      /** Defaults to `toolu_<conversation>_<turn>_<index>`. */
      readonly id?: string;
      readonly name: string;
      readonly input: Record<string, unknown>;
    };

/** One model turn: the blocks of one assistant message, or a function of the request. */
export type ScriptedTurn =
  readonly ScriptedBlock[] | ((request: RecordedRequest) => readonly ScriptedBlock[]);

/** A subagent conversation: chosen when its first user message contains `promptIncludes`. */
export interface SubagentScript {
  /** A substring of the prompt the parent passes to the `Agent` tool. */
  readonly promptIncludes: string;
  /** Short name used in default tool_use ids and in recorded requests. */
  readonly name: string;
  readonly turns: readonly ScriptedTurn[];
}

/** What the stand-in answers. */
export interface ModelScript {
  /** The main conversation's turns, in order. */
  readonly turns: readonly ScriptedTurn[];
  /** Subagent conversations. */
  readonly subagents?: readonly SubagentScript[];
  /** Text answered once a conversation has run out of turns. Default: `Done.` */
  readonly finalText?: string;
}

/** One request the stand-in received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Parsed JSON body (undefined for bodies that were not JSON). */
  readonly body: MessagesRequest | undefined;
  /**
   * `main` or a subagent's name for a conversation request (one with tools); `auxiliary` for
   * the extra requests Claude Code makes (titles, quota probes, token counts, HEAD probes).
   */
  readonly conversation: string;
  /** Index of the answered turn within its conversation (conversation requests only). */
  readonly turn?: number;
  /** The tool_use ids the answer contained. */
  readonly answeredToolUseIds: readonly string[];
}

/** A tool_result block as the model saw it. */
export interface SeenToolResult {
  readonly conversation: string;
  readonly toolUseId: string;
  readonly isError: boolean;
  /** The result's text (text blocks joined). */
  readonly text: string;
}

export interface AnthropicStandIn {
  /** Base URL for `ANTHROPIC_BASE_URL`. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Every tool_result the model was sent, first occurrence per tool_use id. */
  toolResults(): SeenToolResult[];
  close(): Promise<void>;
}

const contentBlockSchema = z
  .object({
    type: z.string(),
    text: z.string().optional(),
    tool_use_id: z.string().optional(),
    is_error: z.boolean().optional(),
    content: z.unknown().optional(),
  })
  .passthrough();

const messageSchema = z
  .object({
    role: z.string(),
    content: z.union([z.string(), z.array(contentBlockSchema)]),
  })
  .passthrough();

const messagesRequestSchema = z
  .object({
    model: z.string().default('claude-stand-in'),
    messages: z.array(messageSchema).default([]),
    stream: z.boolean().optional(),
    tools: z.array(z.object({ name: z.string() }).passthrough()).optional(),
    system: z.unknown().optional(),
  })
  .passthrough();

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
type Message = z.infer<typeof messageSchema>;

const MAX_BODY_BYTES = 32 * 1024 * 1024;

function textOf(content: Message['content'] | unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) => {
      if (typeof block !== 'object' || block === null) return '';
      const typed = block as { type?: unknown; text?: unknown; content?: unknown };
      if (typed.type === 'text' && typeof typed.text === 'string') return typed.text;
      if (typed.type === 'tool_result') return textOf(typed.content);
      return '';
    })
    .join('\n');
}

/** The text of the first user message: the prompt (plus Claude Code's context reminders). */
export function firstUserText(request: MessagesRequest): string {
  const first = request.messages.find((message) => message.role === 'user');
  return first === undefined ? '' : textOf(first.content);
}

/** tool_result blocks of the last user message of a request. */
export function lastToolResults(request: MessagesRequest): Omit<SeenToolResult, 'conversation'>[] {
  const last = [...request.messages].reverse().find((message) => message.role === 'user');
  if (last === undefined || typeof last.content === 'string') return [];
  return last.content
    .filter((block) => block.type === 'tool_result' && typeof block.tool_use_id === 'string')
    .map((block) => ({
      toolUseId: block.tool_use_id as string,
      isError: block.is_error === true,
      text: textOf(block.content),
    }));
}

/** The body, or undefined when it is over MAX_BODY_BYTES (drained, not kept). */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

interface ResolvedBlock {
  readonly type: 'text' | 'tool_use';
  readonly text?: string;
  readonly id?: string;
  readonly name?: string;
  readonly input?: Record<string, unknown>;
}

function messageId(counter: number): string {
  return `msg_standin_${String(counter).padStart(6, '0')}`;
}

function usage(): Record<string, number> {
  return {
    input_tokens: 25,
    output_tokens: 10,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function writeEvent(response: ServerResponse, type: string, data: Record<string, unknown>): void {
  response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

/** Streams one assistant message as Anthropic SSE events. */
function streamMessage(
  response: ServerResponse,
  id: string,
  model: string,
  blocks: readonly ResolvedBlock[],
): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': `req_${id}`,
  });
  writeEvent(response, 'message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage(), output_tokens: 1 },
    },
  });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      writeEvent(response, 'content_block_start', {
        index,
        content_block: { type: 'text', text: '' },
      });
      writeEvent(response, 'content_block_delta', {
        index,
        delta: { type: 'text_delta', text: block.text ?? '' },
      });
    } else {
      writeEvent(response, 'content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      // Split the arguments in two deltas: Claude Code must reassemble partial JSON.
      const json = JSON.stringify(block.input ?? {});
      const middle = Math.floor(json.length / 2);
      for (const part of [json.slice(0, middle), json.slice(middle)]) {
        writeEvent(response, 'content_block_delta', {
          index,
          delta: { type: 'input_json_delta', partial_json: part },
        });
      }
    }
    writeEvent(response, 'content_block_stop', { index });
  });
  const stopReason = blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn';
  writeEvent(response, 'message_delta', {
    delta: { stop_reason: stopReason, stop_sequence: null },
    usage: { output_tokens: 10 },
  });
  writeEvent(response, 'message_stop', {});
  response.end();
}

function jsonMessage(
  response: ServerResponse,
  id: string,
  model: string,
  blocks: readonly ResolvedBlock[],
): void {
  const body = {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: blocks.map((block) =>
      block.type === 'text'
        ? { type: 'text', text: block.text ?? '' }
        : { type: 'tool_use', id: block.id, name: block.name, input: block.input ?? {} },
    ),
    stop_reason: blocks.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: usage(),
  };
  response.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${id}` });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message } }),
  );
}

/** Starts the stand-in on 127.0.0.1 (a free port). */
export async function startAnthropicStandIn(script: ModelScript): Promise<AnthropicStandIn> {
  const requests: RecordedRequest[] = [];
  let counter = 0;
  const finalText = script.finalText ?? 'Done.';

  function conversationOf(body: MessagesRequest): { name: string; turns: readonly ScriptedTurn[] } {
    const first = firstUserText(body);
    for (const subagent of script.subagents ?? []) {
      if (first.includes(subagent.promptIncludes)) return subagent;
    }
    return { name: 'main', turns: script.turns };
  }

  async function handleMessages(request: IncomingMessage, response: ServerResponse, path: string) {
    // A request the stand-in cannot read is recorded (tests count requests) and refused.
    const refuse = (status: number, message: string): void => {
      requests.push({
        method: 'POST',
        path,
        body: undefined,
        conversation: 'auxiliary',
        answeredToolUseIds: [],
      });
      sendError(response, status, message);
    };
    const raw = await readBody(request);
    if (raw === undefined) {
      return refuse(413, `request body over ${MAX_BODY_BYTES} bytes`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const result = messagesRequestSchema.safeParse(parsed);
    if (!result.success) {
      return refuse(400, `not a Messages request: ${result.error.issues[0]?.message}`);
    }
    const body = result.data;
    counter += 1;
    const id = messageId(counter);
    // Requests without tools are Claude Code's own side requests (session titles, quota
    // probes, summaries): they get a short text answer and never consume a scripted turn.
    if (body.tools === undefined || body.tools.length === 0) {
      const record: RecordedRequest = {
        method: 'POST',
        path,
        body,
        conversation: 'auxiliary',
        answeredToolUseIds: [],
      };
      requests.push(record);
      const blocks: ResolvedBlock[] = [{ type: 'text', text: 'Stand-in session' }];
      if (body.stream === true) streamMessage(response, id, body.model, blocks);
      else jsonMessage(response, id, body.model, blocks);
      return;
    }
    const conversation = conversationOf(body);
    const turn = body.messages.filter((message) => message.role === 'assistant').length;
    const pending: RecordedRequest = {
      method: 'POST',
      path,
      body,
      conversation: conversation.name,
      turn,
      answeredToolUseIds: [],
    };
    const scripted = conversation.turns[turn];
    const blocks: ScriptedBlock[] =
      scripted === undefined
        ? [{ type: 'text', text: finalText }]
        : typeof scripted === 'function'
          ? [...scripted(pending)]
          : [...scripted];
    const resolved: ResolvedBlock[] = blocks.map((block, index) =>
      block.type === 'text'
        ? block
        : {
            type: 'tool_use',
            id: block.id ?? `toolu_${conversation.name}_${turn}_${index}`,
            name: block.name,
            input: block.input,
          },
    );
    requests.push({
      ...pending,
      answeredToolUseIds: resolved.flatMap((block) => (block.id === undefined ? [] : [block.id])),
    });
    if (body.stream === true) streamMessage(response, id, body.model, resolved);
    else jsonMessage(response, id, body.model, resolved);
  }

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const done = (error: unknown) => {
      if (!response.headersSent) sendError(response, 500, String(error));
      else response.end();
    };
    if (method === 'POST' && url.pathname === '/v1/messages') {
      handleMessages(request, response, url.pathname + url.search).catch(done);
      return;
    }
    if (method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
      readBody(request)
        .then(() => {
          requests.push({
            method,
            path: url.pathname,
            body: undefined,
            conversation: 'auxiliary',
            answeredToolUseIds: [],
          });
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ input_tokens: 100 }));
        })
        .catch(done);
      return;
    }
    // HEAD / connectivity probes and anything else: record and answer without a body.
    request.resume();
    requests.push({
      method,
      path: url.pathname,
      body: undefined,
      conversation: 'auxiliary',
      answeredToolUseIds: [],
    });
    if (method === 'HEAD' || (method === 'GET' && url.pathname === '/')) {
      response.writeHead(200);
      response.end();
      return;
    }
    sendError(response, 404, `no route for ${method} ${url.pathname}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    toolResults() {
      const seen = new Map<string, SeenToolResult>();
      for (const record of requests) {
        if (record.body === undefined || record.conversation === 'auxiliary') continue;
        for (const result of lastToolResults(record.body)) {
          if (!seen.has(result.toolUseId)) {
            seen.set(result.toolUseId, { conversation: record.conversation, ...result });
          }
        }
      }
      return [...seen.values()];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
