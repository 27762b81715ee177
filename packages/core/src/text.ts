/**
 * Strings as UTF-8 can carry them. A JavaScript string may hold a lone surrogate — JSON may
 * spell one (`"\ud800"` is valid JSON), and cutting a string at a length limit may split a
 * pair — and protobufjs (under the OTLP/protobuf exporters, and the collector's) writes one as
 * bytes that are not UTF-8, which strict protobuf readers (the OpenTelemetry Collector's,
 * agent-otel's collector) refuse, losing the whole request it came in.
 */

/** `value` with each lone surrogate as U+FFFD, as a UTF-8 encoder writes it. */
export function wellFormed(value: string): string {
  return value.isWellFormed() ? value : value.toWellFormed();
}

/**
 * The first `max` UTF-16 units of `value`, or one fewer when the cut would split a surrogate
 * pair (the character is left out whole rather than half of it kept). Every cut of text that
 * may be exported goes through here.
 */
export function truncated(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
