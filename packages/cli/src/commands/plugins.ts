import {
  type BankPlugin,
  discoverPluginPackages,
  ENTRY_POINT_GROUPS,
  isHoardError,
  loadEntryPoint,
  type Protectable,
  type ProtectionPlugin,
} from '@hoard/core';
import { CLI_PACKAGE_DIR, type CommandContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { printJson, table } from '../output.js';

interface EntryReport {
  group: string;
  name: string;
  target: string;
  kind?: string;
  resourceTypes?: string[];
  error?: { code: string; message: string };
}

/** `hoard plugins list`: every installed package with Hoard entry points, each with its errors. */
export async function pluginsListCommand(context: CommandContext): Promise<number> {
  const packages = await discoverPluginPackages({ searchFrom: [process.cwd(), CLI_PACKAGE_DIR] });
  const reports = [];
  for (const found of packages) {
    const entries: EntryReport[] = [];
    if (found.package) {
      for (const group of ENTRY_POINT_GROUPS) {
        for (const [name, target] of Object.entries(found.package.entryPoints[group] ?? {})) {
          const entry: EntryReport = { group, name, target };
          try {
            const loaded = await loadEntryPoint<Protectable | ProtectionPlugin | BankPlugin>(
              found.package,
              group,
              name,
            );
            entry.kind = loaded.$$type;
            if (loaded.$$type === '@hoard/Protectable') entry.resourceTypes = [loaded.resourceType];
            if (loaded.$$type === '@hoard/ProtectionPlugin') entry.resourceTypes = [...loaded.resourceTypes];
          } catch (error) {
            entry.error = isHoardError(error)
              ? { code: error.code, message: error.message }
              : { code: 'PLUGIN_ENTRY_POINT_INVALID', message: String(error) };
          }
          entries.push(entry);
        }
      }
    }
    reports.push({
      name: found.name,
      version: found.package?.version,
      directory: found.directory,
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
    for (const e of report.entryPoints) {
      rows.push([
        `${report.name}@${report.version}`,
        `${e.group}.${e.name}`,
        e.error
          ? `ERROR ${e.error.code}: ${e.error.message}`
          : (e.resourceTypes ?? []).join(', ') || '(bank)',
      ]);
    }
  }
  context.io.stdout(reports.length === 0 ? 'No Hoard plugin packages installed.\n' : table(rows));
  return EXIT.ok;
}
