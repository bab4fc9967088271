/** One rendered answer and what it was rendered at. */
interface Rendered {
  /** Whose version it depends on (a project id). */
  scope: string;
  version: number;
  /** When it was rendered (`performance.now()`). */
  at: number;
  body: Buffer;
}

/**
 * Rendered answers of reads (their JSON bytes), each good while the version of its scope it was
 * rendered at stands (and, where asked, while it is young enough): for plans, a write raises the
 * version in its own transaction (see `plan_versions`), so any server on the database stops
 * answering from an entry the moment a write commits. The version is read before the data, so an
 * entry is never newer than its version says.
 *
 * Renders of one key at once are made once: the first renders, the others wait for its body
 * (see {@link RenderedCache.render}), so a page that many clients ask at the moment it goes
 * stale costs one render, not one per client.
 *
 * @remarks Bounded by bytes (the oldest used entries go first), so a server's memory does not
 * grow with the number of projects or pages read.
 */
export class RenderedCache {
  private readonly entries = new Map<string, Rendered>();
  private readonly rendering = new Map<string, { version: number; body: Promise<Buffer> }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 24 * 1024 * 1024) {}

  /** The entry of `key`, if any (its version not checked yet: see {@link RenderedCache.fresh}). */
  peek(key: string): { scope: string } | undefined {
    return this.entries.get(key);
  }

  /** The body of `key` if it was rendered at `version` of its scope, at most `maxAgeMs` ago. */
  fresh(key: string, version: number, maxAgeMs = Number.POSITIVE_INFINITY): Buffer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== version || performance.now() - entry.at > maxAgeMs)
      return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  /**
   * The body of `key` at `version`: from the cache if fresh, else rendered by `render` (once for
   * all who ask at once) and kept.
   */
  async render(
    key: string,
    scope: string,
    version: number,
    render: () => Promise<string>,
    maxAgeMs = Number.POSITIVE_INFINITY,
  ): Promise<Buffer> {
    const hit = this.fresh(key, version, maxAgeMs);
    if (hit !== undefined) return hit;
    const running = this.rendering.get(key);
    if (running !== undefined && running.version === version) return running.body;
    const body = render().then((text) => Buffer.from(text));
    const entry = { version, body };
    this.rendering.set(key, entry);
    try {
      const rendered = await body;
      this.set(key, scope, version, rendered);
      return rendered;
    } finally {
      if (this.rendering.get(key) === entry) this.rendering.delete(key);
    }
  }

  set(key: string, scope: string, version: number, body: Buffer | string): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.body.length;
      this.entries.delete(key);
    }
    if (bytes.length > this.maxBytes / 4) return;
    this.entries.set(key, { scope, version, at: performance.now(), body: bytes });
    this.bytes += bytes.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
  }
}
