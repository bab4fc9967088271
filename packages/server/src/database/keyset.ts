import { type Expression, type SqlBool, sql } from 'kysely';

/** A list's order: keys with their directions. */
export type SortOrder<K extends string> = { key: K; dir: 'asc' | 'desc' }[];

/** `sort` with Karbor's tie-breakers appended: `created_at` then `id`, newest first. */
export function withTieBreakers<K extends string>(sort: SortOrder<K>): SortOrder<K | 'created_at' | 'id'> {
  const out: SortOrder<K | 'created_at' | 'id'> = [...sort];
  if (!out.some((s) => s.key === 'created_at')) out.push({ key: 'created_at', dir: 'desc' });
  if (!out.some((s) => s.key === 'id')) out.push({ key: 'id', dir: 'desc' });
  return out;
}

/**
 * Keyset pagination: the rows strictly after `marker` in `sort` order, as
 * `(k1 after m1) or (k1 = m1 and k2 after m2) or ...` — `compare` builds one comparison, so
 * this serves any table.
 */
export function afterMarker<K extends string>(
  sort: SortOrder<K>,
  marker: Record<K, unknown>,
  logic: {
    and(all: Expression<SqlBool>[]): Expression<SqlBool>;
    or(any: Expression<SqlBool>[]): Expression<SqlBool>;
  },
  compare: (key: K, op: '=' | '<' | '>', value: unknown) => Expression<SqlBool>,
): Expression<SqlBool> {
  return logic.or(
    sort.map((s, i) =>
      logic.and([
        ...sort.slice(0, i).map((p) => compare(p.key, '=', marker[p.key])),
        compare(s.key, s.dir === 'asc' ? '>' : '<', marker[s.key]),
      ]),
    ),
  );
}

/**
 * `column` contains `text` (a list's name-like filters; Karbor matched a regular expression, a
 * database-neutral `like` here, with `%`, `_` and `!` in the text matched as themselves). `!`
 * escapes: a backslash would mean one thing to MySQL's string literals and another to SQLite's.
 */
export function contains(column: string, text: string): Expression<SqlBool> {
  const pattern = `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '!'`;
}
