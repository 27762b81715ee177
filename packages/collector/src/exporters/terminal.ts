/**
 * The live terminal summary: one line per span that broke a rule (as it leaves the
 * collector) and a periodic counter line written by the collector.
 */
import type { Writable } from 'node:stream';
import {
  ATTR_AGENT_POLICY_RULE_IDS,
  ATTR_AGENT_POLICY_SEVERITY,
  ATTR_AGENT_POLICY_VIOLATED,
  ATTR_AGENT_TOOL_TARGET,
  ATTR_SESSION_ID,
} from '@agent-otel/semconv';
import { attributesOf } from '../attributes.js';
import type { OtlpTraceRequest } from '../otlp-model.js';
import { spanHasAttribute } from '../otlp-wire.js';
import type { ExportResult, TraceExporter } from './exporter.js';

const MAX_TARGET = 80;

export class TerminalExporter implements TraceExporter {
  readonly name = 'terminal';
  readonly #output: Writable;

  constructor(output: Writable) {
    this.#output = output;
  }

  async export(request: OtlpTraceRequest): Promise<ExportResult> {
    const lines: string[] = [];
    for (const resourceSpans of request.resourceSpans) {
      for (const scopeSpans of resourceSpans.scopeSpans) {
        for (const span of scopeSpans.spans) {
          if (!spanHasAttribute(span, ATTR_AGENT_POLICY_VIOLATED)) continue;
          const attributes = attributesOf(span.attributes);
          if (attributes[ATTR_AGENT_POLICY_VIOLATED] !== true) continue;
          const ruleIds = attributes[ATTR_AGENT_POLICY_RULE_IDS];
          const target = String(attributes[ATTR_AGENT_TOOL_TARGET] ?? '');
          lines.push(
            `violation ${String(attributes[ATTR_AGENT_POLICY_SEVERITY])} ${Array.isArray(ruleIds) ? ruleIds.join(',') : ''} ` +
              `session=${String(attributes[ATTR_SESSION_ID] ?? '?')} span="${span.name}"` +
              (target
                ? ` target="${target.length > MAX_TARGET ? `${target.slice(0, MAX_TARGET)}…` : target}"`
                : ''),
          );
        }
      }
    }
    if (lines.length > 0) this.#output.write(`${lines.join('\n')}\n`);
    return { kind: 'success' };
  }

  async shutdown(): Promise<void> {
    // Nothing buffered.
  }
}
