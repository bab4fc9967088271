import { describe, expect, it } from 'vitest';
import { createLogger } from './createLogger.js';
import { registerSecret, SecretScrubber } from './scrubSecrets.js';

describe('secret scrubbing (issue 9, defect 12)', () => {
  it('scrubs every spelling of a secret and URL passwords, and nothing else', () => {
    const scrubber = new SecretScrubber();
    scrubber.add('pa"ss word');
    scrubber.add('abc'); // too short to scrub from free text
    expect(scrubber.scrub('raw pa"ss word, json "pa\\"ss word", url pa%22ss%20word')).toBe(
      'raw ***, json "***", url ***',
    );
    expect(scrubber.scrub('https://alice:hunter2@keystone:5000/v3 and ftp://bob@host')).toBe(
      'https://alice:***@keystone:5000/v3 and ftp://bob@host',
    );
    expect(scrubber.scrub('abc stays')).toBe('abc stays');
    expect(scrubber.scrubValue({ message: 'pa"ss word', nested: ['x pa"ss word'] })).toEqual({
      message: '***',
      nested: ['x ***'],
    });
  });

  it('the logger scrubs registered secrets from messages and fields a schema did not mark', () => {
    registerSecret('logger-s3cret-value');
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.error('server said: logger-s3cret-value', { echoed: 'body {"key":"logger-s3cret-value"}' });
    expect(lines.join('\n')).not.toContain('logger-s3cret-value');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'server said: ***', echoed: 'body {"key":"***"}' });
  });
});
