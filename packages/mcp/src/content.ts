import type { AttributeValue } from '@opentelemetry/api';
import { captureContent, wellFormed } from '@agent-otel/core';

/**
 * Tool arguments and results as span attribute strings: JSON, every secret replaced by the
 * redactor of `@agent-otel/core`, truncated. Only called when content capture is on.
 */
export function capturedContent(value: unknown, maxLength: number | undefined): string {
  return captureContent(value, maxLength !== undefined ? { maxLength } : {});
}

const STATUS_MESSAGE_LIMIT = 512;

/**
 * An error message for the span status. Not content, so recorded whether or not capture is
 * on — but a peer's error message may echo a token, so it is redacted and bounded too.
 */
export function statusMessage(message: string): string {
  return captureContent(message, { maxLength: STATUS_MESSAGE_LIMIT });
}

/**
 * An attribute value with each string well-formed Unicode (a lone surrogate as U+FFFD): a
 * peer's names reach the spans as they came, and the OTLP/protobuf exporters would write a
 * lone surrogate as bytes that are not UTF-8 — which a checking receiver refuses with the
 * whole request. Values that need nothing are returned as they are.
 */
export function wellFormedValue<T extends AttributeValue | undefined>(value: T): T {
  if (typeof value === 'string') return wellFormed(value) as T;
  if (!Array.isArray(value)) return value;
  for (const item of value) {
    if (typeof item === 'string' && !item.isWellFormed())
      return value.map((each: unknown) =>
        typeof each === 'string' ? wellFormed(each) : each,
      ) as T;
  }
  return value;
}
