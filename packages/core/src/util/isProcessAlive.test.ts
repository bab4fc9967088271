import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from './isProcessAlive.js';

describe('isProcessAlive', () => {
  it('reads this process alive and a process that ended dead', () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    const ended = spawnSync(process.execPath, ['-e', '0']);
    expect(ended.pid).toBeGreaterThan(0);
    expect(isProcessAlive(ended.pid!)).toBe(false);
  });
});
