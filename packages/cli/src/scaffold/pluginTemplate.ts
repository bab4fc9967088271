// The files `hoard plugins new` writes: a plugin package that installs, builds and passes its
// tests as generated (docs/writing-a-plugin.md, "Starting a plugin"). The example it holds protects
// the files of one configured directory, one resource per file: small enough to read in a sitting,
// real enough to show streaming into the bank, saved info, a restore that verifies, an idempotent
// delete, a config section and the kit's contract suite.

/** What the template is filled with. */
export interface PluginTemplateValues {
  /** npm package name, e.g. `@acme/hoard-plugin-notes`. */
  packageName: string;
  /** Resource type the plugin covers, e.g. `Acme::Notes::File`. */
  resourceType: string;
  /** Configuration section name, e.g. `notes_plugin`. */
  configSection: string;
  /** Range of `@hoard/core` to depend on, e.g. `^0.2.0`. */
  coreRange: string;
}

/** A short name for code identifiers and config: `@acme/hoard-plugin-notes` → `notes`. */
export function shortNameOf(packageName: string): string {
  const base = packageName.replace(/^@[^/]+\//, '').replace(/^hoard-plugin-/, '');
  return base.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'example';
}

/** `notes_v2` → `NotesV2`. */
export function pascalCase(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter((part) => part !== '')
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join('');
}

/** The files of a new plugin package, by path relative to its directory. */
export function pluginTemplate(values: PluginTemplateValues): Record<string, string> {
  const { packageName, resourceType, configSection, coreRange } = values;
  const packageJson = {
    name: packageName,
    version: '0.1.0',
    description: `Hoard plugin: protects the files of a directory as ${resourceType} resources`,
    type: 'module',
    license: 'Apache-2.0',
    exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    files: ['dist'],
    engines: { node: '>=20.19' },
    hoard: {
      apiVersion: 1,
      resourceTypes: [resourceType],
      entryPoints: {
        'hoard.protectables': { file: './dist/index.js#fileProtectable' },
        'hoard.protections': { file: './dist/index.js#fileProtectionPlugin' },
      },
    },
    scripts: {
      build: 'tsc -p tsconfig.json',
      typecheck: 'tsc -p tsconfig.json --noEmit && tsc -p tsconfig.test.json',
      test: 'vitest run',
      prepublishOnly: 'npm run build',
    },
    peerDependencies: { '@hoard/core': coreRange },
    devDependencies: {
      '@hoard/core': coreRange,
      '@types/node': '^20.19.0',
      typescript: '~5.9.3',
      vitest: '^4.1.0',
    },
  };
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    declaration: true,
    sourceMap: true,
    inlineSources: true,
    skipLibCheck: true,
    verbatimModuleSyntax: true,
    types: ['node'],
    outDir: 'dist',
    rootDir: 'src',
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify({ compilerOptions, include: ['src'], exclude: ['src/**/*.test.ts'] }, null, 2)}\n`,
    'tsconfig.test.json': `${JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['src'], exclude: [] }, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'README.md': readme(values),
    'src/schemas.ts': schemas(values),
    'src/fileProtectable.ts': protectable(values),
    'src/fileProtectionPlugin.ts': protectionPlugin(values),
    'src/index.ts': `export { FILE_RESOURCE_TYPE, fileProtectable } from './fileProtectable.js';\nexport { fileProtectionPlugin } from './fileProtectionPlugin.js';\n`,
    'src/plugin.test.ts': contractTest(values),
    'providers.d/example.conf': providerFile(values, configSection),
  };
}

function readme({ packageName, resourceType, configSection }: PluginTemplateValues): string {
  return `# ${packageName}

A [Hoard](https://www.npmjs.com/package/@hoard/cli) plugin. It protects each file of one directory
as a \`${resourceType}\` resource: protect streams the file into the bank and records its size and
SHA-256; restore writes it back under a new name and checks the hash; delete removes it from the bank.

Replace the example with what your plugin protects; keep the shape:

| file | what |
|---|---|
| \`package.json\` | \`hoard\` metadata: the API version, the resource types, the entry points Hoard loads |
| \`src/schemas.ts\` | JSON schemas (\`as const\`): parameters per operation, saved info, the \`[${configSection}]\` config section; the hooks' types come from them |
| \`src/fileProtectable.ts\` | lists and shows resources |
| \`src/fileProtectionPlugin.ts\` | the protect, restore and delete hooks |
| \`src/plugin.test.ts\` | the kit's contract suite (\`@hoard/core/testing\`) and a protectable test |
| \`providers.d/example.conf\` | a provider file that uses the plugin |

\`\`\`sh
npm install && npm run build && npm test
hoard plugins list                      # run where Hoard can see this package (see below)
hoard protect --provider-dir providers.d --provider example --resource '${resourceType}#<file name>'
\`\`\`

Hoard finds plugins installed in the current project (\`npm install ${packageName}\`) or beside a
global \`@hoard/cli\` (\`npm install -g ${packageName}\`).
`;
}

