// The Adapt page: the MiniCity benchmark in the tab. Source-only (CE + Lovász) and PLCA train side
// by side from the same seed, each in its own worker (arm_worker.ts), with live loss, target-mIoU
// and feature-cover curves, the label-free collapse check, and the final per-class table.
import {
  DEMO_ARMS, DEMO_CLASS_NAMES, escapeHtml, lineChart, smooth, type ArmResult, type CurvePoint, type EngineInfo,
} from '../../src/browser.js';
import { WEB_PRESETS, type WebPresetName } from './arms.js';
import { describeEngine, requestedBackend } from './engine.js';
import { el, header } from './layout.js';
import type { ArmJob, FromWorker, ModelFiles, ToWorker } from './shared.js';

interface ArmView {
  key: string;
  label: string;
  worker?: Worker;
  status: 'idle' | 'starting' | 'training' | 'stopping' | 'stopped' | 'done' | 'error';
  engine?: EngineInfo;
  /** the `plca train` command that trains the same arm */
  command?: string;
  steps?: number;
  curve: CurvePoint[];
  valCurve: Array<{ step: number; mIoU: number }>;
  /** wall ms of the updates since the last (re)start */
  msPerUpdate: number[];
  result?: ArmResult;
  model?: ModelFiles;
  savedTo?: string;
  message?: string;
}

/** State for the browser test and for curious users. */
const state: { status: string; preset?: WebPresetName; arms: Record<string, ArmView>; error?: string } = { status: 'idle', arms: {} };
(window as unknown as { plcaAdapt: typeof state }).plcaAdapt = state;

const { engine } = header('adapt');
engine.textContent = 'engine: starts with the run';
const main = el('main');
document.body.append(main);
const params = new URLSearchParams(location.search);
const presetNames = Object.keys(WEB_PRESETS) as WebPresetName[];
const stepsParam = Number.isInteger(Number(params.get('steps'))) && Number(params.get('steps')) > 0 ? Number(params.get('steps')) : undefined;
const initialPreset = (presetNames as string[]).includes(params.get('preset') ?? '') ? params.get('preset') as WebPresetName : 'short';

main.append(el('section', {}, `<h2>PLCA on MiniCity, in this tab</h2>
  <p class="muted" style="margin-top:0">Two networks (the 265 k-parameter GroupNorm net of <code>npm start</code>) train from the same seed on
  labelled source scenes and unlabelled target scenes whose style is shifted by <i>k</i>: one on the source labels only (CE + Lovász),
  one with Pixel-Level Cycle Association on top. Both are scored on labelled target images they never trained on.</p>
  <div class="row">
    <span><label>preset</label><select id="preset">${presetNames.map((p) => {
      const s = WEB_PRESETS[p] as { steps?: number; trainImages?: number };
      const steps = stepsParam ?? s.steps ?? 600; // ?steps=N overrides every preset's updates
      return `<option value="${p}"${p === initialPreset ? ' selected' : ''}>${p}: ${steps} updates, ${s.trainImages ?? 1000} + ${s.trainImages ?? 1000} training images</option>`;
    }).join('')}</select></span>
    <span><label>seed</label><input id="seed" type="number" value="${Number(params.get('seed') ?? 0)}" style="width:60px"></span>
    <span><label>target gap k</label><input id="k" type="number" step="0.1" min="0" value="${Number(params.get('k') ?? 0.6)}" style="width:60px"></span>
    <button class="primary" id="start">Start</button><button id="stop" disabled>Stop</button><button id="resume" disabled>Resume</button>
    <button id="download" disabled>Download the adapted model</button>
    <a id="segmentLink" href="./index.html" style="display:none">Segment with the adapted model →</a>
  </div>
  <div id="status" class="muted" style="margin-top:8px"></div>`));
const armsBox = el('section', {}, '<h2>Training</h2><div class="arms" id="arms"></div><div class="charts" id="charts"></div>');
const resultBox = el('section', {}, '<h2>Result</h2><div id="result" class="muted">The per-class table appears when both runs finish.</div>');
main.append(armsBox, resultBox);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function fail(message: string): void {
  state.status = 'error';
  state.error = message;
  $('status').innerHTML = `<span class="error">${escapeHtml(message)}</span>`;
}

function settings(): Omit<ArmJob, 'arm' | 'exportModel'> {
  const k = Number($<HTMLInputElement>('k').value);
  const seed = Number($<HTMLInputElement>('seed').value);
  return {
    preset: $<HTMLSelectElement>('preset').value as WebPresetName, seed: Number.isInteger(seed) ? seed : 0, k: Number.isFinite(k) && k >= 0 ? k : 0.6,
    backend: requestedBackend(), ...(stepsParam !== undefined ? { steps: stepsParam } : {}),
  };
}

function send(a: ArmView, m: ToWorker): void {
  a.worker!.postMessage(m);
}

