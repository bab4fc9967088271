import { OpenStackError } from './OpenStackError.js';
import { sleep } from './retry.js';

/** What {@link waitFor} polls: the resource's current status (and fault, if any). */
export interface PolledStatus {
  status: string;
  /** A fault or error message the service reports (e.g. Nova's `fault.message`). */
  fault?: string;
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is being waited for, for messages: e.g. `volume 5f0c… (data)`. */
  resource: string;
  /** Statuses that end the wait successfully. */
  until: readonly string[];
  /** Statuses that end it with an error (default: `error` and any status starting with `error`). */
  errorStatuses?: readonly string[];
  /** Give up after this long (default 10 min). */
  timeoutMs?: number;
  /** First poll interval (default 1 s); grows by half up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  /** Called on each status change (for progress). */
  onStatus?(status: string): void;
}

/**
 * Polls a resource until it reaches one of `until`, with a timeout and an AbortSignal.
 *
 * @returns the last polled status
 * @throws `OPENSTACK_RESOURCE_ERROR` naming the resource, its status and fault; `OPENSTACK_WAIT_TIMEOUT`
 * naming the resource and the last status seen
 */
export async function waitFor(
  poll: () => Promise<PolledStatus>,
  options: WaitForOptions,
): Promise<PolledStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60 * 1000);
  let interval = options.intervalMs ?? 1000;
  let last: PolledStatus | undefined;
  const isError = (status: string) =>
    options.errorStatuses
      ? options.errorStatuses.includes(status)
      : status === 'error' || status.startsWith('error');
  for (;;) {
    options.signal?.throwIfAborted();
    const current = await poll();
    if (last?.status !== current.status) options.onStatus?.(current.status);
    last = current;
    if (options.until.includes(current.status)) return current;
    if (isError(current.status)) {
      throw new OpenStackError(
        'OPENSTACK_RESOURCE_ERROR',
        `${options.resource} went to status '${current.status}'${current.fault ? `: ${current.fault}` : ''} (waiting for ${options.until.join(' or ')})`,
        {
          details: {
            resource: options.resource,
            status: current.status,
            ...(current.fault ? { fault: current.fault } : {}),
          },
        },
      );
    }
    if (Date.now() >= deadline) {
      throw new OpenStackError(
        'OPENSTACK_WAIT_TIMEOUT',
        `${options.resource} is still '${current.status}' after ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s (waiting for ${options.until.join(' or ')})`,
        { details: { resource: options.resource, status: current.status } },
      );
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), options.signal);
    interval = Math.min(options.maxIntervalMs ?? 10_000, interval * 1.5);
  }
}
