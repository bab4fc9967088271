import type { Bank } from '../plugin-api/Bank.js';
import { defineBank } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { assembleProvider, loadProtectionPlugin } from '../provider/assembleProvider.js';
import type { Provider, ProviderOptions } from '../provider/Provider.js';
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

/** The `[provider]` tuning defaults, the same as a provider file's (docs/protocol.md, "Providers"). */
const DEFAULT_OPTIONS: ProviderOptions = {
  concurrency: 8,
  workPoolSize: 2,
  hookTimeoutSeconds: 1800,
  leaseExpireSeconds: 120,
  leaseRenewSeconds: 100,
  cancelGraceSeconds: 30,
};

/**
 * A provider built in memory from plugin objects, for plugin authors' unit tests.
 *
 * @remarks Built by the same `assembleProvider` as a provider file, so it checks the same things:
 * schemas compile, each type has exactly one protection plugin and each protectable one, and
 * `config` holds what the plugins' `configSections` declare: each declared section is validated
 * and gets its defaults (an empty object when absent), a wrong value throws
 * `PROVIDER_CONFIG_INVALID`, and an undeclared section or key is dropped with a warning in
 * `provider.warnings`.
 */
export function createTestProvider(options: TestProviderOptions): Provider & { bank: Bank } {
  const bank = options.bank ?? new InMemoryBank();
  const provider = assembleProvider({
    id: 'test-provider',
    name: 'Test provider',
    description: 'in-memory provider for tests',
    file: '(test)',
    bank: { packageName: 'test', plugin: defineBank({ name: 'test', create: async () => bank }) },
    protectables: options.protectables ?? [],
    plugins: options.plugins.map((p) => loadProtectionPlugin(p, `test:${p.name}`)),
    sections: Object.entries(options.config ?? {}).map(([name, values]) => ({
      name,
      values: values as Record<string, unknown>,
    })),
    options: { ...DEFAULT_OPTIONS, ...options.options },
    baseDir: process.cwd(),
  });
  return { ...provider, bank, openBank: async () => bank };
}
