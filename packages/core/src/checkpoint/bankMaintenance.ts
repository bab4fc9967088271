import { HoardError, messageOf } from '../errors/HoardError.js';
import type { Bank, BankLeftover } from '../plugin-api/Bank.js';
import { CheckpointStore, checkpointKeys, leaseOwners } from './CheckpointStore.js';
import type { CheckpointStatus } from './types.js';

/**
 * What `hoard bank check` finds and `hoard bank gc` acts on (docs/protocol.md, "Bank check and
 * garbage collection").
 */
export type BankFindingKind =
  /** A checkpoint whose metadata or status cannot be read (deleted only on request). */
  | 'corrupt-checkpoint'
  /** A checkpoint no by-date index entry names: no listing shows it (gc writes the entry). */
  | 'unindexed-checkpoint'
  /** An index entry naming no checkpoint (gc removes it). */
  | 'dangling-index'
  /** Objects under `checkpoints/<id>/` without metadata and without a live protect (gc removes them). */
  | 'orphan-objects'
  /** A lease object whose lease has lapsed (gc removes it). */
  | 'expired-lease'
  /** A `protecting`, `deleting` or `in_progress` record whose process died (gc records the failure). */
  | 'stale-record'
  /** What an interrupted write left outside the key space (gc removes it). */
  | 'leftover'
  /** A key outside Hoard's layout (reported, never removed). */
  | 'unknown-object';

/** One finding. */
export interface BankFinding {
  kind: BankFindingKind;
  /** The bank key, key prefix or leftover id concerned. */
  key: string;
  /** What is wrong, for people. */
  detail: string;
  /** Objects and bytes concerned. */
  objects: number;
  bytes: number;
  /** What gc does about it (`removed`, `repaired`), or leaves (`kept`). */
  action: 'remove' | 'repair' | 'keep';
}

/** One checkpoint as the check saw it. */
export interface BankCheckpointSummary {
  id: string;
  status: CheckpointStatus;
  reason?: string;
  objects: number;
  bytes: number;
}

/** The report of {@link checkBank}. */
export interface BankCheckReport {
  bank: string;
  checkpoints: BankCheckpointSummary[];
  restores: number;
  objects: number;
  bytes: number;
  findings: BankFinding[];
  /** Whether the bank's structure is whole (no finding but expired leases and leftovers of live work). */
  healthy: boolean;
}

/** Options of {@link checkBank} and {@link collectBankGarbage}. */
export interface BankMaintenanceOptions {
  /**
   * Seconds after which an object without an owner is garbage (the lease window: younger ones
   * may belong to an operation that has just started).
   */
  graceSeconds: number;
}

interface KeyGroup {
  objects: number;
  bytes: number;
  newest: number;
  keys: string[];
}

function grow(groups: Map<string, KeyGroup>, name: string, key: string, size: number, modifiedAt: string) {
  const group = groups.get(name) ?? { objects: 0, bytes: 0, newest: 0, keys: [] };
  group.objects++;
  group.bytes += size;
  group.newest = Math.max(group.newest, new Date(modifiedAt).getTime());
  group.keys.push(key);
  groups.set(name, group);
}

const STALE_REPAIR: Partial<Record<string, { to: CheckpointStatus }>> = {
  protecting: { to: 'error' },
  deleting: { to: 'error-deleting' },
};

/**
 * Checks a bank's structure: every checkpoint readable and indexed, every index entry naming a
 * checkpoint, no orphan objects, leases or leftovers; sizes per checkpoint. Reads only.
 */
