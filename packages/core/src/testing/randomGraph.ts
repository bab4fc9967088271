import { ResourceGraph } from '../graph/ResourceGraph.js';

/**
 * A random DAG of `size` resources: each node may depend on nodes with a higher number only.
 *
 * @param random - a source of numbers in [0, 1)
 */
export function randomResourceGraph(size: number, density: number, random: () => number): ResourceGraph {
  const types = ['OS::Keystone::Project', 'OS::Nova::Server', 'OS::Cinder::Volume', 'OS::Glance::Image'];
  const entries = Array.from({ length: size }, (_, i) => ({
    resource: { type: types[i % types.length]!, id: `r${i}`, name: `resource ${i}` },
    dependsOn: [] as { type: string; id: string }[],
  }));
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      if (random() < density) entries[i]!.dependsOn.push({ type: entries[j]!.resource.type, id: `r${j}` });
    }
  }
  // Shuffle so that node numbers do not follow the topological order.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return ResourceGraph.create(entries);
}
