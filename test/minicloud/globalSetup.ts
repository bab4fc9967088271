// vitest globalSetup of the integration project: brings the mini-cloud up (idempotent: installs
// on first use, then only starts what is not running) before any *.int.test.ts runs. A mini-cloud
// that cannot start fails the run with its reason; nothing is skipped.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The services the integration tests use. */
export const INTEGRATION_SERVICES = ['keystone', 'swift', 'manila', 'cinder', 'nova', 'karbor'];

export default function setup(): void {
  if (process.env['HOARD_MINICLOUD'] === 'external') return; // a mini-cloud (or real cloud) managed by hand
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'minicloud');
  const started = Date.now();
  const result = spawnSync(script, ['up', ...INTEGRATION_SERVICES], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) {
    throw new Error(
      `The mini-cloud did not come up (test/minicloud/minicloud up ${INTEGRATION_SERVICES.join(' ')} exited ${result.status}):\n${result.stderr.slice(-3000)}${result.stdout.slice(-1000)}`,
    );
  }
  process.stdout.write(`${result.stdout.trim()} [${((Date.now() - started) / 1000).toFixed(1)} s]\n`);
}
