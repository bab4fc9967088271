#!/usr/bin/env node
// API reports: one `<package>[-<entry>].api.md` per public entry point of every package, in
// `<package>/etc/`, made by api-extractor from the built declarations.
//
//   node scripts/api-report.mjs            check: fails when a public surface differs from its report
//   node scripts/api-report.mjs --update   rewrite the reports (commit them with the change)
//
// A change to what a package exports is then visible in review as a diff of its report.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');

/** Every public entry point: the `exports` keys of each package, but `./package.json`. */
function entryPoints() {
  const out = [];
  for (const dir of readdirSync(path.join(root, 'packages')).sort()) {
    const folder = path.join(root, 'packages', dir);
    const manifest = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8'));
    for (const [key, target] of Object.entries(manifest.exports ?? {})) {
      if (key === './package.json' || typeof target !== 'object') continue;
      const entry = key === '.' ? '' : key.slice(2);
      out.push({
        folder,
        name: manifest.name,
        reportName: `${dir}${entry === '' ? '' : `-${entry}`}`,
        types: path.join(folder, target.types),
      });
    }
  }
  return out;
}

let failed = 0;
for (const entry of entryPoints()) {
  if (update) mkdirSync(path.join(entry.folder, 'etc'), { recursive: true });
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.folder,
      mainEntryPointFilePath: entry.types,
      bundledPackages: [],
      compiler: { tsconfigFilePath: path.join(entry.folder, 'tsconfig.json') },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportName,
        reportFolder: path.join(entry.folder, 'etc'),
        reportTempFolder: path.join(root, 'node_modules', '.cache', 'api-report', entry.reportName),
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The report is about the shape of the surface; TSDoc style and release tags are not checked.
        compilerMessageReporting: { default: { logLevel: 'warning' } },
        extractorMessageReporting: {
          default: { logLevel: 'warning' },
          'ae-missing-release-tag': { logLevel: 'none' },
          'ae-forgotten-export': { logLevel: 'none', addToApiReportFile: true },
          'ae-unresolved-link': { logLevel: 'none' },
        },
        tsdocMessageReporting: { default: { logLevel: 'none' } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: path.join(entry.folder, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: update,
    showVerboseMessages: false,
    messageCallback: (message) => {
      // Only what would make the report wrong is printed; the rest is noise for this purpose.
      if (message.logLevel !== 'error') message.handled = true;
    },
  });
  const report = path.relative(root, path.join(entry.folder, 'etc', `${entry.reportName}.api.md`));
  // In check mode a changed report is the failure; warnings (forgotten exports, TSDoc) are not:
  // they are written into the report itself, where review sees them.
  if (result.errorCount > 0) {
    failed++;
    console.error(`${report}: api-extractor failed with ${result.errorCount} errors`);
  } else if (result.apiReportChanged) {
    if (update) console.log(`${report}: updated`);
    else {
      failed++;
      console.error(
        `${report}: the public API of ${entry.name} differs from its report; run 'pnpm api:update', review the diff and commit it`,
      );
    }
  }
}
if (failed > 0) process.exit(1);
console.log(`API reports ${update ? 'written' : 'match'}: ${entryPoints().length} entry points`);
