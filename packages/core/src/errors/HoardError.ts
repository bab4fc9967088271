import type { ErrorCode } from './codes.js';

/** Where an error happened, as far as it is known. */
export interface ErrorContext {
  /** File the error is about. */
  file?: string;
  /** 1-based line in {@link ErrorContext.file}. */
  line?: number;
  /** Field path inside a document, e.g. `resources[2].dependsOn[0]`. */
  path?: string;
  /** Resource key `<type>#<id>`. */
  resourceKey?: string;
  /** Plugin or package name. */
  plugin?: string;
  /** Further facts, JSON-serialisable. */
  details?: Record<string, unknown>;
}

/**
 * Base class of every error Hoard raises.
 *
 * @remarks Callers branch on {@link HoardError.code}, never on the class (two copies of core may be
 * installed). Use {@link isHoardError} to recognise one.
 */
export class HoardError extends Error {
  /** Stable code from the catalogue in `errors/codes.ts`. */
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly path?: string;
  readonly resourceKey?: string;
  readonly plugin?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HoardError';
    this.code = code;
    if (context.file !== undefined) this.file = context.file;
    if (context.line !== undefined) this.line = context.line;
    if (context.path !== undefined) this.path = context.path;
    if (context.resourceKey !== undefined) this.resourceKey = context.resourceKey;
    if (context.plugin !== undefined) this.plugin = context.plugin;
    if (context.details !== undefined) this.details = context.details;
  }

  /** A JSON form for `--json` output and checkpoint records. */
  toJSON(): { code: ErrorCode; message: string } & ErrorContext {
    const out: { code: ErrorCode; message: string } & ErrorContext = {
      code: this.code,
      message: this.message,
    };
    if (this.file !== undefined) out.file = this.file;
    if (this.line !== undefined) out.line = this.line;
    if (this.path !== undefined) out.path = this.path;
    if (this.resourceKey !== undefined) out.resourceKey = this.resourceKey;
    if (this.plugin !== undefined) out.plugin = this.plugin;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/**
 * Several problems found together (validation collects every problem before failing).
 */
export class HoardAggregateError extends HoardError {
  /** Each problem, with its own location. */
  readonly problems: readonly HoardError[];

  constructor(code: ErrorCode, summary: string, problems: readonly HoardError[], context: ErrorContext = {}) {
    super(code, `${summary}:\n${problems.map((p) => `  - ${p.message}`).join('\n')}`, context);
    this.name = 'HoardAggregateError';
    this.problems = problems;
  }

  override toJSON(): { code: ErrorCode; message: string } & ErrorContext & { problems: unknown[] } {
    return { ...super.toJSON(), problems: this.problems.map((p) => p.toJSON()) };
  }
}

/** Whether a value is a Hoard error (by shape, not by class, so it works across copies of core). */
export function isHoardError(value: unknown): value is HoardError {
  return (
    value instanceof Error &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  );
}

/** The message of any thrown value. */
export function messageOf(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
