import { HoardError, isHoardError } from '@hoard/core';
import { scrubSecrets } from '@hoard/core/host';
import { exitCodeFor } from './exitCodes.js';

/** Where a command writes; replaced in tests. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether standard error is a terminal (live progress view). */
  isTty: boolean;
}

/**
 * Whether each of the process's streams still has a reader. A reader that goes away (`| head`, a
 * closed terminal, a supervisor that stops reading) is not a failure of the operation: what would
 * have been printed is dropped and the operation goes on to its end and its own exit code.
 */
const readable = { stdout: true, stderr: true };

/** Makes output failures (EPIPE, a closed terminal) harmless; the binary calls it once. */
export function tolerateClosedOutput(): void {
  for (const name of ['stdout', 'stderr'] as const) {
    process[name].on('error', () => {
      readable[name] = false;
    });
  }
}

/**
 * The process's own streams. Everything written is scrubbed of every secret the loaded providers
 * registered and of URL passwords: a server that echoes a request cannot put a key on a terminal.
 */
export const processIo: Io = {
  stdout: (text) => {
    if (readable.stdout) process.stdout.write(scrubSecrets(text));
  },
  stderr: (text) => {
    if (readable.stderr) process.stderr.write(scrubSecrets(text));
  },
  isTty: Boolean(process.stderr.isTTY),
};

/** Prints a JSON document on stdout. */
export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** An error as one line: the summary and every problem joined. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter((l) => l !== '')
    .join('; ')
    .replace(/:; /, ': ');
}

/** Error as printed with --json. */
export function errorDocument(error: unknown): { error: Record<string, unknown> } {
  if (isHoardError(error)) {
    const json = { ...error.toJSON() } as Record<string, unknown>;
    return { error: { ...json, message: oneLine(error) } };
  }
  return { error: { code: 'OPERATION_FAILED', message: oneLine(error) } };
}

/**
 * Reports an error the CLI way: a JSON error object on stdout with --json, else one line on
 * stderr; returns the exit code.
 */
export function reportError(io: Io, error: unknown, json: boolean): number {
  const code = isHoardError(error) ? error.code : undefined;
  if (json) printJson(io, errorDocument(error));
  else io.stderr(`hoard: ${code ? `${code}: ` : ''}${oneLine(error)}\n`);
  return exitCodeFor(code);
}

/** A usage error (exit code 2). */
export function usageError(message: string): HoardError {
  return new HoardError('USAGE_INVALID', message);
}

/** Human-readable byte count. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Left-aligned columns. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
