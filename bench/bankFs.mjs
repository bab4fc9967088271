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
  // `cp` then `sync FILE` (fsync), since bank-fs fsyncs every object it writes. The disk here is
  // noisy, so each measurement is taken `rounds` times, alternating, and the median is kept.
  const rounds = Number(process.argv[3] ?? 5);
  const bank = await FileSystemBank.create(path.join(dir, 'bank'));
  const objectFile = path.join(dir, 'bank', 'bench+', 'object');
  const samples = { cpWrite: [], bankWrite: [], cpRead: [], bankRead: [] };
  for (let round = 0; round < rounds; round++) {
    samples.cpWrite.push(
      await time(() =>
        execFileSync('sh', ['-c', `cp "${source}" "${dir}/copy.bin" && sync "${dir}/copy.bin"`]),
      ),
    );
    samples.bankWrite.push(
      await time(() =>
        bank.put('bench/object', createReadStream(source, { highWaterMark: 8 * 1024 * 1024 })),
      ),
    );
    samples.cpRead.push(
      await time(() =>
        execFileSync('sh', [
          '-c',
          `cp "${objectFile}" "${dir}/read-copy.bin" && sync "${dir}/read-copy.bin"`,
        ]),
      ),
    );
    samples.bankRead.push(
      await time(async () => {
        // The reader streams into a file, as a restore does, then fsyncs it like `sync FILE`.
        const target = path.join(dir, 'read-bank.bin');
        await pipeline(await bank.getStream('bench/object'), createWriteStream(target));
        const out = await open(target, 'r+');
        await out.sync();
        await out.close();
      }),
    );
    await rm(path.join(dir, 'copy.bin'), { force: true });
    await rm(path.join(dir, 'read-copy.bin'), { force: true });
    await rm(path.join(dir, 'read-bank.bin'), { force: true });
  }
  if (process.env.HOARD_BENCH_VERBOSE) console.error(JSON.stringify(samples));
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const [cpWrite, bankWrite, cpRead, bankRead] = [
    samples.cpWrite,
    samples.bankWrite,
    samples.cpRead,
    samples.bankRead,
  ].map(median);
  console.log(
    JSON.stringify({
      bytes,
      cpWrite,
      bankWrite,
      cpRead,
      bankRead,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
