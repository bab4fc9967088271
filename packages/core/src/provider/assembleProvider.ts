// The pure part of making a provider: given the bank, protectables, protection plugins and
// configuration sections already in hand, check that they fit together. No file is read and no
// code is imported here, so a provider file (loadProviderFile) and the testing kit
// (createTestProvider) build providers with exactly the same rules.
import { HoardAggregateError, HoardError } from '../errors/HoardError.js';
import { registerSecret } from '../logging/scrubSecrets.js';
import type { Bank, BankPlugin } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { secretValuesIn } from '../schema/redactSecrets.js';
import { compileSchema, type SchemaObject, validate } from '../schema/validation.js';
import type { LoadedProtectionPlugin, Provider, ProviderOptions } from './Provider.js';

/** One configuration section as its source gave it: values, and lines when there is a file. */
export interface ConfigSectionInput {
  name: string;
  /** The section's values: strings from a provider file, any JSON from a test. */
  values: Readonly<Record<string, unknown>>;
  /** Line of the section header, when it comes from a file. */
  line?: number;
  /** Line of each key, when it comes from a file. */
  keyLines?: Readonly<Record<string, number>>;
}

/** Where a message points: `file:line: ` for a provider file, `(test): ` for the kit. */
function at(file: string, line: number | undefined): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}

/**
 * oslo.config spells booleans True/False, yes/no, on/off, 1/0 in any case; JSON schema's
 * coercion knows only "true"/"false". Normalises values of boolean-typed keys first.
 */
export function coerceIniBooleans(schema: SchemaObject, data: Record<string, unknown>): void {
  const properties = (schema['properties'] ?? {}) as Record<string, SchemaObject>;
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || properties[key]?.['type'] !== 'boolean') continue;
    if (/^(true|yes|on|1)$/i.test(value.trim())) data[key] = true;
    else if (/^(false|no|off|0)$/i.test(value.trim())) data[key] = false;
  }
}

/**
 * Checks a protection plugin's shape and compiles its schemas, blaming problems on its package.
 *
 * @throws `PLUGIN_INVALID` or `PLUGIN_SCHEMA_INVALID`
 */
export function loadProtectionPlugin(plugin: ProtectionPlugin, packageName: string): LoadedProtectionPlugin {
  const owner = `${packageName} (protection plugin '${plugin.name}')`;
  if (!Array.isArray(plugin.resourceTypes) || plugin.resourceTypes.length === 0) {
    throw new HoardError('PLUGIN_INVALID', `${owner} declares no resourceTypes`, { plugin: packageName });
  }
  if (typeof plugin.hooks !== 'object' || plugin.hooks === null) {
    throw new HoardError('PLUGIN_INVALID', `${owner} declares no hooks object`, { plugin: packageName });
  }
  const schemas: LoadedProtectionPlugin['schemas'] = {};
  for (const kind of ['protect', 'restore', 'delete', 'verify', 'savedInfo'] as const) {
    const schema = plugin.schemas?.[kind];
    if (schema !== undefined) schemas[kind] = compileSchema(schema, `${owner} ${kind} schema`);
  }
  return { plugin, packageName, schemas };
}

/**
 * Maps every resource type to its one protection plugin, and checks every protectable has one.
 *
 * @throws `PROTECTION_PLUGIN_CONFLICT` naming both plugins; `PROTECTION_PLUGIN_NOT_FOUND`
 */
export function mapPluginsByType(
  file: string,
  line: number | undefined,
  protectables: readonly Protectable[],
  plugins: readonly LoadedProtectionPlugin[],
): Map<string, LoadedProtectionPlugin> {
  const pluginByType = new Map<string, LoadedProtectionPlugin>();
  const claims = new Map<string, LoadedProtectionPlugin[]>();
  for (const loaded of plugins) {
    for (const type of loaded.plugin.resourceTypes) claims.set(type, [...(claims.get(type) ?? []), loaded]);
  }
  for (const [type, claimants] of claims) {
    if (claimants.length > 1) {
      const names = claimants.map((c) => `${c.packageName} (${c.plugin.name})`).join(' and ');
      throw new HoardError(
        'PROTECTION_PLUGIN_CONFLICT',
        `${at(file, undefined)}resource type '${type}' is covered by two protection plugins: ${names}; keep one of their plugin = lines`,
        { file, ...(line === undefined ? {} : { line }) },
      );
    }
    pluginByType.set(type, claimants[0]!);
  }
  for (const protectable of protectables) {
    if (!pluginByType.has(protectable.resourceType)) {
      throw new HoardError(
        'PROTECTION_PLUGIN_NOT_FOUND',
        `${at(file, undefined)}resource type '${protectable.resourceType}' (protectable '${protectable.name}') has no protection plugin in this provider`,
        { file, ...(line === undefined ? {} : { line }) },
      );
    }
  }
  return pluginByType;
}

/** Who reads which configuration section: the bank, protectables and protection plugins. */
export interface ConfigReaders {
  bank?: { packageName: string; plugin: BankPlugin };
  protectables: readonly Protectable[];
  plugins: readonly LoadedProtectionPlugin[];
}

