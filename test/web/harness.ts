// Headless Chromium for the web app's tests and scripts/web_check.ts: finds a Chromium (Debian's
// by default), starts it with software GPUs (WebGPU on SwiftShader's Vulkan, WebGL on SwiftShader
// through ANGLE) on this closed network, builds the pages with Vite, and waits for a page's state.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { REPO_ROOT } from '../helpers/fixtures.js';

/**
 * - no sandbox: CI runs as root; no network chatter (the machine's network is closed, and
 *   Chromium's background services would fail on every start);
 * - WebGPU: `--enable-unsafe-webgpu` exposes it without a GPU blocklist decision, and
 *   `--use-webgpu-adapter=swiftshader` gives Dawn's Vulkan adapter on SwiftShader (bundled with
 *   Debian's chromium as libvk_swiftshader.so);
 *   Debian's chromium as libvk_swiftshader.so); `--enable-features=Vulkan --use-vulkan=swiftshader`
 *   put Chromium's own GPU process on that Vulkan too. Without them WebGPU computes, but TF.js's
 *   synchronous read-back (`dataSync`, which plca's losses use inside gradients), drawn through an
 *   OffscreenCanvas WebGPU context, loses the device ("A valid external Instance reference no
 *   longer exists") and returns zeros;
 * - WebGL: ANGLE on SwiftShader; `--enable-unsafe-swiftshader` allows it without a GPU.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--use-vulkan=swiftshader',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
];

/** `PLCA_CHROMIUM`, else the first Chromium or Chrome found on the usual paths; undefined when none. */
export function findChromium(): string | undefined {
  const candidates = [process.env.PLCA_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  return candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
}

/**
 * Closes Chromium first, whatever failed (an orphaned GPU process keeps burning CPU), then the
 * server, then removes `tmp`.
 */
export async function closeAll(browser: Browser | undefined, server: { close(): Promise<unknown> } | undefined, tmp: string): Promise<void> {
  try {
    await browser?.close();
  } finally {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Starts Chromium headless with CHROMIUM_ARGS and any in `PLCA_CHROMIUM_ARGS` (space-separated, e.g. for a real GPU). */
export function launchChromium(executablePath: string): Promise<Browser> {
  const extra = (process.env.PLCA_CHROMIUM_ARGS ?? '').split(' ').filter((a) => a.length > 0);
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, ...extra], timeout: 120_000 });
}

export const APP_DIR = join(REPO_ROOT, 'dist', 'web');
export const CHECKS_DIR = join(REPO_ROOT, 'dist', 'web-checks');

/**
 * Builds the web app (`npm run web`) or the checks page with Vite into `outDir` (default dist/web,
 * dist/web-checks), unless already built there and `force` is off. A folder of its own lets a
 * script build while another one serves the default folder.
 */
export async function buildPages(which: 'app' | 'checks', force = false, outDir?: string): Promise<string> {
  const [dir, config] = which === 'app' ? [outDir ?? APP_DIR, 'web/vite.config.ts'] : [outDir ?? CHECKS_DIR, 'test/web/vite.checks.config.ts'];
  if (force || !existsSync(join(dir, 'index.html'))) {
    await build({ configFile: join(REPO_ROOT, config), logLevel: 'error', ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}) });
  }
  return dir;
}

/** The fixture files of a set (fixtures/<set>/*.json). */
export function fixtureFiles(set: 'engine' | 'reference'): string[] {
  return readdirSync(join(REPO_ROOT, 'fixtures', set)).filter((f) => f.endsWith('.json')).sort();
}

/** Waits until `window[key].status` is one of `done` (or the timeout), then returns `window[key]` as `project` maps it. */
export async function waitForState<T>(page: Page, key: string, done: readonly string[], timeoutMs: number,
  project: (state: unknown) => T = (s) => s as T): Promise<T> {
  await page.waitForFunction(([k, d]) => {
    const s = (window as unknown as Record<string, { status?: string } | undefined>)[k as string];
    return s !== undefined && (d as string[]).includes(s.status ?? '');
  }, [key, done] as const, { timeout: timeoutMs, polling: 500 });
  return page.evaluate(`(${project.toString()})(window[${JSON.stringify(key)}])`) as Promise<T>;
}
