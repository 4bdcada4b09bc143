// The Segment page: an exported plca GraphModel (plca export, the demo's export, or the model the
// Adapt page adapted) runs on the images the user drops or picks, MiniCity target images by default.
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_GAP_K, MINICITY_DEFAULTS, escapeHtml, exportedModelInfo, generateSet, maskOverlay, segmentImage, toRgbImage,
  type ExportedModelInfo, type RgbImage, type Segmentation,
} from '../../src/browser.js';
import { describeEngine, requestedBackend, startEngine } from './engine.js';
import { el, header, pixelCanvas, rgbToRgba } from './layout.js';
import { ADAPTED_MODEL_URL } from './shared.js';

interface PageResult { name: string; width: number; height: number; labels: Uint8Array; ms: number }
/** State for the browser test (test/web/web_app.test.ts) and for curious users. */
const state: { status: string; backend?: string; model?: string; error?: string; warmMs?: number; results: PageResult[] } = { status: 'starting', results: [] };
(window as unknown as { plcaSegment: typeof state }).plcaSegment = state;

const DISPLAY_WIDTH = 384;
/** Longest side of a picked image that is segmented and shown (bigger photos are scaled down). */
const MAX_SIDE = 1024;

const { engine } = header('segment');
const main = el('main');
document.body.append(main);
const modelBox = el('section', {}, '<h2>Model</h2><div id="model" class="muted">loading…</div>');
const inputBox = el('section', {}, `<h2>Images</h2>
  <div class="drop" id="drop">Drop images here, or <input type="file" id="files" accept="image/*" multiple></div>
  <p class="muted">MiniCity target-domain samples (generated in this page by plca; click one to segment it again):</p>
  <div class="thumbs" id="samples"></div>`);
const resultsBox = el('section', {}, '<h2>Segmentations</h2><div id="timing" class="muted"></div><div id="results"></div>');
main.append(modelBox, inputBox, resultsBox);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fail(e: unknown): void {
  state.status = 'error';
  state.error = e instanceof Error ? e.message : String(e);
  const box = el('section', {}, `<h2>Error</h2><div class="error">${escapeHtml(state.error)}</div>`);
  main.prepend(box);
}

