import { findProvider, type Provider } from '@hoard/core/host';
import { type CommandContext, providerOptions } from '../context.js';

/** The provider named on the command line. */
export function findProviderFor(context: CommandContext, name: string): Promise<Provider> {
  return findProvider(name, providerOptions(context));
}
