import { type Command, Option } from 'commander';
import { CLI_PACKAGE_DIR, type CommandContext, loggerFor } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, usageError } from '../output.js';
import { type CommandRunner, jsonOption, logLevelOption, providerDirOption } from './options.js';
import { loadServerPackage } from './serverPackage.js';

/** `hoard serve`'s flags: each overrides its option in the config file. */
interface ServeCommandOptions {
  config?: string;
  listen?: string;
  port?: string;
  authStrategy?: 'noauth' | 'keystone';
  database?: string;
}

/** `hoard serve`: Karbor's v1 REST API until SIGINT or SIGTERM. */
export async function serveCommand(context: CommandContext, options: ServeCommandOptions): Promise<number> {
  const port = options.port === undefined ? undefined : Number(options.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535))
    throw usageError(`--port must be a port number (0-65535), not '${options.port}'`);
  const { serve } = await loadServerPackage('hoard serve');
  const server = await serve({
    ...(options.config !== undefined ? { configFile: options.config } : {}),
    ...(options.listen !== undefined ? { listen: options.listen } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(options.authStrategy !== undefined ? { authStrategy: options.authStrategy } : {}),
    searchFrom: [process.cwd(), CLI_PACKAGE_DIR],
    ...(options.database !== undefined ? { databaseUrl: options.database } : {}),
    logger: loggerFor(context),
    ...(context.providerDir !== undefined ? { providerDir: context.providerDir } : {}),
  });
  const project = 'demo';
  const clientCommand =
    server.authStrategy === 'noauth'
      ? `karbor --os-no-client-auth --karbor-url ${server.url}/v1/${project} --os-auth-token admin:${project} provider-list`
      : `karbor --os-cloud <cloud> provider-list   (once the catalog has data-protect at ${server.url}/v1/%(project_id)s, see docs/api.md)`;
  if (context.json) {
    printJson(context.io, {
      url: server.url,
      authStrategy: server.authStrategy,
      database: server.database,
      providers: server.providers.map((p) => ({ id: p.id, name: p.name })),
      problems: server.problems,
      warnings: server.warnings,
      client: clientCommand,
    });
  } else {
    const lines = [
      `Hoard API (Karbor v1, auth_strategy = ${server.authStrategy}) listening on ${server.url} with ${server.providers.length} provider(s), database ${server.database}`,
      ...server.warnings.map((w) => `  ${w}`),
      ...server.problems.map((p) => `  provider file ${p.file} not loaded: ${p.message}`),
      server.authStrategy === 'noauth'
        ? 'Point python-karborclient at it (any project id; the token is user:project):'
        : 'Point python-karborclient at it with a Keystone login:',
      `  ${clientCommand}`,
      'Stop with Ctrl-C.',
    ];
    context.io.stdout(`${lines.join('\n')}\n`);
  }
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await server.close();
  return EXIT.ok;
}

/** Declares `hoard serve`. */
export function registerServe(program: Command, run: CommandRunner): void {
  program
    .command('serve')
    .description(
      "serve OpenStack Karbor's v1 REST API over the providers (python-karborclient works against it)",
    )
    .addOption(
      new Option(
        '--config <file>',
        'hoard.conf (INI, Karbor option names; default: none, noauth on 127.0.0.1:8799 with SQLite here)',
      ).env('HOARD_CONFIG'),
    )
    .addOption(new Option('--listen <host>', 'address to listen on (osapi_karbor_listen; default 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'port (osapi_karbor_listen_port; default 8799; 0 picks one)'))
    .addOption(
      new Option(
        '--auth-strategy <strategy>',
        'auth_strategy: keystone (needs [keystone_authtoken]) or noauth',
      ).choices(['keystone', 'noauth']),
    )
    .addOption(
      new Option(
        '--database <url>',
        'where plans live: sqlite:///file.db (default sqlite:///hoard.db here) or mysql+pymysql://user:password@host/name',
      ),
    )
    .addOption(providerDirOption())
    .addOption(logLevelOption())
    .addOption(jsonOption())
    .action((opts: ServeCommandOptions, command: Command) =>
      run(command, (context) => serveCommand(context, opts)),
    );
}
