// bank-fs write/read throughput of one large file beside `cp` (+ fsync) of the same file.
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { FileSystemBank } from '@hoard/bank-fs';

const bytes = Number(process.argv[2] ?? 1024 ** 3);
const dir = await mkdtemp(path.join(process.env.HOARD_BENCH_DIR ?? '/var/tmp', 'hoard-bench-'));
try {
  const source = path.join(dir, 'source.bin');
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((i * 2654435761) >>> 0, i);
  const handle = await open(source, 'w');
  for (let written = 0; written < bytes; written += chunk.length)
    await handle.write(chunk, 0, Math.min(chunk.length, bytes - written));
  await handle.sync();
  await handle.close();

  const time = async (fn) => {
    execFileSync('sync'); // start every measurement with no dirty pages left by the previous one
    const t = performance.now();
    await fn();
    return (performance.now() - t) / 1000;
  };
  // References: `cp` then `sync FILE` (fsync, since bank-fs fsyncs every object it writes); cp
  // copies inside the kernel (copy_file_range), which no stream of bytes through a process can
  // do, so `dd bs=8M` (read/write through user space, as bank-fs must) is measured too. The disk
  // here is noisy and a measurement is slowed by the one before it, so each round runs the
  // measurements in a rotated order, `rounds` times, and the median is kept.
  const rounds = Number(process.argv[3] ?? 6);
  const bank = await FileSystemBank.create(path.join(dir, 'bank'));
  const objectFile = path.join(dir, 'bank', 'bench+', 'object');
  const shell = (command) => () => execFileSync('sh', ['-c', command]);
  const copy = (from, to) => shell(`cp "${from}" "${to}" && sync "${to}"`);
  const dd = (from, to) => shell(`dd if="${from}" of="${to}" bs=8M status=none && sync "${to}"`);
  await bank.put('bench/object', createReadStream(source)); // the object the read measurements read
  const measurements = {
    cpWrite: copy(source, `${dir}/copy.bin`),
    ddWrite: dd(source, `${dir}/copy.bin`),
    // A new object, as cp and dd write a new file (replacing one would also time freeing the old).
    bankWrite: () => bank.put('bench/written', createReadStream(source, { highWaterMark: 8 * 1024 * 1024 })),
    cpRead: copy(objectFile, `${dir}/copy.bin`),
    ddRead: dd(objectFile, `${dir}/copy.bin`),
    bankRead: async () => {
      // The reader streams into a file, as a restore does, then fsyncs it like `sync FILE`.
      const target = `${dir}/copy.bin`;
      await pipeline(await bank.getStream('bench/object'), createWriteStream(target));
      const out = await open(target, 'r+');
      await out.sync();
      await out.close();
    },
  };
  const names = Object.keys(measurements);
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length];
      samples[name].push(await time(measurements[name]));
      await rm(`${dir}/copy.bin`, { force: true });
      await bank.delete('bench/written');
    }
  }
  if (process.env.HOARD_BENCH_VERBOSE) console.error(JSON.stringify(samples));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(
    JSON.stringify({
      bytes,
      ...Object.fromEntries(names.map((name) => [name, median(samples[name])])),
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
