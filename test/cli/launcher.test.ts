// The installed `plca` binary, as a package manager installs it: bin/plca.mjs over a fresh build
// of dist/ (no src/ beside it), started as an executable. It runs from the compiled JavaScript
// alone (no TypeScript compiled at start; a .ts config still loads), and it is the process that
// signals reach: the README's supervised launch (`exec plca train …`) gets SIGTERM to the
// trainer, which writes a checkpoint and exits 143, reported as SIGTERM (not as Ctrl-C).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { errorCode, REPO, runPlca } from './run_plca.js';

let dir: string;
let pkg: string; // the installed package: bin/, dist/, package.json, node_modules
const TIMEOUT = 240_000;

/**
 * A package directory as npm installs it: package.json, bin/plca.mjs and the other entries of its
 * "files" (linked), but neither src/ nor dist/ (the test adds what it checks); dependencies linked in.
 */
function packageDir(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(join(REPO, 'bin', 'plca.mjs'), join(root, 'bin', 'plca.mjs'));
  chmodSync(join(root, 'bin', 'plca.mjs'), 0o755);
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  const { files } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { files: string[] };
  for (const f of files) {
    if (!['bin', 'src', 'dist'].includes(f) && existsSync(join(REPO, f))) symlinkSync(join(REPO, f), join(root, f));
  }
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  return root;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'plca-launcher-'));
  pkg = packageDir('installed');
  // The build a fresh clone gets from `npm ci` (the prepare script), into the package copy.
  execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO, 'tsconfig.build.json'),
    '--outDir', join(pkg, 'dist'), '--declaration', 'false', '--sourceMap', 'false'], { cwd: REPO, stdio: 'pipe' });
}, TIMEOUT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the installed binary', () => {
  it('runs from dist/ alone, started as an executable; a .ts config still loads', async () => {
    expect(existsSync(join(pkg, 'src'))).toBe(false);
    const bin = join(pkg, 'bin', 'plca.mjs');
    const version = await runPlca(['--version'], { launcher: [bin] });
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe('0.1.0');
    const cfg = await runPlca(['config', 'print', '--config', join(REPO, 'configs', 'tiny_cpu_debug.ts')], { launcher: [bin] });
    expect(cfg.code, cfg.stderr).toBe(0);
    expect(JSON.parse(cfg.stdout)).toMatchObject({ name: 'tiny_cpu_debug' });
  }, TIMEOUT);

  it('without dist/ (installed with --ignore-scripts) it runs the sources instead', async () => {
    const bare = packageDir('no-dist');
    symlinkSync(join(REPO, 'src'), join(bare, 'src'));
    const r = await runPlca(['--version'], { launcher: [join(bare, 'bin', 'plca.mjs')] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('0.1.0');
  }, TIMEOUT);

  it('supervised launch (exec plca train …): SIGTERM to that process writes a checkpoint and exits 143, reported as SIGTERM', async () => {
    const out = join(dir, 'run');
    let sent = false;
    // A supervisor's start script: `exec` replaces the shell, so its pid is plca's.
    const r = await runPlca(['train', '--config', join(REPO, 'configs', 'tiny_cpu_debug.ts'), '--out', out, '--backend', 'wasm',
      '--threads', '1', '--set', 'data.val=null', '--set', 'train.maxIters=500', '--set', 'train.polyHorizon=500',
      '--set', 'train.checkpointInterval=1000'], {
      launcher: ['/bin/sh', '-c', 'exec "$0" "$@"', join(pkg, 'bin', 'plca.mjs')],
      timeoutMs: TIMEOUT,
      onStderr: (child, err) => {
        if (!sent && err.includes('step 2/500')) {
          sent = true;
          child.kill('SIGTERM');
        }
      },
    });
    expect(sent, r.stderr).toBe(true);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('plca: SIGTERM received, stopping training and writing a checkpoint (a second SIGTERM exits at once)');
    expect(errorCode(r.stderr)).toBe('PLCA_INTERRUPTED');
    const line = r.stderr.split('\n').find((l) => l.startsWith('plca: error ['))!;
    const m = /training stopped by SIGTERM after update (\d+); checkpoint written to (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    expect(r.stderr).not.toContain('Ctrl-C');
    expect(r.stderr).toContain(`hint: resume with: plca train --out ${out} --resume`);
    const ck = loadCheckpoint(m![2]);
    expect(ck.step).toBe(Number(m![1]));
    expect(ck.step).toBeGreaterThanOrEqual(2);
  }, TIMEOUT);
});
