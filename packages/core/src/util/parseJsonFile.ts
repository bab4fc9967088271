import { readFile } from 'node:fs/promises';
import type { ErrorCode } from '../errors/codes.js';
import { HoardError } from '../errors/HoardError.js';

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
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : lineAndColumn(text, text.length);
    throw new HoardError(
      code,
      `${file}:${where.line}:${where.column}: invalid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`,
      { file, line: where.line },
      { cause: error },
    );
  }
}

/** Reads and parses a JSON file; see {@link parseJsonText}. */
export async function readJsonFile(file: string, code: ErrorCode): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HoardError(
      code,
      `${file}: cannot read: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  return parseJsonText(text, file, code);
}
