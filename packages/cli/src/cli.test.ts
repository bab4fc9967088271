import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakePluginPackage, runHoard, scratchDir, spawnHoard, writeFiles } from './testing/cliHarness.js';

const GRAPH = {
  resources: [
    {
      type: 'OS::Nova::Server',
      id: 's1',
      name: 'web',
      dependsOn: [{ type: 'OS::Cinder::Volume', id: 'v1' }],
    },
    { type: 'OS::Cinder::Volume', id: 'v1', name: 'data' },
  ],
};

let dir: string;
beforeAll(async () => {
  dir = await scratchDir('hoard-cli-');
  await writeFile(path.join(dir, 'graph.json'), JSON.stringify(GRAPH));
});

const localProvider = (bankPath: string, extra = '') => `[provider]
name = local
id = 11111111-2222-3333-4444-555555555555
bank = @hoard/bank-fs
plugin = @hoard/plugin-directory
${extra}
[file_system_bank_plugin]
file_system_bank_path = ${bankPath}
`;

describe('hoard flow (docs/protocol.md, "hoard flow")', () => {
  it('prints every task and exactly the rule edges as JSON', () => {
    const run = runHoard([
      'flow',
      '--graph',
      path.join(dir, 'graph.json'),
      '--operation',
      'protect',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const flow = run.json<{
      operation: string;
      tasks: { id: string; resource: unknown; hook: string }[];
      edges: [string, string][];
    }>();
    expect(flow.operation).toBe('protect');
    expect(flow.tasks).toHaveLength(8);
    expect(flow.tasks[0]).toEqual({
      id: 'OS::Nova::Server#s1/prepare_begin',
      resource: { type: 'OS::Nova::Server', id: 's1' },
      hook: 'prepare_begin',
    });
    expect(flow.edges).toContainEqual([
      'OS::Nova::Server#s1/prepare_begin',
      'OS::Cinder::Volume#v1/prepare_begin',
    ]);
    expect(flow.edges).toContainEqual([
      'OS::Cinder::Volume#v1/prepare_finish',
      'OS::Nova::Server#s1/prepare_finish',
    ]);
    expect(flow.edges).toContainEqual(['OS::Cinder::Volume#v1/complete', 'OS::Nova::Server#s1/complete']);
    expect(flow.edges).toHaveLength(9);
    expect(run.stderr).toBe('');
  });

  it('compiles restore and delete the same way', () => {
    for (const operation of ['restore', 'delete']) {
      const run = runHoard([
        'flow',
        '--graph',
        path.join(dir, 'graph.json'),
        '--operation',
        operation,
        '--json',
      ]);
      expect(run.code).toBe(0);
      expect(run.json<{ operation: string; edges: unknown[] }>()).toMatchObject({ operation });
    }
  });

  it('draws mermaid and dot', () => {
    const mermaid = runHoard([
      'flow',
      '--graph',
      path.join(dir, 'graph.json'),
      '--operation',
      'protect',
      '--format',
      'mermaid',
    ]);
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart TD');
    expect(mermaid.stdout).toContain('["OS::Nova::Server#s1/prepare_begin"]');
    const dot = runHoard([
      'flow',
      '--graph',
      path.join(dir, 'graph.json'),
      '--operation',
      'delete',
      '--format',
      'dot',
    ]);
    expect(dot.stdout).toMatch(/^digraph flow \{/);
    expect(dot.stdout).toContain('->');
  });

  it('names a missing child: JSON error on stdout with --json, one line on stderr without', async () => {
    const file = path.join(dir, 'missing.json');
    await writeFile(
      file,
      JSON.stringify({ resources: [{ type: 'A', id: '1', dependsOn: [{ type: 'B', id: '2' }] }] }),
    );
    const json = runHoard(['flow', '--graph', file, '--operation', 'protect', '--json']);
    expect(json.code).not.toBe(0);
    expect(json.json()).toEqual({
      error: {
        code: 'RESOURCE_GRAPH_INVALID',
        message: `${file}: resources[0].dependsOn[0]: 'A#1' depends on 'B#2', which is not listed in resources`,
        file,
        path: 'resources[0].dependsOn[0]',
        resourceKey: 'B#2',
      },
    });
    const text = runHoard(['flow', '--graph', file, '--operation', 'protect']);
    expect(text.code).toBe(2);
    expect(text.stdout).toBe('');
    expect(text.stderr.trim().split('\n')).toHaveLength(1);
    expect(text.stderr).toContain("'B#2'");
  });

  it('rejects a cycle with its path, malformed JSON with its line, unknown fields with their path', async () => {
    const cycle = path.join(dir, 'cycle.json');
    await writeFile(
      cycle,
      JSON.stringify({
        resources: [
          { type: 'A', id: '1', dependsOn: [{ type: 'A', id: '2' }] },
          { type: 'A', id: '2', dependsOn: [{ type: 'A', id: '1' }] },
        ],
      }),
    );
    const run = runHoard(['flow', '--graph', cycle, '--operation', 'protect', '--json']);
    expect(run.code).toBe(2);
    expect(run.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'RESOURCE_GRAPH_CYCLE',
    });
    expect(run.json<{ error: { message: string } }>().error.message).toContain('A#1 → A#2 → A#1');

    const malformed = path.join(dir, 'malformed.json');
    await writeFile(malformed, '{"resources": [\n  {"type": "A", "id": "1"},\n  oops\n]}');
    const bad = runHoard(['flow', '--graph', malformed, '--operation', 'protect']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${malformed}:3:3: invalid JSON: invalid symbol`);

    const unknown = path.join(dir, 'unknown.json');
    await writeFile(
      unknown,
      JSON.stringify({ resources: [{ type: 'A', id: '1', parent: 'x' }], extra: true }),
    );
    const fields = runHoard(['flow', '--graph', unknown, '--operation', 'protect', '--json']);
    expect(fields.code).toBe(2);
    const message = fields.json<{ error: { message: string } }>().error.message;
    expect(message).toContain('resources[0].parent: is not allowed (unknown field)');
    expect(message).toContain('extra: is not allowed (unknown field)');
  });

  it('rejects a bad operation as a usage error', () => {
    const run = runHoard(['flow', '--graph', path.join(dir, 'graph.json'), '--operation', 'copy', '--json']);
    expect(run.code).toBe(2);
    expect(run.json<{ error: { code: string } }>().error.code).toBe('USAGE_INVALID');
  });

  it('with --provider drops tasks of unimplemented hooks and keeps the order of the rest', async () => {
    const providers = path.join(dir, 'flow-providers');
    await mkdir(providers, { recursive: true });
    await writeFile(path.join(providers, 'local.conf'), localProvider(path.join(dir, 'flow-bank')));
    const graph = path.join(dir, 'dirs.json');
    await writeFile(
      graph,
      JSON.stringify({
        resources: [
          {
            type: 'Hoard::Local::Directory',
            id: '/a',
            dependsOn: [{ type: 'Hoard::Local::Directory', id: '/b' }],
          },
          { type: 'Hoard::Local::Directory', id: '/b' },
        ],
      }),
    );
    const run = runHoard([
      'flow',
      '--graph',
      graph,
      '--operation',
      'protect',
      '--provider',
      'local',
      '--provider-dir',
      providers,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const flow = run.json<{ tasks: { id: string }[]; edges: [string, string][] }>();
    expect(flow.tasks.map((t) => t.id).sort()).toEqual([
      'Hoard::Local::Directory#/a/main',
      'Hoard::Local::Directory#/b/main',
    ]);
    expect(flow.edges).toEqual([]);
    const unknown = runHoard([
      'flow',
      '--graph',
      path.join(dir, 'graph.json'),
      '--operation',
      'protect',
      '--provider',
      'local',
      '--provider-dir',
      providers,
      '--json',
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.json<{ error: { code: string; message: string } }>().error.message).toContain(
      "'OS::Nova::Server'",
    );
  });
});

describe('providers and plugins: bad input', () => {
  async function providerDir(files: Record<string, string>): Promise<string> {
    const root = await scratchDir('hoard-providers-');
    await writeFiles(root, files);
    return root;
  }

  it('lists every provider file, each broken one with its own error (file, line, key)', async () => {
    const root = await providerDir({
      'providers.d/a-good.conf': localProvider('../bank'),
      'providers.d/b-no-provider.conf': '[file_system_bank_plugin]\nfile_system_bank_path = x\n',
      'providers.d/c-no-bank.conf': '[provider]\nname = nobank\nid = 2\nplugin = @hoard/plugin-directory\n',
      'providers.d/d-uninstalled.conf':
        '[provider]\nname = missing\nid = 3\nbank = @hoard/bank-fs\nplugin = @acme/not-installed\n',
      'providers.d/e-garbage.conf': '[provider]\nname = x\nthis line is wrong\n',
      'providers.d/f-bank-path-missing.conf': '[provider]\nname = nopath\nid = 6\nbank = @hoard/bank-fs\n',
      'providers.d/g-bad-projects.conf': localProvider('../bank7', 'projects = a, , b')
        .replace('name = local', 'name = badprojects')
        .replace('11111111', '77777777'),
    });
    const run = runHoard(['provider', 'list', '--json'], { cwd: root });
    expect(run.code).toBe(0);
    const list = run.json<{ file: string; status: string; error?: { code: string; message: string } }[]>();
    const byFile = Object.fromEntries(list.map((e) => [path.basename(e.file), e]));
    expect(byFile['a-good.conf']?.status).toBe('ok');
    expect(byFile['b-no-provider.conf']?.error).toEqual({
      code: 'PROVIDER_CONFIG_INVALID',
      message: `${path.join(root, 'providers.d', 'b-no-provider.conf')}: missing [provider] section`,
    });
    expect(byFile['c-no-bank.conf']?.error?.message).toContain(
      'c-no-bank.conf:1: [provider] bank: is required',
    );
    expect(byFile['d-uninstalled.conf']?.error?.code).toBe('PLUGIN_NOT_FOUND');
    expect(byFile['d-uninstalled.conf']?.error?.message).toContain(
      'd-uninstalled.conf:5: plugin = @acme/not-installed',
    );
    expect(byFile['e-garbage.conf']?.error?.message).toContain('e-garbage.conf:3: expected "key = value"');
    expect(byFile['f-bank-path-missing.conf']?.error?.message).toContain(
      '[file_system_bank_plugin] file_system_bank_path: is required',
    );
    expect(byFile['g-bad-projects.conf']?.error?.message).toContain(
      'g-bad-projects.conf:6: [provider] projects',
    );
    const text = runHoard(['provider', 'list'], { cwd: root });
    expect(text.stdout).toContain('ERROR PLUGIN_NOT_FOUND');
  });

  it("honours Karbor's enabled = False (any oslo boolean spelling)", async () => {
    const root = await providerDir({
      'providers.d/off.conf': localProvider('../bank', 'enabled = False'),
      'providers.d/on.conf': localProvider('../bank2', 'enabled = yes')
        .replace('name = local', 'name = other')
        .replace('11111111', '22222222'),
    });
    const list = runHoard(['provider', 'list', '--json'], { cwd: root }).json<
      { name: string; status: string; error?: { code: string } }[]
    >();
    expect(list.map((p) => [p.name, p.status, p.error?.code])).toEqual([
      ['local', 'disabled', 'PROVIDER_DISABLED'],
      ['other', 'ok', undefined],
    ]);
  });

  it('rejects a type covered by two plugins, naming both', async () => {
    const root = await providerDir({
      ...fakePluginPackage('acme-one', { types: ['Acme::Thing'] }),
      ...fakePluginPackage('acme-two', { types: ['Acme::Thing'] }),
      'providers.d/p.conf': `[provider]\nname = p\nid = 1\nbank = @hoard/bank-fs\nplugin = acme-one\nplugin = acme-two\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
    });
    const run = runHoard(['provider', 'show', 'p', '--json'], { cwd: root });
    expect(run.code).toBe(3);
    const error = run.json<{ error: { code: string; message: string } }>().error;
    expect(error.code).toBe('PROTECTION_PLUGIN_CONFLICT');
    expect(error.message).toContain(
      "resource type 'Acme::Thing' is covered by two protection plugins: acme-one (thing) and acme-two (thing)",
    );
  });

  it('blames an invalid plugin schema and a wrong apiVersion on the package', async () => {
    const root = await providerDir({
      ...fakePluginPackage('acme-badschema', { protectSchema: { type: 'not-a-type' } }),
      ...fakePluginPackage('acme-future', { apiVersion: 2 }),
      'providers.d/schema.conf': `[provider]\nname = schema\nid = 1\nbank = @hoard/bank-fs\nplugin = acme-badschema\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
      'providers.d/future.conf': `[provider]\nname = future\nid = 2\nbank = @hoard/bank-fs\nplugin = acme-future\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
    });
    const schema = runHoard(['provider', 'show', 'schema', '--json'], { cwd: root });
    expect(schema.code).toBe(3);
    expect(schema.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PLUGIN_SCHEMA_INVALID',
    });
    expect(schema.json<{ error: { message: string } }>().error.message).toContain('acme-badschema');
    const future = runHoard(['provider', 'show', 'future', '--json'], { cwd: root });
    expect(future.code).toBe(3);
    expect(future.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PLUGIN_API_VERSION_UNSUPPORTED',
    });
    expect(future.json<{ error: { message: string } }>().error.message).toContain(
      "Package 'acme-future' declares hoard.apiVersion 2",
    );
    const plugins = runHoard(['plugins', 'list', '--json'], { cwd: root });
    const listed = plugins.json<{ name: string; error?: { code: string } }[]>();
    expect(listed.find((p) => p.name === 'acme-future')?.error?.code).toBe('PLUGIN_API_VERSION_UNSUPPORTED');
    expect(listed.find((p) => p.name === '@hoard/plugin-directory')).toBeDefined();
  });

  it('lists plugins from their metadata without running any plugin code', async () => {
    const marker = 'imported.marker';
    const root = await providerDir({
      ...fakePluginPackage('acme-loud'),
      // Importing this module would leave a marker file and then throw.
      'node_modules/acme-loud/index.js': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\nthrow new Error('plugin code ran');\n`,
      ...fakePluginPackage('acme-unbuilt'),
    });
    await rm(path.join(root, 'node_modules/acme-unbuilt/index.js'));
    const run = runHoard(['plugins', 'list', '--json'], { cwd: root });
    expect(run.code).toBe(0);
    const listed =
      run.json<
        { name: string; entryPoints: { group: string; error?: { code: string; message: string } }[] }[]
      >();
    const loud = listed.find((p) => p.name === 'acme-loud');
    expect(loud?.entryPoints.map((e) => e.group)).toEqual(['hoard.protectables', 'hoard.protections']);
    expect(loud?.entryPoints.every((e) => e.error === undefined)).toBe(true);
    expect(await readdir(root)).not.toContain(marker);
    const unbuilt = listed.find((p) => p.name === 'acme-unbuilt');
    expect(unbuilt?.entryPoints[0]?.error).toMatchObject({ code: 'PLUGIN_ENTRY_POINT_INVALID' });
    expect(unbuilt?.entryPoints[0]?.error?.message).toContain('does not exist (is the package built?)');
    const directory = listed.find((p) => p.name === '@hoard/plugin-directory') as unknown as {
      resourceTypes: string[];
    };
    expect(directory.resourceTypes).toEqual(['Hoard::Local::Directory']);
  });

  it('finds plugins inside a meta-package (hoard.includes), as a global install lays them out', async () => {
    const inner = Object.fromEntries(
      Object.entries(fakePluginPackage('acme-inner')).map(([file, text]) => [
        file.replace('node_modules/', 'node_modules/acme-bundle/node_modules/'),
        text,
      ]),
    );
    const root = await providerDir({
      ...inner,
      'node_modules/acme-bundle/package.json': JSON.stringify({
        name: 'acme-bundle',
        version: '1.0.0',
        hoard: { apiVersion: 1, includes: ['acme-inner', 'acme-missing'] },
      }),
      'providers.d/bundle.conf': `[provider]\nname = bundle\nid = 3\nbank = @hoard/bank-fs\nplugin = acme-inner\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
    });
    const run = runHoard(['plugins', 'list', '--json'], { cwd: root });
    expect(run.code).toBe(0);
    const listed = run.json<{ name: string; error?: { code: string; message: string } }[]>();
    expect(listed.find((p) => p.name === 'acme-inner')?.error).toBeUndefined();
    expect(listed.find((p) => p.name === 'acme-missing')?.error).toMatchObject({ code: 'PLUGIN_NOT_FOUND' });
    expect(listed.find((p) => p.name === 'acme-missing')?.error?.message).toContain(
      "included by 'acme-bundle'",
    );
    const shown = runHoard(['provider', 'show', 'bundle', '--json'], { cwd: root });
    expect(shown.code).toBe(0);
    expect(shown.json<{ plugins: { package: string }[] }>().plugins.map((p) => p.package)).toEqual([
      'acme-inner',
    ]);
  });

  it('refuses a plugin entry point that does not exist and types the metadata does not declare', async () => {
    const root = await providerDir({
      ...fakePluginPackage('acme-typed'),
      'providers.d/entry.conf': `[provider]\nname = entry\nid = 1\nbank = @hoard/bank-fs\nplugin = acme-typed#nonexistent\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
      'providers.d/types.conf': `[provider]\nname = types\nid = 2\nbank = @hoard/bank-fs\nplugin = acme-typed\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
    });
    const entry = runHoard(['provider', 'show', 'entry', '--json'], { cwd: root });
    expect(entry.code).toBe(3);
    expect(entry.json<{ error: { code: string; message: string } }>().error.message).toContain(
      "Package 'acme-typed' has no protectable or protection entry point named 'nonexistent' (it has: thing)",
    );
    const packageFile = path.join(root, 'node_modules/acme-typed/package.json');
    const metadata = JSON.parse(await readFile(packageFile, 'utf8')) as { hoard: Record<string, unknown> };
    metadata.hoard['resourceTypes'] = ['Acme::Other'];
    await writeFile(packageFile, JSON.stringify(metadata));
    const types = runHoard(['provider', 'show', 'types', '--json'], { cwd: root });
    expect(types.code).toBe(3);
    expect(types.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PLUGIN_PACKAGE_INVALID',
    });
    expect(types.json<{ error: { message: string } }>().error.message).toContain(
      `covers resource type 'Acme::acme-typed::Thing' that its package.json "hoard.resourceTypes" does not declare`,
    );
  });

  it('refuses a bank path that is a file (exit 3) and writes nothing', async () => {
    const root = await providerDir({ bankfile: 'not a directory', 'data/x.txt': 'x' });
    await writeFiles(root, { 'providers.d/local.conf': localProvider('../bankfile') });
    const run = runHoard(
      [
        'protect',
        '--provider',
        'local',
        '--resource',
        `Hoard::Local::Directory#${path.join(root, 'data')}`,
        '--json',
      ],
      { cwd: root },
    );
    expect(run.code).toBe(3);
    expect(run.json<{ error: { code: string; message: string } }>().error).toEqual({
      code: 'BANK_PATH_INVALID',
      message: `Bank path ${path.join(root, 'bankfile', 'hoard')} cannot be created: a parent is a file`,
      file: path.join(root, 'bankfile', 'hoard'),
    });
  });

  it('rejects an unknown resource type and a malformed --resource', async () => {
    const root = await providerDir({ 'providers.d/local.conf': localProvider('../bank') });
    const unknown = runHoard(
      ['protect', '--provider', 'local', '--resource', 'OS::Nova::Server#1', '--json'],
      { cwd: root },
    );
    expect(unknown.code).toBe(2);
    expect(unknown.json<{ error: { code: string } }>().error.code).toBe('RESOURCE_TYPE_UNKNOWN');
    const malformed = runHoard(['protect', '--provider', 'local', '--resource', 'no-hash', '--json'], {
      cwd: root,
    });
    expect(malformed.code).toBe(2);
    const missing = runHoard(['protect', '--provider', 'nope', '--resource', 'a#b', '--json'], { cwd: root });
    expect(missing.code).toBe(3);
    expect(missing.json<{ error: { code: string; message: string } }>().error.message).toContain(
      '(providers: local)',
    );
  });
});

