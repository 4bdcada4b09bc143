/**
 * `report.html`: one self-contained page (inline CSS, inline SVG charts, the mosaic as an
 * embedded PNG data URI) with the per-class table, the loss and diagnostic curves, the
 * collapse checks and the settings.
 */
import { DEFAULT_PORT } from '../serve/web_server.js';
import type { DemoResults, RunSummary } from './results.js';
import type { CurvePoint } from './collapse.js';
import type { ArmResult } from './run_arm.js';
import { escapeHtml, lineChart, smooth, type Series } from './svg.js';

const f1 = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(1));
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;

function seriesOf(curve: CurvePoint[], pick: (p: CurvePoint) => number | undefined, name: string, w: number, extra: Partial<Series> = {}): Series {
  const pts = curve.map((p) => [p.step, pick(p) ?? NaN] as [number, number]).filter(([, y]) => Number.isFinite(y));
  return { name, points: smooth(pts, w), ...extra };
}

/** Charts: total loss of both arms, PLCA's terms, association diagnostics, target-val mIoU. */
export function reportCharts(so: ArmResult, pl: ArmResult, coverThreshold = 0.1): string[] {
  const w = Math.max(1, Math.round(pl.curve.length / 60));
  const charts = [
    lineChart([
      seriesOf(so.curve, (p) => p.loss, 'source only: total', w),
      seriesOf(pl.curve, (p) => p.loss, 'PLCA: total', w),
    ], { title: 'Training loss (weighted total)', xLabel: 'update' }),
    lineChart(['ce', 'lovasz', 'fass', 'cass', 'lsrS', 'lsrT']
      .map((t) => seriesOf(pl.curve, (p) => p.terms[t], t, w))
      .filter((s) => s.points.length > 0), { title: 'PLCA loss terms (unweighted)', xLabel: 'update' }),
    lineChart([
      seriesOf(pl.curve, (p) => p.diagnostics['fass.coverRatio'], 'feature cover ratio', w),
      seriesOf(pl.curve, (p) => p.diagnostics['fass.positiveRatio'], 'feature positive ratio', w),
      seriesOf(pl.curve, (p) => p.diagnostics['cass.coverRatio'], 'prediction cover ratio', w, { dashed: true }),
      seriesOf(pl.curve, (p) => p.diagnostics['cass.positiveRatio'], 'prediction positive ratio', w, { dashed: true }),
    ].filter((s) => s.points.length > 0), {
      title: 'PLCA association diagnostics (no target labels)', xLabel: 'update', yRange: [0, 1],
      hline: { y: coverThreshold, label: `collapse warning (cover < ${coverThreshold})` },
    }),
  ];
  if (so.valCurve.length > 0 || pl.valCurve.length > 0) {
    charts.push(lineChart([
      { name: 'source only', points: so.valCurve.map((p) => [p.step, p.mIoU]) },
      { name: 'PLCA', points: pl.valCurve.map((p) => [p.step, p.mIoU]) },
    ], { title: 'Target-val mIoU during training (shown, never used to select)', xLabel: 'update' }));
  }
  return charts.filter((c) => c.length > 0);
}

/** Target-val mIoU of every arm during training (a fine-tuning arm's updates counted after its parent's). */
function allArmsValChart(arms: Record<string, ArmResult>): string {
  const offset = (a: ArmResult) => (a.key === 'self_training' && arms.source_only ? arms.source_only.steps : 0);
  const series = Object.values(arms).filter((a) => a.valCurve.length > 0)
    .map((a): Series => ({ name: a.label, points: a.valCurve.map((p) => [p.step + offset(a), p.mIoU]) }));
  return series.length < 2 ? '' : lineChart(series, { title: 'Target-val mIoU of every arm (self-training continues source-only)', xLabel: 'update' });
}

