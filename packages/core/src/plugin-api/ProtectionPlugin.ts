import type { Readable } from 'node:stream';
import type { BankObjectInfo } from './Bank.js';
import type { HookName, JsonObject, JsonSchema, JsonValue, Logger, Operation, Resource } from './types.js';

/** Read access to the checkpoint an operation works on. */
export interface CheckpointView {
  readonly id: string;
  readonly providerId: string;
  readonly createdAt: string;
  /** The resources of the checkpoint's graph. */
  readonly resources: readonly Resource[];
}

/**
 * The resource's own data section in the bank: `checkpoints/<id>/resources/<resourceKey>/data/`.
 *
 * @remarks Keys are relative to the section; each segment is percent-encoded by the plugin
 * (use `encodeURIComponent`).
 */
export interface ResourceBankSection {
  put(key: string, body: Uint8Array | string | Readable | AsyncIterable<Uint8Array>): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  getStream(key: string): Promise<Readable>;
  list(prefix?: string): AsyncIterable<BankObjectInfo>;
  delete(key: string): Promise<void>;
}

/** Reports progress of a hook; any report also resets the hook's timeout. */
export interface ProgressReporter {
  /** Items done so far (and the total when known). */
  items(done: number, total?: number): void;
  /** Bytes just transferred (a delta, not a running total). */
  bytes(delta: number): void;
  /** A short human status line. */
  message(text: string): void;
}

/** Values returned by hooks ordered before the reader (SPEC §2.4). */
export interface PublishedValues {
  /**
   * The value returned by `hook` of the resource `resourceKey`.
   *
   * @remarks Throws `PUBLISHED_VALUE_NOT_ORDERED` when that hook is not ordered before the reader.
   */
  get(resourceKey: string, hook: HookName): JsonValue | undefined;
}

/** A bounded pool for heavy jobs, shared by all hooks of one operation. */
export interface WorkPool {
  run<T>(job: () => Promise<T>): Promise<T>;
}

/** Everything a hook sees: the whole API of a hook. */
export interface HookContext<P extends JsonObject = JsonObject> {
  readonly operation: Operation;
  readonly hook: HookName;
  readonly resource: Resource;
  /** Validated parameters of this resource for this operation, schema defaults applied. */
  readonly parameters: P;
  /** Validated configuration sections of the provider, by section name. */
  readonly config: Record<string, Record<string, unknown>>;
  readonly checkpoint: CheckpointView;
  /** This resource's data section in the bank. */
  readonly bank: ResourceBankSection;
  /** Protect: records the saved info of this resource (validated against the plugin's schema). */
  setSavedInfo(info: JsonObject): void;
  /** Restore and delete: the saved info recorded at protect time. */
  getSavedInfo(): Promise<JsonObject | undefined>;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly published: PublishedValues;
  readonly workPool: WorkPool;
  /** Restore only: the id of the restore record. */
  readonly restoreId?: string;
}

/** A hook function. Its return value is published to later hooks (SPEC §2.4). */
export type Hook<P extends JsonObject = JsonObject> = (
  context: HookContext<P>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing is the common case.
) => Promise<JsonValue | undefined | void> | JsonValue | undefined | void;

/** The hooks of one operation. Unimplemented hooks are no-ops. */
export type OperationHooks<P extends JsonObject = JsonObject> = Partial<Record<HookName, Hook<P>>>;

/** Retry policy of a plugin's hooks: only errors it declares retryable are retried. */
export interface RetryPolicy {
  /** Total attempts, including the first (at most 10). */
  attempts: number;
  /** Delay before the first retry; doubles each time. */
  backoffMs: number;
  /** Whether an error may be retried. */
  isRetryable(error: unknown): boolean;
}

/** Options of {@link defineProtectionPlugin}. */
export interface ProtectionPluginOptions {
  /** Short name, e.g. `volume`. */
  name: string;
  /** Resource types it protects. */
  resourceTypes: readonly string[];
  /** JSON schemas of the parameters per operation and of the saved info. */
  schemas?: {
    protect?: JsonSchema;
    restore?: JsonSchema;
    delete?: JsonSchema;
    savedInfo?: JsonSchema;
  };
  /** Configuration sections it reads from a provider file, each with its JSON schema. */
  configSections?: Record<string, JsonSchema>;
  /** Hooks per operation. */
  hooks: Partial<Record<Operation, OperationHooks>>;
  /** A hook that neither settles nor reports progress within this time fails (default: executor's). */
  hookTimeoutMs?: number;
  /** Retry policy for errors the plugin declares retryable. */
  retry?: RetryPolicy;
}

/** A protection plugin: a branded, versioned {@link ProtectionPluginOptions}. */
export interface ProtectionPlugin extends ProtectionPluginOptions {
  readonly $$type: '@hoard/ProtectionPlugin';
  readonly apiVersion: 1;
}

/**
 * Declares a protection plugin.
 *
 * @param options - supported types, schemas and hooks per operation
 * @returns the branded plugin object that a package exports as a `hoard.protections` entry point
 */
export function defineProtectionPlugin(options: ProtectionPluginOptions): ProtectionPlugin {
  return { ...options, $$type: '@hoard/ProtectionPlugin', apiVersion: 1 };
}
