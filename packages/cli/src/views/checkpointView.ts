import type { CheckpointRecord } from '@hoard/core/host';

/** Human summary of a checkpoint. */
export function describeCheckpoint(checkpoint: CheckpointRecord): string {
  const lines = [
    `Checkpoint ${checkpoint.id}: ${checkpoint.status}${checkpoint.reason ? ` (${checkpoint.reason})` : ''}`,
    `  provider  ${checkpoint.providerName} (${checkpoint.providerId})`,
    `  created   ${checkpoint.createdAt}`,
  ];
  for (const [key, status] of Object.entries(checkpoint.resources)) {
    lines.push(`  ${status.status.padEnd(9)} ${key}${status.error ? `: ${status.error.message}` : ''}`);
  }
  if (checkpoint.error && !Object.values(checkpoint.resources).some((r) => r.error))
    lines.push(`  error: ${checkpoint.error.message}`);
  return `${lines.join('\n')}\n`;
}
