import type { Readable } from 'node:stream';
import type { BankObjectInfo } from './Bank.js';
import type { Caller } from './Caller.js';
import type {
  ConfigOf,
  ConfigSections,
  HookName,
  JsonObject,
  JsonSchema,
  JsonValue,
  Logger,
  Operation,
  Resource,
  SchemaType,
} from './types.js';

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
  /** Metadata of an object, or `undefined` if absent. */
  head(key: string): Promise<BankObjectInfo | undefined>;
  list(prefix?: string): AsyncIterable<BankObjectInfo>;
  delete(key: string): Promise<void>;
  /** The bank's local directory, if it has one ({@link Bank.localRoot}): not to be protected. */
  readonly localRoot?: string;
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

/** Values returned by hooks ordered before the reader (see docs/protocol.md). */
export interface PublishedValues {
  /**
   * The value returned by `hook` of the resource `resourceKey`.
   *
   * @remarks Throws `PUBLISHED_VALUE_NOT_ORDERED` when that hook is not ordered before the reader.
   */
  get(resourceKey: string, hook: HookName): JsonValue | undefined;
}

/**
 * A hook's own record of its progress, kept in the bank so that a resumed protect can go on where
 * an interrupted one stopped (docs/protocol.md, "Resume").
 *
 * @remarks Entries are written in batches (every 64 entries or 1 s, and when the hook returns).
 * A crash loses at most the last batch: a hook must only record what is already durable (an
 * object it has finished writing), and must check what it reuses.
 */
export interface HookJournal {
  /** The entries earlier, interrupted runs of this hook recorded, in order (empty on a first run). */
  previous(): Promise<JsonValue[]>;
  /** Records an entry. */
  append(entry: JsonValue): void;
  /** Writes the pending entries now. */
  flush(): Promise<void>;
}

/** A bounded pool for heavy jobs, shared by all hooks of one operation. */
export interface WorkPool {
  run<T>(job: () => Promise<T>): Promise<T>;
}

/**
 * Everything a hook sees: the whole API of a hook.
 *
 * @typeParam P - the parameters of this operation (from the plugin's schema for it)
 * @typeParam I - the saved info (from the plugin's `savedInfo` schema)
 * @typeParam C - the configuration sections the plugin declares
 */
export interface HookContext<P = JsonObject, I = JsonObject, C = Record<string, Record<string, unknown>>> {
  readonly operation: Operation;
  readonly hook: HookName;
  readonly resource: Resource;
  /** Validated parameters of this resource for this operation, schema defaults applied. */
  readonly parameters: P;
  /** Validated configuration sections the plugin declares, defaults applied. */
  readonly config: C;
  readonly checkpoint: CheckpointView;
  /** This resource's data section in the bank. */
  readonly bank: ResourceBankSection;
  /**
   * Protect: records the saved info of this resource; a later call replaces an earlier one.
   *
   * @remarks A hook may record part of it while it works, so that a delete can clean up after a
   * protect that fails half-way; what stands when the protect succeeds must match the plugin's
   * `savedInfo` schema, or the checkpoint ends `error` (`CHECKPOINT_SAVED_INFO_INVALID`).
   */
  setSavedInfo(info: Partial<I>): void;
  /**
   * The saved info recorded so far, if any, as it is: partial when the protect failed half-way
   * (what a delete of a failed checkpoint sees).
   */
  getSavedInfo(): Promise<Partial<I> | undefined>;
  /**
   * The saved info, checked against the plugin's `savedInfo` schema (restore of an available
   * checkpoint, or any hook that needs all of it).
   *
   * @throws `CHECKPOINT_INVALID` when there is none; `CHECKPOINT_SAVED_INFO_INVALID` naming each
   *   field when it does not match the schema (a damaged or tampered checkpoint)
   */
  requireSavedInfo(): Promise<I>;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly progress: ProgressReporter;
  readonly published: PublishedValues;
  readonly workPool: WorkPool;
  /** Restore only: the id of the restore record. */
  readonly restoreId?: string;
  /**
   * Which run of the operation this is: 1, then 2, 3… for each `hoard checkpoint resume`. Name
   * new objects with it when earlier runs' objects may still be reused (they must not be
   * overwritten by objects of another meaning).
   */
  readonly attempt: number;
  /** The hook's journal, for resumable work (see {@link HookJournal}). */
  readonly journal: HookJournal;
  /**
   * Who the operation runs for, when a host acts for a caller (see {@link Caller}): act with the
   * caller's credential, not the provider's identity.
   */
  readonly caller?: Caller;
}

/**
 * The context of each operation's hooks for a plugin's schemas, for hooks written as separate
 * functions: `async function restoreMain(context: HookContexts<typeof mySchemas>['restore'])`.
 *
 * @typeParam S - the plugin's schemas (declared `as const`)
 * @typeParam C - the configuration its hooks see (the type of its `configSections`' values)
 */
export type HookContexts<S extends ProtectionPluginSchemas, C = Record<string, Record<string, unknown>>> = {
  readonly [O in Operation]: HookContext<SchemaType<S[O]>, SchemaType<S['savedInfo']>, C>;
};

/** A hook function. Its return value is published to later hooks (see docs/protocol.md). */
export type Hook<P = JsonObject, I = JsonObject, C = Record<string, Record<string, unknown>>> = (
  context: HookContext<P, I, C>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a hook that returns nothing is the common case.
) => Promise<JsonValue | undefined | void> | JsonValue | undefined | void;

/** The hooks of one operation. Unimplemented hooks are no-ops. */
export type OperationHooks<
  P = JsonObject,
  I = JsonObject,
  C = Record<string, Record<string, unknown>>,
> = Partial<Record<HookName, Hook<P, I, C>>>;

