import { describe, expect, it } from 'vitest';
import { runPool } from './arm_pool.js';

const tick = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('runPool', () => {
  it('runs at most `jobs` tasks at a time, each after the one it depends on', async () => {
    const log: string[] = [];
    let active = 0;
    let peak = 0;
    const task = (key: string, ms: number, after?: string) => ({
      key, after,
      run: async () => {
        active++;
        peak = Math.max(peak, active);
        log.push(`start ${key}`);
        await tick(ms);
        log.push(`end ${key}`);
        active--;
        return key.toUpperCase();
      },
    });
    const r = await runPool([task('plca', 40), task('so', 5), task('aug', 5), task('st', 5, 'so')], 2);
    expect([...r.entries()].sort()).toEqual([['aug', 'AUG'], ['plca', 'PLCA'], ['so', 'SO'], ['st', 'ST']]);
    expect(peak).toBe(2);
    expect(log.indexOf('start st')).toBeGreaterThan(log.indexOf('end so'));
    // Tasks start in list order as slots free up.
    expect(log.indexOf('start aug')).toBeLessThan(log.indexOf('start st'));
  });

  it('rejects with the first failure, and a dependency that is not among the tasks', async () => {
    const boom = { key: 'a', run: async () => { throw new Error('boom'); } };
    await expect(runPool([boom, { key: 'b', after: 'a', run: async () => 1 }], 2)).rejects.toThrow('boom');
    await expect(runPool([{ key: 'b', after: 'x', run: async () => 1 }], 1)).rejects.toThrow(/starts from the x run/);
  });
});
