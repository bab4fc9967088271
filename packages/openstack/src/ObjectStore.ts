import { Readable } from 'node:stream';
import { OpenStackError } from './OpenStackError.js';
import type { Session } from './Session.js';

/** One object of a listing. */
export interface SwiftObjectInfo {
  name: string;
  bytes: number;
  lastModified: string;
  hash: string;
}

/** Metadata of one object. */
export interface SwiftObjectHead {
  bytes: number;
  lastModified: string;
  etag: string;
  /** Epoch seconds of `X-Delete-At`, when set. */
  deleteAt?: number;
  /** Whether the object is a static large object manifest. */
  staticLargeObject: boolean;
}

/**
 * Encodes an object or container name for a URL path (each `/`-separated part).
 *
 * @throws `OPENSTACK_REQUEST_FAILED` for a `.` or `..` part: URL parsers resolve those (even
 * percent-encoded), so the request would address another object or container.
 */
export function encodeObjectPath(name: string): string {
  const parts = name.split('/');
  if (parts.some((p) => p === '.' || p === '..')) {
    throw new OpenStackError(
      'OPENSTACK_REQUEST_FAILED',
      `Object name ${JSON.stringify(name.slice(0, 200))} has a '.' or '..' part, which cannot be addressed safely`,
    );
  }
  return parts.map(encodeURIComponent).join('/');
}

/**
 * The Swift calls Hoard needs, on a {@link Session}.
 *
 * @remarks Request bodies are whole buffers so that every call can be retried and re-sent after
 * re-authentication; large data goes through {@link ObjectStore.putStaticLargeObject} in
 * bounded segments.
 */
export class ObjectStore {
  constructor(private readonly session: Session) {}

  private path(container: string, object?: string): string {
    return `/${encodeURIComponent(container)}${object === undefined ? '' : `/${encodeObjectPath(object)}`}`;
  }

  /** Creates a container if it does not exist (PUT is idempotent in Swift). */
  async ensureContainer(container: string, signal?: AbortSignal): Promise<void> {
    await this.session.request('object-store', this.path(container), {
      method: 'PUT',
      expect: [201, 202],
      ...(signal ? { signal } : {}),
    });
  }

