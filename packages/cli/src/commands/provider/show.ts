import type { Command } from 'commander';
import { type CommandContext, providerFor } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson } from '../../output.js';
import { describeProvider } from '../../views/providerView.js';
import { type CommandRunner, jsonOption, providerDirOption } from '../options.js';

/** `hoard provider show NAME`. */
export async function providerShowCommand(context: CommandContext, name: string): Promise<number> {
  const provider = await providerFor(context, name);
  const description = describeProvider(provider);
  if (context.json) {
    printJson(context.io, description);
    return EXIT.ok;
  }
  const lines = [
    `${description.name} (${description.id})`,
    `  file         ${description.file}`,
    `  description  ${description.description}`,
    `  bank         ${description.bank}`,
    '  plugins:',
    ...description.plugins.map((p) => `    ${p.package} (${p.name}): ${p.resourceTypes.join(', ')}`),
    '  options:',
    ...Object.entries(description.options).map(([k, v]) => `    ${k} = ${v}`),
  ];
  for (const [section, values] of Object.entries(description.config)) {
    lines.push(`  [${section}]`);
    for (const [k, v] of Object.entries(values))
      lines.push(`    ${k} = ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  for (const warning of description.warnings) lines.push(`  warning: ${warning}`);
  context.io.stdout(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

/** Declares `hoard provider show`. */
export function registerProviderShow(provider: Command, run: CommandRunner): void {
  provider
    .command('show')
    .description('show one provider: bank, plugins, types, configuration (secrets redacted)')
    .argument('<name>', 'provider name or id')
    .addOption(providerDirOption())
    .addOption(jsonOption())
    .action((name: string, _opts: object, command: Command) =>
      run(command, (context) => providerShowCommand(context, name)),
    );
}
