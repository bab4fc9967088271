import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HoardError, isHoardError, messageOf } from '../errors/HoardError.js';

/** The entry point groups a package may declare (docs/protocol.md, "Discovery"). */
export type EntryPointGroup = 'hoard.protectables' | 'hoard.protections' | 'hoard.banks';
/** Every entry point group. */
export const ENTRY_POINT_GROUPS: readonly EntryPointGroup[] = [
  'hoard.protectables',
  'hoard.protections',
  'hoard.banks',
];

/** The plugin API version this core understands. */
export const PLUGIN_API_VERSION = 1;

/** A package's `hoard` metadata, read from its `package.json` without importing code. */
export interface PluginPackage {
  name: string;
  version: string;
  /** Directory of the package (symlinks resolved). */
  directory: string;
  /** Entry points by group, each `name → ./file.js#export`. */
  entryPoints: Partial<Record<EntryPointGroup, Record<string, string>>>;
  /**
   * Resource types the package's protectables and protection plugins cover, as its metadata
   * declares them (`hoard.resourceTypes`), so they can be shown without importing code.
   */
  resourceTypes?: string[];
  /**
   * Packages this one brings with it (`hoard.includes`): a meta-package such as
   * `@hoard/openstack-plugins` lists the plugin packages it depends on, and discovery looks for
   * them inside it, where a global install puts them.
   */
  includes?: string[];
}

/** A package found by discovery, with the error that makes it unusable, if any. */
export interface DiscoveredPackage {
  name: string;
  directory: string;
  package?: PluginPackage;
  error?: HoardError;
}

/** Where discovery looks: the user's project first, then the CLI's own installation. */
export interface DiscoveryOptions {
  /** Directories to resolve packages from, in order (default: the current directory). */
  searchFrom?: readonly string[];
}

