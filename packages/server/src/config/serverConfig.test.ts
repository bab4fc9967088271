import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readServerConfig } from './serverConfig.js';

async function conf(text: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hoard-conf-'));
  for (const [name, content] of Object.entries(extra)) await writeFile(path.join(dir, name), content);
  const file = path.join(dir, 'hoard.conf');
  await writeFile(file, text);
  return file;
}

describe('readServerConfig (hoard.conf)', () => {
  it('reads Karbor option names, with paths from the file directory', async () => {
    const file = await conf(
      [
        '[DEFAULT]',
        'osapi_karbor_listen = 0.0.0.0',
        'osapi_karbor_listen_port = 9999',
        'auth_strategy = keystone',
        'provider_config_dir = providers',
        'quota_plans = 7',
        'debug = true',
        '[database]',
        'connection = mysql+pymysql://karbor:secret@127.0.0.1/karbor',
        '[keystone_authtoken]',
        'www_authenticate_uri = http://127.0.0.1:5000',
        'auth_url = http://127.0.0.1:5000',
        'memcached_servers = 127.0.0.1:11211',
        'auth_type = password',
        'project_domain_name = Default',
        'user_domain_name = Default',
        'project_name = service',
        'username = karbor',
        'password = s3 cret',
        '[oslo_messaging_rabbit]',
        'rabbit_host = x',
      ].join('\n'),
      { 'policy.yaml': '"plan:create": "role:admin"\n' },
    );
    const config = await readServerConfig(file);
    const dir = path.dirname(file);
    expect(config).toMatchObject({
      listen: '0.0.0.0',
      port: 9999,
      databaseUrl: 'mysql+pymysql://karbor:secret@127.0.0.1/karbor',
      providerDir: path.join(dir, 'providers'),
      policyFile: path.join(dir, 'policy.yaml'),
      quotas: { plans: 7, checkpoints: -1 },
      auth: {
        strategy: 'keystone',
        keystone: {
          authUrl: 'http://127.0.0.1:5000',
          wwwAuthenticateUri: 'http://127.0.0.1:5000',
          serviceUser: {
            type: 'password',
            username: 'karbor',
            password: 's3 cret',
            projectName: 'service',
            userDomainName: 'Default',
            projectDomainName: 'Default',
          },
        },
      },
    });
    expect(config.warnings).toEqual([
      `${file}:20: section [oslo_messaging_rabbit] is not used by hoard serve`,
    ]);
  });

  it('without a file option is the embedded default: noauth, SQLite, port 8799', async () => {
    const config = await readServerConfig(await conf('[DEFAULT]\n'));
    expect(config).toMatchObject({
      listen: '127.0.0.1',
      port: 8799,
      auth: { strategy: 'noauth' },
      databaseUrl: 'sqlite:///hoard.db',
      quotas: { plans: 50, checkpoints: -1 },
    });
    expect(config.policyFile).toBeUndefined();
  });

  it('names file, line and option of a bad value, and never shows a password', async () => {
    const port = await conf('[DEFAULT]\nosapi_karbor_listen_port = eighty\n');
    await expect(readServerConfig(port)).rejects.toMatchObject({
      code: 'SERVER_CONFIG_INVALID',
      line: 2,
      message: `${port}:2: [DEFAULT] osapi_karbor_listen_port: expected an integer from 0 to 65535, got "eighty"`,
    });
    const strategy = await conf('[DEFAULT]\nauth_strategy = ldap\n');
    await expect(readServerConfig(strategy)).rejects.toThrow(
      /:2: \[DEFAULT\] auth_strategy: expected keystone or noauth/,
    );
    const missing = await conf(
      '[DEFAULT]\nauth_strategy = keystone\n[keystone_authtoken]\nauth_url = http://k\npassword = hunter2\n',
    );
    const error = await readServerConfig(missing).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /auth_strategy = keystone needs username \(or user_id\) in \[keystone_authtoken\]/,
    );
    expect((error as Error).message).not.toContain('hunter2');
    const garbage = await conf('[DEFAULT]\nthis is not ini\n');
    await expect(readServerConfig(garbage)).rejects.toMatchObject({ code: 'SERVER_CONFIG_INVALID', line: 2 });
  });

  it("reads the time-trigger limits, with Karbor's check of them at start", async () => {
    const devstack = await conf(
      '[DEFAULT]\nmin_interval = 60\nmin_window_time = 20\nmax_window_time = 30\ntime_format = crontab\n',
    );
    expect((await readServerConfig(devstack)).timeTriggers).toEqual({
      minIntervalSeconds: 60,
      minWindowSeconds: 20,
      maxWindowSeconds: 30,
      defaultFormat: 'crontab',
    });
    expect((await readServerConfig(await conf('[DEFAULT]\n'))).timeTriggers).toMatchObject({
      minIntervalSeconds: 3600,
      defaultFormat: 'calendar',
    });
    const tight = await conf('[DEFAULT]\nmin_interval = 60\n');
    await expect(readServerConfig(tight)).rejects.toMatchObject({ code: 'SERVER_CONFIG_INVALID', line: 2 });
    await expect(readServerConfig(tight)).rejects.toThrow(/max_window_time \* 2 <= min_interval/);
    await expect(readServerConfig(await conf('[DEFAULT]\ntime_format = ical\n'))).rejects.toThrow(
      /expected calendar or crontab/,
    );
  });

  it("reads the engine's poll interval and operation-log retention, Karbor's defaults without them", async () => {
    const set = await readServerConfig(
      await conf('[DEFAULT]\ntrigger_poll_interval = 2\nretained_operation_log_number = 50\n'),
    );
    expect([set.triggerPollIntervalSeconds, set.retainedOperationLogs]).toEqual([2, 50]);
    const unset = await readServerConfig(await conf('[DEFAULT]\n'));
    expect([unset.triggerPollIntervalSeconds, unset.retainedOperationLogs]).toEqual([15, 5]);
    await expect(
      readServerConfig(await conf('[DEFAULT]\nretained_operation_log_number = 0\n')),
    ).rejects.toMatchObject({ code: 'SERVER_CONFIG_INVALID', line: 2 });
  });

  it('warns of unknown options with their line', async () => {
    const file = await conf('[DEFAULT]\nosapi_karbor_listen_prot = 1\n');
    expect((await readServerConfig(file)).warnings).toEqual([
      `${file}:2: [DEFAULT] osapi_karbor_listen_prot is not an option of hoard serve (ignored)`,
    ]);
  });
});
