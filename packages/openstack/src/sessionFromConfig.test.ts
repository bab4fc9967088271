import { describe, expect, it } from 'vitest';
import { sessionFor } from './sessionFromConfig.js';

const section = {
  auth_url: 'http://keystone.example:5000/v3',
  username: 'provider-user',
  password: 'provider-password',
  project_id: 'provider-project',
  region_name: 'RegionTwo',
};
const token = (value: string) => ({ reveal: () => value });

describe('sessionFor', () => {
  it("acts with the caller's token, scoped to the caller's project, never with the provider's user", async () => {
    const session = await sessionFor({
      config: { openstack_client: section },
      caller: { projectId: 'caller-project', credential: token('caller-token') },
    });
    expect(session.config.auth).toEqual({
      type: 'token',
      authUrl: 'http://keystone.example:5000/v3',
      token: 'caller-token',
      projectId: 'caller-project',
    });
    expect(session.config.regionName).toBe('RegionTwo');
    expect(JSON.stringify(session.config)).not.toContain('provider-password');
  });

  it('keeps one session per caller token and one shared session without a caller', async () => {
    const config = { openstack_client: section };
    const a1 = await sessionFor({ config, caller: { projectId: 'p', credential: token('a') } });
    const a2 = await sessionFor({ config, caller: { projectId: 'p', credential: token('a') } });
    const b = await sessionFor({ config, caller: { projectId: 'p', credential: token('b') } });
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
    const own = await sessionFor({ config });
    expect(own.config.auth.username).toBe('provider-user');
    expect(await sessionFor({ config, caller: { projectId: 'p' } })).toBe(own);
  });
});
