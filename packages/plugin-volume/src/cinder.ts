import { type Session, waitFor } from '@hoard/openstack';

/** Cinder API microversion Hoard speaks (Zed supports up to 3.70). */
export const CINDER_MICROVERSION = 'volume 3.60';

/** A Cinder volume, as far as Hoard uses it. */
export interface CinderVolume {
  id: string;
  name: string | null;
  status: string;
  size: number;
  volume_type: string | null;
  availability_zone: string | null;
  bootable: string;
  'os-vol-tenant-attr:tenant_id'?: string;
  attachments: { server_id: string; device?: string }[];
}

/** A Cinder snapshot or backup: id and status. */
export interface CinderStatus {
  id: string;
  status: string;
  fail_reason?: string | null;
}

type Options = { signal?: AbortSignal | undefined };
const base = { microversion: CINDER_MICROVERSION };
const withSignal = (o: Options) => (o.signal ? { signal: o.signal } : {});

/** The Cinder calls the volume plugin needs. */
export class CinderClient {
  constructor(private readonly session: Session) {}

  async listVolumes(options: Options & { projectId?: string } = {}): Promise<CinderVolume[]> {
    const token = await this.session.getToken(options.signal);
    const other = options.projectId !== undefined && options.projectId !== token.projectId;
    const out: CinderVolume[] = [];
    let marker: string | undefined;
    for (;;) {
      const { volumes } = await this.session.json<{ volumes: CinderVolume[] }>(
        'volumev3',
        '/volumes/detail',
        {
          ...base,
          query: { limit: 500, marker, ...(other ? { all_tenants: 1, project_id: options.projectId } : {}) },
          ...withSignal(options),
        },
      );
      out.push(...volumes);
      if (volumes.length < 500) return out;
      marker = volumes[volumes.length - 1]!.id;
    }
  }

  async getVolume(id: string, options: Options = {}): Promise<CinderVolume | undefined> {
    const response = await this.session.request('volumev3', `/volumes/${encodeURIComponent(id)}`, {
      ...base,
      expect: [200, 404],
      ...withSignal(options),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return ((await response.json()) as { volume: CinderVolume }).volume;
  }

  async createSnapshot(volumeId: string, name: string, options: Options = {}): Promise<CinderStatus> {
    const { snapshot } = await this.session.json<{ snapshot: CinderStatus }>('volumev3', '/snapshots', {
      ...base,
      method: 'POST',
      // force: the volume may be attached; the server plugin's quiesce window makes it consistent.
      json: { snapshot: { volume_id: volumeId, name, force: true } },
      ...withSignal(options),
    });
    return snapshot;
  }

  async getSnapshot(id: string, options: Options = {}): Promise<CinderStatus | undefined> {
    return this.getStatus('snapshots', 'snapshot', id, options);
  }

  async deleteSnapshot(id: string, options: Options = {}): Promise<void> {
    await this.deleteThing('snapshots', id, options);
  }

  async createBackup(
    request: {
      volumeId: string;
      snapshotId?: string;
      incremental: boolean;
      name: string;
      description?: string;
    },
    options: Options = {},
  ): Promise<CinderStatus> {
    const { backup } = await this.session.json<{ backup: CinderStatus }>('volumev3', '/backups', {
      ...base,
      method: 'POST',
      json: {
        backup: {
          volume_id: request.volumeId,
          ...(request.snapshotId ? { snapshot_id: request.snapshotId } : {}),
          incremental: request.incremental,
          force: true,
          name: request.name,
          ...(request.description !== undefined ? { description: request.description } : {}),
        },
      },
      ...withSignal(options),
    });
    return backup;
  }

  async listBackups(volumeId: string, options: Options = {}): Promise<CinderStatus[]> {
    const { backups } = await this.session.json<{ backups: (CinderStatus & { volume_id: string })[] }>(
      'volumev3',
      '/backups/detail',
      {
        ...base,
        query: { volume_id: volumeId },
        ...withSignal(options),
      },
    );
    return backups.filter((b) => b.volume_id === volumeId);
  }

  async getBackup(id: string, options: Options = {}): Promise<CinderStatus | undefined> {
    return this.getStatus('backups', 'backup', id, options);
  }

  async deleteBackup(id: string, options: Options = {}): Promise<void> {
    await this.deleteThing('backups', id, options);
  }

  /** Restores a backup into a new volume (or `volumeId`); returns the volume id. */
  async restoreBackup(
    backupId: string,
    request: { volumeId?: string; name?: string },
    options: Options = {},
  ): Promise<string> {
    const { restore } = await this.session.json<{ restore: { volume_id: string } }>(
      'volumev3',
      `/backups/${encodeURIComponent(backupId)}/restore`,
      {
        ...base,
        method: 'POST',
        json: {
          restore: {
            ...(request.volumeId ? { volume_id: request.volumeId } : {}),
            ...(request.name ? { name: request.name } : {}),
          },
        },
        ...withSignal(options),
      },
    );
    return restore.volume_id;
  }

  private async getStatus(
    collection: string,
    member: string,
    id: string,
    options: Options,
  ): Promise<CinderStatus | undefined> {
    const response = await this.session.request('volumev3', `/${collection}/${encodeURIComponent(id)}`, {
      ...base,
      expect: [200, 404],
      ...withSignal(options),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return ((await response.json()) as Record<string, CinderStatus>)[member];
  }

  private async deleteThing(collection: string, id: string, options: Options): Promise<void> {
    const response = await this.session.request('volumev3', `/${collection}/${encodeURIComponent(id)}`, {
      ...base,
      method: 'DELETE',
      expect: [202, 204, 404],
      ...withSignal(options),
    });
    await response.body?.cancel();
  }

  /** Polls a volume, snapshot or backup until `until` (`deleted` = gone), naming it on error. */
  wait(
    kind: 'volume' | 'snapshot' | 'backup',
    id: string,
    until: string,
    options: Options & { timeoutMs?: number; onStatus?(status: string): void } = {},
  ) {
    const get = (): Promise<CinderStatus | undefined> =>
      kind === 'volume'
        ? this.getVolume(id, options)
        : kind === 'snapshot'
          ? this.getSnapshot(id, options)
          : this.getBackup(id, options);
    return waitFor(
      async () => {
        const thing = await get();
        return thing === undefined
          ? { status: 'deleted' }
          : { status: thing.status, ...(thing.fail_reason ? { fault: thing.fail_reason } : {}) };
      },
      {
        resource: `${kind} ${id}`,
        until: [until],
        errorStatuses: ['error', 'error_deleting', 'error_restoring', 'error_extending'],
        intervalMs: 1000,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      },
    );
  }
}
