import type { ErrorCode } from '@hoard/core';

/** CLI exit codes (docs/protocol.md, "Errors and exit codes"). */
export const EXIT = { ok: 0, failed: 1, usage: 2, configuration: 3, cancelled: 130 } as const;

const CONFIGURATION: ReadonlySet<string> = new Set<ErrorCode>([
  'BANK_CONFIG_INVALID',
  'BANK_PATH_INVALID',
  'PLUGIN_API_VERSION_UNSUPPORTED',
  'PLUGIN_ENTRY_POINT_INVALID',
  'PLUGIN_INVALID',
  'PLUGIN_NOT_FOUND',
  'PLUGIN_PACKAGE_INVALID',
  'PLUGIN_SCHEMA_INVALID',
  'PROTECTION_PLUGIN_CONFLICT',
  'PROTECTION_PLUGIN_NOT_FOUND',
  'PROVIDER_CONFIG_INVALID',
  'PROVIDER_DISABLED',
  'PROVIDER_NOT_FOUND',
  'SERVER_CONFIG_INVALID',
]);

const USAGE: ReadonlySet<string> = new Set<ErrorCode>([
  'CHECKPOINT_IN_USE',
  'CHECKPOINT_NOT_AVAILABLE',
  'CHECKPOINT_NOT_FOUND',
  'PARAMETERS_FILE_INVALID',
  'PARAMETERS_INVALID',
  'RESOURCE_GRAPH_CYCLE',
  'RESOURCE_GRAPH_INVALID',
  'RESOURCE_KEY_INVALID',
  'RESOURCE_NOT_FOUND',
  'RESOURCE_TYPE_UNKNOWN',
  'RESTORE_IN_PROGRESS',
  'RESTORE_NOT_FOUND',
  'RETENTION_POLICY_INVALID',
  'USAGE_INVALID',
]);

/** The exit code for an error code. */
export function exitCodeFor(code: string | undefined): number {
  if (code === 'OPERATION_CANCELLED') return EXIT.cancelled;
  if (code !== undefined && CONFIGURATION.has(code)) return EXIT.configuration;
  if (code !== undefined && USAGE.has(code)) return EXIT.usage;
  return EXIT.failed;
}