function nodeModulesDirs(from: string): string[] {
  const dirs: string[] = [];
  let dir = path.resolve(from);
  for (;;) {
    // Inside node_modules (a global install), the folder itself holds the sibling packages.
    dirs.push(path.basename(dir) === 'node_modules' ? dir : path.join(dir, 'node_modules'));
    const parent = path.dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

/** An npm package name, scoped or not, with no path tricks (`..`, absolute paths). */
const PACKAGE_NAME = /^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;

/** The directory of package `name` as Node would resolve it from `from`, or undefined. */
async function findPackageDir(
  name: string,
  from: string,
  looked: string[] = [],
): Promise<string | undefined> {
  for (const dir of nodeModulesDirs(from)) {
    const candidate = path.join(dir, ...name.split('/'));
    looked.push(dir);
    try {
      await readFile(path.join(candidate, 'package.json'));
      return candidate;
    } catch {}
  }
  return undefined;
}

function checkMetadata(name: string, directory: string, json: Record<string, unknown>): PluginPackage {
  const meta = json['hoard'] as Record<string, unknown> | undefined;
  const file = path.join(directory, 'package.json');
  if (typeof meta !== 'object' || meta === null) {
    throw new HoardError('PLUGIN_PACKAGE_INVALID', `Package '${name}' has no "hoard" key in ${file}`, {
      plugin: name,
      file,
    });
  }
  if (meta['apiVersion'] !== PLUGIN_API_VERSION) {
    throw new HoardError(
      'PLUGIN_API_VERSION_UNSUPPORTED',
      `Package '${name}' declares hoard.apiVersion ${JSON.stringify(meta['apiVersion'])}; this Hoard supports apiVersion ${PLUGIN_API_VERSION}`,
      { plugin: name, file, path: 'hoard.apiVersion' },
    );
  }
  const includes = meta['includes'];
  if (
    includes !== undefined &&
    (!Array.isArray(includes) || !includes.every((n) => typeof n === 'string' && PACKAGE_NAME.test(n)))
  ) {
    throw new HoardError(
      'PLUGIN_PACKAGE_INVALID',
      `Package '${name}': hoard.includes must be an array of package names (${file})`,
      { plugin: name, file, path: 'hoard.includes' },
    );
  }
  const entryPoints = meta['entryPoints'] ?? (includes === undefined ? undefined : {});
  if (typeof entryPoints !== 'object' || entryPoints === null) {
    throw new HoardError(
      'PLUGIN_PACKAGE_INVALID',
      `Package '${name}': hoard.entryPoints must be an object (${file})`,
      {
        plugin: name,
        file,
        path: 'hoard.entryPoints',
      },
    );
  }
  const out: PluginPackage['entryPoints'] = {};
  for (const [group, entries] of Object.entries(entryPoints)) {
    if (!ENTRY_POINT_GROUPS.includes(group as EntryPointGroup)) {
      throw new HoardError(
        'PLUGIN_PACKAGE_INVALID',
        `Package '${name}': unknown entry point group '${group}' (known: ${ENTRY_POINT_GROUPS.join(', ')}) in ${file}`,
        { plugin: name, file, path: `hoard.entryPoints.${group}` },
      );
    }
    if (typeof entries !== 'object' || entries === null) {
      throw new HoardError(
        'PLUGIN_PACKAGE_INVALID',
        `Package '${name}': hoard.entryPoints.${group} must be an object`,
        {
          plugin: name,
          file,
        },
      );
    }
    for (const [entry, target] of Object.entries(entries)) {
      if (typeof target !== 'string' || !/^\.\/[^#]+#[A-Za-z_$][\w$]*$/.test(target)) {
        throw new HoardError(
          'PLUGIN_PACKAGE_INVALID',
          `Package '${name}': entry point ${group}.${entry} must look like "./dist/index.js#exportName", got ${JSON.stringify(target)}`,
          { plugin: name, file, path: `hoard.entryPoints.${group}.${entry}` },
        );
      }
    }
    out[group as EntryPointGroup] = entries as Record<string, string>;
  }
  const resourceTypes = meta['resourceTypes'];
  if (
    resourceTypes !== undefined &&
    (!Array.isArray(resourceTypes) || !resourceTypes.every((t) => typeof t === 'string' && t !== ''))
  ) {
    throw new HoardError(
      'PLUGIN_PACKAGE_INVALID',
      `Package '${name}': hoard.resourceTypes must be an array of resource type names (${file})`,
      { plugin: name, file, path: 'hoard.resourceTypes' },
    );
  }
  return {
    name,
    version: String(json['version'] ?? '0.0.0'),
    directory,
    entryPoints: out,
    ...(resourceTypes === undefined ? {} : { resourceTypes: resourceTypes as string[] }),
    ...(includes === undefined ? {} : { includes: includes as string[] }),
  };
}

async function readPackageAt(directory: string, expectedName?: string): Promise<PluginPackage> {
  const file = path.join(directory, 'package.json');
  const text = await readFile(file, 'utf8');
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new HoardError('PLUGIN_PACKAGE_INVALID', `${file} is not valid JSON`, { file }, { cause: error });
  }
  const name = typeof json['name'] === 'string' ? json['name'] : (expectedName ?? path.basename(directory));
  return checkMetadata(name, await realpath(directory), json);
}

/**
 * Finds an installed plugin package by name and reads its metadata (without importing code).
 *
 * @throws `PLUGIN_NOT_FOUND` when it is not installed where Hoard looks;
 * `PLUGIN_PACKAGE_INVALID` / `PLUGIN_API_VERSION_UNSUPPORTED` when its metadata is wrong
 */
export async function resolvePluginPackage(
  name: string,
  options: DiscoveryOptions = {},
): Promise<PluginPackage> {
  const searchFrom = options.searchFrom ?? [process.cwd()];
  const looked: string[] = [];
  for (const from of searchFrom) {
    const found = PACKAGE_NAME.test(name) ? await findPackageDir(name, from, looked) : undefined;
    if (found !== undefined) return readPackageAt(found, name);
  }
  // Not beside Hoard: maybe inside a meta-package that includes it (a global install).
  if (PACKAGE_NAME.test(name)) {
    for (const candidate of await discoverPluginPackages(options)) {
      if (candidate.package?.name === name && candidate.package !== undefined) return candidate.package;
    }
  }
  throw new HoardError(
    'PLUGIN_NOT_FOUND',
    `Package '${name}' is not installed (looked in the project at ${searchFrom[0] ?? process.cwd()} and in Hoard's own installation); install it with npm install ${name}`,
    { plugin: name, details: { searched: [...new Set(looked)].slice(0, 20) } },
  );
}

/**
 * Lists every installed package that declares Hoard entry points, with per-package errors.
 *
 * @remarks Reads only `package.json` files. A package whose metadata is wrong is listed with its
 * error rather than aborting discovery.
 */
export async function discoverPluginPackages(options: DiscoveryOptions = {}): Promise<DiscoveredPackage[]> {
  const searchFrom = options.searchFrom ?? [process.cwd()];
  const found = new Map<string, DiscoveredPackage>();
  const consider = async (directory: string): Promise<void> => {
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as Record<
        string,
        unknown
      >;
    } catch {
      return;
    }
    if (!('hoard' in json)) return;
    const name = typeof json['name'] === 'string' ? json['name'] : path.basename(directory);
    if (found.has(name)) return;
    try {
      found.set(name, { name, directory, package: checkMetadata(name, await realpath(directory), json) });
    } catch (error) {
      found.set(name, {
        name,
        directory,
        error: isHoardError(error)
          ? error
          : new HoardError('PLUGIN_PACKAGE_INVALID', messageOf(error), { plugin: name }),
      });
    }
  };
  const includedBy = async (bundle: PluginPackage): Promise<void> => {
    for (const included of bundle.includes ?? []) {
      if (found.has(included)) continue;
      const directory = await findPackageDir(included, bundle.directory);
      if (directory === undefined) {
        found.set(included, {
          name: included,
          directory: bundle.directory,
          error: new HoardError(
            'PLUGIN_NOT_FOUND',
            `Package '${included}', included by '${bundle.name}', is not installed (reinstall ${bundle.name})`,
            { plugin: included },
          ),
        });
        continue;
      }
      await consider(directory);
    }
  };
  for (const from of searchFrom) {
    for (const dir of nodeModulesDirs(from)) {
      let entries: string[];
      try {
        entries = await readdir(dir);
      } catch {
        continue;
      }
      for (const entry of entries.sort()) {
        if (entry.startsWith('.')) continue;
        if (entry.startsWith('@')) {
          let scoped: string[] = [];
          try {
            scoped = await readdir(path.join(dir, entry));
          } catch {
            continue;
          }
          for (const sub of scoped.sort()) await consider(path.join(dir, entry, sub));
        } else {
          await consider(path.join(dir, entry));
        }
      }
    }
  }
  // Meta-packages last, so a package installed beside Hoard wins over a copy inside a bundle.
  // A bundle may include a bundle: expand until nothing new appears.
  const expanded = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const entry of [...found.values()]) {
      if (entry.package?.includes === undefined || expanded.has(entry.name)) continue;
      expanded.add(entry.name);
      grew = true;
      await includedBy(entry.package);
    }
  }
  return [...found.values()];
}

