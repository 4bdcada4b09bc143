// A TensorFlow GraphDef in the JSON form that tfjs-converter's GraphModel reads (model.json's
// `modelTopology`): nodes with `op`, `input` and typed `attr` values, weights as Const nodes whose
// values live in the weight shards under the node's name. Which attrs each op reads is fixed by
// tfjs-converter's op mappers (node_modules/@tensorflow/tfjs-converter/dist/operations/op_list);
// the builder writes exactly those. Shapes are NHWC with the batch axis dynamic (-1).
import { PlcaError } from '../util/errors.js';

/** One attr value of a NodeDef, as protobuf's JSON mapping spells it (int64 as strings). */
export type AttrValue =
  | { s: string }
  | { i: string }
  | { f: number }
  | { b: boolean }
  | { type: 'DT_FLOAT' | 'DT_INT32' }
  | { shape: { dim: Array<{ size: string }> } }
  | { list: { i?: string[]; s?: string[] } }
  | { tensor: { dtype: 'DT_FLOAT' | 'DT_INT32'; tensorShape: { dim: Array<{ size: string }> } } };

export interface NodeDef { name: string; op: string; input?: string[]; attr?: Record<string, AttrValue> }

export type WeightDtype = 'float32' | 'int32';

/** A Const node's value; `name` is both the node name and the weightsManifest entry name. */
export interface WeightEntry { name: string; shape: number[]; dtype: WeightDtype; data: Float32Array | Int32Array }

/** A graph tensor: the producing node's name and its static shape (batch = -1). */
export interface GTensor { name: string; shape: number[] }

/** UTF-8 → base64 with web APIs only (the graph is built in browsers too). */
const b64 = (s: string): string => btoa(Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join(''));
const dims = (shape: readonly number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });

/** Attr helpers, one per protobuf AttrValue case the op mappers read. */
export const attr = {
  str: (s: string): AttrValue => ({ s: b64(s) }),
  int: (i: number): AttrValue => ({ i: String(i) }),
  float: (f: number): AttrValue => ({ f }),
  bool: (b: boolean): AttrValue => ({ b }),
  ints: (xs: readonly number[]): AttrValue => ({ list: { i: xs.map(String) } }),
  strs: (xs: readonly string[]): AttrValue => ({ list: { s: xs.map(b64) } }),
  dtype: (d: WeightDtype): AttrValue => ({ type: d === 'float32' ? 'DT_FLOAT' : 'DT_INT32' }),
  shape: (shape: readonly number[]): AttrValue => ({ shape: dims(shape) }),
};

// TF's node-name rule; tfjs splits input references at ':' so names must not contain one.
const NODE_NAME = /^[A-Za-z0-9.][A-Za-z0-9_.\-/]*$/;

/** Collects nodes and Const values in topological order (every input exists before its use). */
export class GraphBuilder {
  readonly nodes: NodeDef[] = [];
  readonly weights: WeightEntry[] = [];
  private readonly names = new Set<string>();

  private add(node: NodeDef): string {
    if (!NODE_NAME.test(node.name)) throw new PlcaError('PLCA_INTERNAL', `export: invalid graph node name "${node.name}"`);
    if (this.names.has(node.name)) throw new PlcaError('PLCA_INTERNAL', `export: duplicate graph node "${node.name}"`);
    for (const i of node.input ?? []) {
      if (!this.names.has(i)) throw new PlcaError('PLCA_INTERNAL', `export: node "${node.name}" reads "${i}" before it is defined`);
    }
    this.names.add(node.name);
    this.nodes.push(node);
    return node.name;
  }

  /** The graph input, float32 NHWC. */
  placeholder(name: string, shape: number[]): GTensor {
    this.add({ name, op: 'Placeholder', attr: { dtype: attr.dtype('float32'), shape: attr.shape(shape) } });
    return { name, shape };
  }

  /** A constant whose value goes to the weight shards. */
  constant(name: string, data: Float32Array | Int32Array, shape: number[]): GTensor {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new PlcaError('PLCA_INTERNAL', `export: constant "${name}" has ${data.length} values for shape [${shape}]`);
    const dtype: WeightDtype = data instanceof Int32Array ? 'int32' : 'float32';
    const tfType = dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32';
    this.add({ name, op: 'Const', attr: { dtype: attr.dtype(dtype), value: { tensor: { dtype: tfType, tensorShape: dims(shape) } } } });
    this.weights.push({ name, shape, dtype, data });
    return { name, shape };
  }

  ints(name: string, values: readonly number[], shape: number[] = [values.length]): GTensor {
    return this.constant(name, Int32Array.from(values), shape);
  }

  /** An op node producing one tensor of the given static shape. */
  op(op: string, name: string, inputs: readonly GTensor[], shape: number[], attrs: Record<string, AttrValue> = {}): GTensor {
    this.add({ name, op, input: inputs.map((t) => t.name), attr: attrs });
    return { name, shape };
  }

  /** Total bytes of the Const values. */
  weightBytes(): number {
    return this.weights.reduce((s, w) => s + w.data.byteLength, 0);
  }
}
