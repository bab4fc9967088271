#!/usr/bin/env node
import { processIo, tolerateClosedOutput } from './output.js';
import { runCli } from './program.js';

tolerateClosedOutput();

// SIGINT/SIGTERM/SIGHUP cancel the running operation: running hooks are aborted and awaited (for
// at most the provider's cancel_grace), the checkpoint ends `error` with reason `cancelled`, and
// the exit code is 130. A second signal quits at once.
const cancel = new AbortController();
let signals = 0;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    signals++;
    if (signals > 1) process.exit(130);
    processIo.stderr(
      `\nhoard: ${name} received, cancelling: running hooks get up to the provider's cancel_grace (default 30 s) to stop; send it again to quit at once\n`,
    );
    cancel.abort();
  });
}

const code = await runCli(process.argv.slice(2), { signal: cancel.signal });
const exitCode = cancel.signal.aborted && code !== 0 ? 130 : code;
if (cancel.signal.aborted) {
  // The cancel is recorded; a hook that ignored its signal may still hold timers or sockets open,
  // which must not keep the process alive. Exit once what was written has been flushed.
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) =>
      stream.writableLength === 0 ? resolve() : stream.write('', () => resolve()),
    );
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(exitCode);
}
process.exitCode = exitCode;