/**
 * Where an entry point's module is, checked without importing it.
 *
 * @returns the absolute file, and a problem when it points outside the package or does not exist
 */
export async function locateEntryPoint(
  pkg: PluginPackage,
  group: EntryPointGroup,
  entry: string,
): Promise<{ file: string; exportName: string; problem?: string }> {
  const target = pkg.entryPoints[group]?.[entry] ?? '';
  const [file = '', exportName = ''] = target.split('#');
  const absolute = path.resolve(pkg.directory, file);
  if (!absolute.startsWith(pkg.directory + path.sep)) {
    return { file: absolute, exportName, problem: `'${file}' points outside the package` };
  }
  try {
    if (!(await stat(absolute)).isFile())
      return { file: absolute, exportName, problem: `${absolute} is not a file` };
  } catch {
    return { file: absolute, exportName, problem: `${absolute} does not exist (is the package built?)` };
  }
  return { file: absolute, exportName };
}

const BRANDS: Record<EntryPointGroup, string> = {
  'hoard.protectables': '@hoard/Protectable',
  'hoard.protections': '@hoard/ProtectionPlugin',
  'hoard.banks': '@hoard/Bank',
};

/**
 * Imports one entry point and checks its brand and `apiVersion`.
 *
 * @throws `PLUGIN_ENTRY_POINT_INVALID` naming the package and entry point
 */
export async function loadEntryPoint<T>(
  pkg: PluginPackage,
  group: EntryPointGroup,
  entry: string,
): Promise<T> {
  const target = pkg.entryPoints[group]?.[entry];
  const where = `${pkg.name} ${group}.${entry}`;
  if (target === undefined) {
    throw new HoardError(
      'PLUGIN_ENTRY_POINT_INVALID',
      `Package '${pkg.name}' has no entry point ${group}.${entry}`,
      {
        plugin: pkg.name,
      },
    );
  }
  const [file, exportName] = target.split('#') as [string, string];
  const absolute = path.resolve(pkg.directory, file);
  if (!absolute.startsWith(pkg.directory + path.sep)) {
    throw new HoardError('PLUGIN_ENTRY_POINT_INVALID', `${where}: '${file}' points outside the package`, {
      plugin: pkg.name,
    });
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    throw new HoardError(
      'PLUGIN_ENTRY_POINT_INVALID',
      `${where}: cannot import ${absolute}: ${messageOf(error)}`,
      { plugin: pkg.name },
      { cause: error },
    );
  }
  const value = module[exportName] as { $$type?: unknown; apiVersion?: unknown } | undefined;
  if (typeof value !== 'object' || value === null) {
    throw new HoardError('PLUGIN_ENTRY_POINT_INVALID', `${where}: ${file} does not export '${exportName}'`, {
      plugin: pkg.name,
    });
  }
  if (value.$$type !== BRANDS[group]) {
    throw new HoardError(
      'PLUGIN_ENTRY_POINT_INVALID',
      `${where}: export '${exportName}' is not a ${BRANDS[group]} (brand ${JSON.stringify(value.$$type)}); create it with the matching define* helper of @hoard/core`,
      { plugin: pkg.name },
    );
  }
  if (value.apiVersion !== PLUGIN_API_VERSION) {
    throw new HoardError(
      'PLUGIN_API_VERSION_UNSUPPORTED',
      `${where}: export '${exportName}' has apiVersion ${JSON.stringify(value.apiVersion)}; this Hoard supports apiVersion ${PLUGIN_API_VERSION}`,
      { plugin: pkg.name },
    );
  }
  return value as T;
}
