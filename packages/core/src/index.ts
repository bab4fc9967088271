import 'reflect-metadata';

export {
  decodeKeySegment,
  encodeKeySegment,
  MAX_BANK_KEY_BYTES,
  validateBankKey,
  validateBankPrefix,
} from './bank/bankKey.js';
export { type BankBody, bodyToStream, collectBody } from './bank/collectBody.js';
export {
  CheckpointStore,
  checkpointKeys,
  type ListCheckpointsOptions,
} from './checkpoint/CheckpointStore.js';
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
export {
  type CreateProtectionServiceOptions,
  createProtectionService,
} from './di/createProtectionService.js';
export {
  type DiscoveredPackage,
  type DiscoveryOptions,
  discoverPluginPackages,
  ENTRY_POINT_GROUPS,
  type EntryPointGroup,
  loadEntryPoint,
  PLUGIN_API_VERSION,
  type PluginPackage,
  resolvePluginPackage,
} from './discovery/discoverPlugins.js';
export { ERROR_CODES, type ErrorCode } from './errors/codes.js';
export {
  type ErrorContext,
  HoardAggregateError,
  HoardError,
  isHoardError,
  messageOf,
} from './errors/HoardError.js';
export {
  type ExecuteFlowOptions,
  type ExecuteFlowResult,
  type ExecutorEvent,
  executeFlow,
  type ResourceOutcome,
  type ResourceStatus,
  type TaskRunContext,
} from './executor/executeFlow.js';
export { compileFlow } from './flow/compileFlow.js';
export {
  FLOW_HOOK_IDS,
  type Flow,
  type FlowDocument,
  type FlowHookId,
  taskCount,
  taskHookName,
  taskId,
  toFlowDocument,
} from './flow/Flow.js';
export { pruneFlow } from './flow/pruneFlow.js';
export { buildResourceGraph } from './graph/buildResourceGraph.js';
export {
  parseResourceGraph,
  RESOURCE_GRAPH_SCHEMA,
  readResourceGraphFile,
} from './graph/parseResourceGraph.js';
export {
  type GraphDocumentResource,
  ResourceGraph,
  type ResourceGraphDocument,
} from './graph/ResourceGraph.js';
export { type CreateLoggerOptions, createLogger, silentLogger } from './logging/createLogger.js';
export {
  type DeleteOptions,
  type OperationOptions,
  ProtectionService,
  type ProtectOptions,
  type ProtectPlan,
  type RestoreOptions,
} from './operation/ProtectionService.js';
export {
  checkParametersDocument,
  type ParametersDocument,
  readParametersFile,
} from './operation/resolveParameters.js';
export {
  type Bank,
  type BankCreateContext,
  type BankObjectInfo,
  type BankOptions,
  type BankPlugin,
  defineBank,
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
  type CheckpointView,
  defineProtectionPlugin,
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
  type HookName,
  type JsonObject,
  type JsonSchema,
  type JsonValue,
  type Logger,
  type LogLevel,
  OPERATIONS,
  type Operation,
  type Resource,
  type ResourceRef,
  resourceKey,
} from './plugin-api/types.js';
export {
  DEFAULT_PROVIDER_DIR,
  findProvider,
  type LoadProvidersOptions,
  loadProviderFile,
  loadProviders,
  type ProviderEntry,
  providerDirectory,
} from './provider/loadProviders.js';
export type { LoadedProtectionPlugin, Provider, ProviderOptions } from './provider/Provider.js';
export { type IniEntry, type IniSection, parseIni } from './provider/parseIni.js';
export { redactSecrets } from './schema/redactSecrets.js';
export {
  type CompiledSchema,
  compileSchema,
  REDACTED,
  type ValidationProblem,
  validate,
} from './schema/validation.js';
