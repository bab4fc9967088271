import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerBankCheck } from './commands/bank/check.js';
import { registerBankGc } from './commands/bank/gc.js';
import { registerCheckpointDelete } from './commands/checkpoint/delete.js';
import { registerCheckpointList } from './commands/checkpoint/list.js';
import { registerCheckpointPrune } from './commands/checkpoint/prune.js';
import { registerCheckpointResume } from './commands/checkpoint/resume.js';
import { registerCheckpointShow } from './commands/checkpoint/show.js';
import { registerFlow } from './commands/flow.js';
import type { CommandRunner } from './commands/options.js';
import { registerPluginsList } from './commands/plugins/list.js';
import { registerPluginsNew } from './commands/plugins/new.js';
import { registerProtect } from './commands/protect.js';
import { registerProtectableGraph } from './commands/protectable/graph.js';
import { registerProtectableList } from './commands/protectable/list.js';
import { registerProtectableShow } from './commands/protectable/show.js';
import { registerProtectableTypes } from './commands/protectable/types.js';
import { registerProviderList } from './commands/provider/list.js';
import { registerProviderShow } from './commands/provider/show.js';
import { registerRestoreDelete } from './commands/restore/delete.js';
import { registerRestoreList } from './commands/restore/list.js';
import { registerRestore } from './commands/restore/run.js';
import { registerRestoreShow } from './commands/restore/show.js';
import { registerPlan } from './commands/scheduling/plan.js';
import { registerSchedule } from './commands/scheduling/schedule.js';
import { registerTrigger } from './commands/scheduling/trigger.js';
import { registerServe } from './commands/serve.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exitCodes.js';
import { type Io, processIo, reportError } from './output.js';

/** This package's version, as published (changesets bumps package.json, not the code). */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** Options of {@link runCli}. */
export interface RunCliOptions {
  io?: Io;
  /** Cancels the running operation (the binary wires SIGINT/SIGTERM to it). */
  signal?: AbortSignal;
}

/**
 * Runs the `hoard` command line and returns its exit code (docs/protocol.md, "Errors and exit codes").
 *
 * @param argv - the arguments after the program name
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const signal = options.signal ?? new AbortController().signal;
  let exitCode: number = EXIT.ok;
  const wantsJson = argv.includes('--json');

  const program = new Command('hoard')
    .description('Application data protection: protect, restore and delete resources into a bank')
    .version(VERSION)
    .exitOverride()
    // Options belong to the command they follow, so `restore --provider` and `restore list
    // --provider` do not compete for the same option.
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      "\nExit codes: 0 ok, 1 operation failed, 2 usage or input error, 3 configuration error, 130 cancelled.\nThe protocol (hooks, checkpoints, banks, provider files, parameters, errors): docs/protocol.md in Hoard's repository.\n",
    );

  const contextOf = (command: Command): CommandContext => {
    const opts = command.optsWithGlobals() as {
      json?: boolean;
      providerDir?: string;
      logLevel?: CommandContext['logLevel'];
    };
    return {
      io,
      json: Boolean(opts.json),
      signal,
      ...(opts.providerDir !== undefined ? { providerDir: opts.providerDir } : {}),
      ...(opts.logLevel !== undefined ? { logLevel: opts.logLevel } : {}),
    };
  };
  const run: CommandRunner = async (command, body) => {
    const context = contextOf(command);
    try {
      exitCode = await body(context);
    } catch (error) {
      exitCode = reportError(io, error, context.json);
    }
  };

  // Each command is declared in its own file under commands/, beside what it does.
  registerFlow(program, run);
  const plugins = program
    .command('plugins')
    .alias('plugin')
    .description('installed plugin packages; a new one with `plugins new`');
  registerPluginsList(plugins, run);
  registerPluginsNew(plugins, run);
  const provider = program.command('provider').description('providers loaded from *.conf files');
  registerProviderList(provider, run);
  registerProviderShow(provider, run);
  const protectable = program
    .command('protectable')
    .description("resources the provider's protectables can find");
  registerProtectableTypes(protectable, run);
  registerProtectableList(protectable, run);
  registerProtectableShow(protectable, run);
  registerProtectableGraph(protectable, run);
  registerProtect(program, run);
  const restore = registerRestore(program, run);
  registerRestoreList(restore, run);
  registerRestoreShow(restore, run);
  registerRestoreDelete(restore, run);
  const checkpoint = program.command('checkpoint').description("checkpoints in a provider's bank");
  registerCheckpointList(checkpoint, run);
  registerCheckpointShow(checkpoint, run);
  registerCheckpointDelete(checkpoint, run);
  registerCheckpointPrune(checkpoint, run);
  registerCheckpointResume(checkpoint, run);
  const bank = program
    .command('bank')
    .description("a provider's bank: check its structure, collect its garbage");
  registerBankCheck(bank, run);
  registerBankGc(bank, run);
  registerServe(program, run);
  registerPlan(program, run);
  registerTrigger(program, run);
  registerSchedule(program, run);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      if (wantsJson)
        io.stdout(
          `${JSON.stringify({ error: { code: 'USAGE_INVALID', message: error.message } }, null, 2)}\n`,
        );
      return EXIT.usage;
    }
    return reportError(io, error, wantsJson);
  }
  return exitCode;
}
