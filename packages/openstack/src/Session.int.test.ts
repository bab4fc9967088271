import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfig } from './cloudConfig.js';
import { ObjectStore } from './ObjectStore.js';
import { Session } from './Session.js';
import { minicloud } from './testing/minicloud.js';

let admin: CloudConfig;
beforeAll(async () => {
  admin = await minicloud('minicloud-admin');
});

describe('Session on the mini-cloud Keystone', () => {
  it('authenticates with a password, an application credential and a token', async () => {
    const session = new Session(admin);
    const token = await session.getToken();
    expect(token.projectId).toMatch(/^[0-9a-f]{32}$/);
    expect(await session.endpoint('object-store')).toBe(`http://127.0.0.1:8080/v1/AUTH_${token.projectId}`);

    const name = `hoard-test-${randomBytes(4).toString('hex')}`;
    const created = await session.json<{ application_credential: { id: string; secret: string } }>(
      'identity',
      `${admin.auth.authUrl}/users/${token.userId}/application_credentials`,
      { method: 'POST', json: { application_credential: { name } } },
    );
    const appcred = new Session({
      ...admin,
      auth: {
        type: 'v3applicationcredential',
        authUrl: admin.auth.authUrl,
        applicationCredentialId: created.application_credential.id,
        applicationCredentialSecret: created.application_credential.secret,
      },
    });
    expect((await appcred.getToken()).projectId).toBe(token.projectId);
    await new ObjectStore(appcred).check();

    const byToken = new Session({
      ...admin,
      auth: { type: 'token', authUrl: admin.auth.authUrl, token: token.value, projectId: token.projectId! },
    });
    await new ObjectStore(byToken).check();

    await session.request(
      'identity',
      `${admin.auth.authUrl}/users/${token.userId}/application_credentials/${created.application_credential.id}`,
      {
        method: 'DELETE',
        expect: [204],
      },
    );
  });

  it('a wrong application credential secret is refused without echoing it', async () => {
    const session = new Session({
      ...admin,
      auth: {
        type: 'v3applicationcredential',
        authUrl: admin.auth.authUrl,
        applicationCredentialId: 'no-such-id',
        applicationCredentialSecret: 'sekrit-value',
      },
    });
    const error = (await session.getToken().catch((e) => e)) as Error & { code: string };
    expect(error.code).toBe('OPENSTACK_AUTH_FAILED');
    expect(error.message).toContain('application credential no-such-id');
    expect(error.message).not.toContain('sekrit-value');
  });

  it('the demo user sees its own project only', async () => {
    const demo = new Session(await minicloud('minicloud-demo'));
    const token = await demo.getToken();
    const adminToken = await new Session(admin).getToken();
    expect(token.projectId).not.toBe(adminToken.projectId);
    await expect(
      demo.request('object-store', `http://127.0.0.1:8080/v1/AUTH_${adminToken.projectId}`, {
        method: 'HEAD',
      }),
    ).rejects.toMatchObject({ code: 'OPENSTACK_REQUEST_FAILED', status: 403 });
  });
});
