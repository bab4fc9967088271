import { inspect } from 'node:util';
import { REDACTED } from '../schema/validation.js';

/**
 * A secret value a host hands to plugins (a caller's token). Its value is read with
 * {@link Secret.reveal}; printed, logged, inspected or serialised it is `[REDACTED]`, so a log
 * line or an error's details that carry a context by mistake leak nothing.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value itself: pass it to the service it is for, never to a log or a message. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

/**
 * Who an operation runs for, when a host acts on a caller's behalf: `hoard serve` passes the
 * project, user and token of the API request (Karbor's request context). A plugin that reaches a
 * cloud acts with the caller's `credential` rather than its provider's own identity, so a caller
 * sees and touches only what the caller's project may. Hosts that run for whoever runs them (the
 * CLI) pass no caller, and plugins act with the provider's configured identity.
 */
export interface Caller {
  /** The caller's project (tenant) id. */
  readonly projectId: string;
  readonly userId?: string;
  readonly roles?: readonly string[];
  /**
   * A bearer credential of the caller, scoped to `projectId` (a Keystone token). Held in memory
   * for the operation's life only: never written to a bank, a database or a log.
   */
  readonly credential?: Secret;
}
