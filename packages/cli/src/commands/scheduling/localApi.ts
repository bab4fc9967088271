import { loadProviders } from '@hoard/core/host';
import type { LocalApi } from '@hoard/server';
import { type Command, Option } from 'commander';
import { type CommandContext, providerOptions } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table, usageError } from '../../output.js';
import { type CommandRunner, jsonOption, providerDirOption } from '../options.js';
import { loadServerPackage } from '../serverPackage.js';

// What `hoard plan|trigger|schedule` share: the database of `hoard serve`, opened in this process
// through Karbor's v1 API (`openLocalApi`), so every object is checked as the served API checks it.

/** The options every `hoard plan|trigger|schedule` command has. */
export interface LocalApiCommandOptions {
  config?: string;
  database?: string;
  project?: string;
}

/** Adds `--config`, `--database`, `--project`, `--provider-dir` and `--json`. */
export function withDatabase(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--config <file>',
        'the hoard.conf of `hoard serve` (its [database] and trigger limits; default: none, sqlite:///hoard.db here)',
      ).env('HOARD_CONFIG'),
    )
    .addOption(new Option('--database <url>', 'the database of `hoard serve` (overrides the config)'))
    .addOption(
      new Option(
        '--project <id>',
        'the project the objects belong to (default demo, as `hoard serve` prints)',
      ).env('HOARD_PROJECT'),
    )
    .addOption(providerDirOption())
    .addOption(jsonOption());
}

/** Opens the local API with the command's options; the caller closes it. */
export async function openApi(context: CommandContext, options: LocalApiCommandOptions): Promise<LocalApi> {
  const { openLocalApi } = await loadServerPackage('hoard plan|trigger|schedule');
  const entries = await loadProviders(providerOptions(context));
  return openLocalApi({
    providers: entries.flatMap((e) => (e.enabled && e.provider !== undefined ? [e.provider] : [])),
    ...(options.config !== undefined ? { configFile: options.config } : {}),
    ...(options.database !== undefined ? { databaseUrl: options.database } : {}),
    ...(options.project !== undefined ? { project: options.project } : {}),
  });
}

/** Runs `body` with the local API open, and closes it. */
export async function withApi<T>(
  context: CommandContext,
  options: LocalApiCommandOptions,
  body: (api: LocalApi) => Promise<T>,
): Promise<T> {
  const api = await openApi(context, options);
  try {
    return await body(api);
  } finally {
    await api.close();
  }
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The id of an object named by id or by name, as python-karborclient's `find_resource` does: an
 * id is used as it is; a name must match exactly one object of the project.
 *
 * @param collection - the API's collection (`plans`, `triggers`, `scheduled_operations`)
 * @param listKey - its list key in answers (`plans`, `triggers`, `operations`)
 * @param what - the object's name for errors (`plan`)
 */
export async function idOf(
  api: LocalApi,
  collection: string,
  listKey: string,
  what: string,
  idOrName: string,
): Promise<string> {
  if (UUID_LIKE.test(idOrName)) return idOrName;
  const answer = await api.request<Record<string, { id: string; name: string }[]>>(
    'GET',
    `/${collection}?name=${encodeURIComponent(idOrName)}&limit=1000`,
  );
  const matches = (answer[listKey] ?? []).filter((o) => o.name === idOrName);
  if (matches.length === 0) throw usageError(`no ${what} named '${idOrName}' in project ${api.project}`);
  if (matches.length > 1)
    throw usageError(
      `${matches.length} ${what}s are named '${idOrName}' in project ${api.project} (${matches.map((m) => m.id).join(', ')}); give the id`,
    );
  return matches[0]!.id;
}

/** A value in a text column: `-` for none, objects as JSON. */
const cellOf = (value: unknown): string =>
  value === null || value === undefined
    ? '-'
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/** Prints one object: JSON with --json, else `key  value` lines (objects as JSON). */
export function printObject(context: CommandContext, object: Record<string, unknown>): void {
  if (context.json) {
    printJson(context.io, object);
    return;
  }
  context.io.stdout(table(Object.entries(object).map(([key, value]) => [key, cellOf(value)])));
}

/** Prints a list: JSON with --json, else a table of `columns` (`none` when empty). */
export function printList(
  context: CommandContext,
  items: readonly Record<string, unknown>[],
  columns: Columns,
  none: string,
): void {
  if (context.json) {
    printJson(context.io, items);
    return;
  }
  if (items.length === 0) {
    context.io.stdout(`${none}\n`);
    return;
  }
  context.io.stdout(
    table([columns.map(([h]) => h), ...items.map((item) => columns.map(([, f]) => cellOf(f(item))))]),
  );
}

/** One kind of object of the API: its collection, its keys in answers, and its name in errors. */
export interface ObjectKind {
  /** The API's collection (`plans`). */
  collection: string;
  /** Its list key (`plans`; Karbor's scheduled operations are `operations`). */
  listKey: string;
  /** Its key in a show (`plan`, `trigger_info`). */
  showKey: string;
  /** Its name for people (`plan`). */
  what: string;
}

/** The columns of a list: a header and what a row shows under it. */
export type Columns = readonly [header: string, cell: (item: Record<string, unknown>) => unknown][];

/** Declares `list`, `show <x>` and `delete <x>` of one kind of object. */
export function registerListShowDelete(
  parent: Command,
  run: CommandRunner,
  kind: ObjectKind,
  list: { description: string; columns: Columns; none: string },
  deleteDescription: string,
): void {
  withDatabase(parent.command('list').description(list.description)).action(
    (opts: LocalApiCommandOptions, command: Command) =>
      run(command, async (context) => {
        const answer = await withApi(context, opts, (api) =>
          api.request<Record<string, Record<string, unknown>[]>>('GET', `/${kind.collection}?limit=1000`),
        );
        printList(context, answer[kind.listKey] ?? [], list.columns, list.none);
        return EXIT.ok;
      }),
  );
  withDatabase(
    parent.command(`show <${kind.what.replace(/ /g, '-')}>`).description(`one ${kind.what}, by id or name`),
  ).action((idOrName: string, opts: LocalApiCommandOptions, command: Command) =>
    run(command, async (context) => {
      const shown = await withApi(context, opts, async (api) => {
        const id = await idOf(api, kind.collection, kind.listKey, kind.what, idOrName);
        return (
          await api.request<Record<string, Record<string, unknown>>>('GET', `/${kind.collection}/${id}`)
        )[kind.showKey]!;
      });
      printObject(context, shown);
      return EXIT.ok;
    }),
  );
  withDatabase(
    parent.command(`delete <${kind.what.replace(/ /g, '-')}>`).description(deleteDescription),
  ).action((idOrName: string, opts: LocalApiCommandOptions, command: Command) =>
    run(command, async (context) => {
      const id = await withApi(context, opts, async (api) => {
        const found = await idOf(api, kind.collection, kind.listKey, kind.what, idOrName);
        await api.request('DELETE', `/${kind.collection}/${found}`);
        return found;
      });
      printObject(context, { id, deleted: true });
      return EXIT.ok;
    }),
  );
}
