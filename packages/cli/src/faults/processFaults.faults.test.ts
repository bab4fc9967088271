/**
 * Fault injection against the real `hoard` process (issue 9): protect, restore and delete are
 * killed (SIGKILL), stalled past their lease (SIGSTOP), interrupted (SIGINT, SIGHUP) or lose their
 * output (closed pipes) at random points of a many-file protect, then every invariant is checked:
 * no checkpoint available unless it restores byte for byte; nothing written outside the bank and
 * the restore targets; every interrupted protect resumes to available with the same data or is
 * deleted to nothing; after gc and deletes the bank is empty.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackgroundHoard, runHoardAsync, scratchDir, spawnHoard } from '../testing/cliHarness.js';
import {
  FaultLog,
  faultScale,
  faultSeed,
  hashTree,
  listFiles,
  makeSourceTree,
  seededRandom,
  sleep,
  treeDifferences,
} from '../testing/faultHarness.js';

const seed = faultSeed();
const random = seededRandom(seed);
const log = new FaultLog('process (hoard CLI, bank-fs)', seed);
const LEASE_LAPSE_MS = 2300; // lease_expire_window = 2 s, plus a margin
let root: string;
/**
 * The tree being protected: the many-file tree for the random faults, then the multi-GB tree for
 * the timed resumes (which run alone, after them, so switching is safe).
 */
let source: string;
let sourceHashes: Map<string, string>;
/** How long the hook of a clean protect of `source` runs (where random faults may land). */
let hookMs: number;

const PROVIDER = (id: string) =>
  `[provider]\nname = local\nid = ${id}\nbank = @hoard/bank-fs\nplugin = @hoard/plugin-directory\nlease_expire_window = 2\nlease_renew_window = 1\n[file_system_bank_plugin]\nfile_system_bank_path = ../bank\n`;

async function scenario(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'providers.d'), { recursive: true });
  await writeFile(path.join(dir, 'providers.d', 'local.conf'), PROVIDER(name));
  return dir;
}

const hoard = (dir: string, ...args: string[]) =>
  runHoardAsync([...args, '--provider', 'local', '--json'], { cwd: dir });
const spawn = (dir: string, args: string[], closed?: ('stdout' | 'stderr')[]) =>
  spawnHoard([...args, '--provider', 'local', '--json'], dir, closed ? { closed } : {});
const protectArgs = () => ['protect', '--resource', `Hoard::Local::Directory#${source}`];

interface Listed {
  id: string;
  status: string;
  reason?: string;
}

/**
 * Sends `signal` at a random point after the first hook started, uniformly in `[from, to]` of
 * the clean hook's duration; says whether it landed before the end.
 */
async function signalAtRandomPoint(
  child: BackgroundHoard,
  signal: NodeJS.Signals,
  [from, to]: [number, number] = [0, 1.15],
) {
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  await Promise.race([child.taskStarted, child.exited]);
  const delay = Math.floor((from + random() * (to - from)) * hookMs);
  await sleep(delay);
  const landed = !exited;
  child.kill(signal);
  return { landed, at: `${delay} ms after the first hook started` };
}

/** Restores checkpoint `id` to a new target and compares it with the source, byte for byte. */
async function verify(dir: string, id: string, what: string): Promise<void> {
  const target = path.join(dir, `restored-verify-${randomBytes(3).toString('hex')}`);
  const params = path.join(dir, `params-${randomBytes(3).toString('hex')}.json`);
  await writeFile(params, JSON.stringify({ 'Hoard::Local::Directory': { target } }));
  const restore = await runHoardAsync(
    ['restore', '--provider', 'local', '--checkpoint', id, '--parameters', params, '--json'],
    { cwd: dir },
  );
  log.check(restore.code === 0, `${what}: available checkpoint ${id} did not restore: ${restore.stderr}`);
  const differences = treeDifferences(sourceHashes, await hashTree(target));
  log.check(
    differences.length === 0,
    `${what}: checkpoint ${id} restored different data: ${differences.slice(0, 3).join('; ')}`,
  );
  await rm(target, { recursive: true, force: true });
}