function schemas({ configSection }: PluginTemplateValues): string {
  return `// One source for validation and types: Hoard validates with these schemas, and the hooks'
// \`context.parameters\`, saved info and config are typed from them.

/** The configuration section this plugin reads from a provider file. */
export const CONFIG_SECTIONS = {
  ${configSection}: {
    type: 'object',
    required: ['directory'],
    properties: {
      directory: { type: 'string', minLength: 1, description: 'The directory whose files are protected' },
    },
  },
} as const;

/** Parameters of each operation, and the saved info a protect records. */
export const fileSchemas = {
  protect: {
    type: 'object',
    additionalProperties: false,
    properties: {
      note: { type: 'string', maxLength: 200, description: 'A note kept with the checkpoint' },
    },
  },
  restore: {
    type: 'object',
    additionalProperties: false,
    properties: {
      target_directory: {
        type: 'string',
        minLength: 1,
        description: 'Directory to restore into (default: the configured directory)',
      },
    },
  },
  delete: { type: 'object', additionalProperties: false, properties: {} },
  savedInfo: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'size', 'sha256'],
    properties: {
      name: { type: 'string' },
      size: { type: 'integer', minimum: 0 },
      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      note: { type: 'string' },
    },
  },
} as const;
`;
}

function protectable({ resourceType, configSection }: PluginTemplateValues): string {
  return `import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { defineProtectable, HoardError, type Resource } from '@hoard/core';
import { CONFIG_SECTIONS } from './schemas.js';

/** The resource type this plugin covers. */
export const FILE_RESOURCE_TYPE = '${resourceType}';

/** A resource id is a plain file name inside the configured directory: nothing else is read. */
export function checkFileName(id: string): string {
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\\\\') || id.includes('\\0')) {
    throw new HoardError('RESOURCE_NOT_FOUND', \`'\${id}' is not a file name in the ${configSection} directory\`, {
      resourceKey: \`\${FILE_RESOURCE_TYPE}#\${id}\`,
    });
  }
  return id;
}

async function fileResource(directory: string, id: string): Promise<Resource> {
  const info = await lstat(path.join(directory, checkFileName(id))).catch(() => undefined);
  if (!info?.isFile()) {
    throw new HoardError('RESOURCE_NOT_FOUND', \`'\${id}' is not a regular file in \${directory}\`, {
      resourceKey: \`\${FILE_RESOURCE_TYPE}#\${id}\`,
    });
  }
  return { type: FILE_RESOURCE_TYPE, id, name: id };
}

/** Lists the regular files of \`[${configSection}] directory\` (symbolic links are not followed). */
export const fileProtectable = defineProtectable({
  name: 'file',
  resourceType: FILE_RESOURCE_TYPE,
  parentTypes: [],
  configSections: CONFIG_SECTIONS,
  async list(context) {
    const directory = context.config.${configSection}.directory;
    const entries = await readdir(directory, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => ({ type: FILE_RESOURCE_TYPE, id: entry.name, name: entry.name }))
      .sort((a, b) => a.id.localeCompare(b.id));
  },
  show: async (context, id) => fileResource(context.config.${configSection}.directory, id),
  getDependentResources: async () => [],
});
`;
}