describe('protect → list → restore → delete through the CLI', () => {
  it('round-trips a directory; --dry-run writes nothing; parameters files are validated', async () => {
    const root = await scratchDir('hoard-cli-rt-');
    await writeFiles(root, {
      'providers.d/local.conf': localProvider('../bank'),
      'app/index.html': '<h1>hi</h1>',
      'app/assets/logo.svg': '<svg/>',
      'bad-params.json': JSON.stringify({ 'Hoard::Local::Directory': { exclude: 'not-an-array' } }),
    });
    const resource = `Hoard::Local::Directory#${path.join(root, 'app')}`;
    const dry = runHoard(['protect', '--provider', 'local', '--resource', resource, '--dry-run', '--json'], {
      cwd: root,
    });
    expect(dry.code).toBe(0);
    expect(
      dry.json<{ dryRun: boolean; flow: { tasks: unknown[] }; parameters: Record<string, unknown> }>(),
    ).toMatchObject({
      dryRun: true,
      parameters: { [resource]: { exclude: [] } },
    });
    const none = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(none.json()).toEqual([]);

    const bad = runHoard(
      ['protect', '--provider', 'local', '--resource', resource, '--parameters', 'bad-params.json', '--json'],
      { cwd: root },
    );
    expect(bad.code).toBe(2);
    expect(bad.json<{ error: { code: string; message: string } }>().error.message).toContain(
      `bad-params.json: ${resource}.exclude: must be array`,
    );

    const protect = runHoard(['protect', '--provider', 'local', '--resource', resource, '--json'], {
      cwd: root,
    });
    expect(protect.code).toBe(0);
    const checkpoint = protect.json<{ id: string; status: string }>();
    expect(checkpoint.status).toBe('available');
    expect(
      protect.stderr
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).type),
    ).toContain('task-finished');

    const list = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(list.json<{ id: string }[]>().map((c) => c.id)).toEqual([checkpoint.id]);
    const restore = runHoard(['restore', '--provider', 'local', '--checkpoint', checkpoint.id, '--json'], {
      cwd: root,
    });
    expect(restore.code).toBe(0);
    expect(restore.json<{ status: string }>().status).toBe('success');
    const del = runHoard(['checkpoint', 'delete', checkpoint.id, '--provider', 'local', '--json'], {
      cwd: root,
    });
    expect(del.json()).toEqual({ id: checkpoint.id, status: 'deleted' });
    const gone = runHoard(['checkpoint', 'show', checkpoint.id, '--provider', 'local', '--json'], {
      cwd: root,
    });
    expect(gone.code).toBe(2);
    expect(gone.json<{ error: { code: string } }>().error.code).toBe('CHECKPOINT_NOT_FOUND');
  });
});

