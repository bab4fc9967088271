import { HoardError, type Protectable } from '@hoard/core';
import type { Provider } from '@hoard/core/host';
import { type CommandContext, loggerFor } from '../../context.js';

export function protectableOf(provider: Provider, type: string): Protectable {
  const protectable = provider.protectables.find((p) => p.resourceType === type);
  if (protectable === undefined) {
    throw new HoardError(
      'RESOURCE_TYPE_UNKNOWN',
      `Provider '${provider.name}' has no protectable for type '${type}' (types: ${provider.protectables.map((p) => p.resourceType).join(', ') || 'none'})`,
    );
  }
  return protectable;
}

export const contextOf = (provider: Provider, context: CommandContext) => ({
  config: provider.config,
  signal: context.signal,
  logger: loggerFor(context),
});
