/**
 * The boundary of the receiver: turns an OTLP/HTTP body (protobuf or JSON) into the span
 * model, with zod. A body that is not an `ExportTraceServiceRequest` at all is an error (HTTP
 * 400); a span that breaks the data model (ids of the wrong length, a start time that is not a
 * number) is rejected alone and reported through `partial_success`, as the OTLP spec asks.
 */
import { z } from 'zod';
import { truncated } from '@agent-otel/core';
import type {
  OtlpAnyValue,
  OtlpKeyValue,
  OtlpResourceSpans,
  OtlpScopeSpans,
  OtlpSpan,
  OtlpTraceRequest,
} from './otlp-model.js';
import { readPlainJsonSpan } from './otlp-json-span.js';
import { decodeTraceRequestProto } from './otlp-proto.js';
import { readWireRequest } from './otlp-wire.js';

/** Limits applied while decoding. */
export interface DecodeLimits {
  /** Strings longer than this (in UTF-16 units) are truncated, like the SDK's attribute limit. */
  readonly maxAttributeValueLength: number;
}

/** The decoded request, with the spans that were rejected and why. */
export interface DecodedRequest {
  readonly request: OtlpTraceRequest;
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
  /** The first rejection reasons, for `partial_success.error_message`. */
  readonly rejectionMessage: string;
}

/** A body that is not an `ExportTraceServiceRequest`: answered with HTTP 400 and this message. */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}

type IdEncoding = 'hex';

const uint64String = z
  .union([z.string().regex(/^\d{1,20}$/u), z.number().int().nonnegative()])
  .transform(String);
const int64String = z
  .union([z.string().regex(/^-?\d{1,19}$/u), z.number().int()])
  .transform(String);
const doubleValue = z.union([
  z.number(),
  z.enum(['NaN', 'Infinity', '-Infinity']).transform(Number),
]);
const uint32 = z.number().int().nonnegative().optional();

/**
 * An enum field: its number, or — as proto3's JSON mapping lets a parser accept, and the
 * OpenTelemetry Collector does — its value name (`"SPAN_KIND_SERVER"`). `names` in number order.
 */
function enumField(names: readonly string[]) {
  const expected = `0 to ${names.length - 1} or one of ${names.join(', ')}`;
  return z.union([z.number(), z.string()]).transform((value, context) => {
    const number = typeof value === 'number' ? value : names.indexOf(value);
    if (!Number.isInteger(number) || number < 0 || number >= names.length) {
      context.addIssue({ code: 'custom', message: `must be ${expected}` });
      return z.NEVER;
    }
    return number;
  });
}

const SPAN_KINDS = [
  'SPAN_KIND_UNSPECIFIED',
  'SPAN_KIND_INTERNAL',
  'SPAN_KIND_SERVER',
  'SPAN_KIND_CLIENT',
  'SPAN_KIND_PRODUCER',
  'SPAN_KIND_CONSUMER',
] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