describe('checkpoint show and restore records', () => {
  it('shows effective parameters and saved info; lists, shows and deletes restore records', async () => {
    const root = await scratchDir('hoard-cli-records-');
    await writeFiles(root, {
      'providers.d/local.conf': localProvider('../bank'),
      'app/a.txt': 'a',
      'app/tmp/scratch': 'x',
      'params.json': JSON.stringify({ 'Hoard::Local::Directory': { exclude: ['tmp'] } }),
    });
    const resource = `Hoard::Local::Directory#${path.join(root, 'app')}`;
    const protect = runHoard(
      ['protect', '--provider', 'local', '--resource', resource, '--parameters', 'params.json', '--json'],
      { cwd: root },
    );
    expect(protect.code).toBe(0);
    const { id } = protect.json<{ id: string }>();
    const show = runHoard(['checkpoint', 'show', id, '--provider', 'local', '--json'], { cwd: root });
    expect(show.code).toBe(0);
    const details = show.json<{
      resourceDetails: Record<string, { parameters: unknown; savedInfo: { files: { path: string }[] } }>;
    }>().resourceDetails[resource];
    expect(details?.parameters).toEqual({ exclude: ['tmp'] });
    expect(details?.savedInfo.files.map((f) => f.path)).toEqual(['a.txt']);
    const human = runHoard(['checkpoint', 'show', id, '--provider', 'local'], { cwd: root });
    expect(human.stdout).toContain('    parameters  {"exclude":["tmp"]}');
    expect(human.stdout).toContain('    saved info  {"root":');

    const none = runHoard(['restore', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(none.json()).toEqual([]);
    const restores: string[] = [];
    for (const target of ['r1', 'r2']) {
      await writeFiles(root, {
        [`${target}.json`]: JSON.stringify({ [resource]: { target: path.join(root, target) } }),
      });
      const run = runHoard(
        ['restore', '--provider', 'local', '--checkpoint', id, '--parameters', `${target}.json`, '--json'],
        { cwd: root },
      );
      expect(run.code).toBe(0);
      restores.push(run.json<{ id: string }>().id);
    }
    const list = runHoard(['restore', 'list', '--provider', 'local', '--checkpoint', id, '--json'], {
      cwd: root,
    });
    expect(list.code).toBe(0);
    expect(list.json<{ id: string; status: string }[]>().map((r) => [r.id, r.status])).toEqual([
      [restores[1], 'success'],
      [restores[0], 'success'],
    ]);
    const one = runHoard(['restore', 'show', restores[0]!, '--provider', 'local', '--json'], { cwd: root });
    expect(one.json<{ checkpointId: string }>().checkpointId).toBe(id);
    const deleted = runHoard(['restore', 'delete', restores[0]!, '--provider', 'local', '--json'], {
      cwd: root,
    });
    expect(deleted.json()).toEqual({ id: restores[0], deleted: true });
    const after = runHoard(['restore', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(after.json<{ id: string }[]>().map((r) => r.id)).toEqual([restores[1]]);
    // The restored files stay: deleting a record deletes no data.
    expect(await readFile(path.join(root, 'r1', 'a.txt'), 'utf8')).toBe('a');
    const gone = runHoard(['restore', 'show', restores[0]!, '--provider', 'local', '--json'], { cwd: root });
    expect(gone.code).toBe(2);
    expect(gone.json<{ error: { code: string } }>().error.code).toBe('RESTORE_NOT_FOUND');
    const noCheckpoint = runHoard(['restore', '--provider', 'local', '--json'], { cwd: root });
    expect(noCheckpoint.code).toBe(2);
    expect(noCheckpoint.json<{ error: { message: string } }>().error.message).toContain('--checkpoint');
  });
});

describe('cancel', () => {
  it('SIGINT aborts running hooks, exits 130 and leaves the checkpoint error (cancelled)', async () => {
    const root = await scratchDir('hoard-cancel-');
    await writeFiles(root, {
      ...fakePluginPackage('acme-slow', { types: ['Acme::Slow'], hang: true }),
      'providers.d/slow.conf':
        '[provider]\nname = slow\nid = 9\nbank = @hoard/bank-fs\nplugin = acme-slow\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    });
    const hoard = spawnHoard(['protect', '--provider', 'slow', '--resource', 'Acme::Slow#1', '--json'], root);
    await hoard.taskStarted;
    hoard.kill('SIGINT');
    expect(await hoard.exited).toBe(130);
    expect(JSON.parse(hoard.stdout())).toMatchObject({
      status: 'error',
      reason: 'cancelled',
      resources: { 'Acme::Slow#1': { status: 'cancelled' } },
    });
    const list = runHoard(['checkpoint', 'list', '--provider', 'slow', '--json'], { cwd: root });
    expect(list.json<{ status: string; reason: string }[]>()).toMatchObject([
      { status: 'error', reason: 'cancelled' },
    ]);
  });

  it('SIGTERM records the cancel after cancel_grace and exits 130, even with the hook still pending', async () => {
    const root = await scratchDir('hoard-cancel-stuck-');
    await writeFiles(root, {
      ...fakePluginPackage('acme-stuck', { types: ['Acme::Stuck'], hang: 'ignoring-signal' }),
      'providers.d/stuck.conf':
        '[provider]\nname = stuck\nid = 10\nbank = @hoard/bank-fs\nplugin = acme-stuck\ncancel_grace = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    });
    const hoard = spawnHoard(
      ['protect', '--provider', 'stuck', '--resource', 'Acme::Stuck#1', '--json'],
      root,
    );
    await hoard.taskStarted;
    hoard.kill('SIGTERM');
    const timeout = setTimeout(() => hoard.kill('SIGKILL'), 20_000);
    const code = await hoard.exited;
    clearTimeout(timeout);
    expect(code).toBe(130);
    expect(JSON.parse(hoard.stdout())).toMatchObject({ status: 'error', reason: 'cancelled' });
  });
});

describe('input handling (issue 9, defect 11)', () => {
  it('refuses keys set twice, a lease renewed after it lapses, and a container that moves the bank root', async () => {
    const root = await scratchDir('hoard-input-');
    await writeFiles(root, {
      'providers.d/twice.conf': `[provider]\nname = twice\nid = 1\nbank = @hoard/bank-fs\nbank = @hoard/bank-swift\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = b\n`,
      'providers.d/lease.conf': `${localProvider('../bank').replace('[provider]\n', '[provider]\nlease_renew_window = 120\n').replace('id = 11111111-2222-3333-4444-555555555555', 'id = 2').replace('name = local', 'name = lease')}`,
      'providers.d/up.conf': `[provider]\nname = up\nid = 3\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = b\nbank_object_container = ..\n`,
    });
    const twice = runHoard(['provider', 'show', 'twice', '--json'], { cwd: root });
    expect(twice.code).toBe(3);
    expect(twice.json<{ error: { message: string } }>().error.message).toContain(
      'bank is set twice (lines 4 and 5)',
    );
    const lease = runHoard(['provider', 'show', 'lease', '--json'], { cwd: root });
    expect(lease.code).toBe(3);
    expect(lease.json<{ error: { message: string } }>().error.message).toContain(
      'lease_renew_window (120 s) must be shorter than lease_expire_window (120 s)',
    );
    const up = runHoard(['provider', 'show', 'up', '--json'], { cwd: root });
    expect(up.code).toBe(3);
    expect(up.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PROVIDER_CONFIG_INVALID',
    });
    expect(up.json<{ error: { message: string } }>().error.message).toContain('bank_object_container');
  });

  it('refuses two providers with one name, naming both files', async () => {
    const root = await scratchDir('hoard-dupname-');
    await writeFiles(root, {
      'providers.d/a.conf': localProvider('../bank'),
      'providers.d/b.conf': localProvider('../bank2').replace(
        'id = 11111111-2222-3333-4444-555555555555',
        'id = 2',
      ),
    });
    const list = runHoard(['provider', 'list', '--json'], { cwd: root });
    const entries = list.json<{ file: string; error?: { message: string } }[]>();
    expect(entries).toHaveLength(2);
    for (const entry of entries)
      expect(entry.error?.message).toContain("provider name 'local' is also used by");
    const show = runHoard(['provider', 'show', 'local', '--json'], { cwd: root });
    expect(show.code).toBe(3);
  });

  it('refuses a parameters file nested 100k deep with a coded usage error', async () => {
    const root = await scratchDir('hoard-deep-');
    await writeFiles(root, {
      'providers.d/local.conf': localProvider('../bank'),
      'app/a.txt': 'a',
      'deep.json': `{"Hoard::Local::Directory":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
    });
    const run = runHoard(
      [
        'protect',
        '--provider',
        'local',
        '--resource',
        `Hoard::Local::Directory#${path.join(root, 'app')}`,
        '--parameters',
        'deep.json',
        '--json',
      ],
      { cwd: root },
    );
    expect(run.code).toBe(2);
    expect(run.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'PARAMETERS_FILE_INVALID',
    });
    expect(run.json<{ error: { message: string } }>().error.message).toContain(
      'nested deeper than 64 levels',
    );
  });

  it('keeps hostile resource ids on one line in mermaid labels', async () => {
    const root = await scratchDir('hoard-mermaid-');
    const hostile = 'a"]\n  click t0 "https://evil"\n  x["';
    await writeFiles(root, {
      'graph.json': JSON.stringify({ resources: [{ type: 'Acme::Thing', id: hostile, name: 'n' }] }),
    });
    const run = runHoard(['flow', '--graph', 'graph.json', '--operation', 'protect', '--format', 'mermaid'], {
      cwd: root,
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.trim().startsWith('click'))).toEqual([]);
    expect(lines.filter((l) => /^ {2}t\d+\[/.test(l))).toHaveLength(4);
  });

  it('lists only its own checkpoints on a bank shared by two providers', async () => {
    const root = await scratchDir('hoard-shared-');
    await writeFiles(root, {
      'providers.d/a.conf': localProvider('../bank'),
      'providers.d/b.conf': localProvider('../bank')
        .replace('id = 11111111-2222-3333-4444-555555555555', 'id = 22222222-2222-3333-4444-555555555555')
        .replace('name = local', 'name = other'),
      'app/a.txt': 'a',
    });
    const protect = runHoard(
      [
        'protect',
        '--provider',
        'local',
        '--resource',
        `Hoard::Local::Directory#${path.join(root, 'app')}`,
        '--json',
      ],
      { cwd: root },
    );
    expect(protect.code).toBe(0);
    const mine = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(mine.json<unknown[]>()).toHaveLength(1);
    const theirs = runHoard(['checkpoint', 'list', '--provider', 'other', '--json'], { cwd: root });
    expect(theirs.json<unknown[]>()).toEqual([]);
  });
});

describe('hangs (issue 9, defect 10)', () => {
  it('refuses a FIFO as a provider or parameters file, and /proc as a bank path or restore target', async () => {
    const { execFileSync } = await import('node:child_process');
    const root = await scratchDir('hoard-hang-');
    await writeFiles(root, {
      'providers.d/local.conf': localProvider('../bank'),
      'providers.d/proc.conf': `[provider]\nname = proc\nid = 5\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = /proc/hoard-bank\n`,
      'app/a.txt': 'a',
      'restore.json': JSON.stringify({ 'Hoard::Local::Directory': { target: '/proc/hoard-restore' } }),
    });
    execFileSync('mkfifo', [path.join(root, 'providers.d', 'x.conf')]);
    execFileSync('mkfifo', [path.join(root, 'params.json')]);
    const list = runHoard(['provider', 'list', '--json'], { cwd: root });
    expect(list.code).toBe(0);
    const fifo = list
      .json<{ file: string; error?: { message: string } }[]>()
      .find((e) => e.file.endsWith('x.conf'));
    expect(fifo?.error?.message).toContain('not a regular file');
    const resource = `Hoard::Local::Directory#${path.join(root, 'app')}`;
    const params = runHoard(
      ['protect', '--provider', 'local', '--resource', resource, '--parameters', 'params.json', '--json'],
      { cwd: root },
    );
    expect(params.code).toBe(2);
    expect(params.json<{ error: { code: string } }>().error.code).toBe('PARAMETERS_FILE_INVALID');
    const bank = runHoard(['protect', '--provider', 'proc', '--resource', resource, '--json'], { cwd: root });
    expect(bank.code).toBe(3);
    expect(bank.json<{ error: { code: string; message: string } }>().error).toMatchObject({
      code: 'BANK_PATH_INVALID',
    });
    expect(bank.json<{ error: { message: string } }>().error.message).toContain('is on proc');
    const checkpoint = runHoard(['protect', '--provider', 'local', '--resource', resource, '--json'], {
      cwd: root,
    });
    const id = checkpoint.json<{ id: string }>().id;
    const restore = runHoard(
      ['restore', '--provider', 'local', '--checkpoint', id, '--parameters', 'restore.json', '--json'],
      { cwd: root },
    );
    expect(restore.code).toBe(1);
    expect(restore.stdout).toContain('is on proc, a pseudo file system');
  });
});

describe('damaged checkpoint records (issue 9, defect 3)', () => {
  it('lists a checkpoint with an unreadable status or metadata as corrupt, and deletes it', async () => {
    const root = await scratchDir('hoard-corrupt-');
    await writeFiles(root, { 'providers.d/local.conf': localProvider('../bank'), 'app/a.txt': 'alpha\n' });
    const resource = `Hoard::Local::Directory#${path.join(root, 'app')}`;
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const run = runHoard(['protect', '--provider', 'local', '--resource', resource, '--json'], {
        cwd: root,
      });
      ids.push(run.json<{ id: string }>().id);
    }
    const [badStatus, badMetadata, good] = ids as [string, string, string];
    const { readdir: list } = await import('node:fs/promises');
    const files = (await list(path.join(root, 'bank'), { recursive: true })).map((f) =>
      path.join(root, 'bank', f),
    );
    const fileOf = (id: string, name: string) => {
      // bank-fs marks directories with a trailing '+' (docs/protocol.md, "Banks").
      const found = files.find((f) => f.endsWith(`checkpoints+/${id}+/${name}`));
      if (found === undefined) throw new Error(`no ${name} of ${id} in the bank`);
      return found;
    };
    await writeFile(fileOf(badStatus, 'status.json'), '{ not json');
    await writeFile(fileOf(badMetadata, 'metadata.json'), '[]');

    const listed = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(listed.code).toBe(0);
    const records = listed.json<{ id: string; status: string; reason?: string }[]>();
    expect(records.map((r) => [r.id, r.status])).toEqual([
      [good, 'available'],
      [badMetadata, 'corrupt'],
      [badStatus, 'corrupt'],
    ]);
    expect(records[1]?.reason).toContain('metadata.json');
    expect(records[2]?.reason).toContain('status.json');
    const restore = runHoard(['restore', '--provider', 'local', '--checkpoint', badStatus, '--json'], {
      cwd: root,
    });
    expect(restore.json<{ error: { code: string } }>().error.code).toBe('CHECKPOINT_NOT_AVAILABLE');

    const deleteStatus = runHoard(['checkpoint', 'delete', badStatus, '--provider', 'local', '--json'], {
      cwd: root,
    });
    expect(deleteStatus.code).toBe(0);
    const deleteMetadata = runHoard(['checkpoint', 'delete', badMetadata, '--provider', 'local', '--json'], {
      cwd: root,
    });
    expect(deleteMetadata.code).toBe(0);
    expect(deleteMetadata.json<{ warnings: string[] }>().warnings[0]).toContain(
      'no plugin delete hook could run',
    );
    const after = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(after.json<{ id: string }[]>().map((r) => r.id)).toEqual([good]);
    const left = (await list(path.join(root, 'bank'), { recursive: true })).filter(
      (f) => f.includes(badStatus) || f.includes(badMetadata),
    );
    expect(left).toEqual([]);
  });
});

describe('closed output (issue 9, defect 5)', () => {
  it('a reader that goes away never aborts the operation nor prints a stack trace', async () => {
    const root = await scratchDir('hoard-closed-');
    await writeFiles(root, {
      'providers.d/local.conf': localProvider('../bank'),
      'app/a.txt': 'alpha\n',
      'graph.json': JSON.stringify(GRAPH),
    });
    // `hoard flow ... | head -0`: stdout closed before anything is written.
    const flow = spawnHoard(
      ['flow', '--graph', 'graph.json', '--operation', 'protect', '--format', 'dot'],
      root,
      {
        closed: ['stdout'],
      },
    );
    expect(await flow.exited).toBe(0);
    expect(flow.stderr()).not.toMatch(/\n\s+at |EPIPE/);
    // A protect whose progress reader (stderr) went away still ends available, exit 0.
    const resource = `Hoard::Local::Directory#${path.join(root, 'app')}`;
    const protect = spawnHoard(['protect', '--provider', 'local', '--resource', resource, '--json'], root, {
      closed: ['stderr'],
    });
    expect(await protect.exited).toBe(0);
    expect(JSON.parse(protect.stdout())).toMatchObject({ status: 'available' });
    // And with stdout closed, it still records the checkpoint and exits 0.
    const quiet = spawnHoard(['protect', '--provider', 'local', '--resource', resource, '--json'], root, {
      closed: ['stdout'],
    });
    expect(await quiet.exited).toBe(0);
    const list = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root });
    expect(list.json<{ status: string }[]>().map((c) => c.status)).toEqual(['available', 'available']);
  });
});

describe("Karbor's openstack-infra.conf, converted by changing package names", () => {
  it('loads as a provider with the four plugins and the Swift bank', async () => {
    const { fileURLToPath } = await import('node:url');
    const dir = path.resolve(
      path.dirname(fileURLToPath(import.meta.url)),
      '..',
      '..',
      '..',
      'docs',
      'examples',
      'providers.d',
    );
    const run = runHoard(['provider', 'show', 'OS Infra Provider', '--provider-dir', dir, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const provider = run.json<{
      bank: string;
      plugins: { package: string; resourceTypes: string[] }[];
      config: Record<string, Record<string, unknown>>;
      warnings: string[];
    }>();
    expect(provider.bank).toBe('@hoard/bank-swift');
    expect(provider.plugins.map((p) => p.package)).toEqual([
      '@hoard/plugin-volume',
      '@hoard/plugin-image',
      '@hoard/plugin-server',
      '@hoard/plugin-share',
    ]);
    expect(provider.config['swift_client']).toMatchObject({
      swift_user: 'demo',
      swift_key: '***',
      swift_tenant_name: 'demo',
    });
    expect(provider.config['swift_bank_plugin']).toMatchObject({
      lease_expire_window: 120,
      lease_renew_window: 100,
    });
    expect(provider.warnings).toEqual([]);
  });
});

describe('secrets never reach the output (issue 9, defect 12)', () => {
  it('scrubs a swift_key that Keystone echoes back, and a password inside swift_auth_url', async () => {
    const { createServer } = await import('node:http');
    // A Keystone (or proxy) that puts the request body into its error message.
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 401, message: `The request you sent: ${body}` } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as import('node:net').AddressInfo).port;
    const root = await scratchDir('hoard-secrets-');
    const swift = (name: string, url: string, key: string) => `[provider]
name = ${name}
id = ${name}-id
bank = @hoard/bank-swift

[swift_client]
swift_auth_url = ${url}
swift_user = hoard
swift_key = ${key}
swift_tenant_name = demo

[swift_bank_plugin]
bank_swift_object_container = hoard
`;
    await writeFiles(root, {
      'providers.d/echo.conf': swift('echo', `http://127.0.0.1:${port}/v3`, 'Echoed-K3y"with\\quote'),
      'providers.d/userinfo.conf': swift(
        'userinfo',
        `http://hoard:Url-Pa55word@127.0.0.1:${port}/v3`,
        'another-k3y',
      ),
    });
    try {
      const outputs: string[] = [];
      for (const provider of ['echo', 'userinfo']) {
        for (const extra of [['--json'], []]) {
          const run = spawnHoard(['checkpoint', 'list', '--provider', provider, ...extra], root);
          const code = await run.exited;
          expect(code, run.stderr()).not.toBe(0);
          outputs.push(run.stdout() + run.stderr());
        }
      }
      const all = outputs.join('\n');
      // The failure is still explained: Keystone refused, with its (scrubbed) reason.
      expect(all).toContain(`Keystone at http://127.0.0.1:${port}/v3 refused to authenticate`);
      expect(all).toContain('***');
      expect(all).toContain('swift_auth_url must not contain a user name or password');
      for (const secret of ['Echoed-K3y', 'K3y\\"with', 'Url-Pa55word', 'another-k3y']) {
        expect(all).not.toContain(secret);
      }
    } finally {
      server.close();
    }
  });
});

describe('fencing (issue 9, defect 4)', () => {
  it('a protect stalled past its lease stops writing when it wakes, after its checkpoint was deleted', async () => {
    const root = await scratchDir('hoard-fence-');
    const source = path.join(root, 'src');
    await mkdir(source);
    const block = Buffer.alloc(256 * 1024, 7);
    for (let i = 0; i < 400; i++) await writeFile(path.join(source, `f${String(i).padStart(4, '0')}`), block);
    await writeFiles(root, {
      'providers.d/local.conf':
        '[provider]\nname = local\nid = fence\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    });
    const hoard = spawnHoard(
      ['protect', '--provider', 'local', '--resource', `Hoard::Local::Directory#${source}`, '--json'],
      root,
    );
    await hoard.taskStarted;
    hoard.kill('SIGSTOP');
    try {
      await new Promise((resolve) => setTimeout(resolve, 3500));
      const listed = runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root }).json<
        { id: string; status: string; reason?: string }[]
      >();
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ status: 'error', reason: 'abandoned' });
      const id = listed[0]!.id;
      const deleted = runHoard(['checkpoint', 'delete', id, '--provider', 'local', '--json'], { cwd: root });
      expect(deleted.code, deleted.stderr).toBe(0);
    } finally {
      hoard.kill('SIGCONT');
    }
    const code = await hoard.exited;
    expect(code).toBe(1);
    expect(hoard.stdout() + hoard.stderr()).toContain('LEASE_LOST');
    // At most the objects in flight when it stopped (one per work-pool slot) were written after
    // the delete: the ~400 files still to go were never written, and no status or metadata.
    const left: string[] = [];
    const walk = async (directory: string): Promise<void> => {
      for (const entry of await readdir(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) await walk(full);
        else left.push(path.relative(path.join(root, 'bank'), full));
      }
    };
    await walk(path.join(root, 'bank'));
    const checkpointObjects = left.filter((f) => f.startsWith('checkpoints+'));
    expect(checkpointObjects.length).toBeLessThanOrEqual(2);
    expect(checkpointObjects.filter((f) => /metadata\.json|status\.json/.test(f))).toEqual([]);
    expect(runHoard(['checkpoint', 'list', '--provider', 'local', '--json'], { cwd: root }).json()).toEqual(
      [],
    );
  });
});

describe('garbage after kill -9 (issue 9, defect 6)', () => {
  const walkFiles = async (root: string): Promise<string[]> => {
    const out: string[] = [];
    const visit = async (directory: string): Promise<void> => {
      for (const entry of await readdir(directory, { withFileTypes: true })) {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) await visit(full);
        else out.push(path.relative(root, full));
      }
    };
    await visit(root).catch(() => {});
    return out;
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('bank check finds what a killed protect and restore leave; gc and delete leave nothing behind', async () => {
    const root = await scratchDir('hoard-gc-');
    const source = path.join(root, 'src');
    await mkdir(source);
    const block = Buffer.alloc(512 * 1024, 3);
    for (let i = 0; i < 300; i++) await writeFile(path.join(source, `f${String(i).padStart(4, '0')}`), block);
    await writeFiles(root, {
      'providers.d/local.conf':
        '[provider]\nname = local\nid = gc\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    });
    const bankDir = path.join(root, 'bank');
    const hoard = (...args: string[]) => runHoard([...args, '--provider', 'local', '--json'], { cwd: root });

    // A checkpoint to restore from, then a protect killed with -9 half-way.
    const good = hoard('protect', '--resource', `Hoard::Local::Directory#${source}`).json<{ id: string }>();
    const killed = spawnHoard(
      ['protect', '--provider', 'local', '--resource', `Hoard::Local::Directory#${source}`, '--json'],
      root,
    );
    await killed.taskStarted;
    await sleep(150);
    killed.kill('SIGKILL');
    await killed.exited;
    // A restore killed with -9 half-way leaves its staging tree and an in_progress record.
    const target = path.join(root, 'restored');
    await writeFile(
      path.join(root, 'params.json'),
      JSON.stringify({ 'Hoard::Local::Directory': { target } }),
    );
    const restoring = spawnHoard(
      ['restore', '--provider', 'local', '--checkpoint', good.id, '--parameters', 'params.json', '--json'],
      root,
    );
    await restoring.taskStarted;
    await sleep(150);
    restoring.kill('SIGKILL');
    await restoring.exited;
    const staged = (await readdir(root)).filter((n) => n.startsWith('restored.hoard-partial-'));
    expect(staged).toHaveLength(1);
    await sleep(2600); // past the 2 s lease and gc's grace

    const check = hoard('bank', 'check');
    expect(check.code).toBe(1);
    const report = check.json<{ healthy: boolean; findings: { kind: string; action: string }[] }>();
    const kinds = report.findings.map((f) => f.kind);
    expect(kinds.filter((k) => k === 'stale-record')).toHaveLength(2);
    expect(kinds).toContain('expired-lease');
    const dry = hoard('bank', 'gc', '--dry-run').json<{ done: unknown[] }>();
    expect(dry.done.length).toBe(report.findings.filter((f) => f.action !== 'keep').length);
    const gc = hoard('bank', 'gc');
    expect(gc.code, gc.stdout).toBe(0);
    expect(gc.json<{ kept: unknown[]; failed: unknown[] }>()).toMatchObject({ kept: [], failed: [] });

    const listed = hoard('checkpoint', 'list').json<{ id: string; status: string; reason?: string }[]>();
    const abandoned = listed.find((c) => c.id !== good.id);
    expect(abandoned).toMatchObject({ status: 'error', reason: 'abandoned' });
    const restores = hoard('restore', 'list').json<{ status: string; reason?: string }[]>();
    expect(restores[0]).toMatchObject({ status: 'fail', reason: 'abandoned' });

    // The next restore to the same target clears the dead staging tree and succeeds.
    const again = runHoard(
      ['restore', '--provider', 'local', '--checkpoint', good.id, '--parameters', 'params.json', '--json'],
      { cwd: root },
    );
    expect(again.code, again.stderr).toBe(0);
    const result = again.json<{ resources: Record<string, { result: { removedStaleStaging: string[] } }> }>();
    expect(Object.values(result.resources)[0]?.result.removedStaleStaging).toEqual([
      path.join(root, staged[0]!),
    ]);
    expect((await readdir(root)).filter((n) => n.includes('hoard-partial'))).toEqual([]);
    expect(await readdir(target)).toHaveLength(300);

    // Deleting every checkpoint and restore record leaves an empty bank: nothing unreferenced stays.
    expect(hoard('checkpoint', 'delete', abandoned!.id).code).toBe(0);
    expect(hoard('checkpoint', 'delete', good.id).code).toBe(0);
    for (const r of hoard('restore', 'list').json<{ id: string }[]>())
      expect(hoard('restore', 'delete', r.id).code).toBe(0);
    expect(hoard('bank', 'check').json()).toMatchObject({ healthy: true, findings: [] });
    expect(await walkFiles(bankDir)).toEqual([]);
  });
});

describe('hoard checkpoint resume (issue 9, "Resume")', () => {
  it('a protect killed with -9 resumes at the last stored file, and restores byte for byte', async () => {
    const root = await scratchDir('hoard-resume-');
    const source = path.join(root, 'src');
    await mkdir(source);
    for (let i = 0; i < 300; i++)
      await writeFile(path.join(source, `f${String(i).padStart(4, '0')}`), Buffer.alloc(256 * 1024, i % 251));
    await writeFiles(root, {
      'providers.d/local.conf':
        '[provider]\nname = local\nid = resume\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    });
    const killed = spawnHoard(
      ['protect', '--provider', 'local', '--resource', `Hoard::Local::Directory#${source}`, '--json'],
      root,
    );
    await killed.taskStarted;
    // Killed once the run's journal holds a batch of stored files.
    const journalWritten = async (): Promise<boolean> => {
      const found: string[] = [];
      const visit = async (directory: string): Promise<void> => {
        for (const entry of await readdir(directory, { withFileTypes: true }).catch(() => [])) {
          if (entry.isDirectory()) await visit(path.join(directory, entry.name));
          else if (directory.includes('journal+')) found.push(entry.name);
        }
      };
      await visit(path.join(root, 'bank'));
      return found.some((n) => n.endsWith('.json'));
    };
    while (!(await journalWritten())) await new Promise((resolve) => setTimeout(resolve, 20));
    killed.kill('SIGKILL');
    await killed.exited;
    await new Promise((resolve) => setTimeout(resolve, 2200)); // the lease lapses
    const hoard = (...args: string[]) => runHoard([...args, '--provider', 'local', '--json'], { cwd: root });
    const [interrupted] = hoard('checkpoint', 'list').json<
      { id: string; status: string; reason?: string }[]
    >();
    expect(interrupted).toMatchObject({ status: 'error', reason: 'abandoned' });

    const resume = hoard('checkpoint', 'resume', interrupted!.id);
    expect(resume.code, resume.stderr).toBe(0);
    const resumed = resume.json<{ status: string; resumed: { attempt: number } }>();
    expect(resumed).toMatchObject({ status: 'available', resumed: { attempt: 2 } });
    const details = hoard('checkpoint', 'show', interrupted!.id).json<{
      resourceDetails: Record<string, { savedInfo: { files: { object: string }[] } }>;
    }>();
    const files = Object.values(details.resourceDetails)[0]!.savedInfo.files;
    expect(files).toHaveLength(300);
    // Files stored by the killed run were reused, not read again.
    const reused = files.filter((f) => !f.object.startsWith('files/a2-')).length;
    expect(reused).toBeGreaterThan(0);
    expect(reused).toBeLessThan(300);

    const target = path.join(root, 'restored');
    await writeFile(
      path.join(root, 'params.json'),
      JSON.stringify({ 'Hoard::Local::Directory': { target } }),
    );
    const restore = runHoard(
      [
        'restore',
        '--provider',
        'local',
        '--checkpoint',
        interrupted!.id,
        '--parameters',
        'params.json',
        '--json',
      ],
      { cwd: root },
    );
    expect(restore.code, restore.stderr).toBe(0);
    for (const name of await readdir(source))
      expect(
        Buffer.compare(await readFile(path.join(target, name)), await readFile(path.join(source, name))),
      ).toBe(0);
    expect(hoard('checkpoint', 'delete', interrupted!.id).code).toBe(0);
    expect(hoard('bank', 'gc').code).toBe(0);
    expect(hoard('bank', 'check').json()).toMatchObject({ healthy: true, findings: [] });
  });
});
