/**
 * `agent-otel semconv check FILE…`: reads OTLP/HTTP JSON trace bodies (one
 * ExportTraceServiceRequest per line, as the OpenTelemetry Collector's file exporter writes
 * them) and reports every span that does not conform to the agent semantic convention.
 */
import { readFileSync } from 'node:fs';
import { validateSpan } from '@agent-otel/semconv';
import type { SpanKindName, ValidationProblem } from '@agent-otel/semconv';
import type { Command } from '../main.js';

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpSpan {
  name?: string;
  kind?: number;
  spanId?: string;
  attributes?: { key: string; value?: OtlpAnyValue }[];
}
interface OtlpRequest {
  resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function decodeValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decodeValue);
  return undefined;
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

/** Which span kind of the convention a span claims to be, or undefined for other spans. */
function conventionKindOf(
  span: OtlpSpan,
  attributes: Record<string, unknown>,
): SpanKindName | undefined {
  if (attributes['mcp.method.name'] !== undefined) {
    if (span.kind === SPAN_KIND_CLIENT) return 'mcp_client';
    if (span.kind === SPAN_KIND_SERVER) return 'mcp_server';
  }
  if (span.name?.startsWith('session ')) return 'session';
  const operation = attributes['gen_ai.operation.name'];
  if (operation === 'execute_tool') return 'tool';
  if (operation === 'invoke_agent') {
    return attributes['gen_ai.agent.id'] !== undefined ? 'subagent' : 'turn';
  }
  return undefined;
}

export interface CheckedSpan {
  readonly name: string;
  readonly spanId: string;
  readonly kind: SpanKindName;
  readonly problems: ValidationProblem[];
}

/** Validates every span of the convention in OTLP JSON lines text; returns one entry per span. */
export function checkOtlpJsonLines(text: string): { spans: CheckedSpan[]; skipped: number } {
  const spans: CheckedSpan[] = [];
  let skipped = 0;
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let request: OtlpRequest;
    try {
      request = JSON.parse(line) as OtlpRequest;
    } catch (error) {
      throw new Error(`line ${index + 1}: not JSON (${(error as Error).message})`);
    }
    for (const resourceSpans of request.resourceSpans ?? []) {
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          const attributes: Record<string, unknown> = {};
          for (const attribute of span.attributes ?? []) {
            attributes[attribute.key] = decodeValue(attribute.value);
          }
          const kind = conventionKindOf(span, attributes);
          if (!kind) {
            skipped++;
            continue;
          }
          spans.push({
            name: span.name ?? '',
            spanId: span.spanId ?? '',
            kind,
            problems: validateSpan(kind, attributes),
          });
        }
      }
    }
  });
  return { spans, skipped };
}

const HELP = `usage: agent-otel semconv check FILE...

Checks the spans in OTLP JSON lines files (one ExportTraceServiceRequest per line) against the
agent semantic convention (docs/semconv.md). Exits 1 when any span has a problem.`;

export const semconvCommand: Command = async (args) => {
  const [subcommand, ...files] = args;
  if (subcommand !== 'check' || files.length === 0 || files.includes('--help')) {
    console.error(HELP);
    return subcommand === 'check' && files.includes('--help') ? 0 : 2;
  }
  let failed = 0;
  let checked = 0;
  for (const file of files) {
    let result;
    try {
      result = checkOtlpJsonLines(readFileSync(file, 'utf8'));
    } catch (error) {
      console.error(`agent-otel semconv: ${file}: ${(error as Error).message}`);
      return 1;
    }
    for (const span of result.spans) {
      checked++;
      if (span.problems.length === 0) continue;
      failed++;
      console.log(`${file}: ${span.kind} span '${span.name}' (${span.spanId}):`);
      for (const problem of span.problems) console.log(`  - ${problem.message}`);
    }
  }
  console.log(`${checked} spans checked, ${failed} with problems`);
  return failed > 0 ? 1 : 0;
};
