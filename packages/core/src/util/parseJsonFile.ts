import { type ParseError, type ParseErrorCode, parse, printParseErrorCode } from 'jsonc-parser';
import type { ErrorCode } from '../errors/codes.js';
import { HoardError } from '../errors/HoardError.js';
import { readRegularFile } from './readRegularFile.js';

/** Line and column (1-based) of a character offset in a text. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Parses JSON text, turning a syntax error into a coded error with file, line and column.
 *
 * @param text - the JSON text
 * @param file - the file name for messages
 * @param code - the code to raise on a syntax error
 */
export function parseJsonText(text: string, file: string, code: ErrorCode): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw tooDeep(file, code);
    // Node 20's JSON.parse does not say where the error is; jsonc-parser (strict mode) does.
    const errors: ParseError[] = [];
    parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    const where = lineAndColumn(text, first?.offset ?? text.length);
    const why = first ? describeParseError(first.error) : (error as Error).message;
    throw new HoardError(
      code,
      `${file}:${where.line}:${where.column}: invalid JSON: ${why}`,
      { file, line: where.line },
      { cause: error },
    );
  }
  if (depthOf(value) > MAX_JSON_DEPTH) throw tooDeep(file, code);
  return value;
}

/** Nesting Hoard accepts in a JSON input; deeper is refused before anything recurses into it. */
export const MAX_JSON_DEPTH = 64;

function tooDeep(file: string, code: ErrorCode): HoardError {
  return new HoardError(code, `${file}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { file });
}

/** Depth of a parsed JSON value, walked without recursion (a hostile input can be 100k deep). */
function depthOf(root: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function describeParseError(error: ParseErrorCode): string {
  // "PropertyNameExpected" → "property name expected"
  return printParseErrorCode(error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

/** Reads and parses a JSON file; see {@link parseJsonText}. */
export async function readJsonFile(file: string, code: ErrorCode): Promise<unknown> {
  return parseJsonText(await readRegularFile(file, code), file, code);
}
