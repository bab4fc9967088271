import { HoardError } from '../errors/HoardError.js';
import type { Protectable, ProtectableContext } from '../plugin-api/Protectable.js';
import { type Resource, type ResourceRef, resourceKey } from '../plugin-api/types.js';
import { ResourceGraph } from './ResourceGraph.js';

/**
 * Builds the resource graph by walking protectables from the selected resources (Karbor's
 * `ProtectableRegistry.build_graph`): the children of R are what every protectable whose parent
 * types include R's type returns from `getDependentResources(R)`.
 *
 * @remarks Each resource is expanded once however many parents it has, so the walk is linear in
 * resources + dependencies. A cycle is rejected with `RESOURCE_GRAPH_CYCLE`.
 * @param selected - the resources the user picked
 * @param protectables - every protectable of the provider
 * @param context - passed to the protectables
 */
export async function buildResourceGraph(
  selected: readonly Resource[],
  protectables: readonly Protectable[],
  context: ProtectableContext,
): Promise<ResourceGraph> {
  const byType = new Map(protectables.map((p) => [p.resourceType, p]));
  const childProtectables = new Map<string, Protectable[]>();
  for (const p of protectables) {
    for (const parentType of p.parentTypes) {
      const list = childProtectables.get(parentType) ?? [];
      list.push(p);
      childProtectables.set(parentType, list);
    }
  }
  const entries = new Map<string, { resource: Resource; dependsOn: ResourceRef[] }>();
  const queue: Resource[] = [];
  for (const resource of selected) {
    if (!byType.has(resource.type)) {
      throw new HoardError(
        'RESOURCE_TYPE_UNKNOWN',
        `Resource '${resourceKey(resource)}' has type '${resource.type}', which no protectable of this provider knows (known: ${[...byType.keys()].sort().join(', ') || 'none'})`,
        { resourceKey: resourceKey(resource) },
      );
    }
    if (!entries.has(resourceKey(resource))) {
      entries.set(resourceKey(resource), { resource, dependsOn: [] });
      queue.push(resource);
    }
  }
  while (queue.length > 0) {
    context.signal.throwIfAborted();
    const parent = queue.shift()!;
    const entry = entries.get(resourceKey(parent))!;
    const seen = new Set<string>();
    for (const protectable of childProtectables.get(parent.type) ?? []) {
      const children = await protectable.getDependentResources(context, parent);
      for (const child of children) {
        const key = resourceKey(child);
        if (!seen.has(key)) {
          seen.add(key);
          entry.dependsOn.push({ type: child.type, id: child.id });
        }
        if (!entries.has(key)) {
          entries.set(key, { resource: child, dependsOn: [] });
          queue.push(child);
        }
      }
    }
  }
  return ResourceGraph.create([...entries.values()]);
}
