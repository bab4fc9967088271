import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bank, HoardError, type Logger } from '@hoard/core';
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

/**
 * A bank for runs that must not touch one (`--dry-run`): any use is an error, so a dry run can
 * never write by mistake.
 */
const closedBank: Bank = new Proxy({} as Bank, {
  get(_target, property) {
    if (property === 'description') return 'no bank (dry run)';
    if (property === 'then' || property === 'leaseWindows' || property === 'releaseLease') return undefined;
    return () => {
      throw new HoardError(
        'USAGE_INVALID',
        `A dry run does not open the bank (it tried to call ${String(property)})`,
      );
    };
  },
});

/** Loads one provider and wires its service; with `dryRun`, the bank is not opened. */
export async function openService(
  context: CommandContext,
  providerName: string,
  options: { dryRun?: boolean } = {},
): Promise<{ provider: Provider; service: ProtectionService }> {
  const provider = await findProvider(providerName, providerOptions(context));
  const service = await createProtectionService(provider, {
    logger: loggerFor(context),
    ...(options.dryRun ? { bank: closedBank } : {}),
  });
  return { provider, service };
}
