import { existsSync } from 'node:fs';
import { type CloudConfig, loadCloudConfig } from '../cloudConfig.js';

/** Where `test/minicloud/minicloud up` writes its clouds.yaml. */
export const MINICLOUD_CLOUDS_YAML = process.env['HOARD_MINICLOUD_CLOUDS'] ?? '/srv/minicloud/clouds.yaml';

/**
 * The configuration of a mini-cloud cloud (`minicloud-admin`, `minicloud-demo`, or `minicloud-alt`,
 * a second unprivileged project that the karbor service script adds).
 *
 * @throws a clear error when the mini-cloud is not up: integration tests fail, they never skip
 */
export async function minicloud(
  cloud: 'minicloud-admin' | 'minicloud-demo' | 'minicloud-alt' = 'minicloud-admin',
): Promise<CloudConfig> {
  if (!existsSync(MINICLOUD_CLOUDS_YAML)) {
    throw new Error(
      `The mini-cloud is not up (${MINICLOUD_CLOUDS_YAML} is missing). Start it, as root, with: test/minicloud/minicloud up`,
    );
  }
  return loadCloudConfig({ cloud, files: [MINICLOUD_CLOUDS_YAML], env: {} });
}