function protectionPlugin({ configSection }: PluginTemplateValues): string {
  return `import { createHash, randomUUID } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { link, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { defineProtectionPlugin, HoardError, type HookContexts } from '@hoard/core';
import { checkFileName, FILE_RESOURCE_TYPE } from './fileProtectable.js';
import { CONFIG_SECTIONS, fileSchemas } from './schemas.js';

type Config = { ${configSection}: { directory: string } };
type Contexts = HookContexts<typeof fileSchemas, Config>;

/** The bank object holding the file's bytes, inside this resource's own section of the bank. */
const CONTENT = 'content';

/** Counts bytes and hashes what passes through, reporting progress as it goes. */
function measuring(context: Contexts['protect'] | Contexts['restore']) {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      context.progress.bytes(chunk.length);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}

async function protectMain(context: Contexts['protect']) {
  const name = checkFileName(context.resource.id);
  const file = path.join(context.config.${configSection}.directory, name);
  const measured = measuring(context);
  // O_NOFOLLOW: a file swapped for a symbolic link is refused, never followed.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await handle.stat()).isFile()) {
      throw new HoardError('RESOURCE_NOT_FOUND', \`\${file} is not a regular file\`, {
        resourceKey: \`\${FILE_RESOURCE_TYPE}#\${name}\`,
      });
    }
    await context.bank.put(CONTENT, handle.createReadStream({ autoClose: false }).pipe(measured.stream));
  } finally {
    await handle.close();
  }
  const { size, sha256 } = measured.result();
  context.setSavedInfo({ name, size, sha256, ...(context.parameters.note === undefined ? {} : { note: context.parameters.note }) });
  return { size };
}

async function restoreMain(context: Contexts['restore']) {
  const info = await context.requireSavedInfo();
  const name = checkFileName(info.name);
  const directory = path.resolve(context.parameters.target_directory ?? context.config.${configSection}.directory);
  await mkdir(directory, { recursive: true });
  // Written to a temporary name, checked, then linked into place without replacing anything.
  const temporary = path.join(directory, \`.\${name}.\${randomUUID()}.partial\`);
  const target = path.join(directory, \`\${name}.restored-\${(context.restoreId ?? randomUUID()).slice(0, 8)}\`);
  const measured = measuring(context);
  try {
    await pipeline(await context.bank.getStream(CONTENT), measured.stream, createWriteStream(temporary, { flags: 'wx' }), {
      signal: context.signal,
    });
    const { size, sha256 } = measured.result();
    if (size !== info.size || sha256 !== info.sha256) {
      throw new HoardError('CHECKPOINT_INVALID', \`\${name}: the bank holds \${size} bytes with SHA-256 \${sha256}; the checkpoint recorded \${info.size} bytes with \${info.sha256}\`, {
        resourceKey: \`\${FILE_RESOURCE_TYPE}#\${name}\`,
      });
    }
    await link(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
  return { path: target };
}

/** Deletes the file's bytes from the bank; deleting what is already gone is not an error. */
async function deleteMain(context: Contexts['delete']) {
  await context.bank.delete(CONTENT);
}

/** Protects, restores and deletes the files of a directory. */
export const fileProtectionPlugin = defineProtectionPlugin({
  name: 'file',
  resourceTypes: [FILE_RESOURCE_TYPE],
  schemas: fileSchemas,
  configSections: CONFIG_SECTIONS,
  hooks: {
    protect: { main: protectMain },
    restore: { main: restoreMain },
    delete: { main: deleteMain },
  },
});
`;
}

function contractTest({ configSection }: PluginTemplateValues): string {
  return `import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { protectionPluginContractTests, testProtectable } from '@hoard/core/testing';
import { describe, expect, it } from 'vitest';
import { FILE_RESOURCE_TYPE, fileProtectable } from './fileProtectable.js';
import { fileProtectionPlugin } from './fileProtectionPlugin.js';

const directory = await mkdtemp(path.join(tmpdir(), 'hoard-plugin-test-'));
const config = { ${configSection}: { directory } };

// The kit's contract suite: protect → restore → delete, a delete run twice, a delete after a
// failed protect, and parameters the schemas must refuse.
protectionPluginContractTests('file', {
  plugin: fileProtectionPlugin,
  protectables: [fileProtectable],
  config,
  async createResource() {
    const name = \`file-\${randomUUID()}.txt\`;
    await writeFile(path.join(directory, name), \`contents of \${name}\\n\`);
    return { type: FILE_RESOURCE_TYPE, id: name, name };
  },
  parameters: { protect: { [FILE_RESOURCE_TYPE]: { note: 'from the contract test' } } },
  async verifyRestored(resource, result) {
    const restored = (result as { path: string }).path;
    expect(await readFile(restored, 'utf8')).toBe(\`contents of \${resource.id}\\n\`);
  },
  invalidProtectParameters: [{ note: 42 }, { unknown_option: true }],
});

describe('fileProtectable', () => {
  it('lists the files of the configured directory and refuses names outside it', async () => {
    await writeFile(path.join(directory, 'listed.txt'), 'x');
    const protectable = testProtectable(fileProtectable, { config });
    expect((await protectable.list()).map((r) => r.id)).toContain('listed.txt');
    await expect(protectable.show('../etc/passwd')).rejects.toMatchObject({ code: 'RESOURCE_NOT_FOUND' });
  });

  it('requires the directory in its config section', () => {
    expect(() => testProtectable(fileProtectable, { config: {} })).toThrow(/${configSection}/);
  });
});
`;
}

function providerFile({ packageName }: PluginTemplateValues, configSection: string): string {
  return `# A provider that protects the files of one directory into a directory bank.
# Paths are relative to this file.
[provider]
name = example
id = 00000000-0000-4000-8000-000000000001
bank = @hoard/bank-fs
plugin = ${packageName}

[file_system_bank_plugin]
file_system_bank_path = ../bank

# The directory whose files are protected (relative to where hoard runs).
[${configSection}]
directory = files
`;
}
