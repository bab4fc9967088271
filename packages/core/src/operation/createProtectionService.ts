import { silentLogger } from '../logging/createLogger.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Logger } from '../plugin-api/types.js';
import type { Provider } from '../provider/Provider.js';
import { ProtectionService } from './ProtectionService.js';

/** Options of {@link createProtectionService}. */
export interface CreateProtectionServiceOptions {
  logger?: Logger;
  /** A bank to use instead of the provider's (tests). */
  bank?: Bank;
}

/**
 * A {@link ProtectionService} for one provider, on the provider's bank (opened here, once).
 *
 * @remarks Plain construction: the service has three collaborators and no lifetimes to manage,
 * so core uses no dependency-injection container (docs/protocol.md, "Hosts").
 */
export async function createProtectionService(
  provider: Provider,
  options: CreateProtectionServiceOptions = {},
): Promise<ProtectionService> {
  const bank = options.bank ?? (await provider.openBank());
  return new ProtectionService(provider, bank, options.logger ?? silentLogger);
}
