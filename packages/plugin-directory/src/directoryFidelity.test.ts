/**
 * Issue 9 regressions of the directory plugin: names as bytes (defect 1), restore never writing
 * through a symlink it did not make (defect 2), source errors named as such (defect 8) and
 * restore fidelity (defect 9). Each test failed before its fix.
 */
import { execFileSync } from 'node:child_process';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSystemBank } from '@hoard/bank-fs';
import { type Bank, encodeKeySegment } from '@hoard/core';
import { createProtectionService } from '@hoard/core/host';
import { createTestProvider } from '@hoard/core/testing';
import { getAttribute, setAttribute } from '@napi-rs/xattr';
import { beforeEach, describe, expect, it } from 'vitest';
import { DIRECTORY_RESOURCE_TYPE, directoryProtectable, directoryResource } from './directoryProtectable.js';
import { directoryProtectionPlugin } from './directoryProtectionPlugin.js';

let scratch: string;
let source: string;
const keyOf = (directory: string) => `${DIRECTORY_RESOURCE_TYPE}#${directory}`;

async function serviceOver(bank: Bank) {
  const provider = createTestProvider({
    protectables: [directoryProtectable],
    plugins: [directoryProtectionPlugin],
    bank,
  });
  return createProtectionService(provider);
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'hoard-fidelity-'));
  source = path.join(scratch, 'app');
  await mkdir(source);
});

describe('directory plugin names are bytes (issue 9, defect 1)', () => {
  it('protects and restores a backslash, a non-UTF-8 byte, a newline and a BOM in names, exactly', async () => {
    const names = [
      Buffer.from('back\\slash.txt'),
      Buffer.concat([Buffer.from('bad'), Buffer.from([0xff]), Buffer.from('.txt')]),
      Buffer.from('new\nline'),
      Buffer.from('\uFEFFbom'),
    ];
    const sub = Buffer.concat([Buffer.from(source), Buffer.from('/dir'), Buffer.from([0xc3, 0x28])]);
    await mkdir(sub);
    for (const [i, name] of names.entries()) {
      await writeFile(Buffer.concat([Buffer.from(`${source}/`), name]), `content ${i}`);
      await writeFile(Buffer.concat([sub, Buffer.from('/'), name]), `nested ${i}`);
    }
    await symlink(
      Buffer.concat([Buffer.from('bad'), Buffer.from([0xff]), Buffer.from('.txt')]),
      `${source}/link`,
    );
    const service = await serviceOver(await FileSystemBank.create(path.join(scratch, 'bank')));
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    expect(checkpoint.status).toBe('available');
    const target = path.join(scratch, 'restored');
    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target } },
    });
    expect(restore.resources[keyOf(source)]?.error).toBeUndefined();
    expect(restore.status).toBe('success');
    const listing = async (directory: Buffer | string) =>
      (await readdir(directory, { encoding: 'buffer' })).map((n) => n.toString('hex')).sort();
    expect(await listing(target)).toEqual(await listing(source));
    const restoredSub = Buffer.concat([Buffer.from(target), Buffer.from('/dir'), Buffer.from([0xc3, 0x28])]);
    expect(await listing(restoredSub)).toEqual(await listing(sub));
    for (const [i, name] of names.entries()) {
      expect(await readFile(Buffer.concat([Buffer.from(`${target}/`), name]), 'utf8')).toBe(`content ${i}`);
      expect(await readFile(Buffer.concat([restoredSub, Buffer.from('/'), name]), 'utf8')).toBe(
        `nested ${i}`,
      );
    }
    expect((await readlink(`${target}/link`, { encoding: 'buffer' })).toString('hex')).toBe(
      (await readlink(`${source}/link`, { encoding: 'buffer' })).toString('hex'),
    );
  });
});

