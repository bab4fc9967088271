import { usageError } from '../output.js';

// Values of options that several commands share, parsed one way.

/** Parses a `--concurrency` value. */
export function parseConcurrency(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024)
    throw usageError(`--concurrency must be an integer from 1 to 1024, got '${value}'`);
  return n;
}

/** Parses a `--limit` value. */
export function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--limit must be a positive integer, got '${value}'`);
  return n;
}
