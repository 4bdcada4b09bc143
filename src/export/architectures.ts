// Per-architecture graph emitters, keyed by registry name. A Segmentor exposes its variables by
// stable dotted names but not its layer structure, so each entry re-plans the structure with the
// same planning functions the registry uses (src/models) and `checkPlan` then verifies that the
// plan's names and shapes are exactly the model's variables: a registry change that the exporter
// does not know about fails loudly instead of exporting a different network.
import { MODELS, RESNET_TINY, RESNET_TINY_RATES, canonicalModelName, type ModelName } from '../models/registry.js';
import type { NormKind } from '../models/module.js';
import type { Segmentor } from '../models/segmentor.js';
import { planResNet, RESNET101, type ResNetArch, type ResNetSpec } from '../models/backbones/resnet.js';
import { DEEPLABV2_RATES, planAspp, type AsppSpec } from '../models/heads/deeplabv2_aspp.js';
import { planMiniCity, type MiniCitySpec } from '../models/minicity_net.js';
import { ModelPlan } from '../models/module.js';
import { PlcaError } from '../util/errors.js';
import { attr, type GTensor } from './graph_builder.js';
import { convUnit, maxPoolCeil, type Lowering } from './lower.js';

/** A planned network: its declarations (for checking) and how to emit it. */
export interface ArchPlan {
  plan: ModelPlan;
  /** Emits the backbone and head; returns [features, logits]. */
  emit(l: Lowering, x: GTensor): [GTensor, GTensor];
}

type ArchFactory = (numClasses: number, norm: NormKind) => ArchPlan;

/** GroupNorm groups as the registry defines them, read from its own definition (BN ignores them). */
function registryGroups(name: 'deeplabv2_resnet101' | 'resnet_tiny_aspp', k: number, norm: NormKind): number {
  return MODELS[name].define(k, norm).layers[0][0].bn1.groups;
}

function resnetAspp(arch: ResNetArch, rates: readonly number[], k: number): ArchPlan {
  const plan = new ModelPlan();
  const backbone = planResNet(plan, 'backbone', arch);
  const head = planAspp(plan, 'classifier', backbone.outChannels, k, rates);
  return { plan, emit: (l, x) => emitResNetAspp(l, backbone, head, x) };
}

function emitResNetAspp(l: Lowering, s: ResNetSpec, head: AsppSpec, x: GTensor): [GTensor, GTensor] {
  let h = maxPoolCeil(l, convUnit(l, x, s.conv1, s.bn1, true), 'backbone.maxpool');
  for (const layer of s.layers) {
    for (const b of layer) {
      const main = convUnit(l, convUnit(l, convUnit(l, h, b.conv1, b.bn1, true), b.conv2, b.bn2, true), b.conv3, b.bn3, false);
      const identity = b.downsample ? convUnit(l, h, b.downsample.conv, b.downsample.norm, false) : h;
      const block = b.conv1.name.slice(0, -'.conv1'.length);
      h = l.g.op('Relu', `${block}/relu`, [l.g.op('AddV2', `${block}/add`, [main, identity], main.shape)], main.shape);
    }
  }
  // DeepLab-V2's classifier: the atrous branches (no bias) summed.
  const branches = head.convs.map((c) => convUnit(l, h, c, undefined, false));
  const logits = l.g.op('AddN', 'classifier/sum', branches, branches[0].shape, {
    N: attr.int(branches.length), T: attr.dtype('float32'),
  });
  return [h, logits];
}

function miniCity(k: number, norm: NormKind): ArchPlan {
  const plan = new ModelPlan();
  const spec = planMiniCity(plan, k, norm);
  return { plan, emit: (l, x) => emitMiniCity(l, spec, x) };
}

function emitMiniCity(l: Lowering, s: MiniCitySpec, x: GTensor): [GTensor, GTensor] {
  const features = s.layers.reduce((h, layer) => convUnit(l, h, layer.conv, layer.norm, true), x);
  return [features, convUnit(l, features, s.classifier, undefined, false)];
}

/** One emitter per registry model; `satisfies` makes a new registry name a compile error here. */
export const ARCHITECTURES = {
  deeplabv2_resnet101: (k, norm) =>
    resnetAspp({ ...RESNET101, norm, groups: registryGroups('deeplabv2_resnet101', k, norm) }, DEEPLABV2_RATES, k),
  resnet_tiny_aspp: (k, norm) =>
    resnetAspp({ ...RESNET_TINY, norm, groups: registryGroups('resnet_tiny_aspp', k, norm) }, RESNET_TINY_RATES, k),
  minicity_gn: (k) => miniCity(k, 'gn'),
  minicity_bn: (k) => miniCity(k, 'bn'),
} as const satisfies Record<ModelName, ArchFactory>;

/** BN models carry running statistics among their state variables; GN models have none.
 *  @param stateNames the names of `model.state` (or of a checkpoint's state group) */
export function normOf(stateNames: Iterable<string>): NormKind {
  return [...stateNames].some((n) => n.endsWith('.running_mean')) ? 'bn' : 'gn';
}

/** Plans `model`'s architecture and checks it against the model's variables. */
export function planFor(model: Segmentor): ArchPlan {
  const name = canonicalModelName(model.name);
  const arch = ARCHITECTURES[name](model.numClasses, normOf(model.state.keys()));
  checkPlan(model, arch.plan);
  return arch;
}

/** Throws PLCA_INTERNAL naming the first variable where plan and model disagree. */
export function checkPlan(model: Segmentor, plan: ModelPlan): void {
  const seen = new Set<string>();
  for (const d of plan.decls) {
    const v = (d.trainable ? model.params : model.state).get(d.name);
    if (!v) {
      throw new PlcaError('PLCA_INTERNAL', `export of "${model.name}": the exporter's plan has ${d.trainable ? 'parameter' : 'state variable'} "${d.name}", which the model lacks`);
    }
    if (v.shape.length !== d.shape.length || v.shape.some((s, i) => s !== d.shape[i])) {
      throw new PlcaError('PLCA_INTERNAL', `export of "${model.name}": "${d.name}" is [${v.shape}] in the model, [${d.shape}] in the exporter's plan`);
    }
    seen.add(d.name);
  }
  for (const n of [...model.params.keys(), ...model.state.keys()]) {
    if (!seen.has(n)) throw new PlcaError('PLCA_INTERNAL', `export of "${model.name}": the model has "${n}", which the exporter's plan lacks`);
  }
}
