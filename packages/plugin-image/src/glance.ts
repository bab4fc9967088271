import { Readable } from 'node:stream';
import { type Session, waitFor } from '@hoard/openstack';

/** A Glance image, as far as Hoard uses it (custom properties are extra string fields). */
export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  size: number | null;
  checksum: string | null;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  owner: string;
  visibility: string;
  [property: string]: unknown;
}

/** Image fields Glance manages itself; everything else of type string is a user property. */
const CORE_FIELDS = new Set([
  'id',
  'name',
  'status',
  'size',
  'virtual_size',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'disk_format',
  'container_format',
  'min_disk',
  'min_ram',
  'owner',
  'visibility',
  'protected',
  'os_hidden',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'stores',
  'os_glance_failed_import',
  'os_glance_importing_to_stores',
]);

/** The user properties of an image (string values not managed by Glance). */
export function imageProperties(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(image)) {
    if (!CORE_FIELDS.has(key) && typeof value === 'string' && !key.startsWith('os_glance')) out[key] = value;
  }
  return out;
}

type Options = { signal?: AbortSignal | undefined };
const withSignal = (o: Options) => (o.signal ? { signal: o.signal } : {});

/** The Glance v2 calls the image plugin needs. */
export class GlanceClient {
  constructor(private readonly session: Session) {}

  async listImages(options: Options & { owner?: string } = {}): Promise<GlanceImage[]> {
    const out: GlanceImage[] = [];
    let path: string | undefined =
      `/v2/images?limit=200${options.owner ? `&owner=${encodeURIComponent(options.owner)}` : ''}`;
    while (path !== undefined) {
      const page: { images: GlanceImage[]; next?: string } = await this.session.json(
        'image',
        path,
        withSignal(options),
      );
      out.push(...page.images);
      path = page.next;
    }
    return out;
  }

  async getImage(id: string, options: Options = {}): Promise<GlanceImage | undefined> {
    const response = await this.session.request('image', `/v2/images/${encodeURIComponent(id)}`, {
      expect: [200, 404],
      ...withSignal(options),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    return (await response.json()) as GlanceImage;
  }

  /** Streams an image's data. */
  async download(id: string, options: Options = {}): Promise<Readable> {
    const response = await this.session.request('image', `/v2/images/${encodeURIComponent(id)}/file`, {
      timeoutMs: 24 * 3600 * 1000,
      headers: { Accept: 'application/octet-stream' },
      ...withSignal(options),
    });
    if (response.body === null) return Readable.from([]);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  async createImage(fields: Record<string, unknown>, options: Options = {}): Promise<GlanceImage> {
    return this.session.json<GlanceImage>('image', '/v2/images', {
      method: 'POST',
      json: fields,
      ...withSignal(options),
    });
  }

  /** Uploads image data from a stream (sent once; not retried). */
  async upload(id: string, data: AsyncIterable<Uint8Array>, options: Options = {}): Promise<void> {
    const response = await this.session.request('image', `/v2/images/${encodeURIComponent(id)}/file`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      bodyStream: data,
      expect: [204],
      timeoutMs: 24 * 3600 * 1000,
      ...withSignal(options),
    });
    await response.body?.cancel();
  }

  async deleteImage(id: string, options: Options = {}): Promise<void> {
    const response = await this.session.request('image', `/v2/images/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      expect: [204, 404],
      ...withSignal(options),
    });
    await response.body?.cancel();
  }

  waitActive(id: string, options: Options & { timeoutMs?: number; onStatus?(s: string): void } = {}) {
    return waitFor(async () => ({ status: (await this.getImage(id, options))?.status ?? 'deleted' }), {
      resource: `image ${id}`,
      until: ['active'],
      errorStatuses: ['killed', 'deleted', 'deactivated'],
      intervalMs: 500,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    });
  }
}
