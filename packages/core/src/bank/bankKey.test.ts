import { describe, expect, it } from 'vitest';
import { decodeKeySegment, encodeKeySegment, validateBankKey, validateBankPrefix } from './bankKey.js';

describe('bank keys', () => {
  it('accepts percent-encoded segments and returns them', () => {
    expect(
      validateBankKey('checkpoints/abc/resources/OS%3A%3ACinder%3A%3AVolume%23v1/saved-info.json'),
    ).toHaveLength(5);
  });

  it('encodes any string into one valid segment and back', () => {
    for (const value of [
      'OS::Cinder::Volume#5f0c',
      'Hoard::Local::Directory#/srv/app',
      '..',
      '.',
      'a b/c\\d',
      'é\u0000x',
      '%2F',
    ]) {
      const segment = encodeKeySegment(value);
      expect(() => validateBankKey(segment)).not.toThrow();
      expect(segment).not.toContain('/');
      expect(decodeKeySegment(segment)).toBe(value);
    }
  });

  it('explains what is wrong', () => {
    expect(() => validateBankKey('a/../b')).toThrow('segment ".." is not allowed');
    expect(() => validateBankKey('/a')).toThrow('must not start with "/"');
    expect(() => validateBankKey('a//b')).toThrow('empty segment');
    expect(() => validateBankKey('a b')).toThrow('must be percent-encoded');
    expect(() => validateBankKey('x'.repeat(1025))).toThrow('longer than 1024 bytes');
  });

  it('accepts partial prefixes but not escaping ones', () => {
    expect(() => validateBankPrefix('indices/by-date/2026-')).not.toThrow();
    expect(() => validateBankPrefix('')).not.toThrow();
    expect(() => validateBankPrefix('../')).toThrow();
    expect(() => validateBankPrefix('a/../b/')).toThrow();
  });
});
