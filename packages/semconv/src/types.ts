/** The value types an attribute may take (the OTel attribute types this project uses). */
export type AttributeType = 'string' | 'string[]' | 'int' | 'double' | 'boolean';

/** OpenTelemetry stability levels, as the semantic-conventions registry states them. */
export type OtelStability = 'stable' | 'release_candidate' | 'development';

/**
 * Where a key comes from: copied from an OpenTelemetry semantic convention (with the stability
 * it has there), or defined by agent-otel because no OTel key covers it yet.
 */
export type AttributeOrigin =
  { readonly kind: 'otel'; readonly stability: OtelStability } | { readonly kind: 'agent' };

/** How strongly a span kind or event expects an attribute, with OTel's requirement levels. */
export type RequirementLevel = 'required' | 'conditionally_required' | 'recommended' | 'opt_in';

/** The span kinds of the convention (DESIGN.md's span table). */
export type SpanKindName = 'session' | 'turn' | 'tool' | 'subagent' | 'mcp_client' | 'mcp_server';

/** The span events of the convention that carry attributes of their own. */
export type EventScopeName = 'agent.policy.violation' | 'agent.mcp.tools.changed' | 'agent.hook';

/** A span kind or an event: the places an attribute can be required, recommended or opt-in. */
export type Scope = SpanKindName | EventScopeName;

/** A requirement with the condition that makes it apply, stated for humans. */
export interface ScopedRequirement {
  readonly level: RequirementLevel;
  /** When the level is `conditionally_required` (or when an opt-in applies), the condition. */
  readonly condition?: string;
}

/** One attribute of the registry. */
export interface AttributeDefinition {
  /** The attribute key, e.g. `gen_ai.tool.name`. */
  readonly key: string;
  readonly type: AttributeType;
  /** One line: what the value is. */
  readonly brief: string;
  /** Example values (at least one). */
  readonly examples: readonly (string | number | boolean | readonly string[])[];
  readonly origin: AttributeOrigin;
  /** For `agent.*` keys: why no OTel key covers it yet. */
  readonly why?: string;
  /** The closed set of values, for enum-like attributes. */
  readonly values?: readonly string[];
  /** Whether values outside `values` are allowed (OTel's open enums, e.g. `gen_ai.provider.name`). */
  readonly openEnum?: boolean;
  /** The scopes this attribute appears in, with how strongly each expects it. */
  readonly requirements: Readonly<Partial<Record<Scope, RequirementLevel | ScopedRequirement>>>;
  /** The DESIGN.md draft name this key replaces, when it was renamed. */
  readonly renamedFrom?: string;
  /** Longer note for docs. */
  readonly note?: string;
}

/** A span kind of the convention. */
export interface SpanKindDefinition {
  readonly name: SpanKindName;
  /** OTel span kind. */
  readonly spanKind: 'INTERNAL' | 'CLIENT' | 'SERVER';
  /** How the span name is formed. */
  readonly spanName: string;
  readonly brief: string;
}

/** A span event of the convention. */
export interface EventDefinition {
  readonly name: string;
  /** The scope whose attributes the event carries. */
  readonly scope: EventScopeName;
  readonly brief: string;
}

/** One problem `validateSpan` found. */
export interface ValidationProblem {
  readonly key: string;
  readonly kind: 'missing' | 'type' | 'enum';
  readonly message: string;
}