export async function checkBank(bank: Bank, options: BankMaintenanceOptions): Promise<BankCheckReport> {
  const store = new CheckpointStore(bank);
  const before = Date.now() - options.graceSeconds * 1000;
  const checkpointObjects = new Map<string, KeyGroup>();
  const indexEntries = new Map<string, KeyGroup>();
  const leases: string[] = [];
  const restoreIds: string[] = [];
  const findings: BankFinding[] = [];
  let objects = 0;
  let bytes = 0;
  for await (const object of bank.list({ prefix: '' })) {
    objects++;
    bytes += object.size;
    const parts = object.key.split('/');
    if (parts[0] === 'checkpoints' && parts.length >= 3 && CheckpointStore.isValidId(parts[1]!)) {
      grow(checkpointObjects, parts[1]!, object.key, object.size, object.modifiedAt);
    } else if (parts[0] === 'indices' && CheckpointStore.isValidId(parts[parts.length - 1]!)) {
      grow(indexEntries, parts[parts.length - 1]!, object.key, object.size, object.modifiedAt);
    } else if (parts[0] === 'leases' && parts.length === 2) {
      leases.push(parts[1]!);
    } else if (parts[0] === 'restores' && parts.length === 2 && parts[1]!.endsWith('.json')) {
      restoreIds.push(parts[1]!.slice(0, -'.json'.length));
    } else {
      findings.push({
        kind: 'unknown-object',
        key: object.key,
        detail: 'not part of the layout Hoard writes',
        objects: 1,
        bytes: object.size,
        action: 'keep',
      });
    }
  }

  const checkpoints: BankCheckpointSummary[] = [];
  for (const [id, group] of checkpointObjects) {
    const hasMetadata = group.keys.includes(checkpointKeys.metadata(id));
    if (!hasMetadata) {
      if ((await bank.isLeaseValid(leaseOwners.protect(id))) || group.newest >= before) continue; // being created
      findings.push({
        kind: 'orphan-objects',
        key: checkpointKeys.root(id),
        detail: `${group.objects} object(s) of checkpoint ${id}, which has no metadata (written after it was deleted, or by a protect that died before its metadata)`,
        objects: group.objects,
        bytes: group.bytes,
        action: 'remove',
      });
      continue;
    }
    const record = await store.get(id);
    checkpoints.push({
      id,
      status: record.status,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      objects: group.objects,
      bytes: group.bytes,
    });
    if (record.status === 'corrupt') {
      findings.push({
        kind: 'corrupt-checkpoint',
        key: checkpointKeys.root(id),
        detail: `${record.reason ?? 'unreadable'}; delete it with hoard checkpoint delete ${id}`,
        objects: group.objects,
        bytes: group.bytes,
        action: 'keep',
      });
      continue;
    }
    if (
      !indexEntries.get(id)?.keys.some((k) => k === checkpointKeys.byDate(record.createdAt.slice(0, 10), id))
    ) {
      findings.push({
        kind: 'unindexed-checkpoint',
        key: checkpointKeys.byDate(record.createdAt.slice(0, 10), id),
        detail: `checkpoint ${id} (${record.status}) has no index entry, so no listing shows it`,
        objects: 0,
        bytes: 0,
        action: 'repair',
      });
    }
    if (record.reason === 'abandoned') {
      const stored = await store.readStatus(id);
      if (stored !== undefined && STALE_REPAIR[stored.status] !== undefined) {
        findings.push({
          kind: 'stale-record',
          key: checkpointKeys.status(id),
          detail: `checkpoint ${id} is still recorded '${stored.status}' but its process is gone (lease lapsed)`,
          objects: 1,
          bytes: 0,
          action: 'repair',
        });
      }
    }
  }
  for (const [id, group] of indexEntries) {
    if (checkpointObjects.get(id)?.keys.includes(checkpointKeys.metadata(id))) continue;
    if ((await bank.isLeaseValid(leaseOwners.protect(id))) || group.newest >= before) continue;
    for (const key of group.keys) {
      findings.push({
        kind: 'dangling-index',
        key,
        detail: `index entry of checkpoint ${id}, which does not exist`,
        objects: 1,
        bytes: 0,
        action: 'remove',
      });
    }
  }
  for (const owner of leases) {
    if (await bank.isLeaseValid(owner)) continue;
    findings.push({
      kind: 'expired-lease',
      key: `leases/${owner}`,
      detail: `lease of ${owner}, lapsed`,
      objects: 1,
      bytes: 0,
      action: 'remove',
    });
  }
  for (const id of restoreIds) {
    const record = CheckpointStore.isValidId(id)
      ? await store.readRestore(id).catch(() => undefined)
      : undefined;
    if (record?.status === 'fail' && record.reason === 'abandoned') {
      const raw = await store.readRawRestore(id);
      if (raw?.status === 'in_progress') {
        findings.push({
          kind: 'stale-record',
          key: checkpointKeys.restore(id),
          detail: `restore ${id} is still recorded 'in_progress' but its process is gone (lease lapsed)`,
          objects: 1,
          bytes: 0,
          action: 'repair',
        });
      }
    }
  }
  if (bank.listLeftovers !== undefined) {
    for await (const leftover of bank.listLeftovers(options.graceSeconds)) {
      findings.push({
        kind: 'leftover',
        key: leftover.id,
        detail: leftover.what,
        objects: 1,
        bytes: leftover.size,
        action: 'remove',
      });
    }
  }
  checkpoints.sort((a, b) => (a.id < b.id ? 1 : -1));
  return {
    bank: bank.description,
    checkpoints,
    restores: restoreIds.length,
    objects,
    bytes,
    findings,
    healthy: findings.every((f) => f.kind === 'expired-lease'),
  };
}

