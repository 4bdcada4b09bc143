// What plca writes, through the real binary: `predict` over a folder with broken files segments
// every readable image and names every failure; it never replaces earlier results without
// --overwrite; output names depend only on the input file; and an --out that cannot be written
// (a file, a path through a file, a read-only folder, a special file system) is the user's
// PLCA_FILE_UNWRITABLE naming the path, never "a bug in plca" — and never a hang.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, REPO, runPlca, type PlcaResult } from './run_plca.js';
import { writePredictInputs } from './trees.js';

let dir: string;
let run: string; // a tiny trained run to predict and export with
let baseRun: PlcaResult;
const TIMEOUT = 120_000;

// As root, permissions are not enforced, so the read-only case runs plca as an unprivileged user
// (65534). That user must be able to read this checkout and its node_modules; a checkout in a
// private folder (mktemp -d makes it 0700) cannot be, and the case is skipped, saying why.
const UNPRIVILEGED = { uid: 65534, gid: 65534 };
const asRoot = process.getuid?.() === 0;
const unprivilegedCanRun = !asRoot || spawnSync(process.execPath,
  ['-e', `require('fs').accessSync(${JSON.stringify(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs'))})`],
  { ...UNPRIVILEGED, stdio: 'ignore' }).status === 0;
if (!unprivilegedCanRun) {
  console.warn(`outputs.test.ts: SKIPPED the read-only-folder case: it runs as root, and uid 65534 cannot read ${REPO} (a private parent folder?)`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plca-outputs-'));
  chmodSync(dir, 0o755); // readable by the unprivileged user of the read-only case
  run = join(dir, 'run');
  baseRun = await runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', run, '--backend', 'wasm', '--threads', '1',
    '--set', 'data.val=null', '--set', 'train.maxIters=1', '--set', 'train.polyHorizon=1', '--set', 'train.checkpointInterval=1'],
  { timeoutMs: TIMEOUT });
}, TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A user error naming `names`, with a hint, exit 1, no stack, not blamed on plca. */
function expectUserError(r: PlcaResult, code: string, names: string): void {
  expect(errorCode(r.stderr), r.stderr).toBe(code);
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n').find((l) => l.startsWith('plca: error ['))).toContain(names);
  expect(r.stderr).toMatch(/^ {2}hint: /m);
  expect(r.stderr).not.toContain('bug in plca');
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

const predict = (input: string, out: string, ...more: string[]) =>
  runPlca(['predict', '--checkpoint', run, '--input', input, '--out', out, '--backend', 'wasm', '--threads', '1', ...more], { timeoutMs: TIMEOUT });

describe('plca predict over a folder', () => {
  it('trains the run it predicts with', () => {
    expect(baseRun.code, baseRun.stderr).toBe(0);
  });

  it('segments every readable image, names every broken one, and fails with a summary', async () => {
    const input = join(dir, 'mixed');
    const good = writePredictInputs(input).map((i) => i.path); // rgb.png rgba.png grey.png photo.jpg
    for (const [i, f] of good.slice(0, 4).entries()) copyFileSync(f, f.replace(/(\.\w+)$/, `_copy${i}$1`));
    const bad = [join(input, 'a_garbage.png'), join(input, 'b_truncated.png'), join(input, 'empty.jpg')];
    writeFileSync(bad[0], 'not an image at all');
    writeFileSync(bad[1], readFileSync(good[0]).subarray(0, 60));
    writeFileSync(bad[2], '');
    expect(readdirSync(input)).toHaveLength(11);
    const out = join(dir, 'mixed-out');
    const r = await predict(input, out, '--json');
    expectUserError(r, 'PLCA_IMAGE_CORRUPT', `3 of 11 image(s) could not be read (${bad[0]} and the others listed above as "skipped"); the other 8 were segmented`);
    for (const b of bad) expect(r.stderr).toContain(`plca: skipped ${b}: [PLCA_IMAGE_CORRUPT]`);
    const report = JSON.parse(r.stdout) as { images: { input: string }[]; failed: { input: string; code: string }[] };
    expect(report.images).toHaveLength(8);
    expect(report.failed.map((f) => f.input)).toEqual(bad);
    expect(readdirSync(out)).toHaveLength(16);
  }, TIMEOUT);

  it('refuses to write over an earlier predict without --overwrite, and replaces it with', async () => {
    const input = join(dir, 'one');
    mkdirSync(input);
    copyFileSync(join(dir, 'mixed', 'rgb.png'), join(input, 'street.png'));
    const out = join(dir, 'one-out');
    expect((await predict(input, out)).code).toBe(0);
    const first = readFileSync(join(out, 'street_png_label.png'));
    const again = await predict(input, out);
    expectUserError(again, 'PLCA_INVALID_ARGUMENT', `${out} already holds predictions: 2 of the 2 files this run writes exist (street_png_label.png, …)`);
    expect(again.stderr).toContain('hint: add --overwrite to replace them, or choose another --out');
    const over = await predict(input, out, '--overwrite');
    expect(over.code, over.stderr).toBe(0);
    expect(readFileSync(join(out, 'street_png_label.png')).equals(first)).toBe(true);
  }, TIMEOUT);

  it('names outputs after the input file alone, whatever else is in the folder', async () => {
    const both = join(dir, 'both');
    mkdirSync(both);
    copyFileSync(join(dir, 'mixed', 'rgb.png'), join(both, 'street.png'));
    copyFileSync(join(dir, 'mixed', 'photo.jpg'), join(both, 'street.jpg'));
    const out = join(dir, 'both-out');
    const r = await predict(both, out);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['street_jpg_label.png', 'street_jpg_overlay.png', 'street_png_label.png', 'street_png_overlay.png']);
    // street.png alone gets the same name (see the --overwrite case above).
    expect(existsSync(join(dir, 'one-out', 'street_png_label.png'))).toBe(true);
  }, TIMEOUT);
});

describe.concurrent('--out that cannot be written', () => {
  it('an existing file: train, predict and export name it', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const [train, pred, exp] = await Promise.all([
      runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', file]),
      predict(join(dir, 'mixed', 'rgb.png'), file),
      runPlca(['export', '--checkpoint', run, '--out', file]),
    ]);
    for (const r of [train, pred, exp]) expectUserError(r, 'PLCA_FILE_UNWRITABLE', `--out ${file} is a file, not a directory`);
  }, TIMEOUT);

  it('a path through a file: names the file in the way', async () => {
    const file = join(dir, 'b-file');
    writeFileSync(file, 'x');
    const [train, exp] = await Promise.all([
      runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', join(file, 'run')]),
      runPlca(['export', '--checkpoint', run, '--out', join(file, 'web', 'model')]),
    ]);
    expectUserError(train, 'PLCA_FILE_UNWRITABLE', `cannot create --out ${join(file, 'run')}: ${file} is a file, not a directory`);
    expectUserError(exp, 'PLCA_FILE_UNWRITABLE', `${file} is a file, not a directory`);
  }, TIMEOUT);

  it.skipIf(!unprivilegedCanRun)('a read-only folder: permission denied, naming it (as an unprivileged user when the tests run as root)', async () => {
    const ro = join(dir, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const user = asRoot ? UNPRIVILEGED : undefined;
    const [train, pred] = await Promise.all([
      runPlca(['train', '--config', 'configs/tiny_cpu_debug.ts', '--out', join(ro, 'run')], { user, timeoutMs: TIMEOUT }),
      runPlca(['predict', '--checkpoint', run, '--input', join(dir, 'mixed', 'rgb.png'), '--out', ro], { user, timeoutMs: TIMEOUT }),
    ]);
    expectUserError(train, 'PLCA_FILE_UNWRITABLE', `cannot write in ${ro} (to create --out ${join(ro, 'run')}): permission denied`);
    expect(train.stderr).toContain(`chmod u+w ${ro}`);
    expectUserError(pred, 'PLCA_FILE_UNWRITABLE', `cannot write in --out ${ro}: permission denied`);
    expect(readdirSync(ro)).toEqual([]);
  }, TIMEOUT);

  it.skipIf(process.platform !== 'linux')('a special file system (/proc) fails at once instead of hanging in mkdir', async () => {
    const r = await runPlca(['export', '--checkpoint', run, '--out', '/proc/plca-test/web'], { timeoutMs: 60_000 });
    expect(r.signal, 'killed by the time-out: it hung').toBeNull();
    expectUserError(r, 'PLCA_FILE_UNWRITABLE', '/proc/plca-test/web');
  }, TIMEOUT);
});
