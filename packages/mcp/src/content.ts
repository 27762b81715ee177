import { captureContent } from '@agent-otel/core';

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
