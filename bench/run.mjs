#!/usr/bin/env node
// `pnpm bench`: prints the benchmark tables. Each measurement runs in its own process.
// Options: --quick (smaller sizes, for a smoke run), --no-bank.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const quick = process.argv.includes('--quick');
const run = (script, args) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--max-old-space-size=4096', path.join(here, script), ...args.map(String)],
      {
        encoding: 'utf8',
        cwd: here,
      },
    )
      .trim()
      .split('\n')
      .pop(),
  );
const pad = (cells, widths) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');

const sizes = quick ? [100, 1000] : [100, 1000, 10_000, 100_000];
const header = [
  'shape',
  'resources',
  'deps',
  'tasks',
  'edges',
  'build ms',
  'compile ms',
  'execute ms',
  'total s',
  'tasks/s',
  'peak RSS MiB',
];
const widths = header.map((h) => Math.max(h.length, 9));
console.log('Flow compiler + executor (no-op hooks, concurrency 8); target: 100k resources < 5 s, < 1 GiB');
console.log(pad(header, widths));
for (const shape of ['tenant', 'shared']) {
  for (const size of sizes) {
    const r = run('flow.mjs', [size, shape]);
    const total = (r.buildMs + r.compileMs + r.executeMs) / 1000;
    console.log(
      pad(
        [
          r.shape,
          r.resources,
          r.dependencies,
          r.tasks,
          r.edges,
          r.buildMs.toFixed(1),
          r.compileMs.toFixed(1),
          r.executeMs.toFixed(1),
          total.toFixed(2),
          Math.round(r.tasks / (r.executeMs / 1000)),
          r.peakRssMiB.toFixed(0),
        ],
        widths,
      ),
    );
  }
}

if (!process.argv.includes('--no-bank')) {
  const bytes = quick ? 128 * 1024 ** 2 : 1024 ** 3;
  const r = run('bankFs.mjs', [bytes]);
  const mib = bytes / 1024 ** 2;
  console.log(
    `\nbank-fs beside cp and dd (each + fsync), ${mib} MiB file, median of rounds (target: bank-fs >= 80 % of cp)`,
  );
  const h = ['direction', 'cp MiB/s', 'dd MiB/s', 'bank-fs MiB/s', 'of cp', 'of dd', 'peak RSS MiB'];
  const w = [9, 10, 10, 13, 6, 6, 12];
  console.log(pad(h, w));
  for (const direction of ['Write', 'Read']) {
    const [cp, dd, bank] = [r[`cp${direction}`], r[`dd${direction}`], r[`bank${direction}`]];
    console.log(
      pad(
        [
          direction.toLowerCase(),
          (mib / cp).toFixed(0),
          (mib / dd).toFixed(0),
          (mib / bank).toFixed(0),
          `${((100 * cp) / bank).toFixed(0)} %`,
          `${((100 * dd) / bank).toFixed(0)} %`,
          r.peakRssMiB.toFixed(0),
        ],
        w,
      ),
    );
  }
}
