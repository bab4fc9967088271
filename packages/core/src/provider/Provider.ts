import type { Bank, BankPlugin } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import type { Operation } from '../plugin-api/types.js';
import type { CompiledSchema } from '../schema/validation.js';

/** A protection plugin with its schemas compiled and the package it came from. */
export interface LoadedProtectionPlugin {
  readonly plugin: ProtectionPlugin;
  readonly packageName: string;
  readonly schemas: Partial<Record<Operation | 'verify' | 'savedInfo', CompiledSchema>>;
}

/** Tuning options of a provider (`[provider]` keys beyond Karbor's). */
export interface ProviderOptions {
  /** Most hooks running at once (`concurrency`, default 8). */
  concurrency: number;
  /** Size of the heavy-job pool (`work_pool_size`, default 2). */
  workPoolSize: number;
  /** Default hook timeout in seconds (`hook_timeout`, default 1800). */
  hookTimeoutSeconds: number;
  /** Lease time-to-live in seconds while protecting (`lease_expire_window`, default 120). */
  leaseExpireSeconds: number;
  /** Lease renewal interval in seconds (`lease_renew_window`, default 100). */
  leaseRenewSeconds: number;
  /**
   * After a cancel or a failure, how long running hooks are awaited before they are given up on
   * and recorded as cancelled (`cancel_grace`, default 30): a hook that ignores its abort signal
   * cannot hold the operation open longer than this.
   */
  cancelGraceSeconds: number;
  /**
   * The projects a host that acts for callers (`hoard serve`) serves this provider to
   * (`projects`, comma-separated ids); `undefined`: every project. Core does not enforce it: a
   * host decides who its callers are.
   */
  projects?: readonly string[];
}

/**
 * A provider: one bank and a set of protection plugins, loaded from a `.conf` file (docs/protocol.md, "Providers").
 */
export interface Provider {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly bankPackage: string;
  readonly bankPlugin: BankPlugin;
  readonly protectables: readonly Protectable[];
  readonly plugins: readonly LoadedProtectionPlugin[];
  /** The protection plugin of each protectable type. */
  readonly pluginByType: ReadonlyMap<string, LoadedProtectionPlugin>;
  /** Validated configuration sections, by section name. */
  readonly config: Record<string, Record<string, unknown>>;
  readonly options: ProviderOptions;
  /** Problems that do not stop loading (unknown sections and keys). */
  readonly warnings: readonly string[];
  /** Opens the bank (created once, then reused). */
  openBank(): Promise<Bank>;
}