/** Deletes everything, collects garbage, and checks that the bank is empty and nothing leaked out. */
async function finish(dir: string, what: string): Promise<void> {
  for (const c of (await hoard(dir, 'checkpoint', 'list')).json<Listed[]>()) {
    const deleted = await hoard(dir, 'checkpoint', 'delete', c.id);
    log.check(
      deleted.code === 0,
      `${what}: checkpoint ${c.id} (${c.status}) could not be deleted: ${deleted.stdout}`,
    );
  }
  for (const r of (await hoard(dir, 'restore', 'list')).json<{ id: string }[]>())
    await hoard(dir, 'restore', 'delete', r.id);
  const gc = await hoard(dir, 'bank', 'gc');
  log.check(gc.code === 0, `${what}: bank gc failed: ${gc.stdout}`);
  const check = (await hoard(dir, 'bank', 'check')).json<{ healthy: boolean; findings: unknown[] }>();
  log.check(
    check.healthy && check.findings.length === 0,
    `${what}: bank not whole after gc: ${JSON.stringify(check.findings)}`,
  );
  const left = await listFiles(path.join(dir, 'bank'));
  log.check(
    left.length === 0,
    `${what}: the bank still holds ${left.length} file(s) after every delete and gc: ${left.slice(0, 3).join(', ')}`,
  );
  const outside = await listFiles(dir, ['providers.d', 'bank', 'params', 'restored']);
  log.check(
    outside.length === 0,
    `${what}: files written outside the bank and restore targets: ${outside.join(', ')}`,
  );
}

/** A protect hit by `fault`, then resumed or deleted. */
async function protectFault(
  index: number,
  fault: NodeJS.Signals | 'closed pipes',
  options: { timed?: boolean } = {},
): Promise<void> {
  const what = `#${index} protect ${fault}${options.timed ? ' (timed)' : ''}`;
  const dir = await scenario(`scn-${index}`);
  if (fault === 'closed pipes') {
    const child = spawn(dir, protectArgs(), ['stdout', 'stderr']);
    const code = await child.exited;
    log.check(code === 0, `${what}: exit ${code} with its output closed`);
    const [c] = (await hoard(dir, 'checkpoint', 'list')).json<Listed[]>();
    log.check(c?.status === 'available', `${what}: checkpoint ${c?.status}`);
    if (c) await verify(dir, c.id, what);
    log.record({
      kind: 'closed stdout+stderr',
      operation: 'protect',
      at: 'from the start',
      outcome: `exit ${code}`,
    });
    await finish(dir, what);
    return;
  }
  const child = spawn(dir, protectArgs());
  const { landed, at } = await signalAtRandomPoint(child, fault, options.timed ? [0.05, 0.6] : undefined);
  if (fault === 'SIGSTOP') {
    await sleep(LEASE_LAPSE_MS + 300);
    child.kill('SIGCONT');
  }
  const code = await child.exited;
  if (fault === 'SIGKILL') await sleep(LEASE_LAPSE_MS);
  const [c] = (await hoard(dir, 'checkpoint', 'list')).json<Listed[]>();
  let outcome: string;
  let resumeMs: number | undefined;
  let freshMs: number | undefined;
  if (c === undefined) {
    outcome = 'stopped before its checkpoint existed';
  } else if (c.status === 'available') {
    // A kill after the status was written and before the process ended finds it available,
    // rightly: what must hold is that an available checkpoint restores byte for byte.
    await verify(dir, c.id, what);
    outcome = 'had finished';
  } else {
    const expected = fault === 'SIGINT' || fault === 'SIGHUP' ? 'cancelled' : 'abandoned';
    log.check(
      c.status === 'error' && c.reason === expected,
      `${what}: checkpoint is ${c.status} (${c.reason}), expected error (${expected}); exit ${code}; stderr ends: ${child.stderr().slice(-600)}`,
    );
    if (fault === 'SIGINT' || fault === 'SIGHUP')
      log.check(code === 130, `${what}: exit ${code}, expected 130`);
    if (fault === 'SIGSTOP')
      log.check(code === 1, `${what}: exit ${code} after its lease was lost, expected 1`);
    if (options.timed || random() < 0.65) {
      const started = performance.now();
      const resume = await hoard(dir, 'checkpoint', 'resume', c.id);
      resumeMs = performance.now() - started;
      log.check(resume.code === 0, `${what}: resume failed (${resume.code}): ${resume.stdout.slice(0, 300)}`);
      await verify(dir, c.id, `${what} resumed`);
      if (options.timed) {
        // The same protect from scratch, right after and alone on the machine, for the figure.
        const freshStarted = performance.now();
        const fresh = await hoard(dir, ...protectArgs());
        freshMs = performance.now() - freshStarted;
        log.check(
          fresh.code === 0,
          `${what}: a fresh protect after the resume failed: ${fresh.stdout.slice(0, 300)}`,
        );
      }
      outcome = `${c.reason}, resumed`;
    } else {
      const deleted = await hoard(dir, 'checkpoint', 'delete', c.id);
      log.check(deleted.code === 0, `${what}: delete failed: ${deleted.stdout}`);
      const left = (await listFiles(path.join(dir, 'bank'))).filter((f) => f.includes(c.id));
      log.check(
        left.length === 0,
        `${what}: deleted checkpoint left ${left.length} object(s): ${left.slice(0, 3).join(', ')}`,
      );
      outcome = `${c.reason}, deleted`;
    }
  }
  log.record({
    kind: options.timed ? `${fault} (timed resume)` : fault,
    operation: 'protect',
    at: landed ? at : `${at} (after the end)`,
    outcome,
    ...(resumeMs !== undefined && freshMs !== undefined ? { resumeMs, freshMs } : {}),
  });
  await finish(dir, what);
}

