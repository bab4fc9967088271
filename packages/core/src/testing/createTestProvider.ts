import { HoardAggregateError, HoardError } from '../errors/HoardError.js';
import { type Bank, defineBank } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { loadProtectionPlugin } from '../provider/loadProviders.js';
import type { LoadedProtectionPlugin, Provider, ProviderOptions } from '../provider/Provider.js';
import { compileSchema, type SchemaObject, validate } from '../schema/validation.js';
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
 * @remarks Checks what a provider file would: schemas compile, each type has exactly one
 * protection plugin, and `config` holds what the plugins' `configSections` declare: each declared
 * section is validated and gets its defaults (an empty object when absent), a wrong value throws
 * `PROVIDER_CONFIG_INVALID`, and an undeclared section or key is dropped with a warning in
 * `provider.warnings`, as when loading a file.
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
  const { config, warnings } = validateTestConfig(options);
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
    config,
    options: {
      concurrency: 8,
      workPoolSize: 2,
      hookTimeoutSeconds: 60,
      leaseExpireSeconds: 120,
      leaseRenewSeconds: 100,
      cancelGraceSeconds: 30,
      ...options.options,
    },
    warnings,
    bank,
    openBank: async () => bank,
  };
}

function validateTestConfig(options: TestProviderOptions): {
  config: Record<string, Record<string, unknown>>;
  warnings: string[];
} {
  const declared = new Map<string, { owner: string; schema: SchemaObject }[]>();
  const declare = (owner: string, sections: Readonly<Record<string, SchemaObject>> | undefined) => {
    for (const [name, schema] of Object.entries(sections ?? {}))
      declared.set(name, [...(declared.get(name) ?? []), { owner, schema }]);
  };
  for (const p of options.protectables ?? []) declare(`protectable '${p.name}'`, p.configSections);
  for (const p of options.plugins) declare(`protection plugin '${p.name}'`, p.configSections);
  const given = (options.config ?? {}) as Record<string, Record<string, unknown>>;
  const warnings = Object.keys(given)
    .filter((name) => !declared.has(name))
    .map((name) => `(test): section [${name}] is not read by the bank or any plugin of this provider`);
  const config: Record<string, Record<string, unknown>> = {};
  const problems: HoardError[] = [];
  for (const [name, declarations] of declared) {
    const data: Record<string, unknown> = structuredClone(given[name] ?? {});
    const known = new Set(
      declarations.flatMap((d) => Object.keys((d.schema['properties'] as object | undefined) ?? {})),
    );
    for (const key of Object.keys(data)) {
      if (!known.has(key)) {
        warnings.push(`(test): [${name}] key '${key}' is not a known option`);
        delete data[key];
      }
    }
    for (const { owner, schema } of declarations) {
      for (const p of validate(compileSchema(schema, `${owner} [${name}] schema`), data)) {
        problems.push(
          new HoardError('PROVIDER_CONFIG_INVALID', `(test): [${name}] ${p.path}: ${p.message}`, {
            path: `${name}.${p.path}`,
          }),
        );
      }
    }
    config[name] = data;
  }
  if (problems.length > 0)
    throw new HoardAggregateError('PROVIDER_CONFIG_INVALID', '(test): invalid configuration', problems);
  return { config, warnings };
}
