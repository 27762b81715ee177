import { z } from 'zod';
import { ATTRIBUTES, SPAN_KINDS } from './registry.js';
import type {
  AttributeDefinition,
  AttributeType,
  RequirementLevel,
  Scope,
  SpanKindName,
  ValidationProblem,
} from './types.js';

/** The requirement level an attribute has in a scope, or undefined when it does not belong. */
export function requirementOf(
  attribute: AttributeDefinition,
  scope: Scope,
): RequirementLevel | undefined {
  const requirement = attribute.requirements[scope];
  if (requirement === undefined) return undefined;
  return typeof requirement === 'string' ? requirement : requirement.level;
}

/** The attributes of one scope (span kind or event), in registry order. */
export function attributesOf(scope: Scope): readonly AttributeDefinition[] {
  return ATTRIBUTES.filter((attribute) => attribute.requirements[scope] !== undefined);
}

function valueSchema(attribute: AttributeDefinition): z.ZodType {
  const byType: Record<AttributeType, z.ZodType> = {
    string:
      attribute.values && !attribute.openEnum
        ? z.enum(attribute.values as [string, ...string[]])
        : z.string(),
    'string[]': z.array(z.string()),
    int: z.number().int(),
    double: z.number(),
    boolean: z.boolean(),
  };
  return byType[attribute.type];
}

function buildSchema(scope: Scope): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const attribute of attributesOf(scope)) {
    const schema = valueSchema(attribute);
    shape[attribute.key] =
      requirementOf(attribute, scope) === 'required' ? schema : schema.optional();
  }
  // Extra attributes are allowed: spans carry resource-like and vendor keys we do not own.
  return z.looseObject(shape);
}

/**
 * A zod schema per span kind: required keys must be present, every known key must have the
 * registry's type (and a closed enum's values), extra keys pass through.
 */
export const spanAttributeSchemas: Readonly<
  Record<SpanKindName, z.ZodType<Record<string, unknown>>>
> = Object.fromEntries(SPAN_KINDS.map((kind) => [kind.name, buildSchema(kind.name)])) as Record<
  SpanKindName,
  z.ZodType<Record<string, unknown>>
>;

function typeProblem(attribute: AttributeDefinition, value: unknown): string | undefined {
  switch (attribute.type) {
    case 'string':
      return typeof value === 'string' ? undefined : 'a string';
    case 'string[]':
      return Array.isArray(value) && value.every((item) => typeof item === 'string')
        ? undefined
        : 'an array of strings';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? undefined : 'an integer';
    case 'double':
      return typeof value === 'number' && Number.isFinite(value) ? undefined : 'a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean';
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `the string ${JSON.stringify(value)}` : typeof value;
}

/**
 * Checks the attributes of one span (or span event) against the convention and returns every
 * problem: a missing required key, a value of the wrong type, a value outside a closed enum.
 * Conditionally required keys are not reported missing: their conditions are stated for humans.
 * An empty list means the attributes conform.
 */
export function validateSpan(
  scope: Scope,
  attributes: Readonly<Record<string, unknown>>,
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const attribute of attributesOf(scope)) {
    const value = attributes[attribute.key];
    if (value === undefined) {
      if (requirementOf(attribute, scope) === 'required') {
        problems.push({
          key: attribute.key,
          kind: 'missing',
          message: `${attribute.key} is required on ${scope} but missing`,
        });
      }
      continue;
    }
    const expected = typeProblem(attribute, value);
    if (expected) {
      problems.push({
        key: attribute.key,
        kind: 'type',
        message: `${attribute.key} must be ${expected}, got ${describe(value)}`,
      });
      continue;
    }
    if (attribute.values && !attribute.openEnum && !attribute.values.includes(value as string)) {
      problems.push({
        key: attribute.key,
        kind: 'enum',
        message: `${attribute.key} must be one of ${attribute.values.join(', ')}, got ${JSON.stringify(value)}`,
      });
    }
  }
  return problems;
}
