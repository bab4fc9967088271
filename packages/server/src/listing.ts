import type { FastifyRequest } from 'fastify';
import { ApiFault } from './faults.js';

/** Karbor's `osapi_max_limit`: the default and the cap of `limit`. */
export const MAX_LIMIT = 1000;

/** Query keys that page and sort a list, never filters. */
const PAGING_KEYS = new Set(['limit', 'marker', 'offset', 'sort', 'sort_key', 'sort_dir']);

export type Query = Record<string, string | undefined>;

/** The query of a request, one value per key (the last one when repeated). */
export function queryOf(request: FastifyRequest): Query {
  const raw = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  const out: Query = {};
  for (const [key, value] of Object.entries(raw))
    out[key] = Array.isArray(value) ? value[value.length - 1] : value;
  return out;
}

/** `limit` as Karbor reads it (`karbor/api/common.py`): a positive integer, at most 1000. */
export function limitOf(query: Query): number {
  const given = query['limit'];
  if (given === undefined) return MAX_LIMIT;
  if (!/^[+-]?\d+$/.test(given.trim())) throw new ApiFault(400, 'limit param must be an integer');
  const limit = Number(given);
  if (limit <= 0) throw new ApiFault(400, 'limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

/**
 * The filters of a list: every query key that does not page or sort; for callers that are not
 * admins, only the keys of `allowed` (Karbor drops the others silently).
 */
export function filtersOf(query: Query, isAdmin: boolean, allowed: readonly string[]): Query {
  const out: Query = {};
  for (const [key, value] of Object.entries(query)) {
    if (PAGING_KEYS.has(key) || key === 'all_tenants') continue;
    if (!isAdmin && !allowed.includes(key)) continue;
    out[key] = value;
  }
  return out;
}

/**
 * One page of `items` (already in order) after `marker`, and Karbor's `<collection>_links` when
 * the page is full: `[{"rel": "next", "href": <same query with marker = last id>}]`.
 */
export function page<T extends { id: string }>(
  request: FastifyRequest,
  collection: string,
  items: readonly T[],
  query: Query,
  notFound: (marker: string) => ApiFault,
): { items: T[]; links?: { rel: 'next'; href: string }[] } {
  const limit = limitOf(query);
  let start = 0;
  const marker = query['marker'];
  if (marker !== undefined) {
    const at = items.findIndex((item) => item.id === marker);
    if (at < 0) throw notFound(marker);
    start = at + 1;
  }
  const chosen = items.slice(start, start + limit);
  return { items: chosen, ...linksOf(request, collection, query, chosen, limit) };
}

/** Karbor's `<collection>_links` for a page that is full (`limit` items), else nothing. */
export function linksOf(
  request: FastifyRequest,
  collection: string,
  query: Query,
  items: readonly { id: string }[],
  limit: number,
): { links?: { rel: 'next'; href: string }[] } {
  if (items.length < limit || items.length === 0) return {};
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (key !== 'marker' && value !== undefined) params.set(key, value);
  params.set('marker', items[items.length - 1]!.id);
  const projectId = (request.params as { projectId: string }).projectId;
  const href = `${request.protocol}://${request.host}/v1/${projectId}/${collection}?${params.toString()}`;
  return { links: [{ rel: 'next', href }] };
}

/** `offset` as Karbor reads it: an integer of at least 0. */
export function offsetOf(query: Query): number {
  const given = query['offset'];
  if (given === undefined) return 0;
  if (!/^\d+$/.test(given.trim())) throw new ApiFault(400, 'offset param must be an integer');
  return Number(given);
}

/**
 * `sort=key[:dir],...` or the older `sort_key`/`sort_dir` (not both), direction `desc` unless
 * given, every key one of `keys` (`karbor/api/common.py`).
 */
export function sortOf<K extends string>(
  query: Query,
  keys: readonly K[],
): { key: K; dir: 'asc' | 'desc' }[] {
  const { sort, sort_key: sortKey, sort_dir: sortDir } = query;
  if (sort !== undefined && (sortKey !== undefined || sortDir !== undefined))
    throw new ApiFault(
      400,
      "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with the 'sort' parameter.",
    );
  const pairs: [string, string | undefined][] =
    sort !== undefined
      ? sort.split(',').map((part): [string, string | undefined] => {
          const [key, dir] = part.split(':');
          return [(key ?? '').trim(), dir?.trim()];
        })
      : sortKey !== undefined
        ? [[sortKey, sortDir]]
        : [];
  return pairs.map(([key, dir]) => {
    const direction = (dir ?? 'desc').toLowerCase();
    if (direction !== 'asc' && direction !== 'desc')
      throw new ApiFault(400, "Unknown sort direction, must be 'desc' or 'asc'.");
    if (!(keys as readonly string[]).includes(key))
      throw new ApiFault(
        400,
        `Invalid input received: Invalid sort key ${key} (sort keys: ${keys.join(', ')})`,
      );
    return { key: key as K, dir: direction };
  });
}

/** Karbor's `all_tenants` flag (honoured for admins only). */
export function allTenantsOf(query: Query, isAdmin: boolean): boolean {
  const given = query['all_tenants'];
  if (given === undefined || !isAdmin) return false;
  const value = given.trim().toLowerCase();
  if (['1', 't', 'true', 'on', 'y', 'yes'].includes(value)) return true;
  if (['0', 'f', 'false', 'off', 'n', 'no'].includes(value)) return false;
  throw new ApiFault(400, `Value ${given} for all_tenants is not a boolean.`);
}

/** Whether `id` looks like a UUID as oslo's `is_uuid_like` takes it (dashes optional, any case). */
export function isUuidLike(id: string): boolean {
  return /^[0-9a-f]{32}$/i.test(id.replace(/-/g, '')) && /^[0-9a-f-]+$/i.test(id);
}

/**
 * A time as Karbor's oslo jsonutils writes a database time: ISO 8601 in UTC without zone, to
 * the microsecond (`2017-07-28T08:43:22.000000`).
 */
export function karborTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 19)}.${String(date.getUTCMilliseconds()).padStart(3, '0')}000`;
}
