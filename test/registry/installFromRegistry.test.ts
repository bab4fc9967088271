// Hoard installed as a user gets it (issue 8, part 5): every package is versioned and published
// with changesets to a real registry (Verdaccio on 127.0.0.1, started here), then, in a fresh
// directory with an empty npm cache and its own global prefix:
//   npm install -g @hoard/cli                → a bank-fs round trip of a directory
//   npm install -g @hoard/openstack-plugins   → discovery finds the OpenStack plugins inside it
//   hoard plugins new → npm install, build, typecheck, test → npm publish → npm install -g
//                                            → a round trip through the third-party plugin
// Packages outside @hoard and @acme come from the npm registry through Verdaccio's uplink.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LONG = 600_000;

let root: string;
let registry: string;
let verdaccio: ChildProcess | undefined;
let verdaccioLog = '';
let env: NodeJS.ProcessEnv;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024, timeout: LONG },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs and fails the test with the command's own output when it does not exit 0. */
async function ok(command: string, args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}) {
  const result = await run(command, args, cwd, extraEnv);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.code}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`,
    );
  }
  return result;
}

const hoard = (args: string[], cwd: string) => ok(path.join(root, 'global', 'bin', 'hoard'), args, cwd);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitForRegistry(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (verdaccio?.exitCode !== null)
      throw new Error(`Verdaccio exited ${verdaccio?.exitCode}:\n${verdaccioLog}`);
    try {
      if ((await fetch(`${url}-/ping`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Verdaccio did not answer at ${url}:\n${verdaccioLog}`);
}

/** The registry this machine installs from: Verdaccio's uplink for everything not ours. */
async function upstreamRegistry(): Promise<string> {
  const { stdout } = await ok('npm', ['config', 'get', 'registry'], repo);
  return stdout.trim() || 'https://registry.npmjs.org/';
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'hoard-registry-'));
  const port = await freePort();
  registry = `http://127.0.0.1:${port}/`;
  const upstream = await upstreamRegistry();
  await mkdir(path.join(root, 'verdaccio'));
  await writeFile(
    path.join(root, 'verdaccio', 'config.yaml'),
    [
      `storage: ${path.join(root, 'verdaccio', 'storage')}`,
      'auth:',
      '  htpasswd:',
      `    file: ${path.join(root, 'verdaccio', 'htpasswd')}`,
      'uplinks:',
      '  upstream:',
      `    url: ${upstream}`,
      '    timeout: 60s',
      'packages:',
      // Ours are never looked up upstream: what is installed is what this test published.
      "  '@hoard/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '@acme/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  verdaccio = spawn(
    process.execPath,
    [
      path.join(repo, 'node_modules', 'verdaccio', 'bin', 'verdaccio'),
      '--config',
      path.join(root, 'verdaccio', 'config.yaml'),
      '--listen',
      `127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  verdaccio.stdout?.on('data', (d: Buffer) => {
    verdaccioLog = (verdaccioLog + d.toString()).slice(-20_000);
  });
  verdaccio.stderr?.on('data', (d: Buffer) => {
    verdaccioLog = (verdaccioLog + d.toString()).slice(-20_000);
  });
  await waitForRegistry(registry);

  // A user, as `npm adduser` makes one; its token publishes.
  const user = await fetch(`${registry}-/user/org.couchdb.user:hoard-ci`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'hoard-ci', password: 'hoard-ci-password', type: 'user' }),
  });
  const { token } = (await user.json()) as { token: string };
  expect(token).toBeTruthy();
  const auth = `//127.0.0.1:${port}/:_authToken=${token}`;
  await writeFile(path.join(root, 'npmrc'), `registry=${registry}\n${auth}\nfund=false\naudit=false\n`);

  // A fresh npm: its own cache (empty), its own global prefix, the registry above.
  const globalBin = path.join(root, 'global', 'bin');
  env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^npm_|^NODE_OPTIONS$|^VITEST|^FORCE_COLOR$/i.test(k)),
    ),
    npm_config_userconfig: path.join(root, 'npmrc'),
    npm_config_cache: path.join(root, 'npm-cache'),
    npm_config_prefix: path.join(root, 'global'),
    npm_config_registry: registry,
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
    PATH: `${globalBin}${path.delimiter}${process.env['PATH'] ?? ''}`,
  };
}, LONG);

