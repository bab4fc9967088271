import path from 'node:path';
import { loadProviders, providerDirectory } from '@hoard/core/host';
import type { Command } from 'commander';
import { type CommandContext, providerOptions } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { oneLine, printJson, table } from '../../output.js';
import { type CommandRunner, jsonOption, providerDirOption } from '../options.js';

/** `hoard provider list`: every provider file, broken ones with their error. */
export async function providerListCommand(context: CommandContext): Promise<number> {
  const entries = await loadProviders(providerOptions(context));
  if (context.json) {
    printJson(
      context.io,
      entries.map((e) => ({
        file: e.file,
        id: e.id,
        name: e.name,
        enabled: e.enabled,
        status: e.error ? (e.enabled ? 'error' : 'disabled') : 'ok',
        ...(e.provider
          ? {
              bank: e.provider.bankPackage,
              plugins: e.provider.plugins.map((p) => p.packageName),
              warnings: e.provider.warnings,
            }
          : {}),
        ...(e.error ? { error: { code: e.error.code, message: oneLine(e.error) } } : {}),
      })),
    );
    return EXIT.ok;
  }
  if (entries.length === 0) {
    context.io.stdout(`No provider files (*.conf) in ${providerDirectory(context.providerDir)}\n`);
    return EXIT.ok;
  }
  context.io.stdout(
    table([
      ['NAME', 'ID', 'FILE', 'STATUS'],
      ...entries.map((e) => [
        e.name ?? '-',
        e.id ?? '-',
        path.basename(e.file),
        e.error
          ? `${e.enabled ? 'ERROR' : 'disabled'} ${e.error.code}: ${oneLine(e.error)}`
          : `ok (${e.provider!.plugins.length} plugins, bank ${e.provider!.bankPackage})`,
      ]),
    ]),
  );
  return EXIT.ok;
}

/** Declares `hoard provider list`. */
export function registerProviderList(provider: Command, run: CommandRunner): void {
  provider
    .command('list')
    .description('list providers, broken ones with their error')
    .addOption(providerDirOption())
    .addOption(jsonOption())
    .action((_opts: object, command: Command) => run(command, (context) => providerListCommand(context)));
}
