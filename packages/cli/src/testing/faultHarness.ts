/**
 * The fault-injection harness (issue 9): a seeded random source, a many-file source tree, tree
 * snapshots, the invariants every injected fault is checked against, and a log of faults and
 * figures. Used by `src/faults/*.faults.test.ts`; any host or plugin suite can reuse it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** A small, fast, seeded PRNG (mulberry32): the same seed replays the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of this run: `HOARD_FAULT_SEED` to replay one, else the clock. */
export function faultSeed(): number {
  const given = process.env['HOARD_FAULT_SEED'];
  return given !== undefined ? Number(given) : Date.now() % 2 ** 31;
}

/** How big the fault suite's data is: `HOARD_FAULT_SCALE` (1 in CI: ~65 MiB of files; 40 for ~2.5 GiB). */
export function faultScale(): number {
  return Math.max(0.05, Number(process.env['HOARD_FAULT_SCALE'] ?? 1));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes a source tree: `files` files in nested directories, sizes uniform in
 * [`minBytes`, `maxBytes`], contents from `random`. Returns relative path → SHA-256.
 */
export async function makeSourceTree(
  root: string,
  options: { files: number; minBytes: number; maxBytes: number; random: () => number },
): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (let i = 0; i < options.files; i++) {
    const relative = path.join(`d${i % 7}`, `e${i % 3}`, `file-${String(i).padStart(5, '0')}.bin`);
    const size = Math.floor(options.minBytes + options.random() * (options.maxBytes - options.minBytes));
    const seed = Math.floor(options.random() * 256);
    const data = Buffer.alloc(size);
    for (let b = 0; b < size; b += 4096) data[b] = (seed + b) & 0xff;
    data.fill(seed & 0x7f, 0, Math.min(size, 64));
    await mkdir(path.join(root, path.dirname(relative)), { recursive: true });
    await writeFile(path.join(root, relative), data);
    hashes.set(relative, createHash('sha256').update(data).digest('hex'));
  }
  return hashes;
}

/** Every regular file under `root` (relative, sorted), skipping the relative prefixes in `skip`. */
export async function listFiles(root: string, skip: readonly string[] = []): Promise<string[]> {
  const out: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = relative === '' ? entry.name : path.join(relative, entry.name);
      if (skip.some((s) => child === s || child.startsWith(`${s}/`) || child.startsWith(s))) continue;
      if (entry.isDirectory()) await visit(child);
      else out.push(child);
    }
  };
  await visit('');
  return out.sort();
}

/** Relative path → SHA-256 of every file under `root`. */
export async function hashTree(root: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of await listFiles(root))
    hashes.set(
      file,
      createHash('sha256')
        .update(await readFile(path.join(root, file)))
        .digest('hex'),
    );
  return hashes;
}

/** The differences between two trees' hashes, as messages (empty when equal). */
export function treeDifferences(expected: Map<string, string>, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const [file, hash] of expected) {
    const found = actual.get(file);
    if (found === undefined) problems.push(`${file} is missing`);
    else if (found !== hash) problems.push(`${file} differs`);
  }
  for (const file of actual.keys()) if (!expected.has(file)) problems.push(`${file} is extra`);
  return problems;
}

/** One injected fault and what came of it. */
export interface FaultRecord {
  kind: string;
  operation: 'protect' | 'restore' | 'delete';
  /** Where the fault landed (ms after the first hook started, or the k-th bank call). */
  at: string;
  /** How the operation ended and how it was recovered. */
  outcome: string;
  /** For interrupted protects that were resumed: ms of the resume and of a fresh protect. */
  resumeMs?: number;
  freshMs?: number;
}

/** The log of a fault suite: every fault, every invariant violation, and a summary table. */
export class FaultLog {
  readonly faults: FaultRecord[] = [];
  readonly violations: string[] = [];

  constructor(
    readonly suite: string,
    readonly seed: number,
  ) {}

  record(fault: FaultRecord): void {
    this.faults.push(fault);
  }

  /** Records a broken invariant (the suite fails at its end, with all of them listed). */
  violation(message: string): void {
    this.violations.push(message);
  }

  /** Checks an invariant: records a violation unless `ok`. */
  check(ok: boolean, message: string): void {
    if (!ok) this.violation(message);
  }

  /** Median time a resume saved over a fresh protect, in ms, and how many resumes it is over. */
  resumeSavings(): { median: number; count: number; medianFraction: number } {
    const saved = this.faults
      .filter((f) => f.resumeMs !== undefined && f.freshMs !== undefined)
      .map((f) => ({ ms: f.freshMs! - f.resumeMs!, fraction: (f.freshMs! - f.resumeMs!) / f.freshMs! }));
    if (saved.length === 0) return { median: 0, count: 0, medianFraction: 0 };
    const median = <T>(values: T[], of: (v: T) => number): number => {
      const sorted = values.map(of).sort((a, b) => a - b);
      const mid = Math.floor(sorted.length / 2);
      return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    };
    return {
      median: median(saved, (s) => s.ms),
      count: saved.length,
      medianFraction: median(saved, (s) => s.fraction),
    };
  }

  /** The summary printed at the end of a suite. */
  summary(): string {
    const byKind = new Map<string, number>();
    for (const f of this.faults)
      byKind.set(`${f.operation} ${f.kind}`, (byKind.get(`${f.operation} ${f.kind}`) ?? 0) + 1);
    const savings = this.resumeSavings();
    const lines = [
      `fault suite ${this.suite} (seed ${this.seed}, HOARD_FAULT_SEED=${this.seed} replays it)`,
      `  faults injected: ${this.faults.length}`,
      ...[...byKind].sort().map(([kind, n]) => `    ${kind.padEnd(34)} ${n}`),
      `  invariant violations: ${this.violations.length}`,
      ...this.violations.map((v) => `    ${v}`),
    ];
    lines.push('  each fault (kind, where it landed, outcome):');
    for (const f of this.faults)
      lines.push(
        `    ${`${f.operation} ${f.kind}`.padEnd(28)} ${f.at.padEnd(44)} ${f.outcome}${
          f.resumeMs !== undefined && f.freshMs !== undefined
            ? ` (resume ${Math.round(f.resumeMs)} ms, fresh protect ${Math.round(f.freshMs)} ms)`
            : ''
        }`,
      );
    if (savings.count > 0)
      lines.push(
        `  resumes: ${savings.count}; median time saved vs a fresh protect: ${Math.round(savings.median)} ms (${Math.round(savings.medianFraction * 100)} %)`,
      );
    return lines.join('\n');
  }
}
