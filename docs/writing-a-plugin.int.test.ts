// Proves docs/writing-a-plugin.md: its code blocks, packed as a third-party package outside the
// workspace and installed with npm into a fresh project, are discovered and run by `hoard`.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runHoard } from '../packages/cli/src/testing/cliHarness.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('docs/writing-a-plugin.md', () => {
  it('is a working third-party plugin: npm-installed, discovered, protect → restore → delete', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'hoard-third-party-'));
    const markdown = await readFile(path.join(repo, 'docs', 'writing-a-plugin.md'), 'utf8');
    const source = path.join(root, 'hoard-plugin-file');
    await mkdir(source);
    const blocks = [...markdown.matchAll(/```\w+ title="([^"]+)"\n([\s\S]*?)```/g)];
    expect(blocks.map((b) => b[1])).toEqual(['package.json', 'index.js']);
    for (const [, file, body] of blocks) await writeFile(path.join(source, file!), body!);

    const tarballs = path.join(root, 'tarballs');
    await mkdir(tarballs);
    execFileSync('pnpm', ['--filter', '@hoard/core', 'pack', '--pack-destination', tarballs], {
      cwd: repo,
      stdio: 'pipe',
    });
    execFileSync('npm', ['pack', '--pack-destination', tarballs, source], { cwd: root, stdio: 'pipe' });
    const packed = (await readdir(tarballs)).sort();
    expect(packed).toEqual([expect.stringMatching(/^hoard-core-.*\.tgz$/), 'hoard-plugin-file-1.0.0.tgz']);

    const project = path.join(root, 'project');
    await mkdir(path.join(project, 'providers.d'), { recursive: true });
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        ...packed.map((t) => path.join(tarballs, t)),
      ],
      { cwd: project, stdio: 'pipe' },
    );
    await writeFile(
      path.join(project, 'providers.d', 'files.conf'),
      '[provider]\nname = files\nid = 0b6f0a4e-1c1d-4c39-9b0c-0e5f9c2a7d11\nbank = @hoard/bank-fs\nplugin = hoard-plugin-file\n\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n',
    );
    const note = path.join(project, 'note.txt');
    await writeFile(note, 'remember the milk\n');

    const plugins = runHoard(['plugins', 'list', '--json'], { cwd: project });
    expect(plugins.code).toBe(0);
    const listed =
      plugins.json<
        {
          name: string;
          error?: unknown;
          resourceTypes: string[];
          entryPoints: { group: string; error?: unknown }[];
        }[]
      >();
    const mine = listed.find((p) => p.name === 'hoard-plugin-file');
    expect(mine?.error).toBeUndefined();
    expect(mine?.resourceTypes).toEqual(['Example::Local::File']);
    expect(mine?.entryPoints).toEqual([
      { group: 'hoard.protectables', name: 'file', target: './index.js#fileProtectable' },
      { group: 'hoard.protections', name: 'file', target: './index.js#fileProtectionPlugin' },
    ]);

    const protect = runHoard(
      ['protect', '--provider', 'files', '--resource', `Example::Local::File#${note}`, '--json'],
      {
        cwd: project,
      },
    );
    expect(protect.stderr.split('\n').filter((l) => l.startsWith('{"error'))).toEqual([]);
    expect(protect.code).toBe(0);
    const checkpoint = protect.json<{ id: string; status: string }>();
    expect(checkpoint.status).toBe('available');

    const target = path.join(project, 'note.restored.txt');
    await writeFile(
      path.join(project, 'params.json'),
      JSON.stringify({ 'Example::Local::File': { target } }),
    );
    const restore = runHoard(
      [
        'restore',
        '--provider',
        'files',
        '--checkpoint',
        checkpoint.id,
        '--parameters',
        'params.json',
        '--json',
      ],
      { cwd: project },
    );
    expect(restore.code).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('remember the milk\n');

    const removed = runHoard(['checkpoint', 'delete', checkpoint.id, '--provider', 'files', '--json'], {
      cwd: project,
    });
    expect(removed.json()).toEqual({ id: checkpoint.id, status: 'deleted' });
  });
});
