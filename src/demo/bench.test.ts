import { describe, expect, it } from 'vitest';
import { armConfig, COMPARISON_ARMS } from './arms.js';
import { fingerprint } from './bench.js';

const arm = (key: string) => COMPARISON_ARMS.find((a) => a.key === key)!;

describe('bench fingerprint', () => {
  it('ignores the collapse guard of a run that builds none (a stored control stays valid)', async () => {
    const so = arm('source_only');
    const a = fingerprint(so, await armConfig(so, []));
    const b = fingerprint(so, await armConfig(so, ['train.collapseGuard.window=7', 'train.collapseGuard.weightFactor=0.25']));
    expect(b).toEqual(a);
    const c = fingerprint(so, await armConfig(so, ['train.maxIters=7']));
    expect(c.config).not.toBe(a.config);
  });

  it('counts the guard where it acts (PLCA)', async () => {
    const p = arm('plca');
    const a = fingerprint(p, await armConfig(p, []));
    const b = fingerprint(p, await armConfig(p, ['train.collapseGuard.window=7']));
    expect(b.config).not.toBe(a.config);
  });
});
