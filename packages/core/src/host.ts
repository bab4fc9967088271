/**
 * `@hoard/core/host`: what a host of Hoard imports (the `hoard` command, the API server, workers).
 *
 * @remarks Providers and their loading, plugin discovery, the protection service and its
 * checkpoint and restore records, resource resolution by `TYPE#ID`, flow and graph documents,
 * parameter files, logging and redaction, checkpoint retention. Plugin and bank authors import
 * `@hoard/core` instead.
 *
 * @packageDocumentation
 */

export {
  type BankCheckpointSummary,
  type BankCheckReport,
  type BankFinding,
  type BankFindingKind,
  type BankGarbageResult,
  type BankMaintenanceOptions,
  checkBank,
  collectBankGarbage,
} from './checkpoint/bankMaintenance.js';
export { checkpointKeys, type ListCheckpointsOptions } from './checkpoint/CheckpointStore.js';
export type {
  CheckpointDetails,
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
  type DiscoveredPackage,
  type DiscoveryOptions,
  discoverPluginPackages,
  ENTRY_POINT_GROUPS,
  type EntryPointGroup,
  locateEntryPoint,
  PLUGIN_API_VERSION,
  type PluginPackage,
} from './discovery/discoverPlugins.js';
export { ERROR_CODES } from './errors/codes.js';
export { HoardAggregateError, messageOf } from './errors/HoardError.js';
export type { ExecutorEvent, ResourceOutcome, ResourceStatus } from './executor/executeFlow.js';
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
  MIN_SCRUBBED_SECRET_LENGTH,
  processSecrets,
  registerSecret,
  SCRUBBED,
  SecretScrubber,
  scrubSecrets,
} from './logging/scrubSecrets.js';
export {
  type CreateProtectionServiceOptions,
  createProtectionService,
} from './operation/createProtectionService.js';
export {
  type DeleteOptions,
  type OperationOptions,
  ProtectionService,
  type ProtectOptions,
  type RestoreOptions,
  type VerificationResult,
  type VerifyOptions,
} from './operation/ProtectionService.js';
export { type PlanOptions, type ProtectPlan, planProtection } from './operation/planProtection.js';
export type { ResumedCheckpoint, ResumeOptions } from './operation/prepareResume.js';
export {
  checkParametersDocument,
  type ParametersDocument,
  readParametersFile,
} from './operation/resolveParameters.js';
export {
  parseResourceKey,
  type ResolveResourcesOptions,
  resolveResources,
} from './operation/resolveResources.js';
export type { ResourceVerification } from './operation/verifyResource.js';
export {
  HOOK_NAMES,
  type HookName,
  type JsonObject,
  type JsonValue,
  type LogLevel,
  OPERATIONS,
  type ResourceRef,
} from './plugin-api/types.js';
export {
  DEFAULT_PROVIDER_DIR,
  findProvider,
  type LoadProvidersOptions,
  loadProviders,
  type ProviderEntry,
  providerDirectory,
} from './provider/loadProviders.js';
export type { LoadedProtectionPlugin, Provider, ProviderOptions } from './provider/Provider.js';
export { type IniEntry, type IniSection, parseIni } from './provider/parseIni.js';
export {
  applyRetentionPolicy,
  checkRetentionPolicy,
  parseRetentionDuration,
  type RetentionCandidate,
  type RetentionDecision,
  type RetentionDuration,
  type RetentionPolicy,
  type RetentionReason,
} from './retention/retentionPolicy.js';
export { redactSecrets } from './schema/redactSecrets.js';
export { REDACTED } from './schema/validation.js';
