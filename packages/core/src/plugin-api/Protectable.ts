import type { JsonSchema, Logger, Resource } from './types.js';

/** What a protectable's functions receive. */
export interface ProtectableContext {
  /** Validated configuration sections of the provider, by section name. */
  config: Record<string, Record<string, unknown>>;
  signal: AbortSignal;
  logger: Logger;
}

/** Options of {@link defineProtectable}. */
export interface ProtectableOptions {
  /** Short name, e.g. `volume`. */
  name: string;
  /** The resource type this protectable knows, e.g. `OS::Cinder::Volume`. */
  resourceType: string;
  /** Types this type can be a child of (e.g. a volume: project, server). */
  parentTypes: readonly string[];
  /** Configuration sections it reads from a provider file, each with its JSON schema. */
  configSections?: Record<string, JsonSchema>;
  /** Lists resources of this type. */
  list(context: ProtectableContext): Promise<Resource[]>;
  /** Shows one resource; throws `RESOURCE_NOT_FOUND` if it does not exist. */
  show(context: ProtectableContext, id: string): Promise<Resource>;
  /** The children of `parent` that are of this type (called only for parents of a type in `parentTypes`). */
  getDependentResources(context: ProtectableContext, parent: Resource): Promise<Resource[]>;
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
export function defineProtectable(options: ProtectableOptions): Protectable {
  return { ...options, $$type: '@hoard/Protectable', apiVersion: 1 };
}
