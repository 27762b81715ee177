/**
 * Content capture: prompts, tool arguments and results leave the process only when the user
 * opted in (`AGENT_OTEL_CAPTURE_CONTENT=true`), and then always through the secret redactor
 * and a length limit. Redaction runs before truncation, so a secret cut in half by the limit
 * cannot slip through as an unrecognisable fragment.
 */
import { redactSecrets } from '@agent-otel/secrets';
import { truncated, wellFormed } from './text.js';

/** Options of {@link captureContent}. */
export interface CaptureContentOptions {
  /** Longest string returned, in characters (the marker included). Default: 8192. */
  readonly maxLength?: number;
  /** The installation's fingerprint key (see `installationKey`). Default: a per-process key. */
  readonly fingerprintKey?: string | Uint8Array;
}

const DEFAULT_MAX_LENGTH = 8192;
const SCAN_MARGIN = 8192;

/** Whether content capture is switched on in `env` (`AGENT_OTEL_CAPTURE_CONTENT=true|1|yes|on`). */
export function isContentCaptureEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.AGENT_OTEL_CAPTURE_CONTENT?.trim().toLowerCase();
  return value === 'true' || value === '1' || value === 'yes' || value === 'on';
}

function serialize(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    const json = JSON.stringify(value, (_key, item: unknown) =>
      typeof item === 'bigint' ? item.toString() : item,
    );
    return json ?? String(value);
  } catch {
    // Circular structures and the like: their text form is still worth recording.
    return String(value);
  }
}

/**
 * Truncates `text` to `maxLength` characters with a marker saying how long the original was
 * (`originalLength`, default the text's own length).
 */
export function truncateContent(
  text: string,
  maxLength: number,
  originalLength = text.length,
): string {
  if (text.length <= maxLength && originalLength <= text.length) return text;
  const marker = `…[truncated ${originalLength} chars]`;
  const keep = Math.max(0, Math.min(text.length, maxLength - marker.length));
  return truncated(text, keep) + marker;
}

/**
 * `value` as an exportable string: JSON for anything but a string, every secret replaced by
 * `[REDACTED:<type>]`, truncated to `maxLength`, and Unicode (`wellFormed`: a lone surrogate
 * of the input as U+FFFD) whatever exporter it goes to.
 */
export function captureContent(value: unknown, options: CaptureContentOptions = {}): string {
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  const full = serialize(value);
  // Scanning megabytes for secrets would stall the hook: cut well past the limit first. The
  // margin is longer than any secret, so a secret cut here lies beyond the final limit.
  const text =
    full.length > maxLength + SCAN_MARGIN ? full.slice(0, maxLength + SCAN_MARGIN) : full;
  const { text: redacted } = redactSecrets(
    text,
    options.fingerprintKey !== undefined ? { fingerprintKey: options.fingerprintKey } : {},
  );
  return wellFormed(
    redacted.length > maxLength || full.length > text.length
      ? truncateContent(redacted, maxLength, full.length)
      : redacted,
  );
}