/** The result of {@link collectBankGarbage}. */
export interface BankGarbageResult {
  dryRun: boolean;
  /** What was (or, with `dryRun`, would be) removed or repaired. */
  done: BankFinding[];
  /** What was left for a person to decide (corrupt checkpoints, unknown objects). */
  kept: BankFinding[];
  /** Findings gc could not act on, with why. */
  failed: (BankFinding & { error: string })[];
}

/**
 * Removes what belongs to no live operation and repairs what can be repaired (docs/protocol.md,
 * "Bank check and garbage collection"). Never removes a checkpoint that has metadata: those are
 * deleted by `hoard checkpoint delete` only.
 */
export async function collectBankGarbage(
  bank: Bank,
  options: BankMaintenanceOptions & { dryRun?: boolean },
): Promise<BankGarbageResult> {
  const report = await checkBank(bank, options);
  const store = new CheckpointStore(bank);
  const result: BankGarbageResult = { dryRun: options.dryRun === true, done: [], kept: [], failed: [] };
  for (const finding of report.findings) {
    if (finding.action === 'keep') {
      result.kept.push(finding);
      continue;
    }
    if (options.dryRun) {
      result.done.push(finding);
      continue;
    }
    try {
      await act(bank, store, finding, options.graceSeconds);
      result.done.push(finding);
    } catch (error) {
      result.failed.push({ ...finding, error: messageOf(error) });
    }
  }
  return result;
}

async function act(bank: Bank, store: CheckpointStore, finding: BankFinding, graceSeconds: number) {
  switch (finding.kind) {
    case 'orphan-objects': {
      const id = finding.key.split('/')[1]!;
      // Checked again: a protect that started since the check owns these objects.
      if (await bank.isLeaseValid(leaseOwners.protect(id))) return;
      for await (const object of bank.list({ prefix: finding.key })) await bank.delete(object.key);
      return;
    }
    case 'dangling-index':
    case 'expired-lease': {
      if (finding.kind === 'expired-lease' && (await bank.isLeaseValid(finding.key.slice('leases/'.length))))
        return; // renewed since the check
      await bank.delete(finding.key);
      return;
    }
    case 'unindexed-checkpoint':
      await bank.put(finding.key, '');
      return;
    case 'stale-record':
      await repairStaleRecord(store, finding.key);
      return;
    case 'leftover': {
      const again = bank.listLeftovers?.(graceSeconds);
      for await (const leftover of again ?? []) {
        if (leftover.id === finding.key) {
          await bank.removeLeftover?.(leftover as BankLeftover);
          return;
        }
      }
      return;
    }
    default:
      throw new HoardError('OPERATION_FAILED', `bank gc does not act on ${finding.kind}`);
  }
}

async function repairStaleRecord(store: CheckpointStore, key: string): Promise<void> {
  const parts = key.split('/');
  const now = new Date().toISOString();
  if (parts[0] === 'restores') {
    const id = parts[1]!.slice(0, -'.json'.length);
    const effective = await store.readRestore(id);
    if (effective?.status !== 'fail' || effective.reason !== 'abandoned') return; // alive again
    await store.writeRestore({ ...effective, updatedAt: now });
    return;
  }
  const id = parts[1]!;
  const record = await store.get(id);
  const stored = await store.readStatus(id);
  if (record.reason !== 'abandoned' || stored === undefined) return;
  const repair = STALE_REPAIR[stored.status];
  if (repair === undefined) return;
  await store.writeStatus(id, { ...stored, status: repair.to, reason: 'abandoned', updatedAt: now });
}
