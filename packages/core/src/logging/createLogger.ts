import type { Logger, LogLevel } from '../plugin-api/types.js';
import { REDACTED } from '../schema/validation.js';
import { scrubSecrets } from './scrubSecrets.js';

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
// Field names that hold secrets whatever schema they come from.
const SECRET_FIELD =
  /^(password|passwd|secret|token|auth_token|api_key|key|.*_(password|secret|token|key))$/i;

/** Replaces values of secret-looking fields, recursively. */
export function redactFields(value: unknown, depth = 0): unknown {
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_FIELD.test(k) && k !== 'resourceKey' ? REDACTED : redactFields(v, depth + 1);
  }
  return out;
}

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Where lines go (default: standard error). */
  write?: (line: string) => void;
  /** Fields added to every line. */
  bindings?: Record<string, unknown>;
}

/**
 * A JSON-lines logger that redacts secret-looking fields and scrubs every registered secret.
 *
 * @remarks Hand-written instead of pino: Hoard logs a few lines per hook, and pino's worker
 * transports and its own redaction paths add more than they save here.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const log =
    (level: LogLevel) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[level] < min) return;
      write(
        scrubSecrets(
          JSON.stringify({
            time: new Date().toISOString(),
            level,
            msg: message,
            ...(redactFields({ ...options.bindings, ...fields }) as Record<string, unknown>),
          }),
        ),
      );
    };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that writes nothing. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
