import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudConfig } from './cloudConfig.js';

async function cloudsFile(text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hoard-clouds-'));
  const file = path.join(dir, 'clouds.yaml');
  await writeFile(file, text);
  return file;
}

const YAML = `clouds:
  prod:
    auth:
      auth_url: https://keystone.example:5000/v3/
      username: backup
      password: from-yaml
      project_name: ops
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionTwo
    interface: internal
    object_store_endpoint_override: https://swift.example/v1/AUTH_%(project_id)s
  appcred:
    auth_type: v3applicationcredential
    auth:
      auth_url: https://keystone.example:5000/v3
      application_credential_id: abc
      application_credential_secret: s3cr3t
`;

describe('loadCloudConfig', () => {
  it('reads a cloud from clouds.yaml', async () => {
    const file = await cloudsFile(YAML);
    const config = await loadCloudConfig({ cloud: 'prod', files: [file], env: {} });
    expect(config).toMatchObject({
      name: 'prod',
      regionName: 'RegionTwo',
      interface: 'internal',
      endpointOverrides: { 'object-store': 'https://swift.example/v1/AUTH_%(project_id)s' },
      auth: {
        type: 'password',
        authUrl: 'https://keystone.example:5000/v3',
        username: 'backup',
        projectName: 'ops',
      },
    });
    const appcred = await loadCloudConfig({ cloud: 'appcred', files: [file], env: {} });
    expect(appcred.auth).toMatchObject({ type: 'v3applicationcredential', applicationCredentialId: 'abc' });
  });

  it('lets OS_* variables override clouds.yaml, and explicit settings override both', async () => {
    const file = await cloudsFile(YAML);
    const config = await loadCloudConfig({
      files: [file],
      env: { OS_CLOUD: 'prod', OS_PASSWORD: 'from-env', OS_REGION_NAME: 'RegionThree' },
      overrides: { auth: { username: 'explicit' } },
    });
    expect(config.auth).toMatchObject({ password: 'from-env', username: 'explicit', projectName: 'ops' });
    expect(config.regionName).toBe('RegionThree');
    expect(config.source).toBe(
      `clouds.yaml ${file} cloud prod + OS_* environment variables + explicit settings`,
    );
  });

  it('works from OS_* variables alone', async () => {
    const config = await loadCloudConfig({
      files: [],
      env: { OS_AUTH_URL: 'http://k:5000/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'x' },
    });
    expect(config.auth).toMatchObject({ type: 'password', username: 'u', projectName: 'x' });
  });

  it('names the files searched and the clouds found when a cloud is missing', async () => {
    const file = await cloudsFile(YAML);
    await expect(
      loadCloudConfig({ cloud: 'staging', files: [file, '/nonexistent/clouds.yaml'], env: {} }),
    ).rejects.toMatchObject({
      code: 'OPENSTACK_CLOUD_NOT_FOUND',
      message: `Cloud 'staging' is not in any clouds.yaml (searched ${file}, /nonexistent/clouds.yaml; clouds found: prod (${file}), appcred (${file}))`,
    });
  });

  it('names file and line of bad YAML, and never prints a secret', async () => {
    const file = await cloudsFile(
      'clouds:\n  prod:\n    auth:\n      password: hunter2\n      username: a: b\n',
    );
    const error = (await loadCloudConfig({ cloud: 'prod', files: [file], env: {} }).catch(
      (e) => e,
    )) as Error & { code: string };
    expect(error.code).toBe('OPENSTACK_CONFIG_INVALID');
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:5:\\d+: invalid YAML`));
    expect(error.message).not.toContain('hunter2');
    const shape = await cloudsFile('clouds:\n  - prod\n');
    await expect(loadCloudConfig({ cloud: 'prod', files: [shape], env: {} })).rejects.toThrow(
      `${shape}:1: expected a top-level "clouds:" mapping`,
    );
  });

  it('needs an auth URL', async () => {
    await expect(loadCloudConfig({ files: [], env: {} })).rejects.toThrow('No auth_url');
  });
});
