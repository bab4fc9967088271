import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../logging/createLogger.js';
import { type Caller, Secret } from '../plugin-api/Caller.js';
import { defineProtectable } from '../plugin-api/Protectable.js';
import { defineProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from '../testing/createTestProvider.js';
import { InMemoryBank } from '../testing/InMemoryBank.js';
import { createProtectionService } from './createProtectionService.js';
import { resolveResources } from './resolveResources.js';

/** What each protectable function and hook saw as its caller, by where it ran. */
const seen = new Map<string, string | undefined>();
const who = (caller: Caller | undefined) =>
  caller === undefined ? undefined : `${caller.projectId}/${caller.credential?.reveal() ?? '-'}`;

const parentProtectable = defineProtectable({
  name: 'parent',
  resourceType: 'Test::Parent',
  parentTypes: [],
  list: async () => [],
  show: async (context, id) => {
    seen.set('show', who(context.caller));
    return { type: 'Test::Parent', id, name: id };
  },
  getDependentResources: async () => [],
});
const childProtectable = defineProtectable({
  name: 'child',
  resourceType: 'Test::Child',
  parentTypes: ['Test::Parent'],
  list: async () => [],
  show: async (_c, id) => ({ type: 'Test::Child', id, name: id }),
  getDependentResources: async (context, parent) => {
    seen.set('dependents', who(context.caller));
    return [{ type: 'Test::Child', id: `${parent.id}-child`, name: 'child' }];
  },
});
const plugin = defineProtectionPlugin({
  name: 'both',
  resourceTypes: ['Test::Parent', 'Test::Child'],
  schemas: { savedInfo: { type: 'object' } },
  hooks: {
    protect: {
      main: (context) => {
        seen.set(`protect ${context.resource.type}`, who(context.caller));
        context.setSavedInfo({});
      },
    },
    restore: { main: (context) => void seen.set('restore', who(context.caller)) },
    delete: { main: (context) => void seen.set('delete', who(context.caller)) },
  },
  verify: async (context) => {
    seen.set('verify', who(context.caller));
    return [];
  },
});

describe('the caller an operation runs for', () => {
  it('reaches every protectable function and every hook, and is never stored', async () => {
    seen.clear();
    const bank = new InMemoryBank();
    const provider = createTestProvider({
      protectables: [parentProtectable, childProtectable],
      plugins: [plugin],
      bank,
    });
    const service = await createProtectionService(provider);
    const token = 'gAAAAAB-the-callers-token';
    const caller: Caller = { projectId: 'p1', userId: 'u1', credential: new Secret(token) };
    const resources = await resolveResources(provider, ['Test::Parent#a'], {
      signal: new AbortController().signal,
      logger: silentLogger,
      caller,
    });
    expect(seen.get('show')).toBe(`p1/${token}`);
    const checkpoint = await service.protect({ resources, projectId: 'p1', caller });
    expect(checkpoint.status).toBe('available');
    expect(seen.get('dependents')).toBe(`p1/${token}`);
    expect(seen.get('protect Test::Parent')).toBe(`p1/${token}`);
    expect(seen.get('protect Test::Child')).toBe(`p1/${token}`);
    await service.verify({ checkpointId: checkpoint.id, caller });
    await service.restore({ checkpointId: checkpoint.id, caller });
    await service.deleteCheckpoint({ checkpointId: checkpoint.id, caller });
    for (const where of ['verify', 'restore', 'delete']) expect(seen.get(where), where).toBe(`p1/${token}`);

    // Nothing the bank holds carries the token.
    for (const key of bank.keys()) {
      const body = await bank.get(key).catch(() => undefined);
      if (body !== undefined) expect(Buffer.from(body).toString('utf8'), key).not.toContain(token);
    }

    // Without a caller (the CLI), plugins see none.
    seen.clear();
    await service.protect({ resources });
    expect(seen.get('protect Test::Parent')).toBeUndefined();
    expect(seen.has('protect Test::Parent')).toBe(true);
  });

  it('keeps its credential out of logs, JSON and inspection', () => {
    const secret = new Secret('s3cr3t-token');
    const caller: Caller = { projectId: 'p', credential: secret };
    expect(JSON.stringify(caller)).not.toContain('s3cr3t');
    expect(String(secret)).not.toContain('s3cr3t');
    expect(`${secret}`).not.toContain('s3cr3t');
    expect(inspect(caller, { depth: 5 })).not.toContain('s3cr3t');
    expect(Object.keys(secret)).toEqual([]);
    expect(secret.reveal()).toBe('s3cr3t-token');
  });
});
