import { describe, expect, it } from 'vitest';
import { createLogger } from '../logging/createLogger.js';
import { redactSecrets } from './redactSecrets.js';
import { compileSchema, validate } from './validation.js';

describe('secrets', () => {
  const schema = {
    type: 'object',
    properties: {
      user: { type: 'string' },
      password: { type: 'string', secret: true },
      nested: { type: 'object', properties: { token: { type: 'string', secret: true } } },
      keys: { type: 'array', items: { type: 'string', secret: true } },
    },
    additionalProperties: { type: 'object', properties: { key: { type: 'string', secret: true } } },
  };

  it('redacts every value the schema marks secret', () => {
    expect(
      redactSecrets(schema, {
        user: 'admin',
        password: 'p',
        nested: { token: 't', other: 1 },
        keys: ['a', 'b'],
        extra: { key: 'k', name: 'n' },
      }),
    ).toEqual({
      user: 'admin',
      password: '***',
      nested: { token: '***', other: 1 },
      keys: ['***', '***'],
      extra: { key: '***', name: 'n' },
    });
  });

  it('never puts a value into a validation message', () => {
    const compiled = compileSchema(schema, 'test');
    const problems = validate(compiled, { password: 12345678 });
    expect(problems).toEqual([{ path: 'password', message: 'must be string' }]);
  });

  it('logger redacts secret-looking fields', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (l) => lines.push(l) });
    logger.info('auth', {
      user: 'admin',
      password: 'p4ss',
      swift_key: 'k3y',
      resourceKey: 'T#1',
      nested: { token: 'tok' },
    });
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({
      user: 'admin',
      password: '***',
      swift_key: '***',
      resourceKey: 'T#1',
      nested: { token: '***' },
    });
  });
});
