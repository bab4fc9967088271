import type { ResourceStatus } from '../executor/executeFlow.js';
import type { ResourceGraphDocument } from '../graph/ResourceGraph.js';
import type { JsonObject } from '../plugin-api/types.js';

/** Status of a checkpoint (docs/protocol.md, "Checkpoints"). */
export type CheckpointStatus =
  | 'protecting'
  | 'available'
  | 'error'
  | 'deleting'
  | 'error-deleting'
  | 'corrupt';

/** Status of a restore (docs/protocol.md, "Checkpoints"). */
export type RestoreStatus = 'in_progress' | 'success' | 'fail';

/** A serialised error as stored in a bank. */
export interface StoredError {
  code: string;
  message: string;
  [field: string]: unknown;
}

/** One resource's status as recorded in a checkpoint or restore. */
export interface ResourceStatusRecord {
  status: ResourceStatus | 'protecting' | 'restoring' | 'deleting';
  error?: StoredError;
}

/** `checkpoints/<id>/metadata.json`. */
export interface CheckpointMetadata {
  formatVersion: 1;
  id: string;
  providerId: string;
  providerName: string;
  planId?: string;
  projectId?: string;
  createdAt: string;
  /** Owner of the lease held while protecting; a `protecting` checkpoint whose lease expired is abandoned. */
  leaseOwner: string;
  /** Parameters as given, secrets redacted. */
  parameters: JsonObject;
  graph: ResourceGraphDocument;
  /**
   * What the host recorded with the checkpoint, for itself (the API server: Karbor's protection
   * plan and `extra_info`), kept in the bank so that no database is needed to show it.
   */
  hostInfo?: JsonObject;
}

/** `checkpoints/<id>/status.json`, written last. */
export interface CheckpointStatusRecord {
  status: CheckpointStatus;
  reason?: string;
  updatedAt: string;
  resources: Record<string, ResourceStatusRecord>;
  error?: StoredError;
}

/** A checkpoint as listed: metadata plus effective status. */
export interface CheckpointRecord extends CheckpointMetadata {
  status: CheckpointStatus;
  /**
   * With status `corrupt`: which of the checkpoint's records is unreadable. With `metadata`, its
   * graph is unknown (empty here) and a delete can only remove its objects from the bank.
   */
  corruptRecord?: 'metadata' | 'status';
  reason?: string;
  updatedAt: string;
  resources: Record<string, ResourceStatusRecord>;
  error?: StoredError;
}

/** A checkpoint with what each resource was protected with and what it recorded. */
export interface CheckpointDetails extends CheckpointRecord {
  /** By resource key: protect parameters in effect and saved info, secrets redacted. */
  resourceDetails: Record<string, { parameters: JsonObject; savedInfo?: JsonObject }>;
}

/** `restores/<restoreId>.json`. */
export interface RestoreRecord {
  id: string;
  checkpointId: string;
  providerId: string;
  status: RestoreStatus;
  reason?: string;
  startedAt: string;
  updatedAt: string;
  parameters: JsonObject;
  resources: Record<string, ResourceStatusRecord & { result?: unknown }>;
  error?: StoredError;
  /**
   * The lease the restore holds while it runs (a reader lease on the checkpoint); an
   * `in_progress` record whose lease lapsed is reported `fail` with reason `abandoned`.
   */
  leaseOwner?: string;
}