/** A restore killed with -9; the next restore to the same target must succeed and clean up. */
async function restoreFault(index: number): Promise<void> {
  const what = `#${index} restore SIGKILL`;
  const dir = await scenario(`scn-${index}`);
  const protect = await hoard(dir, ...protectArgs());
  const id = protect.json<{ id: string }>().id;
  const target = path.join(dir, 'restored');
  await writeFile(path.join(dir, 'params.json'), JSON.stringify({ 'Hoard::Local::Directory': { target } }));
  const args = ['restore', '--checkpoint', id, '--parameters', 'params.json'];
  const child = spawn(dir, args);
  const { landed, at } = await signalAtRandomPoint(child, 'SIGKILL');
  await child.exited;
  await sleep(LEASE_LAPSE_MS);
  const [record] = (await hoard(dir, 'restore', 'list')).json<Listed[]>();
  // Killed before its record was written, a restore leaves none; one that was written and not
  // finished must read as abandoned.
  if (landed && record !== undefined && record.status !== 'success')
    log.check(
      record?.status === 'fail' && record.reason === 'abandoned',
      `${what}: restore record ${record?.status} (${record?.reason})`,
    );
  const again = await runHoardAsync(['restore', ...args.slice(1), '--provider', 'local', '--json'], {
    cwd: dir,
  });
  const fresh = again.code === 0;
  // A restore that had finished leaves a full target: a second restore into it is refused, as it must be.
  if (record?.status === 'success') log.check(!fresh, `${what}: restore over a full target was not refused`);
  else log.check(fresh, `${what}: the restore after the kill failed: ${again.stdout.slice(0, 300)}`);
  const differences = treeDifferences(sourceHashes, await hashTree(target));
  log.check(
    differences.length === 0,
    `${what}: restored data differs: ${differences.slice(0, 3).join('; ')}`,
  );
  const partial = (await readdir(dir)).filter((n) => n.includes('hoard-partial'));
  log.check(partial.length === 0, `${what}: staging trees left: ${partial.join(', ')}`);
  await rm(target, { recursive: true, force: true });
  log.record({
    kind: 'SIGKILL',
    operation: 'restore',
    at: landed ? at : `${at} (after the end)`,
    outcome: record?.status ?? 'none',
  });
  await finish(dir, what);
}

/** A delete killed with -9; deleting again must remove everything. */
async function deleteFault(index: number): Promise<void> {
  const what = `#${index} delete SIGKILL`;
  const dir = await scenario(`scn-${index}`);
  const id = (await hoard(dir, ...protectArgs())).json<{ id: string }>().id;
  const child = spawn(dir, ['checkpoint', 'delete', id]);
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const delay = Math.floor(random() * 600);
  await sleep(delay);
  const landed = !exited;
  child.kill('SIGKILL');
  await child.exited;
  await sleep(LEASE_LAPSE_MS);
  const listed = (await hoard(dir, 'checkpoint', 'list')).json<Listed[]>();
  const c = listed.find((x) => x.id === id);
  if (c !== undefined) {
    log.check(
      c.status === 'available' || c.status === 'error-deleting',
      `${what}: killed delete left the checkpoint ${c.status} (${c.reason})`,
    );
    const again = await hoard(dir, 'checkpoint', 'delete', id);
    log.check(again.code === 0, `${what}: deleting again failed: ${again.stdout}`);
  }
  const left = (await listFiles(path.join(dir, 'bank'))).filter((f) => f.includes(id));
  log.check(left.length === 0, `${what}: ${left.length} object(s) of the deleted checkpoint remain`);
  log.record({
    kind: 'SIGKILL',
    operation: 'delete',
    at: `${delay} ms after start${landed ? '' : ' (after the end)'}`,
    outcome: c === undefined ? 'gone' : `${c.status}, deleted again`,
  });
  await finish(dir, what);
}

