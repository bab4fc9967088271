import { REDACTED, type SchemaObject } from './validation.js';

function asSchema(value: unknown): SchemaObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as SchemaObject)
    : undefined;
}

/**
 * A copy of `value` with every value that `schema` marks `secret: true` replaced by `***`.
 *
 * @remarks Follows `properties`, `patternProperties`, `additionalProperties`, `items` and the
 * `allOf`/`anyOf`/`oneOf` branches; a value under several branches is redacted if any marks it.
 */
export function redactSecrets<T>(schema: SchemaObject | undefined, value: T): T {
  if (schema === undefined) return value;
  return redact(schema, value) as T;
}

function redact(schema: SchemaObject, value: unknown): unknown {
  if (schema['secret'] === true) return REDACTED;
  for (const combinator of ['allOf', 'anyOf', 'oneOf']) {
    const branches = schema[combinator];
    if (Array.isArray(branches)) {
      for (const branch of branches) {
        const sub = asSchema(branch);
        if (sub !== undefined) value = redact(sub, value);
      }
    }
  }
  if (Array.isArray(value)) {
    const items = asSchema(schema['items']);
    return items === undefined ? value : value.map((item) => redact(items, item));
  }
  if (typeof value !== 'object' || value === null) return value;
  const properties = asSchema(schema['properties']) ?? {};
  const patterns = Object.entries(asSchema(schema['patternProperties']) ?? {});
  const additional = asSchema(schema['additionalProperties']);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const own = asSchema(properties[key]);
    let result = child;
    let matched = false;
    if (own !== undefined) {
      result = redact(own, result);
      matched = true;
    }
    for (const [pattern, sub] of patterns) {
      const subSchema = asSchema(sub);
      if (subSchema !== undefined && new RegExp(pattern, 'u').test(key)) {
        result = redact(subSchema, result);
        matched = true;
      }
    }
    if (!matched && additional !== undefined) result = redact(additional, result);
    out[key] = result;
  }
  return out;
}

/** The string values in `value` that `schema` marks `secret: true` (to register for scrubbing). */
export function secretValuesIn(schema: SchemaObject | undefined, value: unknown): string[] {
  const found: string[] = [];
  const walk = (original: unknown, redacted: unknown): void => {
    if (redacted === REDACTED && typeof original === 'string' && original !== REDACTED) {
      found.push(original);
    } else if (Array.isArray(original) && Array.isArray(redacted)) {
      for (const [i, item] of original.entries()) walk(item, redacted[i]);
    } else if (
      typeof original === 'object' &&
      original !== null &&
      typeof redacted === 'object' &&
      redacted !== null
    ) {
      for (const [key, child] of Object.entries(original))
        walk(child, (redacted as Record<string, unknown>)[key]);
    }
  };
  walk(value, redactSecrets(schema, value));
  return found;
}