/** The model: `?model=URL`, else the served `model/`, else the one the Adapt page saved in this browser. */
async function loadModel(): Promise<{ model: tf.GraphModel; info: ExportedModelInfo; source: string } | null> {
  const asked = new URLSearchParams(location.search).get('model');
  const candidates = asked ? [asked] : ['model/model.json', ADAPTED_MODEL_URL];
  const tried: string[] = [];
  for (const url of candidates) {
    if (url.startsWith('indexeddb://') && !(url in await tf.io.listModels().catch(() => ({})))) {
      tried.push(`${url} (not saved in this browser)`);
      continue;
    }
    try {
      const model = await tf.loadGraphModel(url);
      return { model, info: exportedModelInfo(model.metadata, url), source: url };
    } catch (e) {
      tried.push(`${url} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      if (asked) throw e;
    }
  }
  $('model').innerHTML = `<p>No model found: tried ${tried.map(escapeHtml).join('; ')}.</p>
    <p>Serve one with <code>npx plca serve --model DIR</code> (a folder written by <code>plca export</code> or by <code>npm start</code>),
    adapt one in the <a href="./adapt.html">Adapt</a> page, or pick the files of an exported model (model.json and its .bin shards):
    <input type="file" id="modelFiles" accept=".json,.bin" multiple></p>`;
  return null;
}

function describeModel(info: ExportedModelInfo, source: string, warmMs: number): void {
  const legend = info.classNames.map((n, i) => `<span style="margin-right:10px"><span class="swatch" style="background:rgb(${info.colors[i].join(',')})"></span>${escapeHtml(n)}</span>`).join('');
  $('model').innerHTML = `<div><b>${escapeHtml(info.model)}</b>, ${info.numClasses} classes, input ${info.inputSize[1]}×${info.inputSize[0]} px
    <span class="muted">(${escapeHtml(source)}; first run, which compiles the kernels: ${warmMs.toFixed(0)} ms)</span></div><div style="margin-top:6px">${legend}</div>`;
}

function showResult(name: string, img: RgbImage, seg: Segmentation, info: ExportedModelInfo): void {
  const scale = Math.min(DISPLAY_WIDTH / img.width, 4);
  const order = seg.shares.map((s, i) => [s, i] as const).filter(([s]) => s > 0).sort((a, b) => b[0] - a[0]);
  const rows = order.map(([s, i]) => `<tr><td><span class="swatch" style="background:rgb(${info.colors[i].join(',')})"></span>${escapeHtml(info.classNames[i])}</td>
    <td>${(100 * s).toFixed(1)} %</td><td style="text-align:left"><span class="bar" style="width:${Math.round(120 * s)}px"></span></td></tr>`).join('');
  const card = el('div', { class: 'result' });
  const text = el('div', {}, `<div class="name">${escapeHtml(name)}</div><div class="muted">${img.width}×${img.height}, ${seg.ms.toFixed(1)} ms</div>
    <table><tr><th>class</th><th>pixels</th><th></th></tr>${rows}</table>`);
  card.append(pixelCanvas(img.width, img.height, rgbToRgba(img.data, img.width * img.height), scale),
    pixelCanvas(img.width, img.height, maskOverlay(img, seg.labels, info.colors), scale), text);
  $('results').prepend(card);
}

function updateTiming(): void {
  const ms = state.results.map((r) => r.ms).sort((a, b) => a - b);
  if (ms.length === 0) return;
  $('timing').textContent = `${ms.length} image${ms.length === 1 ? '' : 's'} on ${state.backend}: median ${ms[Math.floor(ms.length / 2)].toFixed(1)} ms per image ` +
    `(model only: upload, graph, labels download), fastest ${ms[0].toFixed(1)} ms`;
}

/** Decodes an image file to RGB, scaled down to MAX_SIDE at most. */
async function decode(file: Blob): Promise<RgbImage> {
  const bmp = await createImageBitmap(file);
  const f = Math.min(1, MAX_SIDE / Math.max(bmp.width, bmp.height));
  const w = Math.max(1, Math.round(bmp.width * f));
  const h = Math.max(1, Math.round(bmp.height * f));
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d')!;
  ctx.drawImage(bmp, 0, 0, w, h);
  bmp.close();
  return toRgbImage(ctx.getImageData(0, 0, w, h));
}

async function run(): Promise<void> {
  const info0 = await startEngine(requestedBackend());
  state.backend = info0.backend;
  engine.textContent = `engine: ${describeEngine(info0)}`;
  const loaded = await loadModel();
  if (!loaded) {
    state.status = 'no-model';
    $('modelFiles')?.addEventListener('change', (e) => {
      const files = Array.from((e.target as HTMLInputElement).files ?? []);
      const json = files.find((f) => f.name.endsWith('.json'));
      if (!json) return;
      tf.loadGraphModel(tf.io.browserFiles([json, ...files.filter((f) => f !== json)]))
        .then((model) => start(model, exportedModelInfo(model.metadata, json.name), json.name)).catch(fail);
    });
    return;
  }
  await start(loaded.model, loaded.info, loaded.source);
}

async function start(model: tf.GraphModel, info: ExportedModelInfo, source: string): Promise<void> {
  state.model = info.model;
  // The first execution compiles the backend's kernels (shaders); time it apart from the images.
  const t0 = performance.now();
  const w = tf.tidy(() => model.execute(tf.zeros([1, ...info.inputSize, 3]), info.labelsOutput ? 'labels' : 'logits') as tf.Tensor);
  await w.data();
  w.dispose();
  state.warmMs = performance.now() - t0;
  describeModel(info, source, state.warmMs);
  const segment = async (name: string, img: RgbImage) => {
    const seg = await segmentImage(model, img, info);
    state.results.push({ name, width: seg.width, height: seg.height, labels: seg.labels, ms: seg.ms });
    showResult(name, img, seg, info);
    updateTiming();
  };
  const files = async (list: FileList | File[]) => {
    for (const f of Array.from(list)) await segment(f.name, await decode(f)).catch(fail);
  };
  $<HTMLInputElement>('files').addEventListener('change', (e) => void files((e.target as HTMLInputElement).files ?? []));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void files(Array.from(e.dataTransfer?.files ?? []).filter((f) => f.type.startsWith('image/')));
  });
  // Samples: the first target-val images of the MiniCity benchmark (what the demo scores on);
  // `?samples=N` shows N of them (0 to 12, default 6).
  const wanted = Number(new URLSearchParams(location.search).get('samples') ?? 6);
  const count = Number.isInteger(wanted) ? Math.max(0, Math.min(12, wanted)) : 6;
  const set = generateSet({ count, seed: MINICITY_DEFAULTS.seeds.targetVal, domain: 'target', k: DEFAULT_GAP_K });
  const px = set.width * set.height;
  for (let i = 0; i < set.count; i++) {
    const img: RgbImage = { width: set.width, height: set.height, channels: 3, data: set.images.slice(i * px * 3, (i + 1) * px * 3) };
    const thumb = pixelCanvas(img.width, img.height, rgbToRgba(img.data, px), 1);
    thumb.title = `MiniCity target ${i}`;
    thumb.addEventListener('click', () => void segment(`MiniCity target ${i}`, img).catch(fail));
    $('samples').append(thumb);
  }
  for (let i = set.count - 1; i >= 0; i--) {
    await segment(`MiniCity target ${i}`, { width: set.width, height: set.height, channels: 3, data: set.images.slice(i * px * 3, (i + 1) * px * 3) });
  }
  state.status = 'ready';
}

run().catch(fail);