/** Per-class IoU of every arm, PLCA − source-only, and PLCA − the strongest control. */
function classTable(res: DemoResults): string {
  const keys = Object.keys(res.runs);
  const a = res.runs.source_only;
  const b = res.runs.plca;
  const best = res.runs[res.strongestControl.key];
  const cell = (x: number | null, y: number | null) => (x !== null && y !== null ? signed(y - x) : '–');
  const rows = Object.keys(a.perClass).map((c) => `<tr><td>${escapeHtml(c)}</td>${keys.map((k) => `<td>${f1(res.runs[k].perClass[c])}</td>`).join('')}`
    + `<td>${cell(a.perClass[c], b.perClass[c])}</td><td>${cell(best.perClass[c], b.perClass[c])}</td></tr>`);
  const foot = (name: string, pick: (r: RunSummary) => number | null, extra = '<td></td><td></td>') =>
    `<tr><td>${name}</td>${keys.map((k) => `<td>${f1(pick(res.runs[k]))}</td>`).join('')}${extra}</tr>`;
  return `<table><thead><tr><th>class (target val IoU, %)</th>${keys.map((k) => `<th>${escapeHtml(res.runs[k].label)}</th>`).join('')}<th>PLCA − source only</th><th>PLCA − strongest control</th></tr></thead>
<tbody>${rows.join('')}</tbody>
<tfoot>${foot('<b>mIoU</b>', (r) => r.mIoU, `<th>${signed(res.gain)}</th><th>${signed(res.gainVsStrongest)}</th>`)}
${foot('source-val mIoU (sanity)', (r) => r.sourceMIoU)}
${foot('pixel accuracy (target)', (r) => r.pixelAccuracy)}</tfoot></table>`;
}

function collapseBlock(res: DemoResults): string {
  const items = Object.keys(res.runs).map((k) => {
    const r = res.runs[k];
    const c = r.collapse;
    const cover = c.minCoverRatio === null ? 'no association' : `min feature cover ratio ${c.minCoverRatio.toFixed(3)} (start ${c.initialCoverRatio!.toFixed(2)})`;
    const state = c.collapsed ? `<b class="bad">COLLAPSE DETECTED</b>: ${c.reasons.map(escapeHtml).join('; ')}` : '<span class="ok">healthy</span>';
    const did = (r.adaptation ?? []).map((a) => `<li>update ${a.step}: ${a.action === 'rollback' || a.action === 'source_only' ? '<b class="bad">' : ''}${escapeHtml(a.message)}${a.action === 'rollback' || a.action === 'source_only' ? '</b>' : ''}</li>`);
    const guard = did.length === 0 ? '' : `<ul class="note">${did.join('')}</ul>`;
    return `<li>${escapeHtml(r.label)}: ${state} — ${cover}, ${c.classesPredicted} classes predicted on target images${guard}</li>`;
  });
  return `<ul>${items.join('')}</ul>`;
}

function settingsTable(res: DemoResults): string {
  const s = res.settings;
  const rows: Array<[string, string]> = [
    ['seed', String(s.seed)], ['target gap k', String(s.k)], ['updates per arm', String(s.steps)],
    ['images (train per domain / target val)', `${s.trainImages} / ${s.valImages}`],
    ['batch', `${s.batchSize} source + ${s.batchSize} target`], ['lr (poly 0.9, SGD momentum 0.9)', String(s.lr)],
    ['loss weights', `${s.weighting}: ${Object.entries(s.weights).map(([k, v]) => `${k} ${v}`).join(', ')}`],
    ['association grid', `features ×${s.associationScale} (stride ${4 / s.associationScale})`],
    ['network', s.model], ['engine', `${s.backend}, ${s.threads} thread(s)${(s.jobs ?? 1) > 1 ? ` per run, ${s.jobs} runs side by side` : ''}`],
    ['wall time', `${res.wallSeconds.toFixed(0)} s (data ${res.diagnostics.dataGenerationSeconds.toFixed(1)} s)`],
    ...Object.entries(s.commands ?? {}).map(([k, c]): [string, string] => [`${k}: the same run with plca train`, c]),
  ];
  return `<table class="kv">${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`;
}

