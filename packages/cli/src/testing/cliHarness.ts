import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `hoard` binary (tests run after `turbo run build`). */
export const HOARD_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'bin.js',
);

/** Result of one `hoard` run. */
export interface HoardRun {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

/** Runs the real `hoard` binary in a child process. */
export function runHoard(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): HoardRun {
  const result = spawnSync(process.execPath, [HOARD_BIN, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    code: result.status ?? -1,
    stdout: result.stdout,
    stderr: result.stderr,
    json: <T>() => JSON.parse(result.stdout) as T,
  };
}

/**
 * Runs the real `hoard` binary without blocking the event loop (for tests that watch other
 * processes meanwhile: a blocked loop would see their exits and timers late).
 */
export function runHoardAsync(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<HoardRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOARD_BIN, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
    );
  });
}

/** A temporary directory. */
export function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/** Writes files (relative path → content) under a root. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(root, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

/**
 * A fake third-party plugin package (plain JS, branded objects) for discovery and provider tests.
 */
export function fakePluginPackage(
  name: string,
  options: {
    apiVersion?: unknown;
    exportApiVersion?: number;
    types?: string[];
    protectSchema?: unknown;
    /**
     * The protect `main` hook waits until it is aborted (`true`), or for ever, ignoring its signal
     * and keeping a timer alive (`'ignoring-signal'`).
     */
    hang?: boolean | 'ignoring-signal';
  } = {},
): Record<string, string> {
  const types = options.types ?? [`Acme::${name}::Thing`];
  return {
    [`node_modules/${name}/package.json`]: JSON.stringify({
      name,
      version: '1.0.0',
      type: 'module',
      hoard: {
        apiVersion: options.apiVersion ?? 1,
        entryPoints: {
          'hoard.protectables': { thing: './index.js#thingProtectable' },
          'hoard.protections': { thing: './index.js#thingProtection' },
        },
      },
    }),
    [`node_modules/${name}/index.js`]: `
export const thingProtectable = {
  $$type: '@hoard/Protectable', apiVersion: ${options.exportApiVersion ?? 1},
  name: 'thing', resourceType: ${JSON.stringify(types[0])}, parentTypes: [],
  list: async () => [], show: async (_c, id) => ({ type: ${JSON.stringify(types[0])}, id, name: id }),
  getDependentResources: async () => [],
};
export const thingProtection = {
  $$type: '@hoard/ProtectionPlugin', apiVersion: ${options.exportApiVersion ?? 1},
  name: 'thing', resourceTypes: ${JSON.stringify(types)},
  schemas: { protect: ${JSON.stringify(options.protectSchema ?? { type: 'object' })} },
  hooks: { protect: { main: ${
    options.hang === 'ignoring-signal'
      ? '() => new Promise(() => { setInterval(() => {}, 1000); })'
      : options.hang
        ? '(context) => new Promise((_resolve, reject) => context.signal.addEventListener("abort", () => reject(context.signal.reason)))'
        : 'async () => {}'
  } } },
};
`,
  };
}

/** A `hoard` process run in the background, for tests that signal it while it works. */
export interface BackgroundHoard {
  /** Resolves once a task has started (a `task-started` progress line on stderr). */
  taskStarted: Promise<void>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
  stdout(): string;
}

/**
 * Starts `hoard` with `args` in `cwd` without waiting for it.
 *
 * @param options - `closed`: streams whose reader goes away at once (a closed pipe)
 */
export function spawnHoard(
  args: string[],
  cwd: string,
  options: { closed?: ('stdout' | 'stderr')[] } = {},
): BackgroundHoard & { stderr(): string } {
  const child = spawn(process.execPath, [HOARD_BIN, ...args], { cwd });
  for (const name of options.closed ?? []) child[name].destroy();
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  const taskStarted = new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('"task-started"')) resolve();
    });
  });
  // 'close', not 'exit': the output is complete only once every stream has ended.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    taskStarted,
    exited,
    kill: (signal) => child.kill(signal),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
