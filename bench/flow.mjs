// One benchmark run of the flow compiler and executor on a synthetic tenant, in its own process so
// that peak RSS belongs to this size alone. Prints one JSON line.
import { compileFlow, ResourceGraph } from '@hoard/core/host';
// The bench times the executor itself, which no face of core exports: the bench is the repository's
// own tool, so it reads the built module directly.
import { executeFlow } from '../packages/core/dist/executor/executeFlow.js';

const [size, shape] = [Number(process.argv[2]), process.argv[3] ?? 'tenant'];

/**
 * A tenant as Karbor's protectables build it: the project depends on every server, volume and
 * image; each server on its 2 volumes and 1 image. `shared`: ten servers share each image.
 */
function tenant(resources, sharedImages) {
  const servers = Math.max(1, Math.round((resources - 1) / (sharedImages ? 3.1 : 4)));
  const entries = [];
  const project = { resource: { type: 'OS::Keystone::Project', id: 'p', name: 'tenant' }, dependsOn: [] };
  entries.push(project);
  const images = new Set();
  for (let s = 0; s < servers; s++) {
    const image = sharedImages ? `i${Math.floor(s / 10)}` : `i${s}`;
    const server = {
      resource: { type: 'OS::Nova::Server', id: `s${s}`, name: `server ${s}` },
      dependsOn: [
        { type: 'OS::Cinder::Volume', id: `v${s}a` },
        { type: 'OS::Cinder::Volume', id: `v${s}b` },
        { type: 'OS::Glance::Image', id: image },
      ],
    };
    entries.push(server);
    project.dependsOn.push({ type: 'OS::Nova::Server', id: `s${s}` });
    for (const v of [`v${s}a`, `v${s}b`]) {
      entries.push({ resource: { type: 'OS::Cinder::Volume', id: v, name: v }, dependsOn: [] });
      project.dependsOn.push({ type: 'OS::Cinder::Volume', id: v });
    }
    if (!images.has(image)) {
      images.add(image);
      entries.push({ resource: { type: 'OS::Glance::Image', id: image, name: image }, dependsOn: [] });
      project.dependsOn.push({ type: 'OS::Glance::Image', id: image });
    }
  }
  return entries;
}

const entries = tenant(size, shape === 'shared');
let t = performance.now();
const graph = ResourceGraph.create(entries);
const buildMs = performance.now() - t;
t = performance.now();
const flow = compileFlow(graph, 'protect');
const compileMs = performance.now() - t;
t = performance.now();
let hooks = 0;
const result = await executeFlow({
  flow,
  concurrency: 8,
  pluginName: () => 'noop',
  // Every hook is implemented and does nothing: this measures the scheduler itself.
  runTask: async () => {
    hooks++;
    return undefined;
  },
});
const executeMs = performance.now() - t;
if (result.status !== 'success' || hooks !== flow.taskResource.length)
  throw new Error('benchmark flow failed');
console.log(
  JSON.stringify({
    shape,
    resources: graph.size,
    dependencies: graph.edgeCount,
    tasks: flow.taskResource.length,
    edges: flow.edgeFrom.length,
    buildMs,
    compileMs,
    executeMs,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
