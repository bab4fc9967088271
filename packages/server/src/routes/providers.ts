import type { Provider } from '@hoard/core/host';
import type { FastifyInstance } from 'fastify';
import { ApiFault } from '../faults.js';
import { filtersOf, isUuidLike, page, queryOf } from '../listing.js';
import type { RequestContext } from '../requestContext.js';

/** Karbor's provider view (`ProviderViewBuilder.detail`), schemas keyed by resource type. */
export function providerView(provider: Provider) {
  const options: Record<string, unknown> = {};
  const restore: Record<string, unknown> = {};
  const savedInfo: Record<string, unknown> = {};
  const verify: Record<string, unknown> = {};
  for (const [type, loaded] of [...provider.pluginByType].sort(([a], [b]) => a.localeCompare(b))) {
    if (loaded.schemas.protect !== undefined) options[type] = loaded.schemas.protect.schema;
    if (loaded.schemas.restore !== undefined) restore[type] = loaded.schemas.restore.schema;
    if (loaded.schemas.savedInfo !== undefined) savedInfo[type] = loaded.schemas.savedInfo.schema;
    if (loaded.schemas.verify !== undefined) verify[type] = loaded.schemas.verify.schema;
  }
  return {
    id: provider.id,
    name: provider.name,
    description: provider.description,
    extended_info_schema: {
      options_schema: options,
      restore_schema: restore,
      saved_info_schema: savedInfo,
      // Hoard's extension: Karbor had no verify schema (so any verify parameters failed).
      verify_schema: verify,
    },
  };
}

/**
 * Whether the caller may use a provider: an admin always; anyone else when the provider names
 * no `projects`, or names the caller's.
 */
export function servesCaller(provider: Provider, context: RequestContext): boolean {
  const projects = provider.options.projects;
  return context.isAdmin || projects === undefined || projects.includes(context.projectId);
}

/** The providers the caller may use (see {@link servesCaller}). */
export function providersFor(providers: readonly Provider[], context: RequestContext): Provider[] {
  return providers.filter((p) => servesCaller(p, context));
}

/**
 * Finds a provider by id among those the caller may use: 404 for an unknown one or one served to
 * other projects only, 400 for an id that is not one (Karbor's text).
 */
export function providerById(providers: readonly Provider[], id: string, context: RequestContext): Provider {
  const provider = providers.find((p) => p.id === id && servesCaller(p, context));
  if (provider !== undefined) return provider;
  // Hoard's provider files may use ids that are not UUIDs; those are found above.
  if (!isUuidLike(id)) throw new ApiFault(400, 'Invalid provider id provided.');
  throw new ApiFault(404, `Provider ${id} could not be found.`);
}

/** `GET /v1/{project}/providers[/{id}]`: providers come from the provider files, not the database. */
export function providerRoutes(app: FastifyInstance, providers: readonly Provider[]): void {
  const sorted = [...providers].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  app.get('/v1/:projectId/providers', async (request) => {
    const query = queryOf(request);
    const filters = filtersOf(query, request.karborContext!.isAdmin, ['name', 'description']);
    const matching = sorted.filter(
      (p) =>
        servesCaller(p, request.karborContext!) &&
        (['id', 'name', 'description'] as const).every(
          (key) => filters[key] === undefined || filters[key] === p[key],
        ),
    );
    const { items, links } = page(
      request,
      'providers',
      matching,
      query,
      (marker) => new ApiFault(404, `Provider ${marker} could not be found.`),
    );
    return { providers: items.map(providerView), ...(links ? { providers_links: links } : {}) };
  });
  app.get('/v1/:projectId/providers/:providerId', async (request) => {
    const { providerId } = request.params as { providerId: string };
    return { provider: providerView(providerById(providers, providerId, request.karborContext!)) };
  });
}
