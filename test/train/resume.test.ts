// A run interrupted after update k and resumed ends with the same weights, BN statistics and
// momentum, bit for bit, as a run straight through (cpu backend: deterministic kernels).
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { initEngine } from '../../src/engine/index.js';
import { createModel, type Segmentor } from '../../src/models/index.js';
import { resolveConfig, type UserConfig } from '../../src/config/index.js';
import { train, loadCheckpoint, type TensorGroup } from '../../src/train/index.js';
import { syntheticDomains } from '../../src/train/synthetic_stream.js';
import { PlcaError } from '../../src/util/errors.js';

beforeAll(async () => {
  await initEngine({ backend: 'cpu' });
});

const K = 4;
const streams = () => syntheticDomains(K);

function bytesOf(vars: ReadonlyMap<string, { dataSync(): ArrayLike<number> }>): Map<string, Uint8Array> {
  return new Map([...vars].map(([n, v]) => {
    const d = v.dataSync() as Float32Array;
    return [n, new Uint8Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength))];
  }));
}
const groupBytes = (g: TensorGroup) => new Map([...g].map(([n, t]) => [n, new Uint8Array(t.data.buffer.slice(0))]));

async function straightAndResumed(model: string, user: UserConfig, abortAfter: number) {
  const cfg = resolveConfig(user);
  // Straight through.
  const outA = mkdtempSync(join(tmpdir(), 'plca-resume-a-'));
  const a = createModel(model, { numClasses: K, seed: 0 });
  const ra = await train(cfg, { ...streams(), outDir: outA, model: a });
  // Interrupted after `abortAfter` updates…
  const outB = mkdtempSync(join(tmpdir(), 'plca-resume-b-'));
  const ctl = new AbortController();
  const b1 = createModel(model, { numClasses: K, seed: 0 });
  const err = await train(cfg, { ...streams(), outDir: outB, model: b1 }, {
    signal: ctl.signal, onEvent: (e) => { if (e.type === 'step' && e.step === abortAfter) ctl.abort(); },
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(PlcaError);
  expect((err as PlcaError).code).toBe('PLCA_INTERRUPTED');
  b1.dispose();
  // …and resumed in a fresh model (another seed, so only the checkpoint can make it equal) and fresh streams.
  const b2 = createModel(model, { numClasses: K, seed: 123 });
  const rb = await train(cfg, { ...streams(), outDir: outB, model: b2 }, { resume: true });
  return { a, b: b2, ra, rb, outB };
}

function expectSameBytes(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>, what: string): void {
  expect([...b.keys()], what).toEqual([...a.keys()]);
  for (const [n, x] of a) expect(Buffer.compare(Buffer.from(x), Buffer.from(b.get(n)!)), `${what} ${n}`).toBe(0);
}

function expectIdentical(a: Segmentor, b: Segmentor, ckA: string, ckB: string): void {
  expectSameBytes(bytesOf(a.params), bytesOf(b.params), 'param');
  expectSameBytes(bytesOf(a.state), bytesOf(b.state), 'state');
  const ga = loadCheckpoint(ckA).groups;
  const gb = loadCheckpoint(ckB).groups;
  expectSameBytes(groupBytes(ga.momentum), groupBytes(gb.momentum), 'momentum');
}

describe('resume', () => {
  it('BN net, target BN pass, gradient accumulation, classifier LR ×10: bit-identical', async () => {
    const user: UserConfig = {
      model: { name: 'minicity_bn', numClasses: K },
      method: { mode: 'source_only', switches: { targetBnForward: true } },
      optim: { lr: 0.01, classifierLrMult: 10 },
      train: { maxIters: 5, polyHorizon: 8, gradAccum: 2, batchSize: 1, checkpointInterval: 100, valInterval: null, logInterval: 1 },
    };
    const { a, b, ra, rb, outB } = await straightAndResumed('minicity_bn', user, 2);
    expect(ra.step).toBe(5);
    expect(rb.step).toBe(5);
    expect(rb.losses).toHaveLength(3);
    expect(rb.losses).toEqual(ra.losses.slice(2));
    expectIdentical(a, b, ra.checkpoint, rb.checkpoint);
    const starts = readFileSync(join(outB, 'train_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'start');
    expect(starts.map((s) => s.step)).toEqual([0, 2]);
    expect(starts[1].resumedFrom).toContain('step_0000002.ckpt');
    a.dispose();
    b.dispose();
  });

  it('PLCA (every term, target stream): bit-identical', async () => {
    const user: UserConfig = {
      model: { name: 'minicity_gn', numClasses: K },
      method: { mode: 'plca' },
      optim: { lr: 0.01 },
      train: { maxIters: 3, polyHorizon: 3, gradAccum: 1, batchSize: 1, checkpointInterval: 100, valInterval: null, logInterval: 1 },
    };
    const { a, b, ra, rb } = await straightAndResumed('minicity_gn', user, 1);
    expect(rb.losses).toEqual(ra.losses.slice(1));
    expectIdentical(a, b, ra.checkpoint, rb.checkpoint);
    a.dispose();
    b.dispose();
  });
});
