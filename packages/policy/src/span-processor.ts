/**
 * `PolicySpanProcessor`: evaluates the policy in-process and tags tool spans before any
 * exporter sees them (`agent.policy.enforced_by = sdk`), and sets the intent on turn and
 * session spans. It works in `onEnding`, the SDK 2.x hook that runs while a span can still be
 * changed (attributes set in `onEnd` are ignored: the span is read-only by then) and before
 * the exporting processors' `onEnd`.
 */
import { describeToolCall, policyTags } from '@agent-otel/core';
import type { DeciderState, SpanAttributes } from '@agent-otel/core';
import { findSecrets } from '@agent-otel/secrets';
import {
  ATTR_AGENT_DATA_SECRET_TYPES,
  ATTR_AGENT_INTENT_CATEGORY,
  ATTR_AGENT_INTENT_CONFIDENCE,
  ATTR_AGENT_INTENT_SIGNALS,
  ATTR_AGENT_TOOL_CATEGORY,
  ATTR_AGENT_TURN_ID,
  ATTR_AGENT_WORKSPACE_PATH,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import { diag } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadPolicy } from './engine.js';
import type { PolicyEngine } from './engine.js';
import type { PolicySpanProcessorOptions } from './types.js';

const logger = diag.createComponentLogger({ namespace: '@agent-otel/policy' });

/** Sessions kept in memory; the least recently used is dropped past it. */
const MAX_SESSIONS = 1000;

interface SessionEntry {
  readonly state: DeciderState;
  attributes: SpanAttributes;
}

/** Tags tool spans with policy findings and turn/session spans with their intent, in-process. */
export class PolicySpanProcessor implements SpanProcessor {
  private readonly engine: PolicyEngine;
  private readonly options: PolicySpanProcessorOptions;
  private readonly sessions = new Map<string, SessionEntry>();
  private failures = 0;

  constructor(options: PolicySpanProcessorOptions = {}) {
    this.engine = options.engine ?? loadPolicy();
    this.options = options;
  }

  onStart(span: Span, _parentContext: Context): void {
    this.guard(() => {
      if (span.name.startsWith('session ')) {
        this.session(this.sessionKey(span)).attributes = { ...span.attributes } as SpanAttributes;
      }
    });
  }

  onEnding(span: Span): void {
    this.guard(() => {
      const attributes = span.attributes;
      const operation = attributes[ATTR_GEN_AI_OPERATION_NAME];
      if (operation === 'execute_tool' || attributes[ATTR_GEN_AI_TOOL_CALL_ID] !== undefined) {
        this.tagToolSpan(span);
      } else if (span.name.startsWith('session ')) {
        this.setIntent(span, undefined);
      } else if (
        operation === 'invoke_agent' &&
        typeof attributes[ATTR_AGENT_TURN_ID] === 'string'
      ) {
        this.setIntent(span, attributes[ATTR_AGENT_TURN_ID]);
      }
    });
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.sessions.clear();
    return Promise.resolve();
  }

  private tagToolSpan(span: Span): void {
    const attributes: SpanAttributes = { ...(span.attributes as SpanAttributes) };
    const session = this.session(this.sessionKey(span));
    const toolName = attributes[ATTR_GEN_AI_TOOL_NAME];
    // Spans of other instrumentations (GenAI execute_tool) lack the agent view: derive it.
    if (attributes[ATTR_AGENT_TOOL_CATEGORY] === undefined && typeof toolName === 'string') {
      const workspace = session.attributes[ATTR_AGENT_WORKSPACE_PATH];
      const described = describeToolCall(
        toolName,
        parseJson(attributes[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]),
        typeof workspace === 'string' ? workspace : '/',
      );
      Object.assign(attributes, { ...described.attributes, ...attributes });
    }
    if (
      attributes[ATTR_AGENT_DATA_SECRET_TYPES] === undefined &&
      (this.options.scanContent ?? true)
    ) {
      const types = new Set<string>();
      for (const key of [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, ATTR_GEN_AI_TOOL_CALL_RESULT]) {
        const value = attributes[key];
        if (typeof value !== 'string') continue;
        const found = findSecrets(
          value,
          this.options.fingerprintKey !== undefined
            ? { fingerprintKey: this.options.fingerprintKey }
            : {},
        );
        for (const finding of found) types.add(finding.type);
      }
      if (types.size > 0) {
        attributes[ATTR_AGENT_DATA_SECRET_TYPES] = [...types];
        span.setAttribute(ATTR_AGENT_DATA_SECRET_TYPES, [...types]);
      }
    }
    const turnId = attributes[ATTR_AGENT_TURN_ID];
    const decision = this.engine.decide(
      {
        phase: 'post_tool',
        sessionId: this.sessionKey(span),
        ...(typeof turnId === 'string' ? { turnId } : {}),
        toolCallId: stringOr(attributes[ATTR_GEN_AI_TOOL_CALL_ID], span.spanContext().spanId),
        attributes,
        sessionAttributes: session.attributes,
        enforcedBy: 'sdk',
        timeMs: Date.now(),
      },
      session.state,
    );
    const tags = policyTags(decision.findings, 'sdk');
    for (const [key, value] of Object.entries(tags.attributes)) {
      if (value !== undefined) span.setAttribute(key, value as AttributeValue);
    }
    for (const event of tags.events) span.addEvent(event.name, definedOnly(event.attributes));
  }

  private setIntent(span: Span, turnId: string | undefined): void {
    if (span.attributes[ATTR_AGENT_INTENT_CATEGORY] !== undefined) return;
    const key = this.sessionKey(span);
    const entry = this.sessions.get(key);
    if (!entry) return;
    const verdict = this.engine.intent(entry.state, turnId);
    if (!verdict) return;
    span.setAttribute(ATTR_AGENT_INTENT_CATEGORY, verdict.category);
    span.setAttribute(ATTR_AGENT_INTENT_CONFIDENCE, verdict.confidence);
    span.setAttribute(ATTR_AGENT_INTENT_SIGNALS, [...verdict.signals]);
    if (turnId === undefined) this.sessions.delete(key);
  }

  /** One session is one trace; the session id attribute wins when a span carries it. */
  private sessionKey(span: Span): string {
    const attributes = span.attributes;
    return stringOr(
      attributes[ATTR_SESSION_ID],
      stringOr(attributes[ATTR_GEN_AI_CONVERSATION_ID], span.spanContext().traceId),
    );
  }

  private session(key: string): SessionEntry {
    let entry = this.sessions.get(key);
    if (entry) {
      // Least recently used goes first: re-insert on use.
      this.sessions.delete(key);
    } else {
      entry = { state: { data: {} }, attributes: {} };
      if (this.sessions.size >= MAX_SESSIONS) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
    }
    this.sessions.set(key, entry);
    return entry;
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      // Policy evaluation never breaks the host program; report sparingly.
      this.failures += 1;
      if (this.failures === 1 || this.failures % 1000 === 0) {
        logger.warn(
          `policy evaluation failed (${this.failures} so far): ${(error as Error).message}`,
        );
      }
    }
  }
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function definedOnly(attributes: SpanAttributes): Attributes {
  const result: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) result[key] = value as AttributeValue;
  }
  return result;
}
