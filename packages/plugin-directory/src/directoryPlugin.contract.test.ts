// The kit's contract suite and protectable helper on the worked example, as a third-party plugin
// would use them (docs/writing-a-plugin.md, "Testing").
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { protectionPluginContractTests, testProtectable } from '@hoard/core/testing';
import { describe, expect, it } from 'vitest';
import { DIRECTORY_RESOURCE_TYPE, directoryProtectable, directoryResource } from './directoryProtectable.js';
import { directoryProtectionPlugin } from './directoryProtectionPlugin.js';

async function sampleDirectory(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'hoard-contract-'));
  await mkdir(path.join(root, 'app', 'sub'), { recursive: true });
  await writeFile(path.join(root, 'app', 'a.txt'), 'alpha\n');
  await writeFile(path.join(root, 'app', 'sub', 'b.txt'), 'beta\n');
  return path.join(root, 'app');
}

protectionPluginContractTests('plugin-directory', {
  plugin: directoryProtectionPlugin,
  protectables: [directoryProtectable],
  createResource: async () => directoryResource(await sampleDirectory()),
  async verifyRestored(_resource, result) {
    const target = (result as { target: string }).target;
    expect(await readFile(path.join(target, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
  },
  invalidProtectParameters: [{ exclud: [] }, { exclude: 'not-an-array' }],
});

describe('testProtectable (the kit helper) on the directory protectable', () => {
  it('lists the configured directories and shows one', async () => {
    const a = await sampleDirectory();
    const protectable = testProtectable(directoryProtectable, {
      config: { local_directory_plugin: { directories: ` ${a} ` } },
    });
    expect(protectable.warnings).toEqual([]);
    expect((await protectable.list()).map((r) => r.id)).toEqual([a]);
    expect(await protectable.show(a)).toMatchObject({ type: DIRECTORY_RESOURCE_TYPE, id: a });
  });

  it('checks the configuration as a provider would', () => {
    expect(() =>
      testProtectable(directoryProtectable, {
        config: { local_directory_plugin: { directories: { not: 'a string' } } },
      }),
    ).toThrow(/local_directory_plugin/);
    const warned = testProtectable(directoryProtectable, { config: { other: {} } });
    expect(warned.warnings).toEqual([
      '(test): section [other] is not read by the bank or any plugin of this provider',
    ]);
  });
});
