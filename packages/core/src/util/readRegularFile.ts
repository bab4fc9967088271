import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ErrorCode } from '../errors/codes.js';
import { HoardError } from '../errors/HoardError.js';

/**
 * Reads a text file that must be a regular file. Opened non-blocking and checked before reading:
 * a FIFO (or a device) named like an input would otherwise block the command for ever.
 *
 * @throws `code` naming the file when it cannot be read or is not a regular file
 */
export async function readRegularFile(file: string, code: ErrorCode): Promise<string> {
  let handle: import('node:fs/promises').FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new HoardError(
      code,
      `${file}: cannot read: ${(error as Error).message}`,
      { file },
      { cause: error },
    );
  }
  try {
    if (!(await handle.stat()).isFile()) {
      throw new HoardError(code, `${file}: not a regular file (a FIFO, device or directory is not read)`, {
        file,
      });
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
