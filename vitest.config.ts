import { defineConfig } from 'vitest/config';

/**
 * Three projects, each with its own time-outs (`npm test` runs all three; `npm run test:unit`,
 * `test:cli`, `test:e2e` run one):
 * - unit: the library's functions beside the code (src/**) and the cross-module, parity and
 *   engine suites of test/ that call them directly — seconds each;
 * - cli: the `plca` command in-process and as a real child process (test/cli) — process start-up
 *   through tsx, signals, files;
 * - e2e: whole runs through the pipeline — training, resuming, exporting, the demo and the
 *   benchmark, the README's example — minutes on 2 cores.
 * TF.js backends are process-global; forks keep each test file in its own process.
 */
const E2E = [
  'test/demo/**/*.test.ts', 'test/pipeline/pipeline.test.ts', 'test/pipeline/minicity_run.test.ts', 'test/train/**/*.test.ts', 'test/export/**/*.test.ts',
  'test/models/train_small.test.ts', 'test/readme_example.test.ts', 'test/scripts/paper_protocol.test.ts',
];

export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/cli/**', ...E2E],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'cli', include: ['test/cli/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000 },
      },
      {
        extends: true,
        test: { name: 'e2e', include: E2E, testTimeout: 300_000, hookTimeout: 300_000 },
      },
    ],
  },
});
