import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineBank } from './Bank.js';
import { defineProtectable } from './Protectable.js';
import { defineProtectionPlugin, type HookContext } from './ProtectionPlugin.js';
import type { JsonObject, SchemaType } from './types.js';

// These tests are checked by `pnpm typecheck` (tsconfig.tests.json): an assertion that no longer
// holds, or a `@ts-expect-error` that no longer errors, fails the type check.

const savedInfoSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['root', 'files'],
  properties: {
    root: { type: 'string' },
    files: { type: 'array', items: { type: 'string' } },
  },
} as const;

describe('typed plugins', () => {
  it('types parameters, saved info and config from the schemas given to defineProtectionPlugin', () => {
    const plugin = defineProtectionPlugin({
      name: 'typed',
      resourceTypes: ['Test::Typed'],
      schemas: {
        protect: {
          type: 'object',
          additionalProperties: false,
          properties: {
            exclude: { type: 'array', items: { type: 'string' }, default: [] },
            level: { type: 'integer' },
          },
        },
        restore: {
          type: 'object',
          additionalProperties: false,
          properties: { target: { type: 'string' }, overwrite: { type: 'boolean', default: false } },
        },
        savedInfo: savedInfoSchema,
      },
      configSections: {
        typed_plugin: {
          type: 'object',
          properties: {
            endpoint: { type: 'string', default: 'http://x' },
            password: { type: 'string', secret: true },
          },
        },
      },
      hooks: {
        protect: {
          main: (context) => {
            // A property with a default is always present; one without is optional.
            expectTypeOf(context.parameters.exclude).toEqualTypeOf<string[]>();
            expectTypeOf(context.parameters.level).toEqualTypeOf<number | undefined>();
            expectTypeOf(context.config.typed_plugin.endpoint).toEqualTypeOf<string>();
            expectTypeOf(context.config.typed_plugin.password).toEqualTypeOf<string | undefined>();
            context.setSavedInfo({ root: '/x', files: ['a'] });
            // @ts-expect-error saved info must match its schema
            context.setSavedInfo({ root: 1, files: [] });
            // @ts-expect-error a parameter the schema does not declare
            void context.parameters.nope;
          },
        },
        restore: {
          main: async (context) => {
            expectTypeOf(context.parameters.overwrite).toEqualTypeOf<boolean>();
            expectTypeOf(context.parameters.target).toEqualTypeOf<string | undefined>();
            const info = await context.requireSavedInfo();
            expectTypeOf(info.files).toEqualTypeOf<string[]>();
            expectTypeOf(await context.getSavedInfo()).toEqualTypeOf<Partial<typeof info> | undefined>();
          },
        },
      },
    });
    expect(plugin.$$type).toBe('@hoard/ProtectionPlugin');
    expect(plugin.apiVersion).toBe(1);
  });

  it('falls back to JSON objects when a plugin gives no schema', () => {
    const plugin = defineProtectionPlugin({
      name: 'untyped',
      resourceTypes: ['Test::Untyped'],
      hooks: {
        protect: {
          main: (context) => {
            expectTypeOf(context).toEqualTypeOf<HookContext>();
            expectTypeOf(context.parameters).toEqualTypeOf<JsonObject>();
          },
        },
      },
    });
    expect(plugin.name).toBe('untyped');
  });

  it('types a protectable and a bank from their config sections', () => {
    const protectable = defineProtectable({
      name: 'typed',
      resourceType: 'Test::Typed',
      parentTypes: [],
      configSections: {
        typed_plugin: {
          type: 'object',
          required: ['directories'],
          properties: { directories: { type: 'string' } },
        },
      },
      list: async (context) => {
        expectTypeOf(context.config.typed_plugin.directories).toEqualTypeOf<string>();
        // @ts-expect-error a section the protectable does not declare
        void context.config.other;
        return [];
      },
      show: async (_context, id) => ({ type: 'Test::Typed', id, name: id }),
      getDependentResources: async () => [],
    });
    const bank = defineBank({
      name: 'typed',
      configSections: {
        typed_bank: { type: 'object', properties: { path: { type: 'string', default: '/bank' } } },
      },
      create: async (context) => {
        expectTypeOf(context.config.typed_bank.path).toEqualTypeOf<string>();
        throw new Error('not used');
      },
    });
    expect([protectable.$$type, bank.$$type]).toEqual(['@hoard/Protectable', '@hoard/Bank']);
  });

  it('SchemaType gives the type of a literal schema, JsonObject for a wide one', () => {
    expectTypeOf<SchemaType<typeof savedInfoSchema>>().toEqualTypeOf<{ root: string; files: string[] }>();
    expectTypeOf<SchemaType<undefined>>().toEqualTypeOf<JsonObject>();
  });
});
