import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bankContractTests } from '@hoard/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { FileSystemBank } from './FileSystemBank.js';
import { fileSystemBank } from './fileSystemBankPlugin.js';

const scratch = await mkdtemp(path.join(tmpdir(), 'hoard-bank-fs-'));
let counter = 0;
const freshRoot = () => path.join(scratch, `bank-${counter++}`);

bankContractTests('bank-fs', { create: () => FileSystemBank.create(freshRoot()) });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('FileSystemBank', () => {
  it('never follows a directory symlink planted inside the root', async () => {
    const root = freshRoot();
    const outside = path.join(scratch, `outside-${counter++}`);
    await mkdir(outside);
    const bank = await FileSystemBank.create(root);
    await symlink(outside, path.join(root, 'evil+'));
    expect(await codeOf(bank.put('evil/x', 'data'))).toBe('BANK_WRITE_FAILED');
    expect(await codeOf(bank.get('evil/x'))).toBe('BANK_READ_FAILED');
    expect(await codeOf(bank.delete('evil/x'))).toBe('BANK_WRITE_FAILED');
    const listed: string[] = [];
    for await (const o of bank.list({ prefix: '' })) listed.push(o.key);
    expect(listed).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
  });

  it('never reads through, and replaces rather than writes through, a file symlink', async () => {
    const root = freshRoot();
    const target = path.join(scratch, `secret-${counter++}`);
    await writeFile(target, 'secret');
    const bank = await FileSystemBank.create(root);
    await symlink(target, path.join(root, 'link'));
    expect(await codeOf(bank.get('link'))).toBe('BANK_READ_FAILED');
    await bank.put('link', 'replaced');
    expect(await readFile(target, 'utf8')).toBe('secret');
    expect(Buffer.from(await bank.get('link')).toString()).toBe('replaced');
  });

  it('keeps objects inside the root for keys that look like paths once decoded', async () => {
    const root = freshRoot();
    const bank = await FileSystemBank.create(root);
    await bank.put('%2E%2E/%2Fetc%2Fpasswd', 'inside');
    expect(await readdir(root)).toEqual(['%2E%2E+']);
  });

  it('refuses a bank path that is a file', async () => {
    const file = path.join(scratch, `file-${counter++}`);
    await writeFile(file, 'not a directory');
    const error = (await FileSystemBank.create(file).catch((e: unknown) => e)) as Error & { code: string };
    expect(error.code).toBe('BANK_PATH_INVALID');
    expect(error.message).toBe(`Bank path ${file} exists and is not a directory`);
  });

  it("reads Karbor's [file_system_bank_plugin] options", async () => {
    const base = freshRoot();
    const bank = await fileSystemBank.create({
      baseDir: base,
      config: { file_system_bank_plugin: { file_system_bank_path: 'banks', bank_object_container: 'box' } },
    });
    await bank.put('k', 'v');
    expect(await readdir(path.join(base, 'banks', 'box'))).toEqual(['k']);
  });

  it('removes directories left empty by a delete', async () => {
    const root = freshRoot();
    const bank = await FileSystemBank.create(root);
    await bank.put('a/b/c', 'x');
    await bank.delete('a/b/c');
    expect(await readdir(root)).toEqual([]);
  });

  describe('on a full or read-only file system', () => {
    const mounts: string[] = [];
    afterAll(() => {
      for (const m of mounts) execFileSync('umount', [m]);
    });
    const mountTmpfs = async (options: string): Promise<string> => {
      const dir = path.join(scratch, `mnt-${counter++}`);
      await mkdir(dir);
      // Needs root (CI and the dev machines run as root); a failure here fails the test loudly.
      execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
      mounts.push(dir);
      return dir;
    };

    it('reports a full disk and leaves no partial object', async () => {
      const dir = await mountTmpfs('size=1m');
      const bank = await FileSystemBank.create(dir);
      const error = await bank
        .put('big/object', Buffer.alloc(4 * 1024 * 1024, 1))
        .catch((e: Error & { code: string }) => e);
      expect(error).toMatchObject({ code: 'BANK_WRITE_FAILED' });
      expect((error as Error).message).toBe(
        "Bank-fs cannot write 'big/object': no space left on the bank device",
      );
      expect(await bank.head('big/object')).toBeUndefined();
      expect(await readdir(path.join(dir, 'big+'))).toEqual([]);
    });

    it('reports a read-only bank directory', async () => {
      const dir = await mountTmpfs('size=1m,ro');
      const bank = await FileSystemBank.create(dir);
      const error = await bank.put('x', 'y').catch((e: Error & { code: string }) => e);
      expect(error).toMatchObject({ code: 'BANK_WRITE_FAILED' });
      expect((error as Error).message).toBe(
        "Bank-fs cannot write 'x': the bank directory is on a read-only file system",
      );
    });
  });
});
