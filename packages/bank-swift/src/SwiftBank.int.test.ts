import { createHash, randomBytes } from 'node:crypto';
import { defineProtectable, defineProtectionPlugin, encodeKeySegment, type HoardError } from '@hoard/core';
import { checkBank, collectBankGarbage, createProtectionService } from '@hoard/core/host';
import { bankContractTests, createTestProvider } from '@hoard/core/testing';
import { type CloudConfig, ObjectStore, Session } from '@hoard/openstack';
import { type FaultProxy, minicloud, startFaultProxy } from '@hoard/openstack/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SwiftBank } from './SwiftBank.js';
import { swiftBank } from './swiftBankPlugin.js';

let admin: CloudConfig;
beforeAll(async () => {
  admin = await minicloud('minicloud-admin');
});

const thing = defineProtectable({
  name: 'thing',
  resourceType: 'T',
  parentTypes: [],
  list: async () => [],
  show: async (_c, id) => ({ type: 'T', id, name: id }),
  getDependentResources: async () => [],
});

const container = () => `hoard-test-${randomBytes(5).toString('hex')}`;

function bankOn(
  config: CloudConfig,
  options: { container?: string; fetch?: typeof fetch; attempts?: number; requestTimeoutMs?: number } = {},
) {
  const session = new Session(config, {
    retry: { attempts: options.attempts ?? 4, baseDelayMs: 20, maxDelayMs: 200 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  return {
    session,
    bank: new SwiftBank(new ObjectStore(session), {
      container: options.container ?? container(),
      segmentBytes: 1024 * 1024,
    }),
  };
}

bankContractTests('bank-swift on the mini-cloud Swift', {
  create: async () => {
    const config = await minicloud('minicloud-admin');
    return bankOn(config).bank.open();
  },
  // Above the 1 MiB segment size used here, so the stream is stored as a static large object.
  largeObjectBytes: 9 * 1024 * 1024 + 123,
});

describe('bank-swift on the mini-cloud', () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  const viaProxy = (p: FaultProxy): CloudConfig => ({
    ...admin,
    endpointOverrides: { 'object-store': `${p.url}/v1/AUTH_%(project_id)s` },
  });

  it("is configured from Karbor's [swift_client] and [swift_bank_plugin] sections", async () => {
    const name = container();
    const bank = await swiftBank.create({
      baseDir: '.',
      config: {
        swift_client: {
          swift_auth_url: admin.auth.authUrl,
          swift_user: 'admin',
          swift_key: admin.auth.password,
          swift_tenant_name: 'admin',
          swift_user_domain_name: 'Default',
          swift_project_domain_name: 'Default',
          swift_catalog_info: 'object-store:swift:publicURL',
          swift_retry_attempts: 3,
          swift_retry_backoff: 0.1,
          swift_auth_insecure: false,
        },
        swift_bank_plugin: {
          bank_swift_object_container: name,
          lease_expire_window: 600,
          lease_renew_window: 120,
          segment_size: 1048576,
        },
      },
    });
    await bank.put('hello', 'world');
    expect(Buffer.from(await bank.get('hello')).toString()).toBe('world');
    expect(bank.leaseWindows).toEqual({ expireSeconds: 600, renewSeconds: 120 });
    const listed = await new ObjectStore(new Session(admin)).list(name).next();
    expect(listed.value?.name).toBe('hello');
  });

  it('stores a large object as a static large object, and deletes its segments with it', async () => {
    const name = container();
    const { bank, session } = bankOn(admin, { container: name });
    await bank.open();
    const data = randomBytes(3 * 1024 * 1024 + 5);
    await bank.put('big/one', data);
    const store = new ObjectStore(session);
    const segments: string[] = [];
    for await (const s of store.list(`${name}_segments`)) segments.push(s.name);
    expect(segments).toHaveLength(4);
    expect(Buffer.from(await bank.get('big/one')).equals(data)).toBe(true);
    await bank.put('big/one', randomBytes(2 * 1024 * 1024 + 1));
    const after: string[] = [];
    for await (const s of store.list(`${name}_segments`)) after.push(s.name);
    expect(after).toHaveLength(3);
    expect(after.some((s) => segments.includes(s))).toBe(false);
    await bank.delete('big/one');
    const left = [];
    for await (const s of store.list(`${name}_segments`)) left.push(s.name);
    expect(left).toEqual([]);
  });

  it('round-trips object names with every hostile character, percent-encoded', async () => {
    const { bank } = bankOn(admin);
    await bank.open();
    let every = '';
    for (let c = 1; c < 128; c++) every += String.fromCharCode(c);
    const names = [
      every,
      '../../etc/passwd',
      '/absolute',
      'é ü ✓ 🙂',
      '%2F%2E%2E',
      'a'.repeat(200),
      '.',
      '..',
    ];
    const keys = names.map((n) => `names/${encodeKeySegment(n)}`);
    for (const [i, key] of keys.entries()) await bank.put(key, `value ${i}`);
    const listed: string[] = [];
    for await (const o of bank.list({ prefix: 'names/' })) listed.push(o.key);
    expect(listed).toEqual([...keys].sort());
    for (const [i, key] of keys.entries())
      expect(Buffer.from(await bank.get(key)).toString()).toBe(`value ${i}`);
  });

  it('deletes a lapsed lease, which Swift answers 404 for but still lists (found by the fault suite)', async () => {
    const bank = await bankOn(admin, { container: container() }).bank.open();
    await bank.acquireLease('protect-lapsed', 1);
    await new Promise((resolve) => setTimeout(resolve, 2200));
    expect(await bank.isLeaseValid('protect-lapsed')).toBe(false);
    const listed = async () => {
      const keys: string[] = [];
      for await (const o of bank.list({ prefix: 'leases/' })) keys.push(o.key);
      return keys;
    };
    // The mini-cloud runs no object expirer, as a deployment may not: the entry stays listed.
    expect(await listed()).toEqual(['leases/protect-lapsed']);
    await bank.delete('leases/protect-lapsed');
    expect(await listed()).toEqual([]);
  });

  it('ignores objects another tool put in the container', async () => {
    const name = container();
    const { bank, session } = bankOn(admin, { container: name });
    await bank.open();
    const store = new ObjectStore(session);
    for (const junk of [
      'photo 1.jpg',
      'notes/été.txt',
      'checkpoints/not-a-checkpoint/metadata.json',
      'indices/by-date/2026-01-01/garbage',
      'a//b',
    ]) {
      await store.put(name, junk, Buffer.from('junk'));
    }
    const provider = createTestProvider({
      protectables: [thing],
      plugins: [defineProtectionPlugin({ name: 'noop', resourceTypes: ['T'], hooks: {} })],
      bank,
    });
    const service = await createProtectionService(provider);
    const checkpoint = await service.protect({ resources: [{ type: 'T', id: '1', name: 'one' }] });
    expect(checkpoint.status).toBe('available');
    expect((await service.listCheckpoints()).map((c) => c.id)).toEqual([checkpoint.id]);
    const keys: string[] = [];
    for await (const o of bank.list({ prefix: '' })) keys.push(o.key);
    expect(keys).not.toContain('photo 1.jpg');
    expect(keys).toContain('checkpoints/not-a-checkpoint/metadata.json');
    expect(await service.deleteCheckpoint({ checkpointId: checkpoint.id })).toMatchObject({
      status: 'deleted',
    });
    const remaining: string[] = [];
    for await (const o of store.list(name)) remaining.push(o.name);
    expect(remaining.sort()).toEqual([
      'a//b',
      'checkpoints/not-a-checkpoint/metadata.json',
      'indices/by-date/2026-01-01/garbage',
      'notes/été.txt',
      'photo 1.jpg',
    ]);
  });

  it('a wrong password is a clear error without the password', async () => {
    const wrong = { ...admin, auth: { ...admin.auth, password: 'not-the-password-xyz' } };
    const { bank } = bankOn(wrong);
    const error = (await bank.open().catch((e) => e)) as HoardError;
    expect(error.code).toBe('BANK_CONFIG_INVALID');
    expect(error.message).toContain("refused to authenticate user 'admin' (HTTP 401)");
    expect(error.message).not.toContain('not-the-password-xyz');
    expect(JSON.stringify(error)).not.toContain('not-the-password-xyz');
  });

  it('re-authenticates when its token is revoked mid-operation', async () => {
    let authentications = 0;
    const counting: typeof fetch = (input, init) => {
      if (String(input).endsWith('/auth/tokens') && init?.method === 'POST') authentications++;
      return fetch(input, init);
    };
    const { bank, session } = bankOn(admin, { fetch: counting });
    await bank.open();
    await bank.put('before', '1');
    expect(authentications).toBe(1);
    const revoked = (await session.getToken()).value;
    const other = new Session(admin);
    await other.request('identity', `${admin.auth.authUrl}/auth/tokens`, {
      method: 'DELETE',
      headers: { 'X-Subject-Token': revoked },
      expect: [204],
    });
    // Swift's auth middleware caches validated tokens for 5 s in the mini-cloud.
    await new Promise((r) => setTimeout(r, 6000));
    await bank.put('after', '2');
    expect(authentications).toBe(2);
    expect((await session.getToken()).value).not.toBe(revoked);
    expect(Buffer.from(await bank.get('after')).toString()).toBe('2');
  });

  it('reports Keystone down clearly', async () => {
    const down = { ...admin, auth: { ...admin.auth, authUrl: 'http://127.0.0.1:5999/v3' } };
    const { bank } = bankOn(down, { attempts: 2 });
    const error = (await bank.open().catch((e) => e)) as HoardError;
    expect(error.code).toBe('BANK_CONFIG_INVALID');
    expect(error.message).toContain(
      'Keystone at http://127.0.0.1:5999/v3 is unreachable (ECONNREFUSED) after 2 attempts',
    );
  });

  it('retries Swift 503s and loses nothing', async () => {
    proxy = await startFaultProxy('http://127.0.0.1:8080');
    const p = proxy;
    // Every third request fails once with 503 (or 429), then goes through.
    p.fault = ({ index }) => (index % 3 === 1 ? (index % 2 ? 503 : 429) : undefined);
    const { bank } = bankOn(viaProxy(p), { attempts: 5 });
    await bank.open();
    const objects = Array.from({ length: 12 }, (_, i) => [`retry/${i}`, randomBytes(1000 + i)] as const);
    for (const [key, data] of objects) await bank.put(key, data);
    const big = randomBytes(2 * 1024 * 1024 + 17);
    await bank.put('retry/big', big);
    p.fault = () => undefined;
    for (const [key, data] of objects) expect(Buffer.from(await bank.get(key)).equals(data)).toBe(true);
    expect(Buffer.from(await bank.get('retry/big')).equals(big)).toBe(true);
    expect(p.stats.faults).toBeGreaterThan(5);
  });

  it('Swift down for good: a clear error, and the checkpoint is not available', async () => {
    proxy = await startFaultProxy('http://127.0.0.1:8080');
    const p = proxy;
    const name = container();
    const { bank } = bankOn(viaProxy(p), { container: name, attempts: 3 });
    await bank.open();
    const provider = createTestProvider({
      protectables: [thing],
      plugins: [
        defineProtectionPlugin({
          name: 'writer',
          resourceTypes: ['T'],
          hooks: {
            protect: {
              main: async (context) => {
                p.fault = () => 503; // Swift goes away while the data is being written
                await context.bank.put('data', 'x'.repeat(1000));
              },
            },
          },
        }),
      ],
      bank,
    });
    const service = await createProtectionService(provider);
    const outcome = await service
      .protect({ resources: [{ type: 'T', id: '1', name: 'one' }] })
      .catch((e: Error) => e);
    if (outcome instanceof Error) {
      expect(outcome.message).toContain('returned HTTP 503');
    } else {
      expect(outcome.status).not.toBe('available');
    }
    p.fault = () => undefined;
    const direct = bankOn(admin, { container: name }).bank;
    const [listed] = await (await createProtectionService(provider, { bank: direct })).listCheckpoints();
    expect(listed?.status).not.toBe('available');
    expect(listed?.resources['T#1']?.status ?? 'protecting').not.toBe('done');
  });
});

describe('ObjectStore', () => {
  it('refuses names with dot segments, which URL parsers would resolve into another path', async () => {
    const store = new ObjectStore(new Session(admin));
    await expect(store.put('c', '../other-container/x', Buffer.from('x'))).rejects.toMatchObject({
      code: 'OPENSTACK_REQUEST_FAILED',
    });
  });
});

describe('fault injection: Swift answers 5xx, drops connections and hangs mid-protect (issue 9)', () => {
  /** A plugin writing many objects (one a static large object), journaled, checked on restore. */
  const writer = defineProtectionPlugin({
    name: 'writer',
    resourceTypes: ['T'],
    rerunnableHooks: { protect: ['main'] },
    hooks: {
      protect: {
        main: async (context) => {
          const earlier = new Map(
            (await context.journal.previous()).map((e) => {
              const entry = e as { key: string; sha256: string; size: number; name: string };
              return [entry.name, entry] as const;
            }),
          );
          const objects: { key: string; sha256: string; size: number }[] = [];
          for (let i = 0; i < 16; i++) {
            const size = i === 7 ? 1536 * 1024 : 4096 + i * 3000;
            const data = Buffer.alloc(size, i + 1);
            const sha256 = createHash('sha256').update(data).digest('hex');
            const reused = earlier.get(`o${i}`);
            if (reused !== undefined && (await context.bank.head(reused.key))?.size === reused.size) {
              objects.push({ key: reused.key, sha256: reused.sha256, size: reused.size });
              continue;
            }
            const key = `a${context.attempt}-o${i}`;
            await context.bank.put(key, data);
            objects.push({ key, sha256, size });
            context.journal.append({ key, sha256, size, name: `o${i}` });
          }
          context.setSavedInfo({ objects });
        },
      },
      restore: {
        main: async (context) => {
          const info = (await context.requireSavedInfo()) as { objects: { key: string; sha256: string }[] };
          for (const o of info.objects) {
            const digest = createHash('sha256')
              .update(await context.bank.get(o.key))
              .digest('hex');
            if (digest !== o.sha256) throw new Error(`object ${o.key} differs`);
          }
          return { verified: info.objects.length };
        },
      },
      delete: {
        main: async (context) => {
          for await (const o of context.bank.list()) await context.bank.delete(o.key);
        },
      },
    },
  });

  it('each fault leaves nothing available that does not verify; resume or delete always recovers; gc leaves nothing', async () => {
    const seed = Number(process.env['HOARD_FAULT_SEED'] ?? Date.now() % 2 ** 31);
    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const proxy = await startFaultProxy('http://127.0.0.1:8080');
    const faults: string[] = [];
    const violations: string[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const kind = (['503', 'reset', 'hang', '500'] as const)[i % 4]!;
        const name = container();
        const from = 3 + Math.floor(random() * 30);
        proxy.fault = () => undefined;
        proxy.stats.requests = 0;
        // From request `from` on, Swift is gone (every answer the fault) until it comes back.
        proxy.fault = ({ index }) =>
          index >= from ? (kind === 'reset' || kind === 'hang' ? kind : Number(kind)) : undefined;
        const viaFaults: CloudConfig = {
          ...admin,
          endpointOverrides: { 'object-store': `${proxy.url}/v1/AUTH_%(project_id)s` },
        };
        const faulty = bankOn(viaFaults, { container: name, attempts: 2, requestTimeoutMs: 1500 }).bank;
        const direct = bankOn(admin, { container: name }).bank;
        await direct.open();
        // The faulty run holds a 2 s lease, so that what it leaves lapses quickly; the recovery
        // runs with a long one, which a loaded machine's slow requests cannot outlast (a 2 s
        // lease lapsed under load in CI when one Swift request took over 0.8 s).
        const provider = (bank: SwiftBank, short = true) =>
          createTestProvider({
            protectables: [thing],
            plugins: [writer],
            bank,
            options: short
              ? { leaseExpireSeconds: 2, leaseRenewSeconds: 1 }
              : { leaseExpireSeconds: 30, leaseRenewSeconds: 5 },
          });
        const outcome = await (await createProtectionService(provider(faulty)))
          .protect({ resources: [{ type: 'T', id: '1', name: 'one' }] })
          .catch((e: Error) => e);
        proxy.fault = () => undefined;
        faults.push(
          `${kind} from request ${from}: ${outcome instanceof Error ? outcome.message.slice(0, 80) : outcome.status}`,
        );
        await new Promise((r) => setTimeout(r, 2300)); // a lease left behind lapses
        const service = await createProtectionService(provider(direct, false));
        const [c] = await service.listCheckpoints();
        if (c !== undefined && c.status !== 'available') {
          const recovered =
            random() < 0.6
              ? await service.resume({ checkpointId: c.id }).then((r) => r.status)
              : await service.deleteCheckpoint({ checkpointId: c.id }).then((d) => d.status);
          if (recovered !== 'available' && recovered !== 'deleted')
            violations.push(`#${i}: recovery ended ${recovered}`);
        }
        for (const checkpoint of await service.listCheckpoints()) {
          if (checkpoint.status === 'available') {
            const restore = await service.restore({ checkpointId: checkpoint.id });
            if (restore.status !== 'success') violations.push(`#${i}: available checkpoint did not verify`);
          }
          await service.deleteCheckpoint({ checkpointId: checkpoint.id });
        }
        for (const r of await service.listRestores()) await service.deleteRestore(r.id);
        // Swift's container listings are eventually consistent: an update the object server
        // could not make at once (a busy container server) waits for the object updater, so a
        // deleted object may stay listed for a few seconds. gc and the checks are repeated for up
        // to 20 s before anything left counts.
        let findings: unknown[] = [];
        let left: string[] = [];
        let gcFailed: unknown[] = [];
        for (const settleBy = Date.now() + 20_000; ; ) {
          const gc = await collectBankGarbage(direct, { graceSeconds: 0 });
          gcFailed = gc.failed;
          findings = (await checkBank(direct, { graceSeconds: 0 })).findings;
          left = [];
          for await (const o of direct.list({ prefix: '' })) left.push(o.key);
          if ((findings.length === 0 && left.length === 0) || Date.now() > settleBy) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        if (findings.length > 0)
          violations.push(
            `#${i}: findings after gc: ${JSON.stringify(findings)}; gc failed: ${JSON.stringify(gcFailed)}`,
          );
        if (left.length > 0)
          violations.push(`#${i}: ${left.length} object(s) left: ${left.slice(0, 3).join(', ')}`);
      }
    } finally {
      await proxy.close();
    }
    console.log(
      [
        `fault suite swift (seed ${seed}): faults injected: ${faults.length}; invariant violations: ${violations.length}`,
        ...faults.map((f) => `  ${f}`),
        ...violations,
      ].join('\n'),
    );
    expect(violations).toEqual([]);
    expect(proxy.stats.faults).toBeGreaterThan(0);
  });
});
