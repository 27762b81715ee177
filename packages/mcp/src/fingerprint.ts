import { createHash } from 'node:crypto';

/** One tool of a `tools/list` result, as far as drift detection looks at it. */
export interface ToolDefinition {
  readonly name: string;
  readonly title?: unknown;
  readonly description?: unknown;
  readonly inputSchema?: unknown;
  readonly outputSchema?: unknown;
  readonly annotations?: unknown;
}

/** The fingerprint of a complete tool list and of each tool in it. */
export interface ToolListFingerprint {
  /** `agent.mcp.tools.fingerprint`: 16 hex digits over every tool's fingerprint, in name order. */
  readonly fingerprint: string;
  /** Tool name → 16 hex digits over the tool's definition. */
  readonly tools: ReadonlyMap<string, string>;
}

/** What changed between two tool lists of one session. */
export interface ToolListChange {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

/**
 * JSON with object keys sorted at every level, so that two servers (or two runs) that send the
 * same schema with keys in another order get the same fingerprint.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const entries = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${entries.join(',')}}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * The fingerprint of one tool: its name, title, description, input and output schemas and
 * annotations. Hashing the description alone misses a schema change (a new `cc` parameter);
 * the annotations matter too (a tool that stops being `readOnlyHint`).
 */
export function toolFingerprint(tool: ToolDefinition): string {
  return shortHash(
    canonicalJson({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: tool.inputSchema,
      outputSchema: tool.outputSchema,
      annotations: tool.annotations,
    }),
  );
}

/** Fingerprints a complete tool list. Order does not matter; a repeated name keeps its last definition. */
export function toolListFingerprint(tools: readonly ToolDefinition[]): ToolListFingerprint {
  const byName = new Map<string, string>();
  for (const tool of tools) byName.set(tool.name, toolFingerprint(tool));
  const names = [...byName.keys()].sort();
  const fingerprint = shortHash(names.map((name) => `${name}:${byName.get(name)}`).join('\n'));
  return { fingerprint, tools: new Map(names.map((name) => [name, byName.get(name) ?? ''])) };
}

/** Names the tools added, removed and redefined from `previous` to `current`, each sorted. */
export function diffToolLists(
  previous: ToolListFingerprint,
  current: ToolListFingerprint,
): ToolListChange {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  for (const [name, hash] of current.tools) {
    const before = previous.tools.get(name);
    if (before === undefined) added.push(name);
    else if (before !== hash) changed.push(name);
  }
  for (const name of previous.tools.keys()) if (!current.tools.has(name)) removed.push(name);
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}
