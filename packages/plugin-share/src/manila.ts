import { type Session, waitFor } from '@hoard/openstack';

/** Manila API microversion Hoard speaks (Zed supports up to 2.73). */
export const MANILA_MICROVERSION = '2.65';

/** A Manila share, as far as Hoard uses it. */
export interface ManilaShare {
  id: string;
  name: string | null;
  status: string;
  size: number;
  share_proto: string;
  share_type: string | null;
  project_id: string;
  snapshot_id?: string | null;
}

/** A Manila share snapshot. */
export interface ManilaSnapshot {
  id: string;
  share_id: string;
  status: string;
  name: string | null;
}

const headers = { 'X-OpenStack-Manila-API-Version': MANILA_MICROVERSION };

/** The Manila calls the share plugin needs. */
export class ManilaClient {
  constructor(private readonly session: Session) {}

  async listShares(options: { projectId?: string; signal?: AbortSignal } = {}): Promise<ManilaShare[]> {
    const token = await this.session.getToken(options.signal);
    const other = options.projectId !== undefined && options.projectId !== token.projectId;
    const { shares } = await this.session.json<{ shares: ManilaShare[] }>('sharev2', '/shares/detail', {
      headers,
      query: other ? { all_tenants: 1, project_id: options.projectId } : {},
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return shares.filter((s) => options.projectId === undefined || s.project_id === options.projectId);
  }

  async getShare(id: string, signal?: AbortSignal): Promise<ManilaShare> {
    const { share } = await this.session.json<{ share: ManilaShare }>(
      'sharev2',
      `/shares/${encodeURIComponent(id)}`,
      {
        headers,
        ...(signal ? { signal } : {}),
      },
    );
    return share;
  }

  async createSnapshot(
    shareId: string,
    options: { name: string; description: string; force: boolean },
    signal?: AbortSignal,
  ): Promise<ManilaSnapshot> {
    const { snapshot } = await this.session.json<{ snapshot: ManilaSnapshot }>('sharev2', '/snapshots', {
      method: 'POST',
      headers,
      json: {
        snapshot: {
          share_id: shareId,
          name: options.name,
          description: options.description,
          force: options.force,
        },
      },
      ...(signal ? { signal } : {}),
    });
    return snapshot;
  }

  /** The snapshot, or undefined once it is gone. */
  async getSnapshot(id: string, signal?: AbortSignal): Promise<ManilaSnapshot | undefined> {
    const response = await this.session.request('sharev2', `/snapshots/${encodeURIComponent(id)}`, {
      headers,
      expect: [200, 404],
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return ((await response.json()) as { snapshot: ManilaSnapshot }).snapshot;
  }

  async deleteSnapshot(id: string, signal?: AbortSignal): Promise<void> {
    const response = await this.session.request('sharev2', `/snapshots/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers,
      expect: [202, 204, 404],
      ...(signal ? { signal } : {}),
    });
    await response.body?.cancel();
  }

  async createShareFromSnapshot(
    snapshot: { id: string; share_proto: string; size: number; share_type: string | null },
    options: { name?: string; description?: string },
    signal?: AbortSignal,
  ): Promise<ManilaShare> {
    const { share } = await this.session.json<{ share: ManilaShare }>('sharev2', '/shares', {
      method: 'POST',
      headers,
      json: {
        share: {
          share_proto: snapshot.share_proto,
          size: snapshot.size,
          snapshot_id: snapshot.id,
          ...(snapshot.share_type ? { share_type: snapshot.share_type } : {}),
          ...(options.name !== undefined ? { name: options.name } : {}),
          ...(options.description !== undefined ? { description: options.description } : {}),
        },
      },
      ...(signal ? { signal } : {}),
    });
    return share;
  }

  async revertToSnapshot(shareId: string, snapshotId: string, signal?: AbortSignal): Promise<void> {
    const response = await this.session.request('sharev2', `/shares/${encodeURIComponent(shareId)}/action`, {
      method: 'POST',
      headers,
      json: { revert: { snapshot_id: snapshotId } },
      expect: [202],
      ...(signal ? { signal } : {}),
    });
    await response.body?.cancel();
  }

  /** Waits until the share reaches `available` (naming it and its last status otherwise). */
  waitForShare(
    id: string,
    options: { signal?: AbortSignal; timeoutMs?: number; onStatus?(s: string): void } = {},
  ) {
    return waitFor(async () => ({ status: (await this.getShare(id, options.signal)).status }), {
      resource: `share ${id}`,
      until: ['available'],
      intervalMs: 500,
      ...options,
    });
  }

  /** Waits until the snapshot reaches `available`, or (`deleted`) is gone. */
  waitForSnapshot(
    id: string,
    until: 'available' | 'deleted',
    options: { signal?: AbortSignal; timeoutMs?: number; onStatus?(s: string): void } = {},
  ) {
    return waitFor(
      async () => ({ status: (await this.getSnapshot(id, options.signal))?.status ?? 'deleted' }),
      {
        resource: `share snapshot ${id}`,
        until: [until],
        intervalMs: 500,
        ...options,
      },
    );
  }
}
