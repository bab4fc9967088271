import type { ExtendedJSONSchema, FromExtendedSchema } from 'json-schema-to-ts';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };
/** Hoard's keyword beyond JSON Schema draft-07: `secret: true` marks a value that is redacted everywhere. */
type HoardSchemaKeywords = { secret: boolean };

/**
 * A JSON schema (draft-07, as ajv reads it) with Hoard's `secret` keyword.
 *
 * @remarks Written inline in a `define*` call, or as a constant `as const`, it also gives the
 * TypeScript type of the values it accepts ({@link SchemaType}): one source for validation and types.
 */
export type JsonSchema = Exclude<ExtendedJSONSchema<HoardSchemaKeywords>, boolean>;

/**
 * The TypeScript type of the values schema `S` accepts once Hoard has applied its defaults (a
 * property with a `default` is always present).
 *
 * @remarks `Fallback` when `S` is absent or not a literal schema (e.g. read from a JSON file).
 */
export type SchemaType<S, Fallback = JsonObject> = JsonSchema extends S
  ? Fallback
  : S extends ExtendedJSONSchema<HoardSchemaKeywords>
    ? FromExtendedSchema<HoardSchemaKeywords, S>
    : Fallback;

/** Configuration sections a plugin or bank reads from a provider file: section name → schema. */
export type ConfigSections = { readonly [section: string]: JsonSchema };

/** The validated configuration a plugin sees: every section it declares, defaults applied. */
export type ConfigOf<C extends ConfigSections> = ConfigSections extends C
  ? Record<string, Record<string, unknown>>
  : { readonly [K in keyof C]: SchemaType<C[K], Record<string, unknown>> };

/** The three operations a protection plugin implements hooks for. */
export type Operation = 'protect' | 'restore' | 'delete';
/** All operations, in the order they are usually documented. */
export const OPERATIONS: readonly Operation[] = ['protect', 'restore', 'delete'];

/** The four hooks of an operation, as named in plugin code. */
export type HookName = 'prepareBegin' | 'prepareFinish' | 'main' | 'complete';
/** The four hooks of an operation, in their order within one resource. */
export const HOOK_NAMES: readonly HookName[] = ['prepareBegin', 'prepareFinish', 'main', 'complete'];

/**
 * A thing to protect.
 *
 * @remarks `type` uses Karbor's names (`OS::Cinder::Volume`) or a third party's `Vendor::Service::Thing`.
 */
export interface Resource {
  type: string;
  id: string;
  name: string;
  extra?: JsonObject;
}

/** A reference to a resource: type and id. */
export interface ResourceRef {
  type: string;
  id: string;
}

/** The key of a resource: `<type>#<id>`. */
export function resourceKey(resource: ResourceRef): string {
  return `${resource.type}#${resource.id}`;
}

/** Log levels understood by {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured logger. Fields marked secret are redacted before anything is written. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
