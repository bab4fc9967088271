import { silentLogger } from '../logging/createLogger.js';
import type { Protectable, ProtectableContext } from '../plugin-api/Protectable.js';
import type { Logger, Resource } from '../plugin-api/types.js';
import { validateConfigSections } from '../provider/assembleProvider.js';

/** A protectable bound to a validated configuration, as a provider would call it. */
export interface ProtectableUnderTest {
  /** The resources `list` returns. */
  list(): Promise<Resource[]>;
  /** The resource `show` returns for an id. */
  show(id: string): Promise<Resource>;
  /** The children `getDependentResources` finds for a parent. */
  getDependentResources(parent: Resource): Promise<Resource[]>;
  /** What the configuration check warned about (undeclared sections or keys). */
  warnings: readonly string[];
  /** The context each call receives. */
  context: ProtectableContext;
}

/**
 * A protectable with its configuration checked as a provider file's would be (its
 * `configSections` validated, defaults applied, `PROVIDER_CONFIG_INVALID` when wrong), for
 * protectable unit tests.
 *
 * @param protectable - the protectable under test
 * @param options - configuration sections, a signal and a logger
 */
export function testProtectable(
  protectable: Protectable,
  options: { config?: Readonly<Record<string, object>>; signal?: AbortSignal; logger?: Logger } = {},
): ProtectableUnderTest {
  const { config, warnings } = validateConfigSections(
    '(test)',
    { protectables: [protectable], plugins: [] },
    Object.entries(options.config ?? {}).map(([name, values]) => ({
      name,
      values: values as Record<string, unknown>,
    })),
  );
  const context: ProtectableContext = {
    config,
    signal: options.signal ?? new AbortController().signal,
    logger: options.logger ?? silentLogger,
  };
  return {
    list: () => protectable.list(context),
    show: (id) => protectable.show(context, id),
    getDependentResources: (parent) => protectable.getDependentResources(context, parent),
    warnings,
    context,
  };
}