/**
 * What a verify hook is given: one resource of an available checkpoint, read only. Core has
 * already checked the resource's data objects (each present, of its recorded size and SHA-256)
 * and its saved info (against the plugin's schema) before the hook runs.
 */
export interface VerifyContext<P = JsonObject, I = JsonObject, C = Record<string, Record<string, unknown>>> {
  readonly resource: Resource;
  /** The verify parameters of this resource (Karbor's `parameters`), checked against `schemas.verify`. */
  readonly parameters: P;
  readonly config: C;
  readonly checkpoint: CheckpointView;
  /** This resource's data section, to read. */
  readonly bank: Pick<ResourceBankSection, 'get' | 'getStream' | 'head' | 'list'>;
  /** The saved info, checked against the plugin's schema; `undefined` when none was saved. */
  readonly savedInfo: I | undefined;
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Who asks, when a host acts for a caller (see {@link Caller}). */
  readonly caller?: Caller;
}

/**
 * A plugin's own check of a protected resource: that what lives outside the bank still does
 * (a Cinder backup, a Manila snapshot, existing and `available`).
 *
 * @returns the problems found, each a sentence naming what is wrong (none: the resource is sound)
 * @throws when it cannot tell (the resource is then reported failed with the error's message)
 */
export type VerifyHook<P = JsonObject, I = JsonObject, C = Record<string, Record<string, unknown>>> = (
  context: VerifyContext<P, I, C>,
) => Promise<readonly string[] | undefined>;

/** Retry policy of a plugin's hooks: only errors it declares retryable are retried. */
export interface RetryPolicy {
  /** Total attempts, including the first (at most 10). */
  attempts: number;
  /** Delay before the first retry; doubles each time. */
  backoffMs: number;
  /** Whether an error may be retried. */
  isRetryable(error: unknown): boolean;
}

/** JSON schemas of a protection plugin: the parameters of each operation and the saved info. */
export interface ProtectionPluginSchemas {
  readonly protect?: JsonSchema;
  readonly restore?: JsonSchema;
  readonly delete?: JsonSchema;
  /** Parameters of a verification (beyond Karbor, which had no verify schema). */
  readonly verify?: JsonSchema;
  readonly savedInfo?: JsonSchema;
}

/**
 * Options of {@link defineProtectionPlugin}.
 *
 * @typeParam S - the plugin's schemas; they type each operation's `context.parameters` and the
 *   saved info
 * @typeParam C - the configuration sections; they type `context.config`
 */
export interface ProtectionPluginOptions<
  S extends ProtectionPluginSchemas = ProtectionPluginSchemas,
  C extends ConfigSections = ConfigSections,
> {
  /** Short name, e.g. `volume`. */
  name: string;
  /** Resource types it protects. */
  resourceTypes: readonly string[];
  /** JSON schemas of the parameters per operation and of the saved info. */
  schemas?: S;
  /** Configuration sections it reads from a provider file, each with its JSON schema. */
  configSections?: C;
  /**
   * Hooks per operation.
   *
   * @remarks `NoInfer`: the schemas alone decide the types; inferring them back from annotated
   * hook parameters would make TypeScript walk the schema types in reverse (and give up).
   */
  hooks: NoInfer<{
    protect?: OperationHooks<SchemaType<S['protect']>, SchemaType<S['savedInfo']>, ConfigOf<C>>;
    restore?: OperationHooks<SchemaType<S['restore']>, SchemaType<S['savedInfo']>, ConfigOf<C>>;
    delete?: OperationHooks<SchemaType<S['delete']>, SchemaType<S['savedInfo']>, ConfigOf<C>>;
  }>;
  /** Checks a protected resource beyond its bank objects (see {@link VerifyHook}); optional. */
  verify?: NoInfer<VerifyHook<SchemaType<S['verify']>, SchemaType<S['savedInfo']>, ConfigOf<C>>>;
  /** A hook that neither settles nor reports progress within this time fails (default: executor's). */
  hookTimeoutMs?: number;
  /** Retry policy for errors the plugin declares retryable. */
  retry?: RetryPolicy;
  /**
   * Hooks that are safe to run again after an interrupted run (idempotent, or resuming from
   * their {@link HookJournal}), per operation. On `hoard checkpoint resume`, a hook that started
   * and did not finish is run again only if it is listed here; otherwise the resume is refused
   * (`RESUME_NOT_SAFE`) and the checkpoint can only be deleted. Hooks that never started, and
   * hooks that finished, are always fine.
   */
  rerunnableHooks?: { readonly [O in Operation]?: readonly HookName[] };
}

/** A protection plugin: a branded, versioned {@link ProtectionPluginOptions}, as core runs it. */
export interface ProtectionPlugin extends ProtectionPluginOptions {
  readonly $$type: '@hoard/ProtectionPlugin';
  readonly apiVersion: 1;
}

/**
 * Declares a protection plugin.
 *
 * @remarks Give the schemas inline (or as `as const` constants): hooks then see typed
 * `context.parameters`, `context.config` and saved info, with no casts.
 * @param options - supported types, schemas and hooks per operation
 * @returns the branded plugin object that a package exports as a `hoard.protections` entry point
 */
export function defineProtectionPlugin<
  const S extends ProtectionPluginSchemas = ProtectionPluginSchemas,
  const C extends ConfigSections = ConfigSections,
>(options: ProtectionPluginOptions<S, C>): ProtectionPlugin {
  // Core validates parameters, configuration and saved info against these very schemas before a
  // hook sees them, which is what makes the typed view sound; the returned object forgets it.
  return { ...options, $$type: '@hoard/ProtectionPlugin', apiVersion: 1 } as unknown as ProtectionPlugin;
}