function start(): void {
  const s = settings();
  for (const a of Object.values(state.arms)) a.worker?.terminate();
  state.arms = {};
  state.preset = s.preset;
  state.status = 'running';
  state.error = undefined;
  for (const arm of DEMO_ARMS) {
    const view: ArmView = { key: arm.key, label: arm.label, status: 'starting', curve: [], valCurve: [], msPerUpdate: [] };
    view.worker = new Worker(new URL('./arm_worker.ts', import.meta.url), { type: 'module', name: arm.key });
    view.worker.onmessage = (ev: MessageEvent<FromWorker>) => onMessage(view, ev.data);
    view.worker.onerror = (ev) => { view.status = 'error'; fail(`${arm.label}: ${ev.message}`); };
    state.arms[arm.key] = view;
    send(view, { type: 'start', job: { ...s, arm: arm.key, exportModel: arm.key === 'plca' } });
  }
  $('result').innerHTML = 'The per-class table appears when both runs finish.';
  $<HTMLButtonElement>('download').disabled = true;
  $('segmentLink').style.display = 'none';
  render();
}

function onMessage(a: ArmView, m: FromWorker): void {
  if (m.type === 'engine') {
    a.engine = m.engine;
    a.command = m.command;
    a.steps = m.steps;
    a.message = 'generating the MiniCity scenes…';
    engine.textContent = `engine: ${describeEngine(m.engine)} (in each training worker)`;
  } else if (m.type === 'event') {
    const e = m.event;
    if (e.type === 'start') {
      a.status = 'training';
      a.message = e.resumedFrom ? `resumed from ${e.resumedFrom}` : '';
    } else if (e.type === 'step') {
      while (a.curve.length > 0 && a.curve[a.curve.length - 1].step >= e.step) a.curve.pop();
      a.curve.push({ step: e.step, loss: e.loss, terms: e.terms, diagnostics: e.diagnostics });
      a.msPerUpdate.push(e.ms);
    } else if (e.type === 'validation' && typeof e.metrics.mIoU === 'number') {
      a.valCurve.push({ step: e.step, mIoU: e.metrics.mIoU });
    } else if (e.type === 'warning') {
      a.message = e.message;
    }
  } else if (m.type === 'stopped') {
    a.status = 'stopped';
    a.message = `stopped after update ${m.step}; checkpoint kept in this tab`;
  } else if (m.type === 'done') {
    a.status = 'done';
    a.result = m.result;
    a.model = m.model;
    a.savedTo = m.savedTo;
    a.worker?.terminate();
    a.worker = undefined;
  } else if (m.type === 'error') {
    a.status = 'error';
    fail(`${a.label}: ${m.message}`);
  }
  render();
}

let pending = false;
/** Re-renders at most once per animation frame (events arrive faster than the page needs). */
function render(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}

