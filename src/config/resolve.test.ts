import { describe, expect, it } from 'vitest';
import { resolveConfig, applyOverride } from './resolve.js';
import { mergeConfigs } from './define_config.js';
import { MODE_SWITCHES } from './modes.js';
import { METHOD_MODES } from './schema.js';
import { PlcaError } from '../util/errors.js';

function configError(fn: () => unknown): PlcaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlcaError);
    expect((e as PlcaError).code).toBe('PLCA_CONFIG_INVALID');
    return e as PlcaError;
  }
  throw new Error('expected a PLCA_CONFIG_INVALID error');
}

describe('resolveConfig', () => {
  it('fills the paper defaults (§4.2) into an empty config', () => {
    const c = resolveConfig({});
    expect(c.optim).toMatchObject({ lr: 2.5e-4, momentum: 0.9, weightDecay: 5e-4, polyPower: 0.9, classifierLrMult: 1 });
    expect(c.method.weights).toEqual({ ce: 1, lovasz: 0.75, association: 0.1, lsr: 0.01 });
    expect(c.method.lsrLambda).toBe(10);
    expect(c.method.spatialAggAlpha).toBe(0.5);
    expect(c.method.mode).toBe('plca');
    expect(c.method.switches).toEqual(MODE_SWITCHES.plca);
    expect(c.data.crop).toEqual([730, 730]);
    expect(c.data.source).toEqual({ dataset: 'gtav', root: 'data/gtav', split: 'trainval', list: null, idMap: null });
    expect(c.data.normalization.mean).toEqual([104.00698793, 116.66876762, 122.67891434]);
    expect(c.train.polyHorizon).toBeGreaterThan(c.train.maxIters);
  });

  it('applies overrides with JSON values and raw strings', () => {
    const c = resolveConfig({ optim: { lr: 0.1 } }, ['optim.lr=0.02', 'train.maxIters=10', 'train.polyHorizon=20',
      'data.crop=[32,64]', 'name=my run', 'method.switches.lsr=false', 'model.pretrained=null']);
    expect(c.optim.lr).toBe(0.02);
    expect(c.train.maxIters).toBe(10);
    expect(c.data.crop).toEqual([32, 64]);
    expect(c.name).toBe('my run');
    expect(c.method.switches.lsr).toBe(false);
    expect(c.method.switches.fass).toBe(true);
    expect(c.model.pretrained).toBeNull();
  });

  it('names the key path of an unknown key, at any depth and from an override', () => {
    expect(configError(() => resolveConfig({ optim: { lrr: 1 } } as never)).message).toContain('unknown key "optim.lrr"');
    expect(configError(() => resolveConfig({ data: { normalization: { meen: [1, 2, 3] } } } as never)).message)
      .toContain('"data.normalization.meen"');
    expect(configError(() => resolveConfig({}, ['train.stepz=3'])).message).toContain('unknown key "train.stepz"');
    expect(configError(() => resolveConfig({ bogus: 1 } as never)).message).toContain('unknown key "bogus"');
  });

  it('names the key path of a wrong type or value, and where it came from: the file or the --set', () => {
    const e = configError(() => resolveConfig({ optim: { lr: 'abc' } } as never, [], { source: 'configs/x.ts' }));
    expect(e.message).toBe('invalid config in configs/x.ts: "optim.lr": Invalid input: expected number, received string');
    const s = configError(() => resolveConfig({}, ['optim.lr="abc"'], { source: 'configs/x.ts' }));
    expect(s.message).toBe('invalid --set optim.lr="abc": "optim.lr": Invalid input: expected number, received string');
    // An override that creates an object is blamed for the keys it leaves out.
    expect(configError(() => resolveConfig({}, ['data.source.root=/d'])).message).toMatch(/^invalid --set data\.source\.root=\/d: "data\.source\.dataset"/);
    expect(configError(() => resolveConfig({ train: { batchSize: 2.5 } })).message).toContain('"train.batchSize"');
    expect(configError(() => resolveConfig({ method: { mode: 'plcaa' } } as never)).message).toContain('"method.mode"');
    expect(configError(() => resolveConfig({ data: { crop: [1] } } as never)).message).toContain('"data.crop"');
  });

  it('rejects a poly horizon shorter than the run and a target-less adaptation', () => {
    expect(configError(() => resolveConfig({ train: { maxIters: 10, polyHorizon: 5 } })).message).toContain('train.polyHorizon');
    expect(configError(() => resolveConfig({ data: { target: null } })).message).toContain('data.target');
    expect(resolveConfig({ data: { target: null }, method: { mode: 'source_only' } }).data.target).toBeNull();
  });

  it('reads override values as JSON; bare text only for keys that take text', () => {
    const c = resolveConfig({}, ['data.source={"dataset":"gtav","root":"/g","split":"all"}', 'data.source.root=/data/gta5', 'method.mode=source_only', 'data.target=null']);
    expect(c.data.source.root).toBe('/data/gta5');
    expect(c.method.mode).toBe('source_only');
    for (const [o, kind] of [['data.crop=[512,512', 'an array'], ['train.maxIters=10x', 'a number'], ['data.val=nul', 'an object or null'],
      ['method.switches.lsr=yes', 'true or false']]) {
      const e = configError(() => resolveConfig({}, [o]));
      expect(e.message, o).toMatch(new RegExp(`^--set ${o.replace(/[[\].]/g, '\\$&')}: ".*" is not valid JSON`));
      expect(e.hint, o).toContain(`takes ${kind}`);
    }
  });

  it('blames a poly horizon or target problem on the --set that caused it', () => {
    const e = configError(() => resolveConfig({ train: { maxIters: 10, polyHorizon: 10 } }, ['train.maxIters=20'], { source: 'f.ts' }));
    expect(e.message).toMatch(/^invalid config in f\.ts \(with --set train\.maxIters=20\): train\.polyHorizon \(10\) must be ≥ train\.maxIters \(20\)/);
    expect(e.hint).toBe('set both, e.g. --set train.maxIters=20 --set train.polyHorizon=20');
  });

  it('rejects malformed overrides', () => {
    configError(() => resolveConfig({}, ['optim.lr']));
    configError(() => resolveConfig({}, ['=3']));
    expect(configError(() => resolveConfig({}, ['name.x=3'])).message).toContain('name');
  });

  it('round-trips: a resolved config resolves to itself', () => {
    for (const mode of METHOD_MODES) {
      const c = resolveConfig({ method: { mode } });
      expect(resolveConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    }
  });

  it('does not mutate its input', () => {
    const user = { optim: { lr: 0.5 } };
    resolveConfig(user, ['optim.lr=0.1']);
    expect(user.optim.lr).toBe(0.5);
    expect(applyOverride(user, 'optim.momentum=0.5')).toEqual({ optim: { lr: 0.5, momentum: 0.5 } });
  });
});

describe('modes (Table 1)', () => {
  it('adds the terms progressively', () => {
    expect(MODE_SWITCHES.source_only).toMatchObject({ lovasz: false, fass: false, cass: false, lsr: false });
    expect(MODE_SWITCHES.source_only_lovasz).toMatchObject({ lovasz: true, fass: false, targetBnForward: false });
    expect(MODE_SWITCHES.source_only_lovasz_tgtbn).toMatchObject({ lovasz: true, fass: false, targetBnForward: true });
    expect(MODE_SWITCHES.plca_fass).toMatchObject({ lovasz: true, fass: true, cass: false, lsr: false });
    expect(MODE_SWITCHES.plca_fass_cass).toMatchObject({ fass: true, cass: true, lsr: false });
    expect(MODE_SWITCHES.plca).toMatchObject({ fass: true, cass: true, lsr: true, spatialAgg: true, simAssociation: false });
    expect(MODE_SWITCHES.sim_plca).toMatchObject({ simAssociation: true, spatialAgg: true });
    expect(MODE_SWITCHES.plca_no_sagg).toMatchObject({ fass: true, spatialAgg: false });
  });
});

describe('mergeConfigs', () => {
  it('merges objects deeply and replaces arrays and scalars', () => {
    const m = mergeConfigs({ optim: { lr: 1, momentum: 0.5 }, data: { crop: [1, 2] } }, { optim: { lr: 2 }, data: { crop: [3, 4] } });
    expect(m).toEqual({ optim: { lr: 2, momentum: 0.5 }, data: { crop: [3, 4] } });
  });
});
