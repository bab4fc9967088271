import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { HoardError } from '@hoard/core';
import type { Command } from 'commander';
import type { CommandContext } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { pascalCase, pluginTemplate, shortNameOf } from '../../scaffold/pluginTemplate.js';
import { type CommandRunner, jsonOption } from '../options.js';

/** npm's rules for a new package name: lowercase, URL-safe, at most 214 characters. */
const NPM_NAME = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

const RESOURCE_TYPE = /^[A-Za-z][A-Za-z0-9]*(::[A-Za-z][A-Za-z0-9]*)+$/;

/** The range of `@hoard/core` a new plugin depends on: the core this CLI runs. */
async function coreRange(): Promise<string> {
  const file = createRequire(import.meta.url).resolve('@hoard/core/package.json');
  const { version } = JSON.parse(await readFile(file, 'utf8')) as { version: string };
  return `^${version}`;
}

/**
 * `hoard plugins new <package-name>`: writes a plugin package that installs, builds and passes its
 * tests as generated (a protectable and a protection plugin with schemas, a config section, the
 * kit's contract suite). Refuses a directory that is not empty: nothing is overwritten.
 */
export async function pluginNewCommand(
  context: CommandContext,
  options: { packageName: string; dir?: string; resourceType?: string },
): Promise<number> {
  const { packageName } = options;
  if (!NPM_NAME.test(packageName) || packageName.length > 214) {
    throw new HoardError(
      'USAGE_INVALID',
      `'${packageName}' is not a valid npm package name (lowercase letters, digits, - . _ ~, optionally @scope/)`,
    );
  }
  const short = shortNameOf(packageName);
  const scope = /^@([^/]+)\//.exec(packageName)?.[1];
  const resourceType =
    options.resourceType ?? `${pascalCase(scope ?? 'example')}::${pascalCase(short)}::File`;
  if (!RESOURCE_TYPE.test(resourceType)) {
    throw new HoardError(
      'USAGE_INVALID',
      `--resource-type '${resourceType}' must look like Vendor::Service::Thing (letters and digits, '::' between parts)`,
    );
  }
  const directory = path.resolve(options.dir ?? packageName.replace(/^@[^/]+\//, ''));
  const existing = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new HoardError('USAGE_INVALID', `Cannot use ${directory}: ${error.message}`);
  });
  if (existing.length > 0) {
    throw new HoardError('USAGE_INVALID', `${directory} is not empty; choose a new directory with --dir`);
  }
  const files = pluginTemplate({
    packageName,
    resourceType,
    configSection: `${short}_plugin`,
    coreRange: await coreRange(),
  });
  for (const [relative, text] of Object.entries(files)) {
    const file = path.join(directory, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, { flag: 'wx' });
  }
  if (context.json) {
    printJson(context.io, { directory, packageName, resourceType, files: Object.keys(files) });
    return EXIT.ok;
  }
  context.io.stdout(
    [
      `Created ${packageName} in ${directory} (resource type ${resourceType}):`,
      ...Object.keys(files).map((f) => `  ${f}`),
      '',
      'Next:',
      `  cd ${path.relative(process.cwd(), directory) || '.'}`,
      '  npm install && npm run build && npm test',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}

/** Declares `hoard plugins new`. */
export function registerPluginsNew(plugins: Command, run: CommandRunner): void {
  plugins
    .command('new')
    .description('write a new plugin package that builds and passes its tests as generated')
    .argument('<package-name>', 'npm name of the new package, e.g. @acme/hoard-plugin-notes')
    .option('--dir <directory>', 'where to write it (default: ./<name without scope>); must be empty')
    .option('--resource-type <type>', 'the resource type it covers (default: <Scope>::<Name>::File)')
    .addOption(jsonOption())
    .action((packageName: string, opts: { dir?: string; resourceType?: string }, command: Command) =>
      run(command, (context) => pluginNewCommand(context, { packageName, ...opts })),
    );
}
