#!/usr/bin/env node
// The README's first command: a real protect → list → restore → delete round trip of a sample
// directory into a bank-fs bank, through the `hoard` command itself.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = path.join(repo, '.hoard-demo');
const sample = path.join(work, 'sample');
const restored = path.join(work, 'restored');
const hoardBin = path.join(repo, 'packages', 'cli', 'dist', 'bin.js');
const common = ['--provider', 'local', '--provider-dir', path.join(repo, 'examples', 'providers.d')];

function hoard(args, { json = false } = {}) {
  const shown = ['hoard', ...args].map((a) => (/[\s#]/.test(a) ? `'${a}'` : a)).join(' ');
  process.stdout.write(`\n$ ${shown}\n`);
  const out = execFileSync(process.execPath, [hoardBin, ...args], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(out);
  return json ? JSON.parse(out) : out;
}

function tree(root, relative = '') {
  const out = {};
  for (const name of readdirSync(path.join(root, relative)).sort()) {
    const rel = relative ? `${relative}/${name}` : name;
    const abs = path.join(root, rel);
    const info = statSync(abs);
    if (info.isDirectory()) Object.assign(out, tree(root, rel));
    else
      out[rel] =
        `${(info.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(abs)).digest('hex')}`;
  }
  return out;
}

rmSync(work, { recursive: true, force: true });
mkdirSync(path.join(sample, 'config'), { recursive: true });
mkdirSync(path.join(sample, 'data', 'blobs'), { recursive: true });
writeFileSync(path.join(sample, 'README.txt'), 'A sample application directory protected by Hoard.\n');
writeFileSync(path.join(sample, 'config', 'app.ini'), '[app]\nport = 8080\n');
writeFileSync(path.join(sample, 'start.sh'), '#!/bin/sh\necho starting\n');
chmodSync(path.join(sample, 'start.sh'), 0o755);
const blob = Buffer.alloc(4 * 1024 * 1024);
for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;
writeFileSync(path.join(sample, 'data', 'blobs', 'blob.bin'), blob);

hoard(['provider', 'list', '--provider-dir', path.join(repo, 'examples', 'providers.d')]);
const checkpoint = hoard(
  ['protect', ...common, '--resource', `Hoard::Local::Directory#${sample}`, '--json'],
  { json: true },
);
if (checkpoint.status !== 'available') throw new Error(`checkpoint is ${checkpoint.status}`);
hoard(['checkpoint', 'list', ...common]);
const parameters = path.join(work, 'restore-parameters.json');
writeFileSync(
  parameters,
  JSON.stringify({ [`Hoard::Local::Directory#${sample}`]: { target: restored } }, null, 2),
);
const restore = hoard(
  ['restore', ...common, '--checkpoint', checkpoint.id, '--parameters', parameters, '--json'],
  { json: true },
);
if (restore.status !== 'success') throw new Error(`restore is ${restore.status}`);
const before = tree(sample);
const after = tree(restored);
if (JSON.stringify(before) !== JSON.stringify(after))
  throw new Error('restored tree differs from the sample');
process.stdout.write(
  `\nVerified: ${Object.keys(after).length} files restored into ${restored} with identical content and modes.\n`,
);
hoard(['checkpoint', 'delete', checkpoint.id, ...common]);
hoard(['checkpoint', 'list', ...common]);
process.stdout.write('\nRound trip complete: protect → list → restore (verified) → delete.\n');