afterAll(async () => {
  verdaccio?.kill('SIGTERM');
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

describe('Hoard from a registry, as a user installs it', () => {
  it(
    'versions and publishes every package with changesets',
    async () => {
      // A copy of the workspace (built dist included, no git) so that `changeset version` does not
      // touch the checkout. Each package's node_modules holds only pnpm's relative symbolic links,
      // copied as they are: pnpm publish reads the linked workspace packages' new versions there.
      const ws = path.join(root, 'workspace');
      await cp(repo, ws, {
        recursive: true,
        verbatimSymlinks: true,
        filter: (source) => {
          const rel = path.relative(repo, source);
          return rel !== 'node_modules' && !/(^|\/)(\.git|\.turbo|\.hoard-demo|coverage)(\/|$)/.test(rel);
        },
      });
      // The root node_modules (pnpm's store of everything) is linked, not copied.
      await symlink(path.join(repo, 'node_modules'), path.join(ws, 'node_modules'));
      await writeFile(
        path.join(ws, '.npmrc'),
        `${await readFile(path.join(repo, '.npmrc'), 'utf8')}\n${await readFile(path.join(root, 'npmrc'), 'utf8')}`,
      );
      const changeset = path.join(repo, 'node_modules', '@changesets', 'cli', 'bin.js');
      await ok(process.execPath, [changeset, 'version'], ws);
      const cli = JSON.parse(await readFile(path.join(ws, 'packages', 'cli', 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(cli.version).not.toBe('0.0.0');
      const published = await ok(process.execPath, [changeset, 'publish', '--no-git-tag'], ws);
      const packages = (await readdir(path.join(ws, 'packages'))).length;
      expect(published.stdout + published.stderr).toContain('@hoard/openstack-plugins');
      for (const name of [
        'cli',
        'core',
        'bank-fs',
        'plugin-directory',
        'openstack-plugins',
        'plugin-server',
      ]) {
        const view = await ok('npm', ['view', `@hoard/${name}`, 'version', '--json'], root);
        expect(JSON.parse(view.stdout), `@hoard/${name} on the registry`).toBeTruthy();
      }
      expect(packages).toBeGreaterThanOrEqual(12);
    },
    LONG,
  );

  it(
    'npm install -g @hoard/cli brings core, bank-fs and plugin-directory only, and round-trips a directory',
    async () => {
      await ok('npm', ['install', '-g', '@hoard/cli'], root);
      const installed = path.join(root, 'global', 'lib', 'node_modules', '@hoard', 'cli');
      const version = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect((await hoard(['--version'], root)).stdout.trim()).toBe(version.version);
      const deps = await readdir(path.join(installed, 'node_modules', '@hoard'));
      expect(deps.sort()).toEqual(['bank-fs', 'core', 'plugin-directory']);
      // Source maps carry their sources (the tarball ships no src/).
      const map = JSON.parse(
        await readFile(
          path.join(installed, 'node_modules', '@hoard', 'core', 'dist', 'index.js.map'),
          'utf8',
        ),
      ) as { sourcesContent?: string[] };
      expect(map.sourcesContent?.[0]).toContain('export');

      const home = path.join(root, 'home');
      const sample = path.join(home, 'sample');
      await mkdir(path.join(sample, 'sub'), { recursive: true });
      await writeFile(path.join(sample, 'a.txt'), 'alpha\n');
      await writeFile(path.join(sample, 'sub', 'b.bin'), Buffer.alloc(300_000, 7));
      await mkdir(path.join(home, 'providers.d'));
      await writeFile(
        path.join(home, 'providers.d', 'local.conf'),
        '[provider]\nname = local\nid = 7d7f5bd6-6d0c-4b6a-9f0e-3f1c2b9d8a11\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
      );
      const common = ['--provider', 'local', '--provider-dir', 'providers.d', '--json'];
      const checkpoint = JSON.parse(
        (await hoard(['protect', ...common, '--resource', `Hoard::Local::Directory#${sample}`], home)).stdout,
      ) as { id: string; status: string };
      expect(checkpoint.status).toBe('available');
      const target = path.join(home, 'restored');
      await writeFile(
        path.join(home, 'restore.json'),
        JSON.stringify({ [`Hoard::Local::Directory#${sample}`]: { target } }),
      );
      const restore = JSON.parse(
        (
          await hoard(
            ['restore', ...common, '--checkpoint', checkpoint.id, '--parameters', 'restore.json'],
            home,
          )
        ).stdout,
      ) as { status: string };
      expect(restore.status).toBe('success');
      expect(await readFile(path.join(target, 'sub', 'b.bin'))).toEqual(Buffer.alloc(300_000, 7));
      await hoard(['checkpoint', 'delete', checkpoint.id, ...common], home);
      const left = JSON.parse((await hoard(['checkpoint', 'list', ...common], home)).stdout) as unknown[];
      expect(left).toEqual([]);
    },
    LONG,
  );

  it(
    'npm install -g @hoard/openstack-plugins: the OpenStack plugins are found inside it',
    async () => {
      await ok('npm', ['install', '-g', '@hoard/openstack-plugins'], root);
      const home = path.join(root, 'home');
      const listed = JSON.parse((await hoard(['plugins', 'list', '--json'], home)).stdout) as {
        name: string;
        error?: unknown;
        entryPoints: { error?: unknown }[];
      }[];
      for (const name of [
        'bank-swift',
        'plugin-project',
        'plugin-server',
        'plugin-volume',
        'plugin-image',
        'plugin-share',
      ]) {
        const found = listed.find((p) => p.name === `@hoard/${name}`);
        expect(found, `@hoard/${name} in plugins list`).toBeDefined();
        expect(found?.error).toBeUndefined();
        expect(found?.entryPoints.every((e) => e.error === undefined)).toBe(true);
      }
      // Karbor's infra provider loads: its plugins' code is imported from inside the bundle.
      const shown = JSON.parse(
        (
          await hoard(
            [
              'provider',
              'show',
              'OS Infra Provider',
              '--provider-dir',
              path.join(repo, 'docs', 'examples', 'providers.d'),
              '--json',
            ],
            home,
          )
        ).stdout,
      ) as { bank: string; plugins: { package: string }[] };
      expect(shown.bank).toBe('@hoard/bank-swift');
      expect(shown.plugins.map((p) => p.package)).toContain('@hoard/plugin-server');
    },
    LONG,
  );

  it(
    'hoard plugins new: the package installs, builds, typechecks and passes its tests; published and installed -g it protects and restores',
    async () => {
      const home = path.join(root, 'home');
      const plugin = path.join(home, 'notes');
      await hoard(['plugins', 'new', '@acme/hoard-plugin-notes', '--dir', plugin], home);
      await ok('npm', ['install'], plugin);
      await ok('npm', ['run', 'build'], plugin);
      await ok('npm', ['run', 'typecheck'], plugin);
      const tested = await ok('npm', ['test'], plugin);
      expect(tested.stdout).toMatch(/Tests\s+7 passed/);
      await ok('npm', ['publish'], plugin);
      await ok('npm', ['install', '-g', '@acme/hoard-plugin-notes'], root);

      const listed = JSON.parse((await hoard(['plugins', 'list', '--json'], home)).stdout) as {
        name: string;
        resourceTypes: string[];
      }[];
      expect(listed.find((p) => p.name === '@acme/hoard-plugin-notes')?.resourceTypes).toEqual([
        'Acme::Notes::File',
      ]);
      // The generated provider file, run from an empty directory: only the global install is seen.
      const work = path.join(home, 'notes-run');
      await mkdir(path.join(work, 'files'), { recursive: true });
      await cp(path.join(plugin, 'providers.d'), path.join(work, 'providers.d'), { recursive: true });
      await writeFile(path.join(work, 'files', 'hello.txt'), 'hello from a third-party plugin\n');
      const common = ['--provider', 'example', '--provider-dir', 'providers.d', '--json'];
      const checkpoint = JSON.parse(
        (await hoard(['protect', ...common, '--resource', 'Acme::Notes::File#hello.txt'], work)).stdout,
      ) as { id: string; status: string };
      expect(checkpoint.status).toBe('available');
      const restore = JSON.parse(
        (await hoard(['restore', ...common, '--checkpoint', checkpoint.id], work)).stdout,
      ) as { status: string; resources: Record<string, { result?: { path: string } }> };
      expect(restore.status).toBe('success');
      const restored = restore.resources['Acme::Notes::File#hello.txt']?.result?.path ?? '';
      expect(await readFile(restored, 'utf8')).toBe('hello from a third-party plugin\n');
    },
    LONG,
  );
});
