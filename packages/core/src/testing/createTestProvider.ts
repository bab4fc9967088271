import { HoardError } from '../errors/HoardError.js';
import { type Bank, defineBank } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { loadProtectionPlugin } from '../provider/loadProviders.js';
import type { LoadedProtectionPlugin, Provider, ProviderOptions } from '../provider/Provider.js';
import { InMemoryBank } from './InMemoryBank.js';

/** Options of {@link createTestProvider}. */
export interface TestProviderOptions {
  protectables?: Protectable[];
  plugins: ProtectionPlugin[];
  /** The bank (default: a new {@link InMemoryBank}). */
  bank?: Bank;
  /** Configuration sections by name, as a provider file's sections would give them. */
  config?: Readonly<Record<string, object>>;
  options?: Partial<ProviderOptions>;
}

/**
 * A provider built in memory from plugin objects, for plugin authors' unit tests.
 *
 * @remarks Checks the same things a provider file would: schemas compile, each type has exactly
 * one protection plugin.
 */
export function createTestProvider(options: TestProviderOptions): Provider & { bank: Bank } {
  const bank = options.bank ?? new InMemoryBank();
  const plugins = options.plugins.map((p) => loadProtectionPlugin(p, `test:${p.name}`));
  const pluginByType = new Map<string, LoadedProtectionPlugin>();
  for (const loaded of plugins) {
    for (const type of loaded.plugin.resourceTypes) {
      if (pluginByType.has(type)) {
        throw new HoardError(
          'PROTECTION_PLUGIN_CONFLICT',
          `Resource type '${type}' is covered by two protection plugins`,
        );
      }
      pluginByType.set(type, loaded);
    }
  }
  return {
    id: 'test-provider',
    name: 'Test provider',
    description: 'in-memory provider for tests',
    file: '(test)',
    bankPackage: 'test',
    bankPlugin: defineBank({ name: 'test', create: async () => bank }),
    protectables: options.protectables ?? [],
    plugins,
    pluginByType,
    config: (options.config ?? {}) as Record<string, Record<string, unknown>>,
    options: {
      concurrency: 8,
      workPoolSize: 2,
      hookTimeoutSeconds: 60,
      leaseExpireSeconds: 120,
      leaseRenewSeconds: 100,
      cancelGraceSeconds: 30,
      ...options.options,
    },
    warnings: [],
    bank,
    openBank: async () => bank,
  };
}
