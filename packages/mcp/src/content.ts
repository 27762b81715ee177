/**
 * Tool arguments and results as span attribute strings: JSON, truncated. Only called when the
 * user turned content capture on.
 */
export function captureContent(value: unknown, maxLength: number): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  } catch {
    text = '[unserializable]';
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…[truncated]` : text;
}