/**
 * Validates the configuration sections its readers declare: each declared section is checked
 * against every schema that declares it (booleans in oslo spellings and numbers in strings
 * coerced, defaults applied, an empty section when absent); an undeclared section or key is
 * dropped with a warning.
 *
 * @throws `PROVIDER_CONFIG_INVALID` with one problem per wrong value (file, line, section.key)
 */
export function validateConfigSections(
  file: string,
  readers: ConfigReaders,
  sections: readonly ConfigSectionInput[],
): { config: Record<string, Record<string, unknown>>; warnings: string[] } {
  const declared = new Map<string, { owner: string; schema: SchemaObject }[]>();
  const declare = (owner: string, sectionsOf: Readonly<Record<string, SchemaObject>> | undefined): void => {
    for (const [section, schema] of Object.entries(sectionsOf ?? {})) {
      declared.set(section, [...(declared.get(section) ?? []), { owner, schema }]);
    }
  };
  if (readers.bank !== undefined) declare(readers.bank.packageName, readers.bank.plugin.configSections);
  for (const p of readers.protectables) declare(p.name, p.configSections);
  for (const p of readers.plugins) declare(p.packageName, p.plugin.configSections);

  const warnings: string[] = [];
  for (const section of sections) {
    if (!declared.has(section.name)) {
      warnings.push(
        `${at(file, section.line)}section [${section.name}] is not read by the bank or any plugin of this provider`,
      );
    }
  }
  const config: Record<string, Record<string, unknown>> = {};
  const problems: HoardError[] = [];
  for (const [sectionName, declarations] of declared) {
    const section = sections.find((s) => s.name === sectionName) ?? { name: sectionName, values: {} };
    const known = new Set(
      declarations.flatMap((d) =>
        Object.keys((d.schema['properties'] as Record<string, unknown> | undefined) ?? {}),
      ),
    );
    const data: Record<string, unknown> = structuredClone({ ...section.values });
    for (const key of Object.keys(data)) {
      if (!known.has(key)) {
        warnings.push(
          `${at(file, section.keyLines?.[key] ?? section.line)}[${sectionName}] key '${key}' is not a known option`,
        );
        delete data[key];
      }
    }
    for (const declaration of declarations) coerceIniBooleans(declaration.schema, data);
    // Every configured secret is scrubbed from whatever this process prints, logs or records.
    for (const declaration of declarations)
      for (const secret of secretValuesIn(declaration.schema, data)) registerSecret(secret);
    for (const declaration of declarations) {
      const compiled = compileSchema(declaration.schema, `${declaration.owner} [${sectionName}] schema`, {
        coerce: true,
      });
      for (const p of validate(compiled, data)) {
        const key = p.path.split(/[.[]/)[0];
        const line =
          key === undefined || key === '(root)' ? section.line : (section.keyLines?.[key] ?? section.line);
        problems.push(
          new HoardError(
            'PROVIDER_CONFIG_INVALID',
            `${at(file, line)}[${sectionName}] ${p.path}: ${p.message}`,
            {
              file,
              ...(line === undefined ? {} : { line }),
              path: `${sectionName}.${p.path}`,
            },
          ),
        );
      }
    }
    config[sectionName] = data;
  }
  if (problems.length > 0) {
    throw new HoardAggregateError('PROVIDER_CONFIG_INVALID', `${file}: invalid configuration`, problems, {
      file,
    });
  }
  return { config, warnings };
}

/** Everything a provider is made of, already loaded. */
export interface ProviderParts {
  id: string;
  name: string;
  description: string;
  /** The provider file, or a label such as `(test)`: messages start with it. */
  file: string;
  /** Line of the `[provider]` section, when there is a file. */
  line?: number;
  bank: { packageName: string; plugin: BankPlugin };
  protectables: readonly Protectable[];
  plugins: readonly LoadedProtectionPlugin[];
  sections: readonly ConfigSectionInput[];
  options: ProviderOptions;
  /** Directory relative bank paths are resolved from. */
  baseDir: string;
  /** Warnings found before assembly (added first). */
  warnings?: readonly string[];
}

/**
 * Puts a provider together from loaded parts: one protection plugin per type, every protectable
 * covered, every declared configuration section valid. Pure: reads no file, imports no code; the
 * bank is opened only when `openBank()` is first called.
 *
 * @throws `PROTECTION_PLUGIN_CONFLICT`, `PROTECTION_PLUGIN_NOT_FOUND`, `PROVIDER_CONFIG_INVALID`
 */
export function assembleProvider(parts: ProviderParts): Provider {
  const pluginByType = mapPluginsByType(parts.file, parts.line, parts.protectables, parts.plugins);
  const { config, warnings } = validateConfigSections(parts.file, parts, parts.sections);
  let bank: Promise<Bank> | undefined;
  return {
    id: parts.id,
    name: parts.name,
    description: parts.description,
    file: parts.file,
    bankPackage: parts.bank.packageName,
    bankPlugin: parts.bank.plugin,
    protectables: parts.protectables,
    plugins: parts.plugins,
    pluginByType,
    config,
    options: parts.options,
    warnings: [...(parts.warnings ?? []), ...warnings],
    openBank: () => {
      bank ??= parts.bank.plugin.create({ config, baseDir: parts.baseDir }).catch((error: unknown) => {
        bank = undefined;
        throw error;
      });
      return bank;
    },
  };
}
