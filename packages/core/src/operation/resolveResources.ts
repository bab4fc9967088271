import { HoardError } from '../errors/HoardError.js';
import type { Caller } from '../plugin-api/Caller.js';
import type { Logger, Resource, ResourceRef } from '../plugin-api/types.js';
import type { Provider } from '../provider/Provider.js';

/**
 * Splits a resource key `TYPE#ID` at its first `#` (an id may itself hold `#`).
 *
 * @throws `RESOURCE_KEY_INVALID` when the type or the id is empty or there is no `#`.
 */
export function parseResourceKey(key: string): ResourceRef {
  const hash = key.indexOf('#');
  if (hash <= 0 || hash === key.length - 1) {
    throw new HoardError(
      'RESOURCE_KEY_INVALID',
      `Resource key '${key}' must look like TYPE#ID (e.g. Hoard::Local::Directory#/srv/app)`,
      { resourceKey: key },
    );
  }
  return { type: key.slice(0, hash), id: key.slice(hash + 1) };
}

/** Options of {@link resolveResources}. */
export interface ResolveResourcesOptions {
  signal: AbortSignal;
  logger: Logger;
  /** Who asks (see {@link Caller}): the protectables show what the caller may see. */
  caller?: Caller;
}

/**
 * Turns resource keys (`TYPE#ID`) into resources, asking each type's protectable to show its id.
 *
 * @remarks Every host resolves what a user names the same way: the CLI's `--resource`, the API's
 * plan resources.
 * @param provider - the provider whose protectables know the types
 * @param keys - resource keys, in the order the user gave them
 * @throws `RESOURCE_KEY_INVALID`, `RESOURCE_TYPE_UNKNOWN` (no protectable for the type), or the
 *   protectable's own `RESOURCE_NOT_FOUND`
 */
export async function resolveResources(
  provider: Provider,
  keys: readonly string[],
  options: ResolveResourcesOptions,
): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const key of keys) {
    const { type, id } = parseResourceKey(key);
    const protectable = provider.protectables.find((p) => p.resourceType === type);
    if (protectable === undefined) {
      throw new HoardError(
        'RESOURCE_TYPE_UNKNOWN',
        `Resource '${key}': provider '${provider.name}' has no protectable for type '${type}' (types: ${provider.protectables.map((p) => p.resourceType).join(', ') || 'none'})`,
        { resourceKey: key },
      );
    }
    resources.push(
      await protectable.show(
        {
          config: provider.config,
          signal: options.signal,
          logger: options.logger,
          ...(options.caller !== undefined ? { caller: options.caller } : {}),
        },
        id,
      ),
    );
  }
  return resources;
}
