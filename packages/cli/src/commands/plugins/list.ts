import { discoverPluginPackages, ENTRY_POINT_GROUPS, locateEntryPoint } from '@hoard/core/host';
import type { Command } from 'commander';
import { CLI_PACKAGE_DIR, type CommandContext } from '../../context.js';
import { EXIT } from '../../exitCodes.js';
import { printJson, table } from '../../output.js';
import { type CommandRunner, jsonOption } from '../options.js';

interface EntryReport {
  group: string;
  name: string;
  target: string;
  error?: { code: string; message: string };
}

/**
 * `hoard plugins list`: every installed package with Hoard entry points, each with its errors.
 *
 * @remarks Reads package.json metadata and checks that each entry point's file exists; it imports
 * no plugin code (a package's code runs only when a provider names it).
 */
export async function pluginsListCommand(context: CommandContext): Promise<number> {
  const packages = await discoverPluginPackages({ searchFrom: [process.cwd(), CLI_PACKAGE_DIR] });
  const reports = [];
  for (const found of packages) {
    const entries: EntryReport[] = [];
    if (found.package) {
      for (const group of ENTRY_POINT_GROUPS) {
        for (const [name, target] of Object.entries(found.package.entryPoints[group] ?? {})) {
          const entry: EntryReport = { group, name, target };
          const { problem } = await locateEntryPoint(found.package, group, name);
          if (problem !== undefined) {
            entry.error = {
              code: 'PLUGIN_ENTRY_POINT_INVALID',
              message: `${found.name} ${group}.${name}: ${problem}`,
            };
          }
          entries.push(entry);
        }
      }
    }
    reports.push({
      name: found.name,
      version: found.package?.version,
      directory: found.directory,
      resourceTypes: found.package?.resourceTypes ?? [],
      includes: found.package?.includes ?? [],
      ...(found.error ? { error: { code: found.error.code, message: found.error.message } } : {}),
      entryPoints: entries,
    });
  }
  if (context.json) {
    printJson(context.io, reports);
    return EXIT.ok;
  }
  const rows = [['PACKAGE', 'ENTRY POINT', 'TYPES / ERROR']];
  for (const report of reports) {
    if (report.error) rows.push([report.name, '-', `ERROR ${report.error.code}: ${report.error.message}`]);
    if (report.includes.length > 0)
      rows.push([`${report.name}@${report.version}`, '(includes)', report.includes.join(', ')]);
    for (const e of report.entryPoints) {
      rows.push([
        `${report.name}@${report.version}`,
        `${e.group}.${e.name}`,
        e.error
          ? `ERROR ${e.error.code}: ${e.error.message}`
          : e.group === 'hoard.banks'
            ? '(bank)'
            : report.resourceTypes.join(', ') || '-',
      ]);
    }
  }
  context.io.stdout(reports.length === 0 ? 'No Hoard plugin packages installed.\n' : table(rows));
  return EXIT.ok;
}

/** Declares `hoard plugins list`. */
export function registerPluginsList(plugins: Command, run: CommandRunner): void {
  plugins
    .command('list')
    .description('list installed packages with Hoard entry points, and their errors')
    .addOption(jsonOption())
    .action((_opts: object, command: Command) => run(command, (context) => pluginsListCommand(context)));
}
