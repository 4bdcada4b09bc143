/**
 * Minimal inline-SVG line charts for the self-contained report (no scripts, no external files).
 */

export interface Series {
  name: string;
  /** [x, y] points; non-finite y values are skipped */
  points: Array<[number, number]>;
  color?: string;
  /** dashed stroke */
  dashed?: boolean;
}

export interface ChartOptions {
  title: string;
  xLabel?: string;
  /** fixed y range; from the data when absent */
  yRange?: [number, number];
  width?: number;
  height?: number;
  /** a horizontal reference line (e.g. the collapse threshold) */
  hline?: { y: number; label: string };
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Mean over consecutive windows of `w` points (x of the window's last point), to tame batch noise. */
export function smooth(points: Array<[number, number]>, w: number): Array<[number, number]> {
  if (w <= 1) return points;
  const out: Array<[number, number]> = [];
  for (let i = 0; i < points.length; i += w) {
    const win = points.slice(i, i + w).filter(([, y]) => Number.isFinite(y));
    if (win.length === 0) continue;
    out.push([win[win.length - 1][0], win.reduce((a, [, y]) => a + y, 0) / win.length]);
  }
  return out;
}

function niceTicks(lo: number, hi: number, n = 4): number[] {
  const span = hi - lo || 1;
  const step0 = span / n;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push(+t.toPrecision(6));
  return ticks;
}

/** An SVG line chart as a string. */
export function lineChart(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 420;
  const H = o.height ?? 220;
  const m = { l: 46, r: 10, t: 24, b: 34 };
  const pts = series.flatMap((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  if (pts.length === 0) return '';
  const xs = pts.map(([x]) => x);
  const ys = pts.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = o.yRange ?? [Math.min(...ys, o.hline?.y ?? Infinity), Math.max(...ys, o.hline?.y ?? -Infinity)];
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0 || 1)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="10">`,
    `<text x="${W / 2}" y="14" text-anchor="middle" font-size="12" font-weight="bold">${escapeHtml(o.title)}</text>`,
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#999"/>`,
  ];
  for (const t of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#eee"/>`,
      `<text x="${m.l - 4}" y="${(sy(t) + 3).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const t of niceTicks(x0, x1)) {
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${H - m.b + 12}" text-anchor="middle">${t}</text>`);
  }
  if (o.xLabel) parts.push(`<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`);
  if (o.hline) {
    const y = sy(o.hline.y).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" stroke="#000" stroke-dasharray="2,3"/>`,
      `<text x="${W - m.r - 2}" y="${(+y - 3).toFixed(1)}" text-anchor="end">${escapeHtml(o.hline.label)}</text>`);
  }
  const drawn = series
    .map((s, i) => ({ s, color: s.color ?? PALETTE[i % PALETTE.length], p: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }))
    .filter((d) => d.p.length > 0);
  const dash = (s: Series) => (s.dashed ? ' stroke-dasharray="5,3"' : '');
  for (const { s, color, p } of drawn) {
    const d = p.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${dash(s)}/>`);
  }
  // The legend goes last, on a light box, so that it stays readable over the lines.
  const legendW = 30 + 5.5 * Math.max(0, ...drawn.map((d) => d.s.name.length));
  parts.push(`<rect x="${m.l + 4}" y="${m.t + 2}" width="${legendW.toFixed(0)}" height="${12 * drawn.length + 3}" fill="#fff" fill-opacity="0.85"/>`);
  drawn.forEach(({ s, color }, i) => {
    const ly = m.t + 12 + 12 * i;
    parts.push(`<line x1="${m.l + 8}" x2="${m.l + 24}" y1="${ly - 3}" y2="${ly - 3}" stroke="${color}" stroke-width="2"${dash(s)}/>`,
      `<text x="${m.l + 28}" y="${ly}">${escapeHtml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
