import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@hoard/core';
import {
  createLogger,
  createProtectionService,
  findProvider,
  type LoadProvidersOptions,
  type ProtectionService,
  type Provider,
  silentLogger,
} from '@hoard/core/host';
import type { Io } from './output.js';

/** The CLI's own installation directory: discovery looks there after the user's project. */
export const CLI_PACKAGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What every command gets. */
export interface CommandContext {
  io: Io;
  json: boolean;
  providerDir?: string;
  /** Cancels running operations (SIGINT/SIGTERM). */
  signal: AbortSignal;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Discovery and provider options from the command line. */
export function providerOptions(context: CommandContext): LoadProvidersOptions {
  return {
    searchFrom: [process.cwd(), CLI_PACKAGE_DIR],
    ...(context.providerDir !== undefined ? { providerDir: context.providerDir } : {}),
  };
}

/** A logger on stderr when --log-level is given, else silent (the progress view speaks). */
export function loggerFor(context: CommandContext): Logger {
  return context.logLevel === undefined ? silentLogger : createLogger({ level: context.logLevel });
}

/** The one way a command gets a provider: by id or name, from the provider directory in effect. */
export function providerFor(context: CommandContext, idOrName: string): Promise<Provider> {
  return findProvider(idOrName, providerOptions(context));
}

/** Loads one provider and wires its protection service (opening its bank). */
export async function openService(
  context: CommandContext,
  providerName: string,
): Promise<{ provider: Provider; service: ProtectionService }> {
  const provider = await providerFor(context, providerName);
  const service = await createProtectionService(provider, { logger: loggerFor(context) });
  return { provider, service };
}
