import { describe, expect, it } from 'vitest';
import { createProtectionService } from '../operation/createProtectionService.js';
import type { ParametersDocument } from '../operation/resolveParameters.js';
import type { Bank } from '../plugin-api/Bank.js';
import type { Protectable } from '../plugin-api/Protectable.js';
import type { Hook, OperationHooks, ProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { HOOK_NAMES, type JsonObject, type Resource, resourceKey } from '../plugin-api/types.js';
import { createTestProvider } from './createTestProvider.js';
import { InMemoryBank } from './InMemoryBank.js';

/** What {@link protectionPluginContractTests} needs to exercise a protection plugin. */
export interface ProtectionPluginContractOptions {
  /** The plugin under test. */
  plugin: ProtectionPlugin;
  /** Protectables the provider holds (the plugin's own, and those of the types it depends on). */
  protectables?: Protectable[];
  /** Configuration sections, as a provider file would give them. */
  config?: Readonly<Record<string, object>>;
  /** A fresh bank for each test (default: a new in-memory bank). */
  createBank?(): Promise<Bank>;
  /** Makes a fresh resource to protect, of one of the plugin's types (a file, a volume...). */
  createResource(): Promise<Resource>;
  /** Parameters documents (Karbor's format) for protect and restore. */
  parameters?: { protect?: ParametersDocument; restore?: ParametersDocument };
  /**
   * Checks what the restore produced. Called after a successful restore with the resource and the
   * restore record's result for it (what the plugin's restore hooks returned).
   */
  verifyRestored?(resource: Resource, result: unknown): Promise<void>;
  /** Parameters the plugin's protect schema must refuse (each a parameters object for its type). */
  invalidProtectParameters?: JsonObject[];
}

/** The plugin with each delete hook run twice in a row on the same context (a retried delete). */
function withDeleteHooksTwice(plugin: ProtectionPlugin): ProtectionPlugin {
  const hooks: OperationHooks = {};
  for (const name of HOOK_NAMES) {
    const hook = plugin.hooks.delete?.[name] as Hook | undefined;
    if (hook === undefined) continue;
    hooks[name] = async (context) => {
      await hook(context);
      return hook(context);
    };
  }
  return { ...plugin, hooks: { ...plugin.hooks, delete: hooks } } as ProtectionPlugin;
}

/** The plugin with a protect `complete` that fails after its own hooks ran (a protect cut short). */
function withFailingProtect(plugin: ProtectionPlugin): ProtectionPlugin {
  const complete = plugin.hooks.protect?.complete as Hook | undefined;
  const protect: OperationHooks = {
    ...(plugin.hooks.protect as OperationHooks | undefined),
    complete: async (context) => {
      if (complete !== undefined) await complete(context);
      throw new Error('injected failure after the protect hooks (contract test)');
    },
  };
  return { ...plugin, hooks: { ...plugin.hooks, protect } } as ProtectionPlugin;
}

/**
 * The protection plugin contract: one suite any plugin runs with its own resources, as
 * {@link bankContractTests} does for banks. It drives the real protection service over an
 * in-memory (or given) bank:
 *
 * - protect → restore → delete of a fresh resource, each ending in its success status, with the
 *   saved info matching the plugin's `savedInfo` schema (checked by the service);
 * - delete hooks that can run twice (a delete retried after a crash) without failing;
 * - delete of a checkpoint whose protect failed after the plugin's hooks ran;
 * - parameters the plugin's schema must refuse are refused before any hook runs.
 *
 * @param name - the plugin's name in test titles
 * @param options - the plugin, its resources and checks
 */
export function protectionPluginContractTests(name: string, options: ProtectionPluginContractOptions): void {
  const serviceFor = async (plugin: ProtectionPlugin) => {
    const bank = options.createBank ? await options.createBank() : new InMemoryBank();
    const provider = createTestProvider({
      protectables: options.protectables ?? [],
      plugins: [plugin],
      bank,
      ...(options.config === undefined ? {} : { config: options.config }),
    });
    return { bank, service: await createProtectionService(provider) };
  };
  const parameters = (operation: 'protect' | 'restore') => {
    const given = options.parameters?.[operation];
    return given === undefined ? {} : { parameters: given };
  };

  describe(`Protection plugin contract: ${name}`, () => {
    it('declares its resource types and loads into a provider with its config', () => {
      expect(options.plugin.resourceTypes.length).toBeGreaterThan(0);
      const provider = createTestProvider({
        protectables: options.protectables ?? [],
        plugins: [options.plugin],
        ...(options.config === undefined ? {} : { config: options.config }),
      });
      expect(provider.warnings).toEqual([]);
    });

    it('protects, restores and deletes a resource', async () => {
      const resource = await options.createResource();
      expect(options.plugin.resourceTypes).toContain(resource.type);
      const { service } = await serviceFor(options.plugin);
      const checkpoint = await service.protect({ resources: [resource], ...parameters('protect') });
      expect(checkpoint.error).toBeUndefined();
      expect(checkpoint.status).toBe('available');
      expect(checkpoint.resources[resourceKey(resource)]?.status).toBe('done');

      const restore = await service.restore({ checkpointId: checkpoint.id, ...parameters('restore') });
      expect(restore.error).toBeUndefined();
      expect(restore.status).toBe('success');
      await options.verifyRestored?.(resource, restore.resources[resourceKey(resource)]?.result);

      const deleted = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
      expect(deleted.error).toBeUndefined();
      expect(deleted.status).toBe('deleted');
    });

    it('deletes idempotently: each delete hook may run twice', async () => {
      const resource = await options.createResource();
      const { service } = await serviceFor(withDeleteHooksTwice(options.plugin));
      const checkpoint = await service.protect({ resources: [resource], ...parameters('protect') });
      expect(checkpoint.status).toBe('available');
      const deleted = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
      expect(deleted.error).toBeUndefined();
      expect(deleted.status).toBe('deleted');
    });

    it('deletes a checkpoint whose protect failed after its hooks ran', async () => {
      const resource = await options.createResource();
      const { service } = await serviceFor(withFailingProtect(options.plugin));
      const checkpoint = await service.protect({ resources: [resource], ...parameters('protect') });
      expect(checkpoint.status).toBe('error');
      const deleted = await service.deleteCheckpoint({ checkpointId: checkpoint.id });
      expect(deleted.error).toBeUndefined();
      expect(deleted.status).toBe('deleted');
    });

    it('refuses parameters its protect schema does not allow, before any hook runs', async () => {
      const resource = await options.createResource();
      const { bank, service } = await serviceFor(options.plugin);
      for (const invalid of options.invalidProtectParameters ?? []) {
        const attempt = service.protect({ resources: [resource], parameters: { [resource.type]: invalid } });
        await expect(attempt).rejects.toMatchObject({ code: 'PARAMETERS_INVALID' });
      }
      const written: string[] = [];
      for await (const object of bank.list({ prefix: '' })) written.push(object.key);
      expect(written.filter((key) => key.startsWith('checkpoints/'))).toEqual([]);
    });
  });
}
