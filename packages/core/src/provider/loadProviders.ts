import { readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type DiscoveryOptions,
  type EntryPointGroup,
  loadEntryPoint,
  type PluginPackage,
  resolvePluginPackage,
} from '../discovery/discoverPlugins.js';
import { HoardAggregateError, HoardError, isHoardError, messageOf } from '../errors/HoardError.js';
import type { BankPlugin } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { type CompiledSchema, compileSchema, type SchemaObject, validate } from '../schema/validation.js';
import { readRegularFile } from '../util/readRegularFile.js';
import { assembleProvider, coerceIniBooleans, loadProtectionPlugin } from './assembleProvider.js';
import type { LoadedProtectionPlugin, Provider } from './Provider.js';
import { type IniEntry, type IniSection, parseIni } from './parseIni.js';

/** Default provider directory (docs/protocol.md, "Providers"). */
export const DEFAULT_PROVIDER_DIR = './providers.d';

/** The `[provider]` section's schema (Karbor's keys plus Hoard's tuning keys). */
export const PROVIDER_SECTION_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'id', 'bank'],
  properties: {
    name: { type: 'string', minLength: 1 },
    id: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    bank: { type: 'string', minLength: 1 },
    plugin: { type: 'array', items: { type: 'string', minLength: 1 } },
    enabled: { type: 'boolean', default: true },
    concurrency: { type: 'integer', minimum: 1, maximum: 1024, default: 8 },
    work_pool_size: { type: 'integer', minimum: 1, maximum: 256, default: 2 },
    hook_timeout: { type: 'integer', minimum: 1, default: 1800 },
    lease_expire_window: { type: 'integer', minimum: 1, default: 120 },
    lease_renew_window: { type: 'integer', minimum: 1, default: 100 },
    cancel_grace: { type: 'integer', minimum: 0, maximum: 3600, default: 30 },
    projects: {
      type: 'string',
      pattern: '^\\s*[^,\\s]+(\\s*,\\s*[^,\\s]+)*\\s*$',
      description: 'Comma-separated project ids a host serves this provider to (default: every project)',
    },
  },
};

const providerSectionSchema = compileSchema(PROVIDER_SECTION_SCHEMA, '@hoard/core ([provider] section)', {
  coerce: true,
});

/** One provider file's outcome: a provider, or the error that stopped it. */
export interface ProviderEntry {
  file: string;
  id?: string;
  name?: string;
  enabled: boolean;
  provider?: Provider;
  error?: HoardError;
}

/** Options of {@link loadProviders}. */
export interface LoadProvidersOptions extends DiscoveryOptions {
  /** The provider directory (default `./providers.d`, or env `HOARD_PROVIDER_DIR`). */
  providerDir?: string;
}

/** The provider directory in effect: option, then `HOARD_PROVIDER_DIR`, then `./providers.d`. */
export function providerDirectory(option?: string): string {
  return path.resolve(option ?? process.env['HOARD_PROVIDER_DIR'] ?? DEFAULT_PROVIDER_DIR);
}

/**
 * Loads every `*.conf` file of the provider directory.
 *
 * @remarks One broken file does not hide the others: each entry carries its provider or its error.
 * @throws `PROVIDER_CONFIG_INVALID` only when the directory itself cannot be read
 */
export async function loadProviders(options: LoadProvidersOptions = {}): Promise<ProviderEntry[]> {
  const dir = providerDirectory(options.providerDir);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.conf')).sort();
  } catch (error) {
    throw new HoardError(
      'PROVIDER_CONFIG_INVALID',
      `Cannot read provider directory ${dir}: ${messageOf(error)} (set --provider-dir or HOARD_PROVIDER_DIR)`,
      { file: dir },
      { cause: error },
    );
  }
  const entries: ProviderEntry[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    try {
      const provider = await loadProviderFile(file, options);
      entries.push({ file, id: provider.id, name: provider.name, enabled: true, provider });
    } catch (error) {
      const hoardError = isHoardError(error)
        ? error
        : new HoardError(
            'PROVIDER_CONFIG_INVALID',
            `${file}: ${messageOf(error)}`,
            { file },
            { cause: error },
          );
      const header = await peekProviderHeader(file);
      entries.push({
        file,
        ...header,
        enabled: hoardError.code !== 'PROVIDER_DISABLED',
        error: hoardError,
      });
    }
  }
  return markDuplicateProviders(entries);
}

