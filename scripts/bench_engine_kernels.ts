// Convolution kernels at DeepLab-V2 ResNet-101's shapes: forward, input gradient and filter
// gradient of every distinct convolution of the network (stem, the four layers' bottlenecks at
// their dilations, the ASPP head), batch 1, at one or more crops. Prints ms and GFLOP/s per kernel,
// the step's convolution total (each shape weighted by how often the network has it), and the
// micro-kernel ceiling measured in the same process. `--stock` measures tfjs's own kernels (plus
// conv_grad.ts's compositions) beside plca's, in the same run.
//
//   npx tsx scripts/bench_engine_kernels.ts [--crop 321,513] [--threads N] [--reps 3] [--stock] [--json] [--only fwd,dx,dw]
//     [--cpu-time]   (min process CPU time instead of wall time: robust on a loaded machine, 1 thread only)
//     [--filter RE]  (only the convolutions whose name matches)
//
// Threads: PLCA_THREADS or --threads (default: the core count); the variant: PLCA_KERNELS.
import * as tf from '@tensorflow/tfjs-core';
import { initEngine, exitEngine } from '../src/engine/index.js';
import { convGeometry, convInputGrad, convFilterGrad } from '../src/engine/conv_grad.js';
import { installedKernels, setOwnKernelsEnabled } from '../src/engine/kernels/conv.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

interface ConvShape { name: string; count: number; h: number; ci: number; co: number; k: number; s: number; d: number; grad: boolean }

function ceilPoolOut(size: number): number {
  let out = Math.ceil((size + 2 - 3) / 2) + 1;
  if ((out - 1) * 2 >= size + 1) out -= 1;
  return out;
}

/** Distinct convolutions of DeepLab-V2 ResNet-101 (strides in the 1×1 conv1, layer3/4 dilated 2/4) at a crop. */
export function r101Shapes(crop: number): ConvShape[] {
  const stem = Math.floor((crop + 6 - 7) / 2) + 1;
  const g1 = ceilPoolOut(stem);
  const g2 = Math.floor((g1 - 1) / 2) + 1;
  const out: ConvShape[] = [{ name: 'stem 7×7/2 3→64', count: 1, h: crop, ci: 3, co: 64, k: 7, s: 2, d: 1, grad: false }];
  const layers = [
    { planes: 64, blocks: 3, h: g1, d: 1, s: 1, inp: 64 },
    { planes: 128, blocks: 4, h: g1, d: 1, s: 2, inp: 256 },
    { planes: 256, blocks: 23, h: g2, d: 2, s: 1, inp: 512 },
    { planes: 512, blocks: 3, h: g2, d: 4, s: 1, inp: 1024 },
  ];
  layers.forEach((l, i) => {
    const L = `L${i + 1}`;
    const p = l.planes;
    const oh = l.s === 2 ? g2 : l.h;
    out.push({ name: `${L}.0 conv1 1×1/${l.s} ${l.inp}→${p}`, count: 1, h: l.h, ci: l.inp, co: p, k: 1, s: l.s, d: 1, grad: true });
    out.push({ name: `${L}.0 down 1×1/${l.s} ${l.inp}→${4 * p}`, count: 1, h: l.h, ci: l.inp, co: 4 * p, k: 1, s: l.s, d: 1, grad: true });
    out.push({ name: `${L} conv2 3×3 d${l.d} ${p}→${p}`, count: l.blocks, h: oh, ci: p, co: p, k: 3, s: 1, d: l.d, grad: true });
    out.push({ name: `${L} conv3 1×1 ${p}→${4 * p}`, count: l.blocks, h: oh, ci: p, co: 4 * p, k: 1, s: 1, d: 1, grad: true });
    if (l.blocks > 1) out.push({ name: `${L} conv1 1×1 ${4 * p}→${p}`, count: l.blocks - 1, h: oh, ci: 4 * p, co: p, k: 1, s: 1, d: 1, grad: true });
  });
  for (const r of [6, 12, 18, 24]) out.push({ name: `ASPP 3×3 d${r} 2048→19`, count: 1, h: g2, ci: 2048, co: 19, k: 3, s: 1, d: r, grad: true });
  return out;
}

/**
 * Min over `reps` of the wall time, or (`cpu`) of the process CPU time: on a shared machine a
 * one-thread kernel's CPU time is what it costs, whatever else got the core meanwhile.
 */
function timeMin(reps: number, cpu: boolean, f: () => tf.Tensor): number {
  tf.dispose(f()); // warm-up (and tier-up)
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const y = f();
    y.dataSync(); // wasm is synchronous; this only makes sure the work is done
    const c = process.cpuUsage(c0);
    best = Math.min(best, cpu ? (c.user + c.system) / 1e3 : performance.now() - t0);
    y.dispose();
  }
  return best;
}

