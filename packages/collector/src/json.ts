/** Parsed JSON as the collector reads it: a configuration, a request body, a tool input. */

/** A JSON object: string keys to any JSON value. */
export type JsonObject = Record<string, unknown>;

/** Whether a parsed JSON value is an object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
