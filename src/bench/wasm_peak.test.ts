import { describe, expect, it } from 'vitest';
import { runBenchChild } from './wasm_peak.js';
import type { AssociationBenchResult } from './association.js';

describe('benchmark child processes', () => {
  it('run a task in a forked child and return its result over IPC (a tiny association)', async () => {
    const r = await runBenchChild<AssociationBenchResult>({ task: 'association', options: { size: 8, channels: 16 } });
    expect('ms' in r && r.ms >= 0 && Number.isFinite(r.loss)).toBe(true);
  }, 60_000);

  it('report a failing task as an error with its message', async () => {
    await expect(runBenchChild({ task: 'association', options: { size: 8, channels: 16, blockRows: -3 } }))
      .rejects.toThrow(/blockRows.*-3/);
  }, 60_000);
});
