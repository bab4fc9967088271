import 'reflect-metadata';

export { validateBankKey, validateBankPrefix, encodeKeySegment, decodeKeySegment, MAX_BANK_KEY_BYTES } from './bank/bankKey.js';
export { collectBody, bodyToStream, type BankBody } from './bank/collectBody.js';
export { CheckpointStore, checkpointKeys, type ListCheckpointsOptions } from './checkpoint/CheckpointStore.js';
export type {
  CheckpointMetadata,
  CheckpointRecord,
  CheckpointStatus,
  CheckpointStatusRecord,
  ResourceStatusRecord,
  RestoreRecord,
  RestoreStatus,
  StoredError,
} from './checkpoint/types.js';
export { createProtectionService, type CreateProtectionServiceOptions } from './di/createProtectionService.js';
export {
  discoverPluginPackages,
  resolvePluginPackage,
  loadEntryPoint,
  ENTRY_POINT_GROUPS,
  PLUGIN_API_VERSION,
  type DiscoveredPackage,
  type DiscoveryOptions,
  type EntryPointGroup,
  type PluginPackage,
} from './discovery/discoverPlugins.js';
export { ERROR_CODES, type ErrorCode } from './errors/codes.js';
export { HoardError, HoardAggregateError, isHoardError, messageOf, type ErrorContext } from './errors/HoardError.js';
export {
  executeFlow,
  type ExecuteFlowOptions,
  type ExecuteFlowResult,
  type ExecutorEvent,
  type ResourceOutcome,
  type ResourceStatus,
  type TaskRunContext,
} from './executor/executeFlow.js';
export { compileFlow } from './flow/compileFlow.js';
export { pruneFlow } from './flow/pruneFlow.js';
export {
  FLOW_HOOK_IDS,
  taskCount,
  taskHookName,
  taskId,
  toFlowDocument,
  type Flow,
  type FlowDocument,
  type FlowHookId,
} from './flow/Flow.js';
export { buildResourceGraph } from './graph/buildResourceGraph.js';
export { parseResourceGraph, readResourceGraphFile, RESOURCE_GRAPH_SCHEMA } from './graph/parseResourceGraph.js';
export { ResourceGraph, type GraphDocumentResource, type ResourceGraphDocument } from './graph/ResourceGraph.js';
export { createLogger, silentLogger, type CreateLoggerOptions } from './logging/createLogger.js';
export {
  ProtectionService,
  type DeleteOptions,
  type OperationOptions,
  type ProtectOptions,
  type ProtectPlan,
  type RestoreOptions,
} from './operation/ProtectionService.js';
export {
  readParametersFile,
  checkParametersDocument,
  type ParametersDocument,
} from './operation/resolveParameters.js';
export {
  defineBank,
  type Bank,
  type BankCreateContext,
  type BankObjectInfo,
  type BankOptions,
  type BankPlugin,
  type ListOptions,
  type PutOptions,
} from './plugin-api/Bank.js';
export {
  defineProtectable,
  type Protectable,
  type ProtectableContext,
  type ProtectableOptions,
} from './plugin-api/Protectable.js';
export {
  defineProtectionPlugin,
  type CheckpointView,
  type Hook,
  type HookContext,
  type OperationHooks,
  type ProgressReporter,
  type ProtectionPlugin,
  type ProtectionPluginOptions,
  type PublishedValues,
  type ResourceBankSection,
  type RetryPolicy,
  type WorkPool,
} from './plugin-api/ProtectionPlugin.js';
export {
  HOOK_NAMES,
  OPERATIONS,
  resourceKey,
  type HookName,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
  type Logger,
  type LogLevel,
  type Operation,
  type Resource,
  type ResourceRef,
} from './plugin-api/types.js';
export {
  findProvider,
  loadProviderFile,
  loadProviders,
  providerDirectory,
  DEFAULT_PROVIDER_DIR,
  type LoadProvidersOptions,
  type ProviderEntry,
} from './provider/loadProviders.js';
export { parseIni, type IniEntry, type IniSection } from './provider/parseIni.js';
export type { LoadedProtectionPlugin, Provider, ProviderOptions } from './provider/Provider.js';
export { redactSecrets } from './schema/redactSecrets.js';
export { compileSchema, validate, REDACTED, type CompiledSchema, type ValidationProblem } from './schema/validation.js';
