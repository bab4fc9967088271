import { Command, CommanderError, Option } from 'commander';
import {
  checkpointDeleteCommand,
  checkpointListCommand,
  checkpointShowCommand,
} from './commands/checkpoint.js';
import { flowCommand } from './commands/flow.js';
import { pluginNewCommand } from './commands/pluginNew.js';
import { pluginsListCommand } from './commands/plugins.js';
import { protectCommand } from './commands/protect.js';
import {
  protectableGraphCommand,
  protectableListCommand,
  protectableShowCommand,
  protectableTypesCommand,
} from './commands/protectable.js';
import { providerListCommand, providerShowCommand } from './commands/provider.js';
import {
  restoreCommand,
  restoreDeleteCommand,
  restoreListCommand,
  restoreShowCommand,
} from './commands/restore.js';
import type { CommandContext } from './context.js';
import { EXIT } from './exitCodes.js';
import { type Io, processIo, reportError, usageError } from './output.js';

const VERSION = '0.1.0';

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
  const action =
    (run: (context: CommandContext) => Promise<number>) =>
    async (_opts: object, command: Command): Promise<void> => {
      const context = contextOf(command);
      try {
        exitCode = await run(context);
      } catch (error) {
        exitCode = reportError(io, error, context.json);
      }
    };
  const json = () => new Option('--json', 'print JSON on stdout (progress as JSON lines on stderr)');
  const providerDir = () =>
    new Option(
      '--provider-dir <dir>',
      'directory of provider *.conf files (default ./providers.d, env HOARD_PROVIDER_DIR)',
    );
  const logLevel = () =>
    new Option('--log-level <level>', 'write logs to stderr').choices(['debug', 'info', 'warn', 'error']);

  program
    .command('flow')
    .description('print the flow the compiler builds for a resource graph (docs/protocol.md, "hoard flow")')
    .requiredOption('--graph <file>', 'resource graph JSON file')
    .requiredOption('--operation <operation>', 'protect, restore or delete')
    .option('--provider <name>', 'drop tasks of hooks this provider does not implement')
    .addOption(
      new Option('--format <format>', 'human view format')
        .choices(['text', 'mermaid', 'dot'])
        .default('text'),
    )
    .addOption(providerDir())
    .addOption(json())
    .action(
      async (
        opts: { graph: string; operation: string; provider?: string; format?: string },
        command: Command,
      ) => {
        await action((context) => flowCommand(context, opts))(opts, command);
      },
    );

  const plugins = program
    .command('plugins')
    .alias('plugin')
    .description('installed plugin packages; a new one with `plugins new`');
  plugins
    .command('list')
    .description('list installed packages with Hoard entry points, and their errors')
    .addOption(json())
    .action(async (opts: object, command: Command) => {
      await action((context) => pluginsListCommand(context))(opts, command);
    });

  plugins
    .command('new')
    .description('write a new plugin package that builds and passes its tests as generated')
    .argument('<package-name>', 'npm name of the new package, e.g. @acme/hoard-plugin-notes')
    .option('--dir <directory>', 'where to write it (default: ./<name without scope>); must be empty')
    .option('--resource-type <type>', 'the resource type it covers (default: <Scope>::<Name>::File)')
    .addOption(json())
    .action(async (packageName: string, opts: { dir?: string; resourceType?: string }, command: Command) => {
      await action((context) => pluginNewCommand(context, { packageName, ...opts }))(opts, command);
    });

  const provider = program.command('provider').description('providers loaded from *.conf files');
  provider
    .command('list')
    .description('list providers, broken ones with their error')
    .addOption(providerDir())
    .addOption(json())
    .action(async (opts: object, command: Command) => {
      await action((context) => providerListCommand(context))(opts, command);
    });
  provider
    .command('show')
    .description('show one provider: bank, plugins, types, configuration (secrets redacted)')
    .argument('<name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (name: string, opts: object, command: Command) => {
      await action((context) => providerShowCommand(context, name))(opts, command);
    });

  const protectable = program
    .command('protectable')
    .description("resources the provider's protectables can find");
  protectable
    .command('types')
    .description('protectable resource types, their parent types and protection plugins')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (opts: { provider: string }, command: Command) => {
      await action((context) => protectableTypesCommand(context, opts))(opts, command);
    });
  protectable
    .command('list')
    .description('list resources of a type')
    .argument('<type>', 'resource type, e.g. OS::Cinder::Volume')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (type: string, opts: { provider: string }, command: Command) => {
      await action((context) => protectableListCommand(context, { provider: opts.provider, type }))(
        opts,
        command,
      );
    });
  protectable
    .command('show')
    .description('show one resource')
    .argument('<type>', 'resource type')
    .argument('<id>', 'resource id')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (type: string, id: string, opts: { provider: string }, command: Command) => {
      await action((context) => protectableShowCommand(context, { provider: opts.provider, type, id }))(
        opts,
        command,
      );
    });
  protectable
    .command('graph')
    .description('the dependency graph Hoard would protect, as a tree, JSON (--json) or mermaid')
    .argument('<resources...>', 'TYPE#ID of each selected resource')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(new Option('--format <format>', 'human view').choices(['tree', 'mermaid']).default('tree'))
    .addOption(providerDir())
    .addOption(json())
    .action(async (resources: string[], opts: { provider: string; format?: string }, command: Command) => {
      await action((context) =>
        protectableGraphCommand(context, {
          provider: opts.provider,
          resources,
          ...(opts.format ? { format: opts.format } : {}),
        }),
      )(opts, command);
    });

  program
    .command('protect')
    .description('protect resources and their dependencies into a new checkpoint')
    .requiredOption('--provider <name>', 'provider name or id')
    .requiredOption('--resource <TYPE#ID...>', 'resources to protect (repeatable)')
    .option('--parameters <file>', 'parameters JSON file (docs/protocol.md, "Parameters")')
    .option('--dry-run', 'print the resource graph, compiled order and validated parameters; write nothing')
    .option('--concurrency <n>', 'most hooks running at once')
    .addOption(providerDir())
    .addOption(logLevel())
    .addOption(json())
    .action(
      async (
        opts: {
          provider: string;
          resource: string[];
          parameters?: string;
          dryRun?: boolean;
          concurrency?: string;
        },
        command: Command,
      ) => {
        await action((context) => protectCommand(context, opts))(opts, command);
      },
    );

  const restore = program
    .command('restore')
    .description('restore a checkpoint; restore list|show|delete manage restore records')
    .option('--provider <name>', 'provider name or id')
    .option('--checkpoint <id>', 'checkpoint id')
    .option('--parameters <file>', 'parameters JSON file (docs/protocol.md, "Parameters")')
    .option('--concurrency <n>', 'most hooks running at once')
    .addOption(providerDir())
    .addOption(logLevel())
    .addOption(json())
    .action(
      async (
        opts: { provider?: string; checkpoint?: string; parameters?: string; concurrency?: string },
        command: Command,
      ) => {
        await action((context) => {
          if (opts.provider === undefined) throw usageError('hoard restore needs --provider <name>');
          return restoreCommand(context, { ...opts, provider: opts.provider });
        })(opts, command);
      },
    );
  restore
    .command('list')
    .description('list restore records, newest first')
    .requiredOption('--provider <name>', 'provider name or id')
    .option('--checkpoint <id>', 'only restores of this checkpoint')
    .option('--limit <n>', 'at most this many')
    .addOption(providerDir())
    .addOption(json())
    .action(async (opts: { provider: string; checkpoint?: string; limit?: string }, command: Command) => {
      await action((context) => restoreListCommand(context, opts))(opts, command);
    });
  restore
    .command('show')
    .description('show one restore record with per-resource status and results')
    .argument('<id>', 'restore id')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (id: string, opts: { provider: string }, command: Command) => {
      await action((context) => restoreShowCommand(context, { provider: opts.provider, id }))(opts, command);
    });
  restore
    .command('delete')
    .description('delete a restore record (what the restore created is left in place)')
    .argument('<id>', 'restore id')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (id: string, opts: { provider: string }, command: Command) => {
      await action((context) => restoreDeleteCommand(context, { provider: opts.provider, id }))(
        opts,
        command,
      );
    });

  const checkpoint = program.command('checkpoint').description("checkpoints in a provider's bank");
  checkpoint
    .command('list')
    .description('list checkpoints, newest first')
    .requiredOption('--provider <name>', 'provider name or id')
    .option('--limit <n>', 'at most this many')
    .option('--marker <id>', 'only checkpoints older than this one (paging)')
    .addOption(providerDir())
    .addOption(json())
    .action(async (opts: { provider: string; limit?: string; marker?: string }, command: Command) => {
      await action((context) => checkpointListCommand(context, opts))(opts, command);
    });
  checkpoint
    .command('show')
    .description('show one checkpoint with per-resource status')
    .argument('<id>', 'checkpoint id')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(json())
    .action(async (id: string, opts: { provider: string }, command: Command) => {
      await action((context) => checkpointShowCommand(context, { provider: opts.provider, id }))(
        opts,
        command,
      );
    });
  checkpoint
    .command('delete')
    .description('delete a checkpoint and its data')
    .argument('<id>', 'checkpoint id')
    .requiredOption('--provider <name>', 'provider name or id')
    .addOption(providerDir())
    .addOption(logLevel())
    .addOption(json())
    .action(async (id: string, opts: { provider: string }, command: Command) => {
      await action((context) => checkpointDeleteCommand(context, { provider: opts.provider, id }))(
        opts,
        command,
      );
    });

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
