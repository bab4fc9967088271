import { OpenStackError, type Session, waitFor } from '@hoard/openstack';

/** Nova API microversion Hoard speaks: 2.37 for `networks: none`, 2.47 for flavors embedded in servers. */
export const NOVA_MICROVERSION = 'compute 2.79';

/** A Nova server, as far as Hoard uses it. */
export interface NovaServer {
  id: string;
  name: string;
  status: string;
  tenant_id: string;
  image: { id: string } | '';
  flavor: { original_name: string; vcpus: number; ram: number; disk: number };
  key_name: string | null;
  metadata: Record<string, string>;
  security_groups?: { name: string }[];
  'OS-EXT-AZ:availability_zone'?: string;
  'os-extended-volumes:volumes_attached': { id: string; delete_on_termination?: boolean }[];
  fault?: { message: string };
}

type Options = { signal?: AbortSignal | undefined };
const base = { microversion: NOVA_MICROVERSION };
const withSignal = (o: Options) => (o.signal ? { signal: o.signal } : {});

/** The Nova (and Neutron port) calls the server plugin needs. */
export class NovaClient {
  constructor(readonly session: Session) {}

  async listServers(options: Options & { projectId?: string } = {}): Promise<NovaServer[]> {
    const token = await this.session.getToken(options.signal);
    const other = options.projectId !== undefined && options.projectId !== token.projectId;
    const { servers } = await this.session.json<{ servers: NovaServer[] }>('compute', '/servers/detail', {
      ...base,
      query: other ? { all_tenants: 1, project_id: options.projectId } : {},
      ...withSignal(options),
    });
    return servers;
  }

  async getServer(id: string, options: Options = {}): Promise<NovaServer | undefined> {
    try {
      const { server } = await this.session.json<{ server: NovaServer }>(
        'compute',
        `/servers/${encodeURIComponent(id)}`,
        {
          ...base,
          ...withSignal(options),
        },
      );
      return server;
    } catch (error) {
      if (error instanceof OpenStackError && error.status === 404) return undefined;
      throw error;
    }
  }

  async volumeAttachments(
    serverId: string,
    options: Options = {},
  ): Promise<{ volumeId: string; device: string | null }[]> {
    const { volumeAttachments } = await this.session.json<{
      volumeAttachments: { volumeId: string; device?: string | null }[];
    }>('compute', `/servers/${encodeURIComponent(serverId)}/os-volume_attachments`, {
      ...base,
      ...withSignal(options),
    });
    return volumeAttachments.map((a) => ({ volumeId: a.volumeId, device: a.device ?? null }));
  }

  async ports(
    serverId: string,
    options: Options = {},
  ): Promise<{ id: string; network_id: string; mac_address: string; fixed_ips: { ip_address: string }[] }[]> {
    const { ports } = await this.session.json<{
      ports: { id: string; network_id: string; mac_address: string; fixed_ips: { ip_address: string }[] }[];
    }>('network', '/v2.0/ports', { query: { device_id: serverId }, ...withSignal(options) });
    return ports;
  }

  async action(serverId: string, body: Record<string, unknown>, options: Options = {}): Promise<void> {
    const response = await this.session.request(
      'compute',
      `/servers/${encodeURIComponent(serverId)}/action`,
      {
        ...base,
        method: 'POST',
        json: body,
        expect: [202, 204],
        ...withSignal(options),
      },
    );
    await response.body?.cancel();
  }

  async flavorId(nameOrId: string, options: Options = {}): Promise<string | undefined> {
    const { flavors } = await this.session.json<{ flavors: { id: string; name: string }[] }>(
      'compute',
      '/flavors',
      {
        ...base,
        query: { is_public: 'None' },
        ...withSignal(options),
      },
    );
    return flavors.find((f) => f.id === nameOrId)?.id ?? flavors.find((f) => f.name === nameOrId)?.id;
  }

  async createServer(server: Record<string, unknown>, options: Options = {}): Promise<string> {
    const { server: created } = await this.session.json<{ server: { id: string } }>('compute', '/servers', {
      ...base,
      method: 'POST',
      json: { server },
      ...withSignal(options),
    });
    return created.id;
  }

  async attachVolume(
    serverId: string,
    volumeId: string,
    device: string | null,
    options: Options = {},
  ): Promise<void> {
    await this.session.json('compute', `/servers/${encodeURIComponent(serverId)}/os-volume_attachments`, {
      ...base,
      method: 'POST',
      json: { volumeAttachment: { volumeId, ...(device ? { device } : {}) } },
      ...withSignal(options),
    });
  }

  async deleteServer(id: string, options: Options = {}): Promise<void> {
    const response = await this.session.request('compute', `/servers/${encodeURIComponent(id)}`, {
      ...base,
      method: 'DELETE',
      expect: [204, 404],
      ...withSignal(options),
    });
    await response.body?.cancel();
  }

  /** Waits for a server status, naming the server and its fault on ERROR. */
  waitStatus(
    id: string,
    until: string,
    options: Options & { timeoutMs?: number; onStatus?(s: string): void } = {},
  ) {
    return waitFor(
      async () => {
        const server = await this.getServer(id, options);
        if (server === undefined) return { status: 'DELETED' };
        return { status: server.status, ...(server.fault?.message ? { fault: server.fault.message } : {}) };
      },
      {
        resource: `server ${id}`,
        until: [until],
        errorStatuses: ['ERROR'],
        intervalMs: 1000,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.onStatus ? { onStatus: options.onStatus } : {}),
      },
    );
  }

  /** Waits until a volume is attached (Cinder status in-use). */
  waitVolumeInUse(volumeId: string, options: Options & { timeoutMs?: number } = {}) {
    return waitFor(
      async () => {
        const { volume } = await this.session.json<{ volume: { status: string } }>(
          'volumev3',
          `/volumes/${encodeURIComponent(volumeId)}`,
          withSignal(options),
        );
        return { status: volume.status };
      },
      {
        resource: `volume ${volumeId}`,
        until: ['in-use'],
        errorStatuses: ['error', 'error_attaching', 'available-after-error'],
        intervalMs: 1000,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      },
    );
  }
}
