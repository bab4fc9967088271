import 'reflect-metadata';
import { container } from 'tsyringe';
import { CheckpointStore } from '../checkpoint/CheckpointStore.js';
import { silentLogger } from '../logging/createLogger.js';
import { ProtectionService } from '../operation/ProtectionService.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Logger } from '../plugin-api/types.js';
import type { Provider } from '../provider/Provider.js';
import { TOKENS } from './tokens.js';

/** Options of {@link createProtectionService}. */
export interface CreateProtectionServiceOptions {
  logger?: Logger;
  /** A bank to use instead of the provider's (tests). */
  bank?: Bank;
}

/**
 * Wires a {@link ProtectionService} for one provider in a child container of its own, so that
 * nothing of one operation leaks into another.
 */
export async function createProtectionService(
  provider: Provider,
  options: CreateProtectionServiceOptions = {},
): Promise<ProtectionService> {
  const bank = options.bank ?? (await provider.openBank());
  const scope = container.createChildContainer();
  scope.register(TOKENS.provider, { useValue: provider });
  scope.register(TOKENS.bank, { useValue: bank });
  scope.register(TOKENS.logger, { useValue: options.logger ?? silentLogger });
  scope.register(TOKENS.checkpointStore, { useValue: new CheckpointStore(bank) });
  return scope.resolve(ProtectionService);
}
