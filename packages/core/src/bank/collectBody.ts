import { Readable } from 'node:stream';

/** Any body a bank accepts. */
export type BankBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

/** Reads a whole body into memory. */
export async function collectBody(body: BankBody): Promise<Uint8Array> {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) {
    chunks.push(
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
  }
  return Buffer.concat(chunks);
}

/** A body as a readable stream. */
export function bodyToStream(body: BankBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([Buffer.from(body)]);
  if (body instanceof Readable) return body;
  return Readable.from(body);
}

/** A body's chunks, remembering whether the body itself (the data's source) failed. */
export interface WatchedBody {
  /** The body's chunks; an error the source throws is recorded in `sourceFailure` and rethrown. */
  readonly chunks: AsyncIterable<Uint8Array | string>;
  /** What the source threw while being read, if it did: not the bank's failure. */
  readonly sourceFailure: unknown;
}

/**
 * Wraps a body so a bank can tell the source's failure from its own: a file that cannot be read
 * must not be reported as a bank that cannot write (see docs/protocol.md, "Banks"). A bank's
 * `put` rethrows `sourceFailure` unchanged instead of wrapping it in `BANK_WRITE_FAILED`.
 */
export function watchBody(body: BankBody): WatchedBody {
  const watched = { sourceFailure: undefined as unknown, chunks: undefined as unknown };
  const stream = bodyToStream(body);
  watched.chunks = {
    async *[Symbol.asyncIterator]() {
      const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Uint8Array | string>;
      for (;;) {
        let next: IteratorResult<Uint8Array | string>;
        try {
          next = await iterator.next();
        } catch (error) {
          watched.sourceFailure = error ?? new Error('the body failed');
          throw error;
        }
        if (next.done) return;
        yield next.value;
      }
    },
  };
  return watched as WatchedBody;
}
