/**
 * OTLP/protobuf for traces with protobufjs. The message definitions below are written from the
 * OTLP protocol (opentelemetry-proto v1: `collector/trace/v1/trace_service.proto`,
 * `trace/v1/trace.proto`, `common/v1/common.proto`, `resource/v1/resource.proto`) and only
 * hold what a trace export needs. Field numbers are the wire contract; names follow the
 * proto files so protobufjs's camel-casing gives the OTLP JSON names.
 */
import protobuf from 'protobufjs';
import type { OtlpTraceRequest } from './otlp-model.js';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Resource {
  repeated KeyValue attributes = 1;
  uint32 dropped_attributes_count = 2;
}
message Status {
  reserved 1;
  string message = 2;
  int32 code = 3;
}
message Event {
  fixed64 time_unix_nano = 1;
  string name = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message Link {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  repeated KeyValue attributes = 4;
  uint32 dropped_attributes_count = 5;
  fixed32 flags = 6;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  repeated Link links = 13;
  uint32 dropped_links_count = 14;
  Status status = 15;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message ResourceSpans {
  reserved 1000;
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTracePartialSuccess {
  int64 rejected_spans = 1;
  string error_message = 2;
}
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
// google.rpc.Status, the body of an OTLP/HTTP error response.
message RpcStatus {
  int32 code = 1;
  string message = 2;
}
`;

const root = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root;
const requestType = root.lookupType('otlp.ExportTraceServiceRequest');
const responseType = root.lookupType('otlp.ExportTraceServiceResponse');
const rpcStatusType = root.lookupType('otlp.RpcStatus');

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  bytes: String,
  enums: Number,
  defaults: false,
  arrays: true,
};

/**
 * Decodes an `ExportTraceServiceRequest` into the JSON-mapping shape (ids still base64: the
 * caller normalises them with the JSON path's validation). Throws on malformed protobuf.
 */
export function decodeTraceRequestProto(body: Uint8Array): unknown {
  const message = requestType.decode(body);
  return requestType.toObject(message, TO_OBJECT);
}

function base64OfHex(hex: string | undefined): string | undefined {
  return hex === undefined || hex === '' ? undefined : Buffer.from(hex, 'hex').toString('base64');
}

/** Encodes a request of the span model as protobuf. */
export function encodeTraceRequestProto(request: OtlpTraceRequest): Uint8Array {
  // protobufjs's fromObject takes bytes as base64 strings and fixed64 as decimal strings; only
  // the hex ids of the JSON mapping need converting.
  const converted = {
    resourceSpans: request.resourceSpans.map((resourceSpans) => ({
      ...resourceSpans,
      scopeSpans: resourceSpans.scopeSpans.map((scopeSpans) => ({
        ...scopeSpans,
        spans: scopeSpans.spans.map((span) => ({
          ...span,
          traceId: base64OfHex(span.traceId),
          spanId: base64OfHex(span.spanId),
          parentSpanId: base64OfHex(span.parentSpanId),
          links: span.links.map((link) => ({
            ...link,
            traceId: base64OfHex(link.traceId),
            spanId: base64OfHex(link.spanId),
          })),
        })),
      })),
    })),
  };
  return requestType.encode(requestType.fromObject(converted)).finish();
}

/** Decodes an `ExportTraceServiceResponse` (used by tests and the exporter's partial-success log). */
export function decodeTraceResponseProto(body: Uint8Array): {
  partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
} {
  return responseType.toObject(responseType.decode(body), TO_OBJECT) as {
    partialSuccess?: { rejectedSpans?: string; errorMessage?: string };
  };
}

/** Encodes an `ExportTraceServiceResponse`. */
export function encodeTraceResponseProto(rejectedSpans: number, errorMessage: string): Uint8Array {
  const response =
    rejectedSpans > 0 || errorMessage !== ''
      ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } }
      : {};
  return responseType.encode(responseType.fromObject(response)).finish();
}

/** Encodes a `google.rpc.Status` error body. */
export function encodeRpcStatusProto(code: number, message: string): Uint8Array {
  return rpcStatusType.encode(rpcStatusType.fromObject({ code, message })).finish();
}