function schemas(limits: DecodeLimits, ids: IdEncoding) {
  const limited = z.string().transform((value) => truncated(value, limits.maxAttributeValueLength));
  const anyValue: z.ZodType<OtlpAnyValue> = z.lazy(() =>
    z
      .object({
        stringValue: limited.optional(),
        boolValue: z.boolean().optional(),
        intValue: int64String.optional(),
        doubleValue: doubleValue.optional(),
        arrayValue: z.object({ values: z.array(anyValue).default([]) }).optional(),
        kvlistValue: z.object({ values: z.array(keyValue).default([]) }).optional(),
        bytesValue: z.string().optional(),
      })
      .transform((value) => {
        // proto3 JSON may carry the oneof as several keys only if a sender is broken; keep the first.
        const result: OtlpAnyValue = {};
        for (const key of Object.keys(value) as (keyof OtlpAnyValue)[]) {
          if (value[key] !== undefined) {
            (result as Record<string, unknown>)[key] = value[key];
            break;
          }
        }
        return result;
      }),
  ) as z.ZodType<OtlpAnyValue>;
  const keyValue: z.ZodType<OtlpKeyValue> = z.lazy(() =>
    z.object({ key: z.string(), value: anyValue.default({}) }),
  ) as z.ZodType<OtlpKeyValue>;
  const attributes = z.array(keyValue).default([]);

  const idOf = (bytes: number, allowEmpty: boolean) => {
    const hex = new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`, 'u');
    return z.string().transform((value, context) => {
      if (value === '' && allowEmpty) return undefined;
      const normalised =
        ids === 'hex' ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
      if (!hex.test(normalised) || /^0+$/u.test(normalised)) {
        context.addIssue({
          code: 'custom',
          message: `must be ${bytes} bytes (${bytes * 2} hex digits), not all zero`,
        });
        return z.NEVER;
      }
      return normalised;
    });
  };
  const traceId = idOf(16, false);
  const spanId = idOf(8, false);

  const span = z.object({
    traceId,
    spanId,
    traceState: z.string().optional(),
    parentSpanId: idOf(8, true).optional(),
    flags: uint32,
    // proto3 omits zero values, so a missing name or time is the default, not an error.
    name: z.string().default(''),
    kind: enumField(SPAN_KINDS).optional(),
    startTimeUnixNano: uint64String.default('0'),
    endTimeUnixNano: uint64String.default('0'),
    attributes,
    droppedAttributesCount: uint32,
    events: z
      .array(
        z.object({
          timeUnixNano: uint64String.default('0'),
          name: z.string().default(''),
          attributes,
          droppedAttributesCount: uint32,
        }),
      )
      .default([]),
    droppedEventsCount: uint32,
    links: z
      .array(
        z.object({
          traceId,
          spanId,
          traceState: z.string().optional(),
          attributes,
          droppedAttributesCount: uint32,
          flags: uint32,
        }),
      )
      .default([]),
    droppedLinksCount: uint32,
    status: z
      .object({ message: z.string().optional(), code: enumField(STATUS_CODES).optional() })
      .optional(),
  });

  const envelope = z.object({
    resourceSpans: z
      .array(
        z.object({
          resource: z.object({ attributes, droppedAttributesCount: uint32 }).optional(),
          scopeSpans: z
            .array(
              z.object({
                scope: z
                  .object({
                    name: z.string().optional(),
                    version: z.string().optional(),
                    attributes: z.array(keyValue).optional(),
                    droppedAttributesCount: uint32,
                  })
                  .optional(),
                // Each span is checked on its own below, so one bad span does not reject the batch.
                spans: z.array(z.unknown()).default([]),
                schemaUrl: z.string().optional(),
              }),
            )
            .default([]),
          schemaUrl: z.string().optional(),
        }),
      )
      .default([]),
  });
  return { span, envelope };
}

const schemaCache = new Map<string, ReturnType<typeof schemas>>();

function schemasFor(limits: DecodeLimits, ids: IdEncoding): ReturnType<typeof schemas> {
  const key = `${ids}:${limits.maxAttributeValueLength}`;
  let cached = schemaCache.get(key);
  if (!cached) {
    cached = schemas(limits, ids);
    schemaCache.set(key, cached);
  }
  return cached;
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
}

/**
 * A span of an OTLP/JSON body read by the schema alone: the definition `readPlainJsonSpan`
 * (otlp-json-span.ts) must agree with, and what says why a span is rejected.
 */
export function parseJsonSpanBySchema(input: unknown, limits: DecodeLimits) {
  return schemasFor(limits, 'hex').span.safeParse(input);
}

const MAX_REASONS = 3;

function validate(raw: unknown, limits: DecodeLimits, ids: IdEncoding): DecodedRequest {
  const { envelope } = schemasFor(limits, ids);
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedRequestError(
      `not an ExportTraceServiceRequest: ${issue ? `${pathOf(issue.path).slice(1) || 'body'}: ${issue.message}` : 'invalid'}`,
    );
  }
  let accepted = 0;
  let rejected = 0;
  const reasons: string[] = [];
  const resourceSpans: OtlpResourceSpans[] = [];
  parsed.data.resourceSpans.forEach((inputResource, resourceIndex) => {
    const scopeSpans: OtlpScopeSpans[] = [];
    inputResource.scopeSpans.forEach((inputScope, scopeIndex) => {
      const spans: OtlpSpan[] = [];
      inputScope.spans.forEach((inputSpan, spanIndex) => {
        // The common shape without zod's cost; anything else through the schema (which is
        // also what says why a span is rejected).
        const plain = readPlainJsonSpan(inputSpan, limits.maxAttributeValueLength);
        if (plain !== undefined) {
          spans.push(plain);
          accepted++;
          return;
        }
        const result = parseJsonSpanBySchema(inputSpan, limits);
        if (result.success) {
          spans.push(result.data as OtlpSpan);
          accepted++;
          return;
        }
        rejected++;
        if (reasons.length < MAX_REASONS) {
          const issue = result.error.issues[0];
          reasons.push(
            `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]${issue ? `${pathOf(issue.path)}: ${issue.message}` : ''}`,
          );
        }
      });
      if (spans.length > 0) {
        const scope: OtlpScopeSpans = { spans };
        if (inputScope.scope) scope.scope = inputScope.scope;
        if (inputScope.schemaUrl) scope.schemaUrl = inputScope.schemaUrl;
        scopeSpans.push(scope);
      }
    });
    if (scopeSpans.length > 0) {
      const resource: OtlpResourceSpans = { scopeSpans };
      if (inputResource.resource) resource.resource = inputResource.resource;
      if (inputResource.schemaUrl) resource.schemaUrl = inputResource.schemaUrl;
      resourceSpans.push(resource);
    }
  });
  return {
    request: { resourceSpans },
    acceptedSpans: accepted,
    rejectedSpans: rejected,
    rejectionMessage: rejectionMessageOf(rejected, reasons),
  };
}

function rejectionMessageOf(rejected: number, reasons: readonly string[]): string {
  return rejected === 0
    ? ''
    : `${rejected} span(s) rejected: ${reasons.join('; ')}${rejected > reasons.length ? '; …' : ''}`;
}

/** Decodes an OTLP/JSON body. Throws `MalformedRequestError` when it is not one. */
export function decodeJsonBody(body: Buffer, limits: DecodeLimits): DecodedRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new MalformedRequestError(`invalid JSON: ${(error as Error).message}`);
  }
  readAsProtoJson(raw, []);
  return validate(raw, limits, 'hex');
}

/**
 * Levels of JSON a trace body may nest: a span's attribute is 9 deep (`resourceSpans[0]
 * .scopeSpans[0].spans[0].attributes[0].value`), each array or map value 3 or 4 more, and the
 * protobuf reader's limit is 32 of those.
 */
const MAX_JSON_DEPTH = 160;

/** A proto field name with a JSON name of its own: `resource_spans`, `time_unix_nano`. */
const PROTO_FIELD_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/u;

/**
 * Reads parsed JSON (`value`, changed in place) as proto3's JSON mapping lets a parser — and
 * the OpenTelemetry Collector does: a field given by its proto name (`resource_spans`) is
 * renamed to its JSON name (`resourceSpans`), the only one the schema knows; a field whose
 * value is `null` is left out (null is the field's default). Without this a body written
 * with proto names read as an empty request — acknowledged and lost — and a `null` refused
 * what the Collector accepts. Every object key in an OTLP trace body is a field name
 * (attribute keys are values of `key`), so keys are renamed wherever they are. A field given
 * under both names is an error, as in protobuf's own JSON parsers. Only renamed keys are
 * assigned: a `__proto__` key (JSON.parse makes it an own property) is left as it is.
 */
function readAsProtoJson(value: unknown, path: (string | number)[]): void {
  if (path.length > MAX_JSON_DEPTH) {
    // Before the stack runs out (a RangeError at a few thousand levels, from this walk or zod's).
    throw new MalformedRequestError(
      `not an ExportTraceServiceRequest: nested more than ${MAX_JSON_DEPTH} levels deep at ${pathOf(path.slice(0, 12)).slice(1)}…`,
    );
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(index);
      readAsProtoJson(value[index], path);
      path.pop();
    }
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (field === null) {
      delete record[key];
      continue;
    }
    let name = key;
    // The test only for a key with an underscore: JSON names (most bodies') have none.
    if (key.includes('_') && PROTO_FIELD_NAME.test(key)) {
      name = key.replace(/_([a-z0-9])/gu, (_, next: string) => next.toUpperCase());
      if (Object.hasOwn(record, name)) {
        throw new MalformedRequestError(
          `not an ExportTraceServiceRequest: ${pathOf([...path, name]).slice(1)} given twice (also as ${key})`,
        );
      }
      record[name] = field;
      delete record[key];
    }
    path.push(name);
    readAsProtoJson(field, path);
    path.pop();
  }
}

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/** The first data-model problem of a span decoded from protobuf (whose types the schema checked). */
function protobufSpanProblem(span: OtlpSpan): string | undefined {
  if (span.traceId.length !== 32 || span.traceId === ZERO_TRACE_ID) {
    return '.traceId: must be 16 bytes, not all zero';
  }
  if (span.spanId.length !== 16 || span.spanId === ZERO_SPAN_ID)
    return '.spanId: must be 8 bytes, not all zero';
  if (span.parentSpanId !== undefined && span.parentSpanId.length !== 16)
    return '.parentSpanId: must be 8 bytes';
  if (span.kind !== undefined && (span.kind < 0 || span.kind > 5)) return '.kind: must be 0 to 5';
  for (const [index, link] of span.links.entries()) {
    if (link.traceId.length !== 32 || link.spanId.length !== 16)
      return `.links[${index}]: ids of the wrong length`;
  }
  return undefined;
}

/**
 * Decodes an OTLP/protobuf body. Throws `MalformedRequestError` when it is not one. protobufjs
 * checks the wire types against the schema (the boundary check for this format); what the
 * schema cannot say — id lengths, the span kind range — is checked per span here.
 */
export function decodeProtobufBody(body: Buffer, limits: DecodeLimits): DecodedRequest {
  let request: OtlpTraceRequest;
  try {
    request = decodeTraceRequestProto(body, limits.maxAttributeValueLength);
  } catch (error) {
    throw new MalformedRequestError(`invalid protobuf: ${(error as Error).message}`);
  }
  let accepted = 0;
  let rejected = 0;
  const reasons: string[] = [];
  request.resourceSpans.forEach((resourceSpans, resourceIndex) => {
    resourceSpans.scopeSpans.forEach((scopeSpans, scopeIndex) => {
      const kept: OtlpSpan[] = [];
      scopeSpans.spans.forEach((span, spanIndex) => {
        const problem = protobufSpanProblem(span);
        if (problem === undefined) {
          kept.push(span);
          accepted++;
          return;
        }
        rejected++;
        if (reasons.length < MAX_REASONS) {
          reasons.push(
            `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]${problem}`,
          );
        }
      });
      scopeSpans.spans = kept;
    });
    resourceSpans.scopeSpans = resourceSpans.scopeSpans.filter(
      (scopeSpans) => scopeSpans.spans.length > 0,
    );
  });
  request.resourceSpans = request.resourceSpans.filter(
    (resourceSpans) => resourceSpans.scopeSpans.length > 0,
  );
  return {
    request,
    acceptedSpans: accepted,
    rejectedSpans: rejected,
    rejectionMessage: rejectionMessageOf(rejected, reasons),
  };
}

/**
 * Decodes an OTLP/protobuf body into lazily decoded spans (`WireSpan`, otlp-wire.ts): the same
 * checks and the same accepted and rejected spans as `decodeProtobufBody`, but a span's fields
 * are decoded only when read, and an unchanged span is exported as the bytes it came in as.
 * The collector's pipeline uses this; `decodeProtobufBody` gives plain objects.
 */
export function decodeProtobufWire(body: Buffer, limits: DecodeLimits): DecodedRequest {
  let request: ReturnType<typeof readWireRequest>;
  try {
    request = readWireRequest(body, limits.maxAttributeValueLength);
  } catch (error) {
    throw new MalformedRequestError(`invalid protobuf: ${(error as Error).message}`);
  }
  let accepted = 0;
  let rejected = 0;
  const reasons: string[] = [];
  const resourceSpans: OtlpResourceSpans[] = [];
  request.resourceSpans.forEach((resource, resourceIndex) => {
    const scopeSpans: OtlpScopeSpans[] = [];
    resource.scopeSpans.forEach((scope, scopeIndex) => {
      const kept: OtlpSpan[] = [];
      scope.spans.forEach((span, spanIndex) => {
        if (span.problem === undefined) {
          kept.push(span as unknown as OtlpSpan);
          accepted++;
          return;
        }
        rejected++;
        if (reasons.length < MAX_REASONS) {
          reasons.push(
            `resourceSpans[${resourceIndex}].scopeSpans[${scopeIndex}].spans[${spanIndex}]${span.problem}`,
          );
        }
      });
      if (kept.length > 0) scopeSpans.push({ ...scope, spans: kept });
    });
    if (scopeSpans.length > 0) resourceSpans.push({ ...resource, scopeSpans });
  });
  return {
    request: { resourceSpans },
    acceptedSpans: accepted,
    rejectedSpans: rejected,
    rejectionMessage: rejectionMessageOf(rejected, reasons),
  };
}