/** How to segment with the exported PLCA net, and watch a run adapt, in a browser (the web app). */
function browserBlock(modelDir: string): string {
  const url = `http://127.0.0.1:${DEFAULT_PORT}/`;
  return `<h2>In your browser</h2>
<p>The PLCA net is exported as a TF.js GraphModel in <code>${escapeHtml(modelDir)}</code>. Serve it with the web app:</p>
<pre>npx plca serve --model ${escapeHtml(modelDir)}</pre>
<p>then open <a href="${url}">${url}</a> to segment MiniCity samples or your own images with it (WebGPU, else WebGL, else
wasm), or <a href="${url}adapt.html">${url}adapt.html</a> to watch source only and PLCA train side by side in the tab.</p>`;
}

export interface ReportInputs {
  results: DemoResults;
  /** every arm's result by key (source_only and plca at least) */
  arms: Record<string, ArmResult>;
  /** the Fig. 3-style mosaic */
  mosaic: Buffer;
  mosaicRows: number;
  /** the exported PLCA net, for the browser section */
  modelDir?: string;
}

/** The whole page. */
export function renderReport(x: ReportInputs): string {
  const r = x.results;
  const so = r.runs.source_only;
  const pl = r.runs.plca;
  const sc = r.strongestControl;
  const verdict = `PLCA ${f1(pl.mIoU)} vs source only ${f1(so.mIoU)} target-val mIoU: <b>${signed(r.gain)}</b> points; `
    + `vs the strongest control (${escapeHtml(sc.label)}, ${f1(sc.mIoU)}): <b>${signed(r.gainVsStrongest)}</b> points`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>plca demo — MiniCity</title>
<style>
body{font-family:system-ui,sans-serif;max-width:960px;margin:24px auto;padding:0 12px;color:#222}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 9px;text-align:right}
td:first-child,th:first-child{text-align:left}tfoot th,tfoot td{background:#f5f5f5}
.kv td{text-align:left}.bad{color:#b00}.ok{color:#070}.charts{display:flex;flex-wrap:wrap;gap:8px}
.mosaic img{image-rendering:pixelated;max-width:100%}.note{color:#555;font-size:13px}
</style></head><body>
<h1>plca demo: Pixel-Level Cycle Association on MiniCity</h1>
<p>${verdict}. Every net was trained from the same seed on labelled "game"-style source scenes and
unlabelled "camera"-style target scenes (gap k = ${r.settings.k}${r.settings.targetStyle ? `, target style ${escapeHtml(r.settings.targetStyle)}` : ''}), and scored on labelled target-val scenes at the
last update: no model selection on target labels. The controls are what a practitioner would try first: source only
with photometric augmentation, and the source-only net fine-tuned on the target with its own confident predictions
(pseudo-labels); a gain of PLCA counts as adaptation only beyond the strongest of them.</p>
<h2>Per-class IoU on the target domain</h2>
${classTable(r)}
<h2>Collapse check (without target labels)</h2>
${collapseBlock(r)}
<p class="note">Flagged when the feature cover ratio (distinct target pixels reached by the cycles over all target pixels, 10-step mean)
falls below 0.1, or when the predictions on target images use at most two classes.</p>
<h2>Curves</h2>
<div class="charts">${[...reportCharts(x.arms.source_only, x.arms.plca), allArmsValChart(x.arms)].filter((c) => c.length > 0).join('\n')}</div>
<h2>Target images and predictions (as the paper's Fig. 3)</h2>
<p class="note">Columns: target image · ground truth · source only · PLCA (Cityscapes palette); ${x.mosaicRows} target-val images.</p>
<div class="mosaic"><img alt="mosaic: target image, ground truth, source-only and PLCA predictions" src="data:image/png;base64,${x.mosaic.toString('base64')}"></div>
${x.modelDir === undefined ? '' : browserBlock(x.modelDir)}
<h2>Settings</h2>
${settingsTable(r)}
<p class="note">Generated ${escapeHtml(r.createdAt)} by plca. results.json beside this file holds every figure shown here.</p>
</body></html>
`;
}