/**
 * Two provider files with one name or one id: neither is usable (which one a command meant cannot
 * be known), and each says which other file it clashes with.
 */
function markDuplicateProviders(entries: ProviderEntry[]): ProviderEntry[] {
  return entries.map((entry) => {
    if (entry.provider === undefined) return entry;
    const other = entries.find(
      (e) => e !== entry && e.provider !== undefined && (e.name === entry.name || e.id === entry.id),
    );
    if (other === undefined) return entry;
    const what = other.name === entry.name ? `name '${entry.name}'` : `id '${entry.id}'`;
    const { provider: _dropped, ...rest } = entry;
    return {
      ...rest,
      error: new HoardError(
        'PROVIDER_CONFIG_INVALID',
        `${entry.file}: provider ${what} is also used by ${other.file}; provider names and ids must be unique`,
        { file: entry.file },
      ),
    };
  });
}

async function peekProviderHeader(file: string): Promise<{ id?: string; name?: string }> {
  try {
    const sections = parseIni(await readRegularFile(file, 'PROVIDER_CONFIG_INVALID'), file);
    const provider = sections.find((s) => s.name === 'provider');
    const out: { id?: string; name?: string } = {};
    const id = provider?.entries.find((e) => e.key === 'id')?.value;
    const name = provider?.entries.find((e) => e.key === 'name')?.value;
    if (id !== undefined) out.id = id;
    if (name !== undefined) out.name = name;
    return out;
  } catch {
    return {};
  }
}

/**
 * Finds one enabled provider by id or name.
 *
 * @throws `PROVIDER_NOT_FOUND` listing the known providers; the provider's own load error if it is broken
 */
export async function findProvider(idOrName: string, options: LoadProvidersOptions = {}): Promise<Provider> {
  const entries = await loadProviders(options);
  const entry = entries.find((e) => e.id === idOrName || e.name === idOrName);
  if (entry === undefined) {
    const known = entries.map((e) => e.name ?? e.id ?? path.basename(e.file)).join(', ') || 'none';
    throw new HoardError(
      'PROVIDER_NOT_FOUND',
      `No provider '${idOrName}' in ${providerDirectory(options.providerDir)} (providers: ${known})`,
    );
  }
  if (entry.error !== undefined) throw entry.error;
  return entry.provider!;
}

function sectionToObject(section: IniSection, repeated: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of section.entries) {
    if (repeated.has(entry.key)) {
      const list = (out[entry.key] as string[] | undefined) ?? [];
      list.push(entry.value);
      out[entry.key] = list;
    } else {
      out[entry.key] = entry.value;
    }
  }
  return out;
}

function lineOf(section: IniSection, key: string | undefined): number {
  if (key === undefined) return section.line;
  const entries = section.entries.filter((e: IniEntry) => e.key === key);
  return entries[entries.length - 1]?.line ?? section.line;
}