describe('overwrite restore never writes through a symlink (issue 9, defect 2)', () => {
  it('replaces symlinks in the target instead of following them; nothing outside changes', async () => {
    await mkdir(path.join(source, 'sub'));
    await writeFile(path.join(source, 'sub', 'b.txt'), 'saved b');
    await writeFile(path.join(source, 'a.txt'), 'saved a');
    await chmod(path.join(source, 'sub'), 0o700);
    const service = await serviceOver(await FileSystemBank.create(path.join(scratch, 'bank')));
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    expect(checkpoint.status).toBe('available');

    const elsewhere = path.join(scratch, 'elsewhere');
    await mkdir(elsewhere, { mode: 0o755 });
    await chmod(elsewhere, 0o755);
    await writeFile(path.join(scratch, 'outside.txt'), 'outside, untouched');
    const target = path.join(scratch, 'target');
    await mkdir(target);
    await symlink(elsewhere, path.join(target, 'sub'));
    await symlink(path.join(scratch, 'outside.txt'), path.join(target, 'a.txt'));
    await writeFile(path.join(target, 'unrelated.txt'), 'kept');

    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target, overwrite: true } },
    });
    expect(restore.status).toBe('success');
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await stat(elsewhere)).mode & 0o7777).toBe(0o755);
    expect(await readFile(path.join(scratch, 'outside.txt'), 'utf8')).toBe('outside, untouched');
    expect((await lstat(path.join(target, 'sub'))).isDirectory()).toBe(true);
    expect((await lstat(path.join(target, 'sub'))).mode & 0o7777).toBe(0o700);
    expect(await readFile(path.join(target, 'sub', 'b.txt'), 'utf8')).toBe('saved b');
    expect((await lstat(path.join(target, 'a.txt'))).isFile()).toBe(true);
    expect(await readFile(path.join(target, 'a.txt'), 'utf8')).toBe('saved a');
    expect(await readFile(path.join(target, 'unrelated.txt'), 'utf8')).toBe('kept');
    expect((await readdir(target)).filter((n) => n.startsWith('.hoard-'))).toEqual([]);
  });

  it('a directory in the way of a file is a named conflict, and the directory is kept', async () => {
    await writeFile(path.join(source, 'a.txt'), 'saved a');
    const service = await serviceOver(await FileSystemBank.create(path.join(scratch, 'bank')));
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    const target = path.join(scratch, 'target');
    await mkdir(path.join(target, 'a.txt'), { recursive: true });
    await writeFile(path.join(target, 'a.txt', 'precious'), 'keep me');
    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target, overwrite: true } },
    });
    expect(restore.status).toBe('fail');
    expect(restore.resources[keyOf(source)]?.error).toMatchObject({
      details: { pluginCode: 'RESTORE_TARGET_CONFLICT' },
    });
    expect(restore.resources[keyOf(source)]?.error?.message).toContain("Cannot restore 'a.txt'");
    expect(await readFile(path.join(target, 'a.txt', 'precious'), 'utf8')).toBe('keep me');
  });
});

describe('source errors name the source (issue 9, defect 8)', () => {
  it('a file that vanishes mid-protect is reported as unreadable source, not as a bank failure', async () => {
    await writeFile(path.join(source, 'a.txt'), 'first');
    await writeFile(path.join(source, 'b.txt'), 'second');
    const bank = await FileSystemBank.create(path.join(scratch, 'bank'));
    // After the first file is stored, the second disappears from the source.
    const racing: Bank = Object.create(bank, {
      put: {
        value: async (
          key: string,
          body: Parameters<Bank['put']>[1],
          options?: Parameters<Bank['put']>[2],
        ) => {
          await bank.put(key, body, options);
          if (key.endsWith('/files/00000000')) await rm(path.join(source, 'b.txt'));
        },
      },
    });
    const service = await serviceOver(racing);
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    expect(checkpoint.status).toBe('error');
    const error = checkpoint.resources[keyOf(source)]?.error;
    expect(error).toMatchObject({ details: { pluginCode: 'SOURCE_READ_FAILED' } });
    expect(error?.message).toContain(
      `Cannot read '${path.join(source, 'b.txt')}' from the protected directory: it was removed while the directory was being protected`,
    );
    expect(error?.message).not.toContain('Bank-fs');
  });
});

