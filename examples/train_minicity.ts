// The README's library example: train PLCA on generated MiniCity data, then evaluate the last
// checkpoint on the target domain. Run with `npx tsx examples/train_minicity.ts [steps]`.
import { loadConfig, runTraining, runEvaluation, exitEngine } from '../src/index.js';

export async function trainMiniCity(outDir: string, overrides: string[] = []): Promise<number | null> {
  const cfg = await loadConfig('configs/minicity_plca.ts', overrides);
  const run = await runTraining(cfg, {
    outDir,
    onEvent: (e) => {
      if (e.type === 'step' && e.step % 50 === 0) console.log(`step ${e.step}: loss ${e.loss.toFixed(3)}`);
    },
  });
  run.model.dispose();
  const report = await runEvaluation({ checkpoint: outDir, cfg });
  const m = report.metrics.mIoU; // percent, as every metric plca reports
  console.log(`target mIoU ${m === null ? '-' : m.toFixed(1)}`);
  return report.metrics.mIoU;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const steps = process.argv[2] ?? '300';
  await trainMiniCity('runs/example-minicity', [`train.maxIters=${steps}`, `train.polyHorizon=${steps}`]);
  exitEngine();
}
