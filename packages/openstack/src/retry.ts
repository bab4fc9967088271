/** How requests are retried: only idempotent calls, on 429, 5xx and connection errors. */
export interface RetryOptions {
  /** Total attempts, including the first (default 5). */
  attempts: number;
  /** First backoff in ms; doubles each time, with full jitter (default 200). */
  baseDelayMs: number;
  /** Longest single wait (default 10 s). */
  maxDelayMs: number;
}

/** Default retry options. */
export const DEFAULT_RETRY: RetryOptions = { attempts: 5, baseDelayMs: 200, maxDelayMs: 10_000 };

/** HTTP statuses worth retrying for an idempotent call. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Delay before attempt `attempt + 1` ("full jitter"), honouring a Retry-After header. */
export function backoffDelay(attempt: number, options: RetryOptions, retryAfter?: string | null): number {
  if (retryAfter) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.min(options.maxDelayMs, seconds * 1000);
  }
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  return Math.random() * ceiling;
}

/** Sleeps, stopping early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
