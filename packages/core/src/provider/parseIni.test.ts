import { describe, expect, it } from 'vitest';
import { parseIni } from './parseIni.js';

describe('parseIni', () => {
  it('keeps repeated keys in order with their lines, and continuation lines', () => {
    const sections = parseIni(
      '# comment\n[provider]\nname = OS Infra\nplugin = a\nplugin = b\n; another comment\ndescription = first\n  second\n[swift_client]\nswift_key: s3cr3t\n',
      'p.conf',
    );
    expect(sections).toEqual([
      {
        name: 'provider',
        line: 2,
        entries: [
          { key: 'name', value: 'OS Infra', line: 3 },
          { key: 'plugin', value: 'a', line: 4 },
          { key: 'plugin', value: 'b', line: 5 },
          { key: 'description', value: 'first\nsecond', line: 7 },
        ],
      },
      { name: 'swift_client', line: 9, entries: [{ key: 'swift_key', value: 's3cr3t', line: 10 }] },
    ]);
  });

  it('names file and line of a malformed line or a key outside a section', () => {
    expect(() => parseIni('[provider]\nname\n', 'x.conf')).toThrow(
      'x.conf:2: expected "key = value" or "[section]", got "name"',
    );
    expect(() => parseIni('name = x\n', 'x.conf')).toThrow("x.conf:1: key 'name' is outside any [section]");
    expect(() => parseIni('[]\n', 'x.conf')).toThrow('x.conf:1: empty section name');
  });
});
