import type { Caller } from './Caller.js';
import type { ConfigOf, ConfigSections, Logger, Resource } from './types.js';

/** What a protectable's functions receive. */
export interface ProtectableContext<C = Record<string, Record<string, unknown>>> {
  /** Validated configuration sections the protectable declares, defaults applied. */
  config: C;
  signal: AbortSignal;
  logger: Logger;
  /**
   * Who asks, when a host acts for a caller (see {@link Caller}): list and show what the caller
   * may see, with the caller's credential, not the provider's identity.
   */
  caller?: Caller;
}

/**
 * Options of {@link defineProtectable}.
 *
 * @typeParam C - the configuration sections; they type `context.config`
 */
export interface ProtectableOptions<C extends ConfigSections = ConfigSections> {
  /** Short name, e.g. `volume`. */
  name: string;
  /** The resource type this protectable knows, e.g. `OS::Cinder::Volume`. */
  resourceType: string;
  /** Types this type can be a child of (e.g. a volume: project, server). */
  parentTypes: readonly string[];
  /** Configuration sections it reads from a provider file, each with its JSON schema. */
  configSections?: C;
  /** Lists resources of this type. */
  list(context: ProtectableContext<NoInfer<ConfigOf<C>>>): Promise<Resource[]>;
  /** Shows one resource; throws `RESOURCE_NOT_FOUND` if it does not exist. */
  show(context: ProtectableContext<NoInfer<ConfigOf<C>>>, id: string): Promise<Resource>;
  /** The children of `parent` that are of this type (called only for parents of a type in `parentTypes`). */
  getDependentResources(
    context: ProtectableContext<NoInfer<ConfigOf<C>>>,
    parent: Resource,
  ): Promise<Resource[]>;
}

/** A protectable plugin: a branded, versioned {@link ProtectableOptions}. */
export interface Protectable extends ProtectableOptions {
  readonly $$type: '@hoard/Protectable';
  readonly apiVersion: 1;
}

/**
 * Declares a protectable plugin.
 *
 * @param options - the resource type, its parent types and the discovery functions
 * @returns the branded plugin object that a package exports as a `hoard.protectables` entry point
 */
export function defineProtectable<const C extends ConfigSections = ConfigSections>(
  options: ProtectableOptions<C>,
): Protectable {
  // Core validates the configuration against these schemas before any function sees it.
  return { ...options, $$type: '@hoard/Protectable', apiVersion: 1 } as Protectable;
}
