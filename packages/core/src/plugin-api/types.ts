/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };
/** A JSON schema (draft-07 subset understood by ajv), with Hoard's `secret` keyword. */
export type JsonSchema = { [key: string]: unknown };

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
