// Benchmark of the memory-bounded association at the paper's grid (src/bench/association.ts): batch 1,
// C = 2048, 92×92, forward and backward, on wasm. `--json` prints {ms, peakRssMB, ...}.
// Usage: tsx scripts/bench_association92.ts [--json] [--size 92] [--channels 2048]
//        [--metric cos|kl] [--no-spagg] [--block-rows N]
//        [--compare]  (dense autodiff path vs the blocked path at the given size, in one run: a ratio)
import { benchAssociation } from '../src/bench/index.js';
import type { BlockRows } from '../src/losses/index.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const br = arg('block-rows', 'auto');
const o = {
  size: Number(arg('size', '92')), channels: Number(arg('channels', '2048')), metric: arg('metric', 'cos') as 'cos' | 'kl',
  spagg: !process.argv.includes('--no-spagg'), blockRows: (br === 'auto' || br === 'none' ? br : Number(br)) as BlockRows,
  compare: process.argv.includes('--compare'),
};
benchAssociation(o).then((r) => {
  if (process.argv.includes('--json') || o.compare || !('ms' in r)) console.log(JSON.stringify(r));
  else {
    console.log(`association ${o.size}x${o.size}, C=${o.channels}, metric=${o.metric}, spagg=${o.spagg}, blockRows=${o.blockRows}, ` +
      `backend=${r.backend} threads=${r.threads}: ${r.ms} ms forward+backward, peak RSS ${r.peakRssMB} MB, loss ${r.loss.toFixed(4)}`);
  }
  process.exit(0);
}, (e: unknown) => { console.error(e); process.exit(1); });