/** source only blue, PLCA red (as in the demo's report), other arms (controls) after them. */
const ARM_COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
function armColor(key: string): string {
  const order = ['source_only', 'plca', ...DEMO_ARMS.map((a) => a.key).filter((k) => k !== 'source_only' && k !== 'plca')];
  return ARM_COLORS[Math.max(0, order.indexOf(key)) % ARM_COLORS.length];
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

function draw(): void {
  const arms = Object.values(state.arms);
  $('arms').innerHTML = arms.map((a) => {
    const steps = a.steps ?? '?';
    const last = a.curve.at(-1);
    const cover = last?.diagnostics['fass.coverRatio'];
    const ms = median(a.msPerUpdate.slice(-20));
    return `<div class="arm"><h3>${escapeHtml(a.label)}</h3>
      <div>${a.status}${last ? `: update ${last.step} / ${steps}, loss ${last.loss.toFixed(3)}` : ''}${Number.isFinite(ms) ? `, ${ms.toFixed(0)} ms per update` : ''}</div>
      ${cover !== undefined ? `<div class="muted">feature cover ratio ${cover.toFixed(2)} (collapse below 0.1)</div>` : ''}
      <div class="muted">${escapeHtml(a.message ?? '')}</div>
      ${a.command ? `<div class="muted" style="font-size:12px">same run in Node: <code>${escapeHtml(a.command)}</code></div>` : ''}</div>`;
  }).join('');
  const loss = arms.map((a) => ({ name: a.label, color: armColor(a.key), points: smooth(a.curve.map((p) => [p.step, p.loss] as [number, number]), Math.max(1, Math.round(a.curve.length / 60))) }));
  const miou = arms.map((a) => ({ name: a.label, color: armColor(a.key), points: a.valCurve.map((p) => [p.step, p.mIoU] as [number, number]) }));
  const plca = state.arms.plca;
  const cover = plca ? [{ name: 'PLCA feature cover ratio', color: armColor('plca'), points: plca.curve.filter((p) => p.diagnostics['fass.coverRatio'] !== undefined).map((p) => [p.step, p.diagnostics['fass.coverRatio']] as [number, number]) }] : [];
  $('charts').innerHTML = [
    lineChart(loss, { title: 'training loss (weighted total)', xLabel: 'update', width: 400, height: 230 }),
    lineChart(miou, { title: 'target-val mIoU (%)', xLabel: 'update', width: 400, height: 230 }),
    lineChart(cover, { title: 'collapse check: feature cover ratio', xLabel: 'update', width: 400, height: 230, yRange: [0, 1], hline: { y: 0.1, label: 'collapse' } }),
  ].join('');
  const running = arms.some((a) => a.status === 'training' || a.status === 'starting');
  const stopped = arms.some((a) => a.status === 'stopped');
  $<HTMLButtonElement>('stop').disabled = !running;
  $<HTMLButtonElement>('resume').disabled = !stopped || running;
  $<HTMLButtonElement>('start').disabled = running;
  const done = arms.length > 0 && arms.every((a) => a.status === 'done');
  if (done && state.status !== 'done') finish();
  if (!done && state.status === 'running') $('status').textContent = `${arms.map((a) => `${a.label}: ${a.status}`).join(' · ')}`;
}

/** The per-class table: target IoU of every arm, and PLCA's gain over source only (the demo's comparison). */
function finish(): void {
  state.status = 'done';
  const arms = Object.values(state.arms);
  const so = state.arms.source_only?.result;
  const pl = state.arms.plca?.result;
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));
  const gainCell = (a: number | null | undefined, b: number | null | undefined) => {
    if (a === null || a === undefined || b === null || b === undefined) return '<td>–</td>';
    const d = b - a;
    return `<td class="${d >= 0 ? 'gain-pos' : 'gain-neg'}">${d >= 0 ? '+' : ''}${d.toFixed(1)}</td>`;
  };
  const rows = DEMO_CLASS_NAMES.map((c) => `<tr><td>${escapeHtml(c)}</td>${arms.map((a) => `<td>${cell(a.result!.target.perClass[c])}</td>`).join('')}` +
    `${gainCell(so?.target.perClass[c], pl?.target.perClass[c])}</tr>`).join('');
  const collapse = (r: ArmResult) => (r.collapse.collapsed ? `<span class="gain-neg">collapsed: ${escapeHtml(r.collapse.reasons.join('; '))}</span>`
    : `no collapse (${r.collapse.classesPredicted} classes predicted${r.collapse.minCoverRatio === null ? '' : `, lowest feature cover ratio ${r.collapse.minCoverRatio.toFixed(2)}`})`);
  const list = (f: (a: ArmView) => string) => arms.map((a) => `${escapeHtml(a.label)} <b>${f(a)}</b>`).join(', ');
  const gain = so && pl ? pl.target.mIoU - so.target.mIoU : undefined;
  $('result').classList.remove('muted');
  $('result').innerHTML = `<p>Target-val mIoU at the last update (${arms[0].result!.target.images} images): ${list((a) => a.result!.target.mIoU.toFixed(1))}${gain === undefined ? '' :
    `; PLCA over source only <span class="${gain >= 0 ? 'gain-pos' : 'gain-neg'}">${gain >= 0 ? '+' : ''}${gain.toFixed(1)}</span>`}.
    Source-val mIoU: ${arms.map((a) => a.result!.source?.mIoU.toFixed(1) ?? '–').join(' / ')}.
    Training: ${arms.map((a) => `${a.result!.trainSeconds.toFixed(0)} s`).join(' / ')}.</p>
    <table id="perClass"><tr><th>target IoU (%)</th>${arms.map((a) => `<th>${escapeHtml(a.label)}</th>`).join('')}<th>PLCA − source only</th></tr>${rows}
    <tr><td><b>mIoU</b></td>${arms.map((a) => `<td><b>${a.result!.target.mIoU.toFixed(1)}</b></td>`).join('')}${gainCell(so?.target.mIoU, pl?.target.mIoU)}</tr></table>
    <p>Collapse check (no target labels): ${arms.map((a) => `${escapeHtml(a.label)}: ${collapse(a.result!)}`).join('; ')}.</p>`;
  const model = state.arms.plca?.model;
  $<HTMLButtonElement>('download').disabled = model === undefined;
  if (state.arms.plca?.savedTo) {
    const link = $<HTMLAnchorElement>('segmentLink');
    link.href = `./index.html?model=${encodeURIComponent(state.arms.plca.savedTo)}${requestedBackend() === 'auto' ? '' : `&backend=${requestedBackend()}`}`;
    link.style.display = '';
  }
  $('status').textContent = 'done';
}

function download(): void {
  const model = state.arms.plca?.model;
  if (!model) return;
  const save = (blob: Blob, name: string) => {
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  save(new Blob([model.modelJson], { type: 'application/json' }), 'model.json');
  save(new Blob([model.weights], { type: 'application/octet-stream' }), 'plca-minicity-adapted.weights.bin');
}

$('start').addEventListener('click', start);
$('stop').addEventListener('click', () => {
  for (const a of Object.values(state.arms)) if (a.worker && a.status === 'training') { a.status = 'stopping'; send(a, { type: 'stop' }); }
  render();
});
$('resume').addEventListener('click', () => {
  for (const a of Object.values(state.arms)) if (a.worker && a.status === 'stopped') { a.status = 'training'; a.msPerUpdate = []; send(a, { type: 'resume' }); }
  render();
});
$('download').addEventListener('click', download);
if (params.get('autostart') === '1') start();
else draw();
