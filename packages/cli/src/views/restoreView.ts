import type { RestoreRecord } from '@hoard/core/host';

/** Human view of one restore record. */
export function describeRestore(restore: RestoreRecord): string {
  const lines = [
    `Restore ${restore.id} of checkpoint ${restore.checkpointId}: ${restore.status}${restore.reason ? ` (${restore.reason})` : ''}`,
  ];
  for (const [key, r] of Object.entries(restore.resources)) {
    lines.push(`  ${r.status.padEnd(9)} ${key}${r.error ? `: ${r.error.message}` : ''}`);
    if (r.result !== undefined) lines.push(`            ${JSON.stringify(r.result)}`);
  }
  return `${lines.join('\n')}\n`;
}
