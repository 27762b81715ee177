/**
 * The policy file: YAML, validated with zod. A file holds rulesets (each a named, versioned
 * list of rules), scopes that bound the task (allowed MCP servers, paths, hosts), and
 * per-rule overrides of the rulesets it extends (so an operator can change any recommended
 * rule's action without copying it).
 */
import { POLICY_ACTIONS, POLICY_SEVERITIES } from '@agent-otel/semconv';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { PolicyError } from './errors.js';

const RULE_ID = /^[a-z0-9][a-z0-9._-]{0,127}$/;

const ruleSchema = z
  .object({
    id: z.string().regex(RULE_ID, 'lowercase letters, digits, ".", "_", "-" (max 128)'),
    name: z.string().min(1).optional(),
    description: z.string().min(1),
    severity: z.enum(POLICY_SEVERITIES),
    category: z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case'),
    when: z.string().min(1),
    action: z.enum(POLICY_ACTIONS).default('tag'),
    reason: z.string().min(1).optional(),
    tags: z.array(z.string()).default([]),
    exceptions: z.array(z.string().min(1)).default([]),
    enabled: z.boolean().default(true),
    phases: z
      .array(z.enum(['pre_tool', 'permission_request', 'post_tool']))
      .min(1)
      .optional(),
  })
  .strict();

const rulesetSchema = z
  .object({
    name: z.string().min(1),
    version: z.union([z.string().min(1), z.number()]).transform(String),
    description: z.string().optional(),
    rules: z.array(ruleSchema),
  })
  .strict();

const scopeSchema = z
  .object({
    mcp_servers: z.array(z.string()).optional(),
    paths: z.array(z.string()).optional(),
    hosts: z.array(z.string()).optional(),
  })
  .strict();

const overrideSchema = z
  .object({
    action: z.enum(POLICY_ACTIONS).optional(),
    severity: z.enum(POLICY_SEVERITIES).optional(),
    enabled: z.boolean().optional(),
    exceptions: z.array(z.string().min(1)).optional(),
  })
  .strict();

const policyFileSchema = z
  .object({
    version: z.literal(1),
    extends: z.array(z.literal('recommended')).default([]),
    scopes: scopeSchema.default({}),
    rulesets: z.array(rulesetSchema).default([]),
    overrides: z.record(z.string(), overrideSchema).default({}),
  })
  .strict();

/** One rule as written in a policy file (defaults applied). */
export type PolicyRuleSpec = z.infer<typeof ruleSchema>;
/** One ruleset as written in a policy file. */
export type PolicyRulesetSpec = z.infer<typeof rulesetSchema>;
/** Scopes of the task or repository. */
export type PolicyScopes = z.infer<typeof scopeSchema>;
/** A parsed, validated policy file. */
export type PolicyFile = z.infer<typeof policyFileSchema>;

/** The rule id under a zod issue path (`rulesets.0.rules.2.when`), when there is one. */
function ruleIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'rulesets' || path[2] !== 'rules' || path.length < 4) return undefined;
  const rulesets = (raw as { rulesets?: unknown }).rulesets;
  if (!Array.isArray(rulesets)) return undefined;
  const rules = (rulesets[Number(path[1])] as { rules?: unknown } | undefined)?.rules;
  if (!Array.isArray(rules)) return undefined;
  const id = (rules[Number(path[3])] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : `#${String(path[3])}`;
}

/** Parses and validates a policy file's text. Throws a {@link PolicyError} naming the place. */
export function parsePolicyText(text: string, file?: string): PolicyFile {
  const where = file ?? 'policy';
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    const position = lineCounter.linePos(yamlError.pos[0]);
    throw new PolicyError(
      `${where}:${position.line}:${position.col}: YAML error: ${yamlError.message.split('\n')[0]}`,
      { ...(file ? { file } : {}), line: position.line, column: position.col },
    );
  }
  const raw: unknown = document.toJS({ maxAliasCount: 100 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyError(`${where}: a policy file is a YAML mapping with "version: 1"`, {
      ...(file ? { file } : {}),
    });
  }
  const parsed = policyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.');
    const ruleId = ruleIdAt(raw, issue.path);
    const ruleField = ruleId !== undefined ? issue.path.slice(4).map(String).join('.') : '';
    const subject =
      ruleId !== undefined
        ? `rule "${ruleId}"${ruleField ? ` field "${ruleField}"` : ''}`
        : `field "${field || '(root)'}"`;
    throw new PolicyError(`${where}: ${subject}: ${issue.message}`, {
      ...(file ? { file } : {}),
      ...(ruleId !== undefined ? { ruleId } : {}),
      field,
    });
  }
  return parsed.data;
}
