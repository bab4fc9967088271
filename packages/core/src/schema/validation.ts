import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ErrorCode } from '../errors/codes.js';
import { HoardAggregateError, HoardError } from '../errors/HoardError.js';

/**
 * A JSON schema as core's internals read it: any object. Authors write {@link SchemaObject}s, which
 * are assignable to this.
 */
export type SchemaObject = { readonly [key: string]: unknown };

/** The placeholder written in place of a secret value. */
export const REDACTED = '***';

function createAjv(coerceTypes: boolean): Ajv {
  // verbose: errors carry their schema, so a `pattern` can be explained by its `description`.
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes, verbose: true });
  // `secret: true` marks a value that must never appear in logs, errors or checkpoints.
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  return ajv;
}

// One ajv instance for documents and one that coerces strings (INI values) for configuration.
const documentAjv = createAjv(false);
const configAjv = createAjv(true);

/** A compiled schema with the owner it is blamed on. */
export interface CompiledSchema {
  readonly schema: SchemaObject;
  readonly owner: string;
  readonly validate: ValidateFunction;
}

/**
 * Compiles a plugin's schema, blaming a bad schema on its owner.
 *
 * @param schema - the JSON schema
 * @param owner - who declared it, e.g. `@hoard/plugin-volume (protect parameters)`
 * @param options - `coerce: true` for configuration from INI files (strings to numbers/booleans)
 */
export function compileSchema(
  schema: SchemaObject,
  owner: string,
  options: { coerce?: boolean } = {},
): CompiledSchema {
  const ajv = options.coerce ? configAjv : documentAjv;
  try {
    return { schema, owner, validate: ajv.compile(schema) };
  } catch (error) {
    throw new HoardError(
      'PLUGIN_SCHEMA_INVALID',
      `Schema of ${owner} is invalid: ${(error as Error).message}`,
      { plugin: owner },
      { cause: error },
    );
  }
}

/** Joins a base path and an ajv instance path into `a.b[2].c` form. */
export function formatPath(base: string, instancePath: string, extra?: string): string {
  let out = base;
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out === '' ? '(root)' : out;
}

function describeError(error: ErrorObject): { extra?: string; message: string } {
  if (error.keyword === 'required') {
    return { extra: String(error.params['missingProperty']), message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return { extra: String(error.params['additionalProperty']), message: 'is not allowed (unknown field)' };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return { message: `must be one of ${allowed}` };
  }
  if (error.keyword === 'pattern') {
    // A regular expression explains nothing to a user; the schema's description does.
    const description = (error.parentSchema as { description?: unknown } | undefined)?.description;
    if (typeof description === 'string')
      return { message: `${JSON.stringify(error.data)} is not ${description}` };
  }
  return { message: error.message ?? error.keyword };
}

/** One validation problem with its path. */
export interface ValidationProblem {
  path: string;
  message: string;
}

/**
 * Validates `data` in place (schema defaults are applied) and returns every problem.
 *
 * @param compiled - the compiled schema
 * @param data - the value to validate; mutated to add defaults (and coerced values for configuration)
 * @param basePath - path prefix for problems, e.g. `OS::Cinder::Volume#v1.parameters`
 */
export function validate(compiled: CompiledSchema, data: unknown, basePath = ''): ValidationProblem[] {
  if (compiled.validate(data)) return [];
  return (compiled.validate.errors ?? []).map((error) => {
    const { extra, message } = describeError(error);
    return { path: formatPath(basePath, error.instancePath, extra), message };
  });
}

/**
 * Validates and throws one error listing every problem.
 *
 * @param code - the error code to raise
 * @param what - the summary, e.g. `Parameters for OS::Cinder::Volume#v1 are invalid`
 */
export function assertValid(
  compiled: CompiledSchema,
  data: unknown,
  code: ErrorCode,
  what: string,
  context: { basePath?: string; file?: string; resourceKey?: string } = {},
): void {
  const problems = validate(compiled, data, context.basePath ?? '');
  if (problems.length === 0) return;
  const errors = problems.map(
    (p) =>
      new HoardError(code, `${p.path}: ${p.message}`, {
        path: p.path,
        ...(context.file !== undefined ? { file: context.file } : {}),
        ...(context.resourceKey !== undefined ? { resourceKey: context.resourceKey } : {}),
      }),
  );
  throw new HoardAggregateError(code, what, errors, {
    ...(context.file !== undefined ? { file: context.file } : {}),
    ...(context.resourceKey !== undefined ? { resourceKey: context.resourceKey } : {}),
  });
}