beforeAll(async () => {
  root = await scratchDir('hoard-faults-');
  source = path.join(root, 'src');
  sourceHashes = await makeSourceTree(source, {
    files: Math.round(120 * faultScale()),
    minBytes: 64 * 1024,
    maxBytes: 1024 * 1024,
    random,
  });
  hookMs = await timeCleanProtect('fresh');
});

/** Runs a clean protect of `source`; how long its hook ran (first hook started to exit). */
async function timeCleanProtect(name: string): Promise<number> {
  const dir = await scenario(name);
  const child = spawn(dir, protectArgs());
  await child.taskStarted;
  const started = performance.now();
  const code = await child.exited;
  const ms = performance.now() - started;
  expect(code, child.stderr()).toBe(0);
  await finish(dir, `clean protect ${name}`);
  return ms;
}

/**
 * The multi-GB tree of the timed resumes: `HOARD_FAULT_SCALE` × (24 large files, ~2 GiB, and
 * 600 small ones), so what a resume saves is the data it does not copy again.
 */
async function makeLargeTree(): Promise<{ root: string; hashes: Map<string, string> }> {
  const large = path.join(root, 'large');
  const hashes = new Map<string, string>();
  const parts = [
    { name: 'big', files: Math.round(24 * faultScale()), minBytes: 64 << 20, maxBytes: 110 << 20 },
    { name: 'small', files: Math.round(600 * faultScale()), minBytes: 1024, maxBytes: 64 * 1024 },
  ];
  for (const part of parts) {
    const made = await makeSourceTree(path.join(large, part.name), { ...part, random });
    for (const [file, hash] of made) hashes.set(path.join(part.name, file), hash);
  }
  return { root: large, hashes };
}

afterAll(async () => {
  console.log(log.summary());
  await rm(root, { recursive: true, force: true });
});

describe('fault injection: the hoard process (issue 9)', () => {
  it('kills, stalls, interrupts and starves protect, restore and delete at random points; every invariant holds', async () => {
    const faults: (() => Promise<void>)[] = [];
    const kinds: (NodeJS.Signals | 'closed pipes' | 'restore' | 'delete')[] = [
      ...Array<NodeJS.Signals>(10).fill('SIGKILL'),
      ...Array<NodeJS.Signals>(4).fill('SIGSTOP'),
      ...Array<NodeJS.Signals>(3).fill('SIGINT'),
      ...Array<NodeJS.Signals>(3).fill('SIGHUP'),
      'closed pipes',
      'closed pipes',
      ...Array<'restore'>(4).fill('restore'),
      ...Array<'delete'>(4).fill('delete'),
    ];
    for (let i = kinds.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
    }
    for (const [index, kind] of kinds.entries()) {
      faults.push(() =>
        kind === 'restore'
          ? restoreFault(index)
          : kind === 'delete'
            ? deleteFault(index)
            : protectFault(index, kind),
      );
    }
    // Three at a time: each waits for leases to lapse, which costs time and no CPU.
    const queue = [...faults];
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await next();
      }),
    );
    // Then, one at a time so the machine is otherwise idle: protects killed at a random point,
    // resumed, and timed against the same protect from scratch (the figure in the summary).
    let differences = treeDifferences(sourceHashes, await hashTree(source));
    log.check(differences.length === 0, `the source tree changed: ${differences.slice(0, 3).join('; ')}`);
    const large = await makeLargeTree();
    source = large.root;
    sourceHashes = large.hashes;
    hookMs = await timeCleanProtect('large-fresh');
    const timed = 4;
    for (let i = 0; i < timed; i++) await protectFault(kinds.length + i, 'SIGKILL', { timed: true });
    differences = treeDifferences(sourceHashes, await hashTree(source));
    log.check(differences.length === 0, `the large tree changed: ${differences.slice(0, 3).join('; ')}`);
    await rm(large.root, { recursive: true, force: true });
    expect(log.faults.length).toBe(kinds.length + timed);
    expect(log.violations).toEqual([]);
  });
});
