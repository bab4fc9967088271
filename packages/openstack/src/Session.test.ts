import { describe, expect, it } from 'vitest';
import type { CloudConfig } from './cloudConfig.js';
import { Session } from './Session.js';
import { waitFor } from './waitFor.js';

const config: CloudConfig = {
  auth: {
    type: 'password',
    authUrl: 'http://keystone.test/v3',
    username: 'u',
    password: 'pa55word',
    projectName: 'p',
  },
  interface: 'public',
  endpointOverrides: {},
  source: 'test',
};

function tokenResponse(value: string, expiresInMs = 3600_000): Response {
  return new Response(
    JSON.stringify({
      token: {
        expires_at: new Date(Date.now() + expiresInMs).toISOString(),
        project: { id: 'p1' },
        catalog: [
          {
            type: 'volumev3',
            endpoints: [{ interface: 'public', region: 'RegionOne', url: 'http://cinder.test/v3/p1' }],
          },
        ],
      },
    }),
    { status: 201, headers: { 'x-subject-token': value } },
  );
}

/** A fake cloud: answers keystone, then the scripted statuses for service calls. */
function fakeCloud(script: number[]) {
  const calls: { method: string; url: string; token?: string | undefined }[] = [];
  let tokens = 0;
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    if (url.endsWith('/auth/tokens')) {
      tokens++;
      return tokenResponse(`token-${tokens}`);
    }
    calls.push({
      method,
      url,
      token: (init?.headers as Record<string, string> | undefined)?.['X-Auth-Token'],
    });
    const status = script.shift() ?? 200;
    return new Response(status === 204 ? null : JSON.stringify({ ok: status }), { status });
  }) as typeof fetch;
  return { fetchImpl, calls, tokens: () => tokens };
}

describe('Session', () => {
  it('reuses its token and finds endpoints in the catalog', async () => {
    const cloud = fakeCloud([200, 200]);
    const session = new Session(config, { fetch: cloud.fetchImpl });
    await session.json('volumev3', '/volumes');
    await session.json('volumev3', '/volumes');
    expect(cloud.tokens()).toBe(1);
    expect(cloud.calls.map((c) => c.url)).toEqual([
      'http://cinder.test/v3/p1/volumes',
      'http://cinder.test/v3/p1/volumes',
    ]);
    await expect(session.endpoint('compute')).rejects.toThrow(
      "The service catalog has no public 'compute' endpoint (services: volumev3)",
    );
  });

  it('retries idempotent calls on 503 and 429, never POST', async () => {
    const cloud = fakeCloud([503, 429, 200, 503]);
    const retries: string[] = [];
    const session = new Session(config, {
      fetch: cloud.fetchImpl,
      retry: { baseDelayMs: 1 },
      onRetry: (r) => retries.push(`${r.method} ${r.reason}`),
    });
    await session.request('volumev3', '/volumes/v1', { method: 'DELETE', expect: [200] });
    expect(retries).toEqual(['DELETE HTTP 503', 'DELETE HTTP 429']);
    await expect(session.request('volumev3', '/volumes', { method: 'POST', json: {} })).rejects.toMatchObject(
      {
        code: 'OPENSTACK_REQUEST_FAILED',
        status: 503,
        message: 'volumev3 POST /v3/p1/volumes returned HTTP 503: {"ok":503}',
      },
    );
  });

  it('gives up after the configured attempts, naming the call', async () => {
    const cloud = fakeCloud([500, 500, 500]);
    const session = new Session(config, { fetch: cloud.fetchImpl, retry: { attempts: 3, baseDelayMs: 1 } });
    await expect(session.request('volumev3', '/x')).rejects.toThrow(
      'volumev3 GET /v3/p1/x returned HTTP 500',
    );
    expect(cloud.calls).toHaveLength(3);
  });

  it('re-authenticates once on 401 and sends the new token', async () => {
    const cloud = fakeCloud([401, 200]);
    const session = new Session(config, { fetch: cloud.fetchImpl });
    await session.request('volumev3', '/volumes', { method: 'POST', json: {} });
    expect(cloud.tokens()).toBe(2);
    expect(cloud.calls.map((c) => c.token)).toEqual(['token-1', 'token-2']);
  });

  it('re-authenticates before the token expires', async () => {
    const cloud = fakeCloud([200, 200]);
    const session = new Session(config, { fetch: cloud.fetchImpl, refreshBeforeMs: 2 * 3600_000 });
    await session.request('volumev3', '/a');
    await session.request('volumev3', '/b');
    expect(cloud.tokens()).toBe(2);
  });

  it('sends the microversion header', async () => {
    let headers: Record<string, string> = {};
    const session = new Session(config, {
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        if (String(input).endsWith('/auth/tokens')) return tokenResponse('t');
        headers = init?.headers as Record<string, string>;
        return new Response('{}', { status: 200 });
      }) as typeof fetch,
    });
    await session.request('volumev3', '/v', { microversion: 'volume 3.60' });
    expect(headers['OpenStack-API-Version']).toBe('volume 3.60');
  });
});

describe('waitFor', () => {
  it('polls until the status is reached', async () => {
    const statuses = ['creating', 'creating', 'available'];
    const seen: string[] = [];
    const result = await waitFor(async () => ({ status: statuses.shift()! }), {
      resource: 'volume v1',
      until: ['available'],
      intervalMs: 1,
      onStatus: (s) => seen.push(s),
    });
    expect(result.status).toBe('available');
    expect(seen).toEqual(['creating', 'available']);
  });

  it('names the resource, its error status and fault', async () => {
    await expect(
      waitFor(async () => ({ status: 'error', fault: 'No valid host was found' }), {
        resource: 'server s1 (web)',
        until: ['ACTIVE'],
        intervalMs: 1,
      }),
    ).rejects.toMatchObject({
      code: 'OPENSTACK_RESOURCE_ERROR',
      message: "server s1 (web) went to status 'error': No valid host was found (waiting for ACTIVE)",
    });
  });

  it('times out with the last status, and stops on abort', async () => {
    await expect(
      waitFor(async () => ({ status: 'backing-up' }), {
        resource: 'volume v1',
        until: ['available'],
        intervalMs: 5,
        timeoutMs: 30,
      }),
    ).rejects.toMatchObject({
      code: 'OPENSTACK_WAIT_TIMEOUT',
      message: "volume v1 is still 'backing-up' after 0 s (waiting for available)",
    });
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('cancelled')), 10);
    await expect(
      waitFor(async () => ({ status: 'creating' }), {
        resource: 'v',
        until: ['available'],
        intervalMs: 5,
        signal: abort.signal,
      }),
    ).rejects.toThrow('cancelled');
  });
});
