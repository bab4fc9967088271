/** One rendered answer and what it was rendered at. */
interface Rendered {
  /** Whose version it depends on (a project id). */
  scope: string;
  version: number;
  body: string;
}

/**
 * Rendered answers of reads (their JSON text), each good while the version of its scope it was
 * rendered at stands: a write raises the version in its own transaction (see `plan_versions`), so
 * any server on the database stops answering from an entry the moment a write commits. The
 * version is read before the data, so an entry is never newer than its version says.
 *
 * @remarks Bounded by bytes (the oldest used entries go first), so a server's memory does not
 * grow with the number of projects or pages read.
 */
export class RenderedCache {
  private readonly entries = new Map<string, Rendered>();
  private bytes = 0;

  constructor(private readonly maxBytes = 24 * 1024 * 1024) {}

  /** The entry of `key`, if any (its version not checked yet: see {@link RenderedCache.fresh}). */
  peek(key: string): Rendered | undefined {
    return this.entries.get(key);
  }

  /** The body of `key` if it was rendered at `version` of its scope. */
  fresh(key: string, version: number): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.version !== version) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.body;
  }

  set(key: string, scope: string, version: number, body: string): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.body.length;
      this.entries.delete(key);
    }
    if (body.length > this.maxBytes / 4) return;
    this.entries.set(key, { scope, version, body });
    this.bytes += body.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.body.length;
    }
  }
}
