/** Test helpers: `hoard serve` as a child process, and the real python-karborclient against it. */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOARD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../cli/dist/bin.js');

/** A running `hoard serve`. */
export interface HoardServe {
  url: string;
  /** What it printed on stdout and stderr so far. */
  output(): string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `hoard serve --json ...args` in `cwd` and waits for it to print its URL. */
export async function startHoardServe(cwd: string, args: readonly string[]): Promise<HoardServe> {
  const child = spawn(process.execPath, [HOARD, 'serve', '--json', ...args], { cwd });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve((JSON.parse(out) as { url: string }).url);
      } catch {
        // not whole yet
      }
    });
    child.on('exit', (code) => reject(new Error(`hoard serve exited ${code}: ${out}${err}`)));
  });
  return {
    url,
    process: child,
    output: () => out + err,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Installs Debian's python3-karborclient when `karbor` is not on the PATH (the mini-cloud ran apt-get update). */
export function ensureKarborClient(): void {
  if (spawnSync('sh', ['-c', 'command -v karbor']).status !== 0)
    execFileSync('apt-get', ['install', '-y', '-q', 'python3-karborclient'], {
      stdio: 'ignore',
      timeout: 300_000,
    });
}

/** What a client command did. */
export interface ClientRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs a client command (`karbor` or `openstack`) with `env` added to this process's. */
export function runClient(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): ClientRun {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

/** The `id` row of a client's table output. */
export function idOf(out: string): string {
  const match = /\|\s*id\s*\|\s*([0-9a-f-]{32,36})\s*\|/.exec(out);
  if (!match) throw new Error(`no id in the client's output:\n${out}`);
  return match[1]!;
}

/** Runs `poll` every 500 ms until `done` says its answer is final (at most `tries` times). */
export async function pollUntil(
  poll: () => string,
  done: (out: string) => boolean,
  tries = 120,
): Promise<string> {
  let out = poll();
  for (let i = 0; i < tries && !done(out); i++) {
    await new Promise((r) => setTimeout(r, 500));
    out = poll();
  }
  return out;
}

/** The provider id the server tests use (Karbor's "OS Infra Provider" id). */
export const LOCAL_PROVIDER_ID = 'cf56bd3e-97a7-4078-b6d5-f36246333fd9';

/**
 * Writes `<root>/providers.d/local.conf`: plugin-directory into a bank-fs bank at `<root>/bank`.
 *
 * @returns the provider directory
 */
export async function writeLocalProvider(root: string): Promise<string> {
  const dir = path.join(root, 'providers.d');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'local.conf'),
    `[provider]\nname = Local\ndescription = Local directories\nid = ${LOCAL_PROVIDER_ID}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`,
  );
  return dir;
}
