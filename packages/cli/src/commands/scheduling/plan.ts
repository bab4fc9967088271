import { readParametersFile, resolveResources } from '@hoard/core/host';
import type { Command } from 'commander';
import { type CommandContext, loggerFor, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { type CommandRunner, parametersOption, providerOption } from '../options.js';
import {
  type LocalApiCommandOptions,
  printObject,
  registerListShowDelete,
  withApi,
  withDatabase,
} from './localApi.js';

/** A plan as the API shows it. */
interface PlanView {
  id: string;
  name: string;
  description: string | null;
  provider_id: string;
  status: string;
  resources: { id: string; type: string; name: string }[];
  parameters: Record<string, unknown>;
}

/** `hoard plan create NAME --provider P --resource TYPE#ID...`. */
export async function planCreateCommand(
  context: CommandContext,
  name: string,
  options: LocalApiCommandOptions & {
    provider: string;
    resource: string[];
    description?: string;
    parameters?: string;
  },
): Promise<number> {
  // The resources are resolved as `hoard protect` resolves them: each type's protectable shows it.
  const provider = await providerFor(context, options.provider);
  const resources = await resolveResources(provider, options.resource, {
    signal: context.signal,
    logger: loggerFor(context),
  });
  const parameters = options.parameters !== undefined ? await readParametersFile(options.parameters) : {};
  const { plan } = await withApi(context, options, (api) =>
    api.request<{ plan: PlanView }>('POST', '/plans', {
      plan: {
        name,
        provider_id: provider.id,
        ...(options.description !== undefined ? { description: options.description } : {}),
        resources: resources.map((r) => ({ id: r.id, type: r.type, name: r.name })),
        parameters,
      },
    }),
  );
  printObject(context, { ...plan });
  return EXIT.ok;
}

/** Declares `hoard plan create|list|show|delete`. */
export function registerPlan(program: Command, run: CommandRunner): void {
  const plan = program
    .command('plan')
    .description('plans in the database of `hoard serve`: what a scheduled operation protects');
  withDatabase(
    plan
      .command('create <name>')
      .description('create a plan: a provider and the resources to protect')
      .addOption(providerOption())
      .requiredOption('--resource <TYPE#ID...>', 'resources to protect (repeatable)')
      .option('--description <text>', 'what the plan is for')
      .addOption(parametersOption()),
  ).action((name: string, opts: Parameters<typeof planCreateCommand>[2], command: Command) =>
    run(command, (context) => planCreateCommand(context, name, opts)),
  );
  registerListShowDelete(
    plan,
    run,
    { collection: 'plans', listKey: 'plans', showKey: 'plan', what: 'plan' },
    {
      description: "the project's plans",
      columns: [
        ['ID', (p) => p['id']],
        ['NAME', (p) => p['name']],
        ['PROVIDER', (p) => p['provider_id']],
        ['STATUS', (p) => p['status']],
        [
          'RESOURCES',
          (p) => (p['resources'] as PlanView['resources']).map((r) => `${r.type}#${r.id}`).join(', '),
        ],
      ],
      none: 'No plans.',
    },
    'delete a plan (its checkpoints stay)',
  );
}
