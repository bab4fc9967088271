import { type Command, Option } from 'commander';
import type { CommandContext } from '../context.js';
import { usageError } from '../output.js';

// The options several commands share, declared once, and their values parsed one way.

/** Runs a command's body with the context its options give; each command file registers through it. */
export type CommandRunner = (
  command: Command,
  body: (context: CommandContext) => Promise<number>,
) => Promise<void>;

/** `--json`: JSON on stdout, progress as JSON lines on stderr. */
export const jsonOption = (): Option =>
  new Option('--json', 'print JSON on stdout (progress as JSON lines on stderr)');

/** `--provider-dir`: where provider files are. */
export const providerDirOption = (): Option =>
  new Option(
    '--provider-dir <dir>',
    'directory of provider *.conf files (default ./providers.d, env HOARD_PROVIDER_DIR)',
  );

/** `--log-level`: logs on stderr. */
export const logLevelOption = (): Option =>
  new Option('--log-level <level>', 'write logs to stderr').choices(['debug', 'info', 'warn', 'error']);

/** `--provider <name>`, required. */
export const providerOption = (): Option =>
  new Option('--provider <name>', 'provider name or id').makeOptionMandatory();

/** `--parameters <file>`. */
export const parametersOption = (): Option =>
  new Option('--parameters <file>', 'parameters JSON file (docs/protocol.md, "Parameters")');

/** `--concurrency <n>`. */
export const concurrencyOption = (): Option => new Option('--concurrency <n>', 'most hooks running at once');

/** `--limit <n>`. */
export const limitOption = (): Option => new Option('--limit <n>', 'at most this many');

/**
 * The options of a command that works on one provider: `--provider`, `--provider-dir`, `--json`.
 *
 * @param command - the command to add them to
 * @param extra - more shared options, added before `--json`
 */
export function withProvider(command: Command, ...extra: Option[]): Command {
  command.addOption(providerOption()).addOption(providerDirOption());
  for (const option of extra) command.addOption(option);
  return command.addOption(jsonOption());
}

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
