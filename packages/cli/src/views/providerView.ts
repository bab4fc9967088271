import { type Provider, redactSecrets } from '@hoard/core/host';

/** The schemas that declare a config section, to find its secret keys. */
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
