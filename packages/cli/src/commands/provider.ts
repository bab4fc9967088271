import path from 'node:path';
import { loadProviders, type Provider, providerDirectory, redactSecrets } from '@hoard/core/host';
import { type CommandContext, providerFor, providerOptions } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { oneLine, printJson, table } from '../output.js';

function secretSchemaOf(provider: Provider, section: string) {
  const sources = [
    provider.bankPlugin.configSections?.[section],
    ...provider.protectables.map((p) => p.configSections?.[section]),
    ...provider.plugins.map((p) => p.plugin.configSections?.[section]),
  ].filter((s) => s !== undefined);
  return sources.length === 0 ? undefined : { allOf: sources };
}

/** A provider as shown by `provider show`, with secret configuration values redacted. */
export function describeProvider(provider: Provider) {
  return {
    id: provider.id,
    name: provider.name,
    description: provider.description,
    file: provider.file,
    bank: provider.bankPackage,
    plugins: provider.plugins.map((p) => ({
      package: p.packageName,
      name: p.plugin.name,
      resourceTypes: [...p.plugin.resourceTypes],
      hooks: Object.fromEntries(
        Object.entries(p.plugin.hooks).map(([op, hooks]) => [op, Object.keys(hooks ?? {})]),
      ),
    })),
    protectables: provider.protectables.map((p) => ({
      name: p.name,
      resourceType: p.resourceType,
      parentTypes: [...p.parentTypes],
    })),
    options: provider.options,
    config: Object.fromEntries(
      Object.entries(provider.config).map(([section, values]) => [
        section,
        redactSecrets(secretSchemaOf(provider, section), values),
      ]),
    ),
    warnings: provider.warnings,
  };
}

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
