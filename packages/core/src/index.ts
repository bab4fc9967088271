/**
 * `@hoard/core`: what a plugin or bank author imports.
 *
 * @remarks The `define*` helpers and the contracts they return, the context a hook or a
 * protectable sees, errors with stable codes, resource keys and helpers for bank implementations.
 * Hosts (the CLI, the API server, workers) import `@hoard/core/host`; plugin tests import
 * `@hoard/core/testing`.
 *
 * @packageDocumentation
 */

export {
  encodeKeySegment,
  validateBankKey,
  validateBankPrefix,
} from './bank/bankKey.js';
export {
  type BankBody,
  bodyToStream,
  collectBody,
  type WatchedBody,
  watchBody,
} from './bank/collectBody.js';
export type { ErrorCode } from './errors/codes.js';
export { type ErrorContext, HoardError, isHoardError } from './errors/HoardError.js';
export { pseudoFileSystemOf } from './fileSystem/pseudoFileSystem.js';
export {
  type Bank,
  type BankCreateContext,
  type BankLeftover,
  type BankObjectInfo,
  type BankOptions,
  type BankPlugin,
  defineBank,
  type LeftoverListOptions,
  type ListOptions,
  type PutOptions,
} from './plugin-api/Bank.js';
export { type Caller, Secret } from './plugin-api/Caller.js';
export {
  defineProtectable,
  type Protectable,
  type ProtectableContext,
  type ProtectableOptions,
} from './plugin-api/Protectable.js';
export {
  type CheckpointView,
  defineProtectionPlugin,
  type HookContext,
  type HookContexts,
  type HookJournal,
  type OperationHooks,
  type ProgressReporter,
  type ProtectionPlugin,
  type ProtectionPluginOptions,
  type ProtectionPluginSchemas,
  type PublishedValues,
  type ResourceBankSection,
  type RetryPolicy,
  type VerifyContext,
  type VerifyHook,
  type WorkPool,
} from './plugin-api/ProtectionPlugin.js';
export {
  type ConfigSections,
  type HookName,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
  type Logger,
  type Operation,
  type Resource,
  type ResourceRef,
  resourceKey,
  type SchemaType,
} from './plugin-api/types.js';
export { isProcessAlive } from './util/isProcessAlive.js';
