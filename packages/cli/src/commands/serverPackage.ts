import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LocalApi, LocalApiOptions, ServeOptions, ServeResult } from '@hoard/server';
import { CLI_PACKAGE_DIR } from '../context.js';
import { usageError } from '../output.js';

/** What the CLI uses of `@hoard/server`. */
export interface ServerPackage {
  serve(options: ServeOptions): Promise<ServeResult>;
  openLocalApi(options: LocalApiOptions): Promise<LocalApi>;
}

/**
 * `@hoard/server` is not a dependency of `@hoard/cli` (which stays small): it is found where
 * Node finds it, or installed beside this package (`npm install -g @hoard/server`).
 *
 * @param command - the command that needs it, for the error
 */
export async function loadServerPackage(command: string): Promise<ServerPackage> {
  try {
    return (await import('@hoard/server')) as ServerPackage;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  const beside = path.join(CLI_PACKAGE_DIR, '..', 'server', 'dist', 'index.js');
  try {
    return (await import(pathToFileURL(beside).href)) as ServerPackage;
  } catch {
    throw usageError(`${command} needs the API server package: npm install -g @hoard/server`);
  }
}
