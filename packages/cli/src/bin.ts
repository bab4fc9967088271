#!/usr/bin/env node
import { runCli } from './program.js';

// SIGINT/SIGTERM cancel the running operation: running hooks are aborted and awaited, the
// checkpoint ends `error` with reason `cancelled`, and the exit code is 130.
const cancel = new AbortController();
let signals = 0;
for (const name of ['SIGINT', 'SIGTERM'] as const) {
  process.on(name, () => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\nhoard: ${name} received, cancelling (press Ctrl-C again to quit at once)\n`);
    cancel.abort();
  });
}

const code = await runCli(process.argv.slice(2), { signal: cancel.signal });
process.exitCode = cancel.signal.aborted && code !== 0 ? 130 : code;