function configProblems(
  file: string,
  section: IniSection,
  compiled: CompiledSchema,
  data: unknown,
): HoardError[] {
  return validate(compiled, data).map((p) => {
    const key = p.path.split(/[.[]/)[0];
    const line = lineOf(section, key === '(root)' ? undefined : key);
    return new HoardError(
      'PROVIDER_CONFIG_INVALID',
      `${file}:${line}: [${section.name}] ${p.path}: ${p.message}`,
      {
        file,
        line,
        path: `${section.name}.${p.path}`,
      },
    );
  });
}

function parsePackageReference(reference: string): { name: string; entry?: string } {
  const hash = reference.indexOf('#');
  return hash < 0
    ? { name: reference }
    : { name: reference.slice(0, hash), entry: reference.slice(hash + 1) };
}

function pluginEntryNames(pkg: PluginPackage): string[] {
  return [
    ...new Set([
      ...Object.keys(pkg.entryPoints['hoard.protectables'] ?? {}),
      ...Object.keys(pkg.entryPoints['hoard.protections'] ?? {}),
    ]),
  ];
}

/** A package that declares `hoard.resourceTypes` must not cover types it does not declare. */
function checkDeclaredTypes(pkg: PluginPackage, loadedTypes: readonly string[]): void {
  if (pkg.resourceTypes === undefined) return;
  const undeclared = [...new Set(loadedTypes)].filter((t) => !pkg.resourceTypes?.includes(t));
  if (undeclared.length > 0) {
    throw new HoardError(
      'PLUGIN_PACKAGE_INVALID',
      `Package '${pkg.name}' covers resource type${undeclared.length > 1 ? 's' : ''} ${undeclared.map((t) => `'${t}'`).join(', ')} that its package.json "hoard.resourceTypes" does not declare`,
      { plugin: pkg.name, path: 'hoard.resourceTypes' },
    );
  }
}

async function loadGroup<T>(pkg: PluginPackage, group: EntryPointGroup, entry?: string): Promise<T[]> {
  const names = Object.keys(pkg.entryPoints[group] ?? {});
  const chosen = entry === undefined ? names : names.filter((n) => n === entry);
  const out: T[] = [];
  for (const name of chosen) out.push(await loadEntryPoint<T>(pkg, group, name));
  return out;
}

/**
 * A key given twice in a section is refused: oslo.config takes the last one, which hides a
 * mistake (two `bank =` lines). Only `plugin` in `[provider]` may repeat (one line a package).
 */
function checkRepeatedKeys(file: string, sections: readonly IniSection[]): void {
  const problems: HoardError[] = [];
  for (const section of sections) {
    const first = new Map<string, number>();
    for (const entry of section.entries) {
      if (section.name === 'provider' && entry.key === 'plugin') continue;
      const earlier = first.get(entry.key);
      if (earlier === undefined) first.set(entry.key, entry.line);
      else
        problems.push(
          new HoardError(
            'PROVIDER_CONFIG_INVALID',
            `${file}:${entry.line}: [${section.name}] ${entry.key} is set twice (lines ${earlier} and ${entry.line}); keep one`,
            { file, line: entry.line, path: `${section.name}.${entry.key}` },
          ),
        );
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1)
    throw new HoardAggregateError('PROVIDER_CONFIG_INVALID', `${file}: keys set twice`, problems, { file });
}

/** A provider file read and its `[provider]` section checked, nothing imported yet. */
interface ParsedProviderFile {
  file: string;
  sections: IniSection[];
  providerSection: IniSection;
  /** The `[provider]` section's values, validated, defaults applied. */
  header: Record<string, unknown>;
}

/**
 * Parsing: reads a provider file and checks its `[provider]` section (keys, types, enabled).
 *
 * @throws `PROVIDER_CONFIG_INVALID` (file, line, key), `PROVIDER_DISABLED`
 */
async function parseProviderFile(file: string): Promise<ParsedProviderFile> {
  const text = await readRegularFile(file, 'PROVIDER_CONFIG_INVALID');
  const sections = parseIni(text, file);
  const providerSection = sections.find((s) => s.name === 'provider');
  if (providerSection === undefined) {
    throw new HoardError('PROVIDER_CONFIG_INVALID', `${file}: missing [provider] section`, { file, line: 1 });
  }
  checkRepeatedKeys(file, sections);
  const header = sectionToObject(providerSection, new Set(['plugin']));
  coerceIniBooleans(PROVIDER_SECTION_SCHEMA, header);
  const problems = configProblems(file, providerSection, providerSectionSchema, header);
  if (
    problems.length === 0 &&
    (header['lease_renew_window'] as number) >= (header['lease_expire_window'] as number)
  ) {
    const line = lineOf(providerSection, 'lease_renew_window');
    problems.push(
      new HoardError(
        'PROVIDER_CONFIG_INVALID',
        `${file}:${line}: [provider] lease_renew_window (${header['lease_renew_window']} s) must be shorter than lease_expire_window (${header['lease_expire_window']} s), or a lease lapses before it is renewed`,
        { file, line, path: 'provider.lease_renew_window' },
      ),
    );
  }
  if (problems.length > 0) {
    throw new HoardAggregateError(
      'PROVIDER_CONFIG_INVALID',
      `${file}: invalid [provider] section`,
      problems,
      { file },
    );
  }
  if (header['enabled'] === false) {
    throw new HoardError(
      'PROVIDER_DISABLED',
      `${file}: provider '${header['name'] as string}' is disabled (enabled = False)`,
      {
        file,
        line: lineOf(providerSection, 'enabled'),
      },
    );
  }
  return { file, sections, providerSection, header };
}

/**
 * Loads one provider file: parses it, resolves and imports its bank and plugins (loading), then
 * checks that they fit together ({@link assembleProvider}).
 *
 * @throws `PROVIDER_CONFIG_INVALID` (file, line, key), `PROVIDER_DISABLED`, `PLUGIN_NOT_FOUND`,
 * `PROTECTION_PLUGIN_CONFLICT`, `PROTECTION_PLUGIN_NOT_FOUND`, `PLUGIN_SCHEMA_INVALID`, …
 */
export async function loadProviderFile(file: string, options: DiscoveryOptions = {}): Promise<Provider> {
  const { sections, providerSection, header } = await parseProviderFile(file);
  const providerName = header['name'] as string;
  const locate = (key: string, value: string): { file: string; line: number } => ({
    file,
    line:
      providerSection.entries.find((e) => e.key === key && e.value === value)?.line ?? providerSection.line,
  });
  const withLocation = async <T>(key: string, value: string, load: () => Promise<T>): Promise<T> => {
    try {
      return await load();
    } catch (error) {
      const where = locate(key, value);
      if (isHoardError(error)) {
        throw new HoardError(
          error.code,
          `${where.file}:${where.line}: ${key} = ${value}: ${error.message}`,
          { ...where, plugin: value },
          { cause: error },
        );
      }
      throw error;
    }
  };

  // The bank.
  const bankReference = parsePackageReference(header['bank'] as string);
  const bankPackage = await withLocation('bank', header['bank'] as string, () =>
    resolvePluginPackage(bankReference.name, options),
  );
  const banks = await withLocation('bank', header['bank'] as string, () =>
    loadGroup<BankPlugin>(bankPackage, 'hoard.banks', bankReference.entry),
  );
  if (banks.length !== 1) {
    const where = locate('bank', header['bank'] as string);
    throw new HoardError(
      'PROVIDER_CONFIG_INVALID',
      `${where.file}:${where.line}: bank = ${header['bank']}: package '${bankPackage.name}' has ${banks.length} bank entry points; name one with '${bankPackage.name}#<entry>'`,
      where,
    );
  }
  const bankPlugin = banks[0]!;

  // The plugins: every protectable and protection plugin each package declares.
  const protectables: Protectable[] = [];
  const plugins: LoadedProtectionPlugin[] = [];
  for (const reference of (header['plugin'] as string[] | undefined) ?? []) {
    const { name, entry } = parsePackageReference(reference);
    const pkg = await withLocation('plugin', reference, () => resolvePluginPackage(name, options));
    const before = protectables.length;
    protectables.push(
      ...(await withLocation('plugin', reference, () =>
        loadGroup<Protectable>(pkg, 'hoard.protectables', entry),
      )),
    );
    const protections = await withLocation('plugin', reference, () =>
      loadGroup<ProtectionPlugin>(pkg, 'hoard.protections', entry),
    );
    const loadedProtectables = protectables.slice(before);
    await withLocation('plugin', reference, async () => {
      if (entry !== undefined && loadedProtectables.length === 0 && protections.length === 0) {
        throw new HoardError(
          'PLUGIN_ENTRY_POINT_INVALID',
          `Package '${pkg.name}' has no protectable or protection entry point named '${entry}' (it has: ${pluginEntryNames(pkg).join(', ') || 'none'})`,
          { plugin: pkg.name },
        );
      }
      checkDeclaredTypes(pkg, [
        ...loadedProtectables.map((p) => p.resourceType),
        ...protections.flatMap((p) => [...p.resourceTypes]),
      ]);
    });
    for (const protection of protections) {
      plugins.push(
        await withLocation('plugin', reference, async () => loadProtectionPlugin(protection, pkg.name)),
      );
    }
  }

  return assembleProvider({
    id: header['id'] as string,
    name: providerName,
    description: (header['description'] as string | undefined) ?? '',
    file,
    line: providerSection.line,
    bank: { packageName: bankPackage.name, plugin: bankPlugin },
    protectables,
    plugins,
    sections: sections
      .filter((section) => section.name !== 'provider')
      .map((section) => ({
        name: section.name,
        line: section.line,
        values: sectionToObject(section, new Set()),
        keyLines: Object.fromEntries(section.entries.map((e) => [e.key, e.line])),
      })),
    options: {
      concurrency: header['concurrency'] as number,
      workPoolSize: header['work_pool_size'] as number,
      hookTimeoutSeconds: header['hook_timeout'] as number,
      leaseExpireSeconds: header['lease_expire_window'] as number,
      leaseRenewSeconds: header['lease_renew_window'] as number,
      cancelGraceSeconds: header['cancel_grace'] as number,
      ...(header['projects'] !== undefined
        ? {
            projects: (header['projects'] as string)
              .split(',')
              .map((p) => p.trim())
              .filter((p) => p !== ''),
          }
        : {}),
    },
    baseDir: path.dirname(file),
  });
}
