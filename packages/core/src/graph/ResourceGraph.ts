import { HoardError } from '../errors/HoardError.js';
import { type JsonObject, type Resource, type ResourceRef, resourceKey } from '../plugin-api/types.js';

/** A resource of a graph document, with the references of its children. */
export interface GraphDocumentResource extends Resource {
  dependsOn?: ResourceRef[];
}

/** The JSON form of a resource graph (docs/protocol.md, "hoard flow"), as `hoard flow --graph` reads it and checkpoints store it. */
export interface ResourceGraphDocument {
  resources: GraphDocumentResource[];
}

/**
 * A resource graph: a DAG where an edge parent → child means the parent depends on the child.
 *
 * @remarks Nodes are numbered in insertion order; `children[i]` lists the node numbers of node i's
 * children. A node may have several parents. Construct with {@link ResourceGraph.create} or
 * {@link ResourceGraph.fromDocument}, which reject cycles and dangling references.
 */
export class ResourceGraph {
  private constructor(
    /** The resources, by node number. */
    readonly resources: readonly Resource[],
    /** Children of each node, by node number. */
    readonly children: readonly (readonly number[])[],
    private readonly index: ReadonlyMap<string, number>,
  ) {}

  /**
   * Builds a graph from resources and their children's keys.
   *
   * @throws `RESOURCE_GRAPH_INVALID` on a duplicate resource or a missing child;
   * `RESOURCE_GRAPH_CYCLE` on a cycle, printing it as a path of resource keys.
   */
  static create(
    entries: readonly { resource: Resource; dependsOn: readonly ResourceRef[] }[],
  ): ResourceGraph {
    const index = new Map<string, number>();
    const resources: Resource[] = [];
    entries.forEach(({ resource }, i) => {
      const key = resourceKey(resource);
      if (index.has(key)) {
        throw new HoardError('RESOURCE_GRAPH_INVALID', `resources[${i}]: resource '${key}' is listed twice`, {
          path: `resources[${i}]`,
          resourceKey: key,
        });
      }
      index.set(key, i);
      resources.push(resource);
    });
    const children = entries.map(({ resource, dependsOn }, i) => {
      const seen = new Set<number>();
      const list: number[] = [];
      dependsOn.forEach((ref, j) => {
        const child = index.get(resourceKey(ref));
        if (child === undefined) {
          throw new HoardError(
            'RESOURCE_GRAPH_INVALID',
            `resources[${i}].dependsOn[${j}]: '${resourceKey(resource)}' depends on '${resourceKey(ref)}', which is not listed in resources`,
            { path: `resources[${i}].dependsOn[${j}]`, resourceKey: resourceKey(ref) },
          );
        }
        // A child listed twice is one dependency.
        if (!seen.has(child)) {
          seen.add(child);
          list.push(child);
        }
      });
      return list;
    });
    const graph = new ResourceGraph(resources, children, index);
    graph.assertAcyclic();
    return graph;
  }

  /** Builds a graph from its JSON document (already schema-checked; see `parseResourceGraph`). */
  static fromDocument(document: ResourceGraphDocument): ResourceGraph {
    return ResourceGraph.create(
      document.resources.map((r) => {
        const resource: Resource = { type: r.type, id: r.id, name: r.name ?? '' };
        if (r.extra !== undefined) resource.extra = r.extra;
        return { resource, dependsOn: r.dependsOn ?? [] };
      }),
    );
  }

  /** Number of resources. */
  get size(): number {
    return this.resources.length;
  }

  /** Number of parent → child edges. */
  get edgeCount(): number {
    let n = 0;
    for (const c of this.children) n += c.length;
    return n;
  }

  /** The node number of a resource key, if present. */
  nodeOf(key: string): number | undefined {
    return this.index.get(key);
  }

  /** Node numbers of resources that are nobody's child, in node order. */
  roots(): number[] {
    const hasParent = new Uint8Array(this.resources.length);
    for (const list of this.children) for (const c of list) hasParent[c] = 1;
    const roots: number[] = [];
    for (let i = 0; i < hasParent.length; i++) if (hasParent[i] === 0) roots.push(i);
    return roots;
  }

  /** The JSON document form (docs/protocol.md, "hoard flow"). */
  toDocument(): ResourceGraphDocument {
    return {
      resources: this.resources.map((resource, i) => {
        const out: GraphDocumentResource = { type: resource.type, id: resource.id, name: resource.name };
        if (resource.extra !== undefined) out.extra = resource.extra as JsonObject;
        const deps = this.children[i] ?? [];
        if (deps.length > 0) {
          out.dependsOn = deps.map((c) => {
            const child = this.resources[c]!;
            return { type: child.type, id: child.id };
          });
        }
        return out;
      }),
    };
  }

  /**
   * Depth-first walk from the roots (then from any node left unvisited, which only a cycle leaves),
   * visiting each node once; throws `RESOURCE_GRAPH_CYCLE` with the cycle's path. O(V + E).
   */
  private assertAcyclic(): void {
    const WHITE = 0;
    const GRAY = 1;
    const BLACK = 2;
    const colour = new Uint8Array(this.resources.length);
    const parentOnPath = new Int32Array(this.resources.length).fill(-1);
    const starts = [...this.roots(), ...this.resources.keys()];
    for (const start of starts) {
      if (colour[start] !== WHITE) continue;
      // Iterative DFS: stack of [node, next child position].
      const stack: [number, number][] = [[start, 0]];
      colour[start] = GRAY;
      while (stack.length > 0) {
        const frame = stack[stack.length - 1]!;
        const [node, position] = frame;
        const kids = this.children[node]!;
        if (position < kids.length) {
          frame[1]++;
          const child = kids[position]!;
          if (colour[child] === GRAY) throw this.cycleError(node, child, parentOnPath);
          if (colour[child] === WHITE) {
            colour[child] = GRAY;
            parentOnPath[child] = node;
            stack.push([child, 0]);
          }
        } else {
          colour[node] = BLACK;
          stack.pop();
        }
      }
    }
  }

  private cycleError(from: number, to: number, parentOnPath: Int32Array): HoardError {
    const path = [from];
    let cursor = from;
    while (cursor !== to) {
      cursor = parentOnPath[cursor]!;
      path.push(cursor);
    }
    path.reverse();
    path.push(to);
    const keys = path.map((n) => resourceKey(this.resources[n]!));
    return new HoardError('RESOURCE_GRAPH_CYCLE', `The resource graph has a cycle: ${keys.join(' → ')}`, {
      resourceKey: keys[0]!,
      details: { cycle: keys },
    });
  }
}
