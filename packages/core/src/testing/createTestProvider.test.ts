import { describe, expect, it } from 'vitest';
import type { HoardAggregateError } from '../errors/HoardError.js';
import { defineProtectionPlugin } from '../plugin-api/ProtectionPlugin.js';
import { createTestProvider } from './createTestProvider.js';

const plugin = defineProtectionPlugin({
  name: 'configured',
  resourceTypes: ['Test::Configured'],
  configSections: {
    configured_plugin: {
      type: 'object',
      required: ['endpoint'],
      properties: { endpoint: { type: 'string' }, retries: { type: 'integer', default: 3 } },
    },
  },
  hooks: {},
});

describe('createTestProvider', () => {
  it('validates config against the declared sections and applies defaults, as a provider file would', () => {
    const provider = createTestProvider({
      plugins: [plugin],
      config: { configured_plugin: { endpoint: 'http://x', typo: 1 }, other_section: { a: 1 } },
    });
    expect(provider.config).toEqual({ configured_plugin: { endpoint: 'http://x', retries: 3 } });
    expect(provider.warnings).toEqual([
      '(test): section [other_section] is not read by the bank or any plugin of this provider',
      "(test): [configured_plugin] key 'typo' is not a known option",
    ]);
  });

  it('throws PROVIDER_CONFIG_INVALID naming each wrong field', () => {
    let error: HoardAggregateError | undefined;
    try {
      createTestProvider({ plugins: [plugin], config: { configured_plugin: { retries: 'many' } } });
    } catch (caught) {
      error = caught as HoardAggregateError;
    }
    expect(error?.code).toBe('PROVIDER_CONFIG_INVALID');
    expect(error?.problems.map((e) => e.message)).toEqual([
      '(test): [configured_plugin] endpoint: is required',
      '(test): [configured_plugin] retries: must be integer',
    ]);
  });
});

describe('createTestProvider defaults', () => {
  it('uses the [provider] defaults of a provider file', async () => {
    const { PROVIDER_SECTION_SCHEMA } = await import('../provider/loadProviders.js');
    const properties = PROVIDER_SECTION_SCHEMA['properties'] as Record<string, { default?: unknown }>;
    const provider = createTestProvider({ plugins: [] });
    expect(provider.options).toEqual({
      concurrency: properties['concurrency']?.default,
      workPoolSize: properties['work_pool_size']?.default,
      hookTimeoutSeconds: properties['hook_timeout']?.default,
      leaseExpireSeconds: properties['lease_expire_window']?.default,
      leaseRenewSeconds: properties['lease_renew_window']?.default,
      cancelGraceSeconds: properties['cancel_grace']?.default,
    });
  });
});
