import type { ExecutorEvent } from '@hoard/core/host';

/** How far an operation running in this server has got (Hoard's extension to Karbor's views). */
export interface ProgressView {
  /** Hooks the operation's flow runs, and how many have finished. */
  hooks_total: number;
  hooks_done: number;
  resources_total: number;
  /** Bytes the hooks reported moving so far. */
  bytes: number;
  /** The last message a hook reported. */
  message: string | null;
  updated_at: string;
}

/**
 * Progress of the operations this server runs, by the id the API shows (checkpoint, restore):
 * fed by the executor's events, dropped when the operation ends. A client that ignores the
 * `hoard_progress` key sees Karbor's views unchanged.
 */
export class OperationProgress {
  private readonly byId = new Map<string, ProgressView>();

  /** A fresh progress record and the event listener that keeps it; `attach` names it once known. */
  track(): { onEvent(event: ExecutorEvent): void; attach(id: string): void; done(): void } {
    const view: ProgressView = {
      hooks_total: 0,
      hooks_done: 0,
      resources_total: 0,
      bytes: 0,
      message: null,
      updated_at: new Date().toISOString(),
    };
    let id: string | undefined;
    return {
      onEvent: (event) => {
        if (event.type === 'flow-started') {
          view.hooks_total = event.hooks;
          view.resources_total = event.resources;
        } else if (event.type === 'task-finished') view.hooks_done++;
        else if (event.type === 'progress') {
          if (event.bytes !== undefined) view.bytes += event.bytes;
          if (event.message !== undefined) view.message = event.message;
        }
        view.updated_at = new Date().toISOString();
      },
      attach: (known) => {
        id = known;
        this.byId.set(known, view);
      },
      done: () => {
        if (id !== undefined) this.byId.delete(id);
      },
    };
  }

  /** `{hoard_progress}` for a view while its operation runs here, else nothing. */
  of(id: string): { hoard_progress?: ProgressView } {
    const view = this.byId.get(id);
    return view === undefined ? {} : { hoard_progress: { ...view } };
  }
}
