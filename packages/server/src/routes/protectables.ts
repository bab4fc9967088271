import { type Caller, isHoardError, type Logger, type Protectable, type Resource } from '@hoard/core';
import type { Provider } from '@hoard/core/host';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiFault, invalidInput } from '../faults.js';
import { filtersOf, page, queryOf } from '../listing.js';
import { providersFor } from './providers.js';

/** A protectable with the provider whose configuration it runs with. */
interface Known {
  protectable: Protectable;
  provider: Provider;
}

/**
 * Karbor's protectables are global; Hoard's come with providers. The API serves every type any
 * provider the caller may use knows, each through the first provider (by file order) that has it.
 */
function knownTypes(providers: readonly Provider[]): Map<string, Known> {
  const known = new Map<string, Known>();
  for (const provider of providers)
    for (const protectable of provider.protectables)
      if (!known.has(protectable.resourceType))
        known.set(protectable.resourceType, { protectable, provider });
  return known;
}

const resourceView = (r: Resource) => ({ type: r.type, id: r.id, name: r.name, extra_info: r.extra ?? null });

/** `GET /v1/{project}/protectables[/{type}[/instances[/{id}]]]`. */
export function protectableRoutes(
  app: FastifyInstance,
  providers: readonly Provider[],
  logger: Logger,
): void {
  /** The types of the providers the caller may use, each with its provider. */
  const knownFor = (request: FastifyRequest) => {
    const known = knownTypes(providersFor(providers, request.karborContext!));
    const types = [...known.keys()].sort();
    return {
      known,
      types,
      /** The types whose resources can be children of `type` (Karbor's `dependent_types`). */
      dependentTypes: (type: string) =>
        types.filter((t) => known.get(t)!.protectable.parentTypes.includes(type)),
      typeOf: (type: string): Known => {
        const found = known.get(type);
        if (found === undefined) throw invalidInput('Invalid protectable type provided.');
        return found;
      },
    };
  };
  const contextOf = (k: Known, signal: AbortSignal, caller: Caller) => ({
    config: k.provider.config,
    signal,
    logger,
    caller,
  });
  /** Karbor passes `parameters` (a Python dict literal) to the plugin; Hoard's protectables take none. */
  const checkParameters = (given: string | undefined) => {
    if (given !== undefined && !/^\s*\{[\s\S]*\}\s*$/.test(given))
      throw new ApiFault(400, 'The parameters must be a dict.');
  };
  const instanceView = async (
    request: FastifyRequest,
    type: string,
    resource: Resource,
    signal: AbortSignal,
  ) => {
    const { known, dependentTypes } = knownFor(request);
    const caller = request.caller!;
    const dependents: Resource[] = [];
    for (const child of dependentTypes(type)) {
      const k = known.get(child)!;
      dependents.push(...(await k.protectable.getDependentResources(contextOf(k, signal, caller), resource)));
    }
    return { ...resourceView(resource), dependent_resources: dependents.map(resourceView) };
  };

  app.get('/v1/:projectId/protectables', async (request) => ({ protectable_type: knownFor(request).types }));
  app.get('/v1/:projectId/protectables/:type', async (request) => {
    const { type } = request.params as { type: string };
    const { typeOf, dependentTypes } = knownFor(request);
    typeOf(type);
    return { protectable_type: { name: type, dependent_types: dependentTypes(type) } };
  });
  app.get('/v1/:projectId/protectables/:type/instances', async (request, reply) => {
    const { type } = request.params as { type: string };
    const k = knownFor(request).typeOf(type);
    const query = queryOf(request);
    checkParameters(query['parameters']);
    const { parameters: _parameters, ...rest } = query;
    const filters = filtersOf(rest, request.karborContext!.isAdmin, ['status']);
    const signal = abortOnClose(reply.raw);
    const resources = (await k.protectable.list(contextOf(k, signal, request.caller!))).sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    const matching = resources.filter((r) =>
      Object.entries(filters).every(([key, value]) => key !== 'status' || r.extra?.['status'] === value),
    );
    const { items, links } = page(
      request,
      'instances',
      matching,
      query,
      (marker) => new ApiFault(404, `The resource ${marker} of type ${type} could not be found.`),
    );
    const instances = [];
    for (const item of items) instances.push(await instanceView(request, type, item, signal));
    return { instances, ...(links ? { instances_links: links } : {}) };
  });
  // `*`, not `:id`: the client puts the id in the path as it is, and a directory's id is an
  // absolute path (`.../instances//srv/data`), which `:id` would not match.
  app.get('/v1/:projectId/protectables/:type/instances/*', async (request, reply) => {
    const { type, '*': id } = request.params as { type: string; '*': string };
    if (id === '') throw new ApiFault(404, `The resource of type ${type} could not be found.`);
    const k = knownFor(request).typeOf(type);
    checkParameters(queryOf(request)['parameters']);
    const signal = abortOnClose(reply.raw);
    let resource: Resource;
    try {
      resource = await k.protectable.show(contextOf(k, signal, request.caller!), id);
    } catch (error) {
      if (isHoardError(error) && error.code === 'RESOURCE_NOT_FOUND')
        throw new ApiFault(404, `The resource ${id} of type ${type} could not be found.`);
      throw error;
    }
    return { instance: await instanceView(request, type, resource, signal) };
  });
}

/** Aborted when the client goes away before its answer, so a protectable stops listing for nobody. */
function abortOnClose(raw: import('node:http').ServerResponse): AbortSignal {
  const controller = new AbortController();
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort(new Error('the client went away'));
  });
  return controller.signal;
}