describe('restore fidelity (issue 9, defect 9)', () => {
  it('keeps the root mode, directory mtimes, hard links, owners and xattrs; lists what it left out', async () => {
    await mkdir(path.join(source, 'dir'));
    await writeFile(path.join(source, 'dir', 'data'), 'linked data');
    await link(path.join(source, 'dir', 'data'), path.join(source, 'hard'));
    await chown(path.join(source, 'dir', 'data'), 1234, 5678);
    await setAttribute(path.join(source, 'dir', 'data'), 'user.origin', 'protected');
    await setAttribute(path.join(source, 'dir'), 'user.kind', 'folder');
    execFileSync('mkfifo', [path.join(source, 'pipe')]);
    const socketPath = path.join(source, 'sock');
    const server = createServer().listen(socketPath);
    await new Promise((resolve) => server.once('listening', resolve));
    const when = new Date('2021-05-06T07:08:09Z');
    await utimes(path.join(source, 'dir'), when, when);
    await chmod(source, 0o700);
    try {
      const service = await serviceOver(await FileSystemBank.create(path.join(scratch, 'bank')));
      const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
      expect(checkpoint.status).toBe('available');
      const protectResult = (await service.getCheckpointDetails(checkpoint.id)).resources[keyOf(source)];
      expect(protectResult?.status).toBe('done');

      const target = path.join(scratch, 'restored');
      const restore = await service.restore({
        checkpointId: checkpoint.id,
        parameters: { [keyOf(source)]: { target } },
      });
      expect(restore.status).toBe('success');
      const result = restore.resources[keyOf(source)]?.result as Record<string, unknown>;
      expect(result).toMatchObject({ files: 1, hardLinks: 1, ownership: 'restored' });
      expect(result.leftOut).toEqual([
        { path: 'pipe', kind: 'fifo', reason: 'a fifo holds no data to protect' },
        { path: 'sock', kind: 'socket', reason: 'a socket holds no data to protect' },
      ]);
      expect((await stat(target)).mode & 0o7777).toBe(0o700);
      expect((await stat(path.join(target, 'dir'))).mtime.toISOString()).toBe(when.toISOString());
      const data = await stat(path.join(target, 'dir', 'data'));
      expect(data.ino).toBe((await stat(path.join(target, 'hard'))).ino);
      expect(data.nlink).toBe(2);
      expect([data.uid, data.gid]).toEqual([1234, 5678]);
      expect(String(await getAttribute(path.join(target, 'dir', 'data'), 'user.origin'))).toBe('protected');
      expect(String(await getAttribute(path.join(target, 'dir'), 'user.kind'))).toBe('folder');
      expect((await readdir(target)).sort()).toEqual(['dir', 'hard']);
    } finally {
      server.close();
    }
  });

  it('a bank inside the protected directory is left out, not protected into itself', async () => {
    await writeFile(path.join(source, 'a.txt'), 'data');
    const service = await serviceOver(await FileSystemBank.create(path.join(source, 'backups')));
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    expect(checkpoint.status).toBe('available');
    const target = path.join(scratch, 'restored');
    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target } },
    });
    expect(restore.status).toBe('success');
    expect(await readdir(target)).toEqual(['a.txt']);
    expect((restore.resources[keyOf(source)]!.result as { leftOut: unknown }).leftOut).toEqual([
      {
        path: 'backups',
        kind: 'directory',
        reason: 'the bank is stored here; a bank is never protected into itself',
      },
    ]);
  });

  it('tampered saved info: a wrong type is refused by the schema; a world-writable setuid mode is not applied', async () => {
    await writeFile(path.join(source, 'tool'), '#!/bin/sh\n');
    const bank = await FileSystemBank.create(path.join(scratch, 'bank'));
    const service = await serviceOver(bank);
    const checkpoint = await service.protect({ resources: [await directoryResource(source)] });
    const infoKey = `checkpoints/${checkpoint.id}/resources/${encodeKeySegment(keyOf(source))}/saved-info.json`;
    const original = JSON.parse(Buffer.from(await bank.get(infoKey)).toString()) as {
      files: { mode: unknown }[];
    };

    original.files[0]!.mode = 'rwx';
    await bank.put(infoKey, JSON.stringify(original));
    const refused = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target: path.join(scratch, 'r1') } },
    });
    expect(refused.status).toBe('fail');
    expect(refused.resources[keyOf(source)]?.error).toMatchObject({
      details: { pluginCode: 'CHECKPOINT_SAVED_INFO_INVALID' },
    });

    original.files[0]!.mode = 0o4777;
    await bank.put(infoKey, JSON.stringify(original));
    const target = path.join(scratch, 'r2');
    const restore = await service.restore({
      checkpointId: checkpoint.id,
      parameters: { [keyOf(source)]: { target } },
    });
    expect(restore.status).toBe('success');
    expect((await stat(path.join(target, 'tool'))).mode & 0o7777).toBe(0o777);
    expect(
      (restore.resources[keyOf(source)]!.result as { privilegesCleared: string[] }).privilegesCleared,
    ).toEqual(['tool']);
  });
});