  /** Object names in byte order, lazily, one page at a time (`marker`/`limit` paging). */
  async *list(
    container: string,
    options: {
      prefix?: string;
      marker?: string;
      limit?: number;
      pageSize?: number;
      signal?: AbortSignal;
    } = {},
  ): AsyncGenerator<SwiftObjectInfo> {
    let marker = options.marker;
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    const pageSize = options.pageSize ?? 1000;
    while (remaining > 0) {
      const response = await this.session.request('object-store', this.path(container), {
        query: { format: 'json', prefix: options.prefix, marker, limit: Math.min(pageSize, remaining) },
        expect: [200, 204, 404],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (response.status === 404 || response.status === 204) {
        await response.body?.cancel();
        return;
      }
      const page = (await response.json()) as {
        name: string;
        bytes: number;
        last_modified: string;
        hash: string;
      }[];
      for (const o of page) {
        yield { name: o.name, bytes: o.bytes, lastModified: o.last_modified, hash: o.hash };
        remaining--;
      }
      if (page.length < Math.min(pageSize, remaining + page.length)) return;
      marker = page[page.length - 1]!.name;
    }
  }

  /** Stores an object in one PUT. */
  async put(
    container: string,
    name: string,
    body: Uint8Array,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<void> {
    await this.session.request('object-store', this.path(container, name), {
      method: 'PUT',
      body,
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
      expect: [201],
      ...(signal ? { signal } : {}),
    });
  }

  /**
   * Stores a large object as a static large object: segments in `segmentContainer`, then the
   * manifest (one atomic PUT) under `name`.
   *
   * @param segments - an async source of segment buffers (each at least 1 MiB but the last)
   * @returns the names of the segments written
   */
  async putStaticLargeObject(
    container: string,
    name: string,
    segmentContainer: string,
    segmentPrefix: string,
    segments: AsyncIterable<Uint8Array>,
    options: { signal?: AbortSignal; concurrency?: number } = {},
  ): Promise<string[]> {
    const signal = options.signal;
    await this.ensureContainer(segmentContainer, signal);
    const manifest: { path: string; etag: null; size_bytes: number }[] = [];
    const written: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let failed: unknown;
    let index = 0;
    try {
      // Up to `concurrency` segments upload while the next one is read: memory stays bounded by
      // (concurrency + 1) segments, and reading overlaps uploading.
      for await (const segment of segments) {
        if (failed !== undefined) break;
        const segmentName = `${segmentPrefix}/${String(index++).padStart(8, '0')}`;
        written.push(segmentName);
        manifest.push({
          path: `/${segmentContainer}/${segmentName}`,
          etag: null,
          size_bytes: segment.byteLength,
        });
        const upload: Promise<void> = this.put(segmentContainer, segmentName, segment, {}, signal).then(
          () => {
            inFlight.delete(upload);
          },
          (error: unknown) => {
            inFlight.delete(upload);
            failed ??= error;
          },
        );
        inFlight.add(upload);
        if (inFlight.size >= (options.concurrency ?? 3)) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
      if (failed !== undefined) throw failed;
      await this.session.request('object-store', this.path(container, name), {
        method: 'PUT',
        query: { 'multipart-manifest': 'put' },
        json: manifest,
        expect: [201],
        ...(signal ? { signal } : {}),
      });
      return written;
    } catch (error) {
      await Promise.allSettled(inFlight);
      // Leave no orphan segments behind a failed upload (best effort).
      for (const segmentName of written) await this.delete(segmentContainer, segmentName).catch(() => {});
      throw error;
    }
  }

  /** Metadata of an object, or undefined if absent (or expired). */
  async head(container: string, name: string, signal?: AbortSignal): Promise<SwiftObjectHead | undefined> {
    const response = await this.session.request('object-store', this.path(container, name), {
      method: 'HEAD',
      expect: [200, 204, 404],
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404) return undefined;
    const deleteAt = response.headers.get('x-delete-at');
    const head: SwiftObjectHead = {
      bytes: Number(response.headers.get('content-length') ?? 0),
      lastModified: new Date(response.headers.get('last-modified') ?? Date.now()).toISOString(),
      etag: (response.headers.get('etag') ?? '').replace(/"/g, ''),
      staticLargeObject: response.headers.get('x-static-large-object') === 'True',
    };
    if (deleteAt) head.deleteAt = Number(deleteAt);
    return head;
  }

  /** Streams an object (a large object's segments come back joined); undefined if absent. */
  async get(container: string, name: string, signal?: AbortSignal): Promise<Readable | undefined> {
    const response = await this.session.request('object-store', this.path(container, name), {
      expect: [200, 404],
      timeoutMs: 24 * 60 * 60 * 1000,
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.body === null) return Readable.from([]);
    return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  /** The segment list of a static large object manifest. */
  async manifest(
    container: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<{ name: string; bytes: number }[]> {
    const response = await this.session.request('object-store', this.path(container, name), {
      query: { 'multipart-manifest': 'get' },
      expect: [200, 404],
      ...(signal ? { signal } : {}),
    });
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    return (await response.json()) as { name: string; bytes: number }[];
  }

  /** Deletes an object (a large object with its segments); deleting an absent object is fine. */
  async delete(
    container: string,
    name: string,
    options: { largeObject?: boolean; signal?: AbortSignal } = {},
  ): Promise<void> {
    const response = await this.session.request('object-store', this.path(container, name), {
      method: 'DELETE',
      ...(options.largeObject ? { query: { 'multipart-manifest': 'delete' } } : {}),
      expect: [200, 204, 404],
      ...(options.signal ? { signal: options.signal } : {}),
    });
    await response.body?.cancel();
  }

  /** Checks that the object store answers and accepts the token (HEAD of the account). */
  async check(signal?: AbortSignal): Promise<void> {
    await this.session.request('object-store', '', {
      method: 'HEAD',
      expect: [200, 204],
      ...(signal ? { signal } : {}),
    });
  }
}