type Kind = 'fwd' | 'dx' | 'dw';

async function main(): Promise<void> {
  const threads = Number(arg('threads', '0')) || undefined;
  const info = await initEngine({ backend: 'wasm', threads });
  const crops = arg('crop', '321,513').split(',').map(Number);
  const reps = Number(arg('reps', '3'));
  const json = process.argv.includes('--json');
  const withStock = process.argv.includes('--stock');
  const only = arg('only', 'fwd,dx,dw').split(',') as Kind[];
  const filter = new RegExp(arg('filter', '.'));
  // CPU time only means the kernel's cost with one thread (it sums over threads).
  const cpu = process.argv.includes('--cpu-time');
  const rt = installedKernels();
  const ceiling = rt ? rt.microKernelGflops() : NaN;
  const modes = [...(rt ? ['plca'] : []), ...(withStock || !rt ? ['stock'] : [])] as Array<'plca' | 'stock'>;
  const rows: Array<Record<string, unknown>> = [];
  const log = (s: string) => { if (!json) console.log(s); };
  log(`wasm threads=${info.threads} kernels=${info.kernels}; micro-kernel ceiling ${ceiling.toFixed(1)} GFLOP/s/thread (${(ceiling * info.threads).toFixed(0)} for ${info.threads})`);
  for (const crop of crops) {
    const totals: Record<string, { ms: number; gflop: number }> = {};
    log(`\ncrop ${crop}: ${cpu ? 'CPU' : 'wall'} ms (GFLOP/s) per kernel, min of ${reps}`);
    log(`${'conv'.padEnd(28)} ${'×'.padStart(3)} ${modes.flatMap((m) => only.map((k) => `${m} ${k}`.padStart(18))).join('')}`);
    for (const c of r101Shapes(crop).filter((sh) => filter.test(sh.name))) {
      const x = tf.randomNormal([1, c.h, c.h, c.ci]) as tf.Tensor4D;
      const w = tf.randomNormal([c.k, c.k, c.ci, c.co], 0, 0.05) as tf.Tensor4D;
      const pad = c.k === 1 ? 0 : c.d * (c.k - 1) / 2;
      const padding: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [pad, pad], [pad, pad], [0, 0]];
      const g = convGeometry(x.shape, w.shape, { strides: c.s, dilations: c.d, pad: padding });
      const dy = tf.randomNormal([1, g.outH, g.outW, c.co]) as tf.Tensor4D;
      const gflop = (2 * g.outH * g.outW * c.k * c.k * c.ci * c.co) / 1e9;
      const cells: string[] = [];
      const row: Record<string, unknown> = { crop, conv: c.name, count: c.count, gflop };
      for (const mode of modes) {
        setOwnKernelsEnabled(mode === 'plca');
        for (const kind of only) {
          if (kind !== 'fwd' && !c.grad && kind === 'dx') { cells.push('—'.padStart(18)); continue; }
          const ms = timeMin(reps, cpu, () => (kind === 'fwd' ? tf.conv2d(x, w, c.s, padding, 'NHWC', c.d)
            : kind === 'dx' ? convInputGrad(dy, w, x.shape, g) : convFilterGrad(x, dy, w.shape, g)));
          row[`${mode}_${kind}_ms`] = ms;
          const t = (totals[`${mode} ${kind}`] ??= { ms: 0, gflop: 0 });
          t.ms += c.count * ms; t.gflop += c.count * gflop;
          cells.push(`${ms.toFixed(1)} (${(gflop / ms * 1e3).toFixed(0)})`.padStart(18));
        }
      }
      setOwnKernelsEnabled(true);
      rows.push(row);
      log(`${c.name.padEnd(28)} ${String(c.count).padStart(3)} ${cells.join('')}`);
      tf.dispose([x, w, dy]);
    }
    for (const [k, t] of Object.entries(totals)) {
      log(`  ${k.padEnd(10)} step total ${t.ms.toFixed(0).padStart(6)} ms  ${t.gflop.toFixed(1)} GFLOP  ${(t.gflop / t.ms * 1e3).toFixed(1)} GFLOP/s  (${(100 * t.gflop / t.ms * 1e3 / (ceiling * info.threads)).toFixed(0)}% of the micro-kernel ceiling)`);
    }
    rows.push({ crop, totals });
  }
  if (json) console.log(JSON.stringify({ threads: info.threads, kernels: info.kernels, ceilingPerThread: ceiling, rows }));
}

main().then(() => exitEngine(0), (e) => { console.error(e); exitEngine(1); });
