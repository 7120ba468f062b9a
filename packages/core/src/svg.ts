/**
 * Dependency-free SVG line plots for reports: pure string building, so the same code draws the
 * CLI's report files and the web app's live charts.
 */

import { OptionError } from './errors.js';

/** One line of a plot: [x, y] points and an optional shaded band of [x, low, high]. */
export interface PlotSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  /** A shaded interval around the line, e.g. a 95% confidence band. */
  readonly band?: readonly (readonly [number, number, number])[];
  /** Draw the line dashed (e.g. a reference series from a paper). */
  readonly dashed?: boolean;
}

/** What `linePlot` draws: titles, the x scale, an optional fixed y range and the series. */
export interface LinePlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** `log2` places ticks at powers of 2 and skips points with x <= 0. */
  readonly xScale: 'linear' | 'log2';
  /** Fixed [low, high] of the y axis; default: a rounded range around the data and bands. */
  readonly yRange?: readonly [number, number];
  readonly series: readonly PlotSeries[];
}

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { top: 40, left: 64, bottom: 56 };
const CHAR_WIDTH = 6.6;
/** Tableau 10: distinguishable, colour-blind-friendlier than the defaults of most tools. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Escapes text for XML/HTML content and quoted attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/** A coordinate with two decimals and no `-0`. */
function num(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

interface Axis {
  readonly lo: number;
  readonly hi: number;
  readonly ticks: readonly { value: number; label: string }[];
  /** Data value to axis space (identity or log2). */
  readonly transform: (v: number) => number;
}

/** Ticks at 1, 2 or 5 times a power of ten, about `target` of them; the domain rounded out to ticks unless fixed. */
function linearAxis(lo: number, hi: number, fixed: boolean, target = 6): Axis {
  const step0 = (hi - lo) / target;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const norm = step0 / magnitude;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const domainLo = fixed ? lo : Math.floor(lo / step + 1e-9) * step;
  const domainHi = fixed ? hi : Math.ceil(hi / step - 1e-9) * step;
  const ticks: { value: number; label: string }[] = [];
  for (let k = Math.ceil(domainLo / step - 1e-9); k * step <= domainHi + step * 1e-9; k++) {
    const value = Number((k * step).toFixed(decimals));
    ticks.push({ value, label: String(value === 0 ? 0 : value) });
  }
  return { lo: domainLo, hi: domainHi, ticks, transform: (v) => v };
}

/** Ticks at powers of 2 (at most about 10, thinned evenly); the domain spans whole powers. */
function log2Axis(lo: number, hi: number): Axis {
  const kLo = Math.floor(Math.log2(lo) + 1e-9);
  const kHi = Math.max(kLo + 1, Math.ceil(Math.log2(hi) - 1e-9));
  const every = Math.ceil((kHi - kLo + 1) / 10);
  const ticks: { value: number; label: string }[] = [];
  for (let k = kLo; k <= kHi; k += every) {
    ticks.push({ value: k, label: k >= -3 && k <= 20 ? String(2 ** k) : `2^${k}` });
  }
  return { lo: kLo, hi: kHi, ticks, transform: Math.log2 };
}

/** [min, max] of the finite values, widened when they coincide; [0, 1] when there are none. */
function extent(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  if (lo < hi) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) / 2;
  return [lo - pad, hi + pad];
}

/** FNV-1a hash as 8 hex digits: a stable id for the clip path, distinct between plots on one page. */
function hashId(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * An SVG line plot (640 x 400): axes with ticks and labels, one polyline with markers per series,
 * optional shaded bands, a legend and a fixed palette. Points with a NaN or infinite coordinate
 * (or x <= 0 on a log2 axis) are skipped and the line joins their neighbours.
 */
export function linePlot(options: LinePlotOptions): string {
  const { title, xLabel, yLabel, xScale, yRange, series } = options;
  if (yRange && !(Number.isFinite(yRange[0]) && Number.isFinite(yRange[1]) && yRange[0] < yRange[1])) {
    throw new OptionError(`plot y range [${yRange.join(', ')}] is not an increasing pair of finite numbers`, 'pass yRange as [low, high] with low < high');
  }
  const xOk = (x: number) => Number.isFinite(x) && (xScale === 'linear' || x > 0);
  const lines = series.map((s) => ({
    ...s,
    points: s.points.filter(([x, y]) => xOk(x) && Number.isFinite(y)),
    band: (s.band ?? []).filter(([x, a, b]) => xOk(x) && Number.isFinite(a) && Number.isFinite(b)),
  }));
  const xs = lines.flatMap((s) => [...s.points.map((p) => p[0]), ...s.band.map((b) => b[0])]);
  const ys = lines.flatMap((s) => [...s.points.map((p) => p[1]), ...s.band.flatMap((b) => [b[1], b[2]])]);
  const [xLo, xHi] = xScale === 'log2' && xs.length === 0 ? [1, 2] : extent(xs);
  const xAxis = xScale === 'log2' ? log2Axis(xLo, xHi) : linearAxis(xLo, xHi, false);
  const yAxis = yRange ? linearAxis(yRange[0], yRange[1], true) : linearAxis(...extent(ys), false);

  const longest = Math.max(0, ...series.map((s) => s.name.length));
  const right = series.length === 0 ? 16 : Math.min(240, Math.max(110, 44 + CHAR_WIDTH * longest));
  const x0 = MARGIN.left;
  const x1 = WIDTH - right;
  const y0 = MARGIN.top;
  const y1 = HEIGHT - MARGIN.bottom;
  const sx = (x: number) => x0 + ((xAxis.transform(x) - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (x1 - x0);
  const sy = (y: number) => y1 - ((y - yAxis.lo) / (yAxis.hi - yAxis.lo)) * (y1 - y0);
  const id = `clip-${hashId([title, xLabel, yLabel, ...series.map((s) => s.name)].join('\u0000'))}`;

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" role="img">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<defs><clipPath id="${id}"><rect x="${x0 - 4}" y="${y0 - 4}" width="${x1 - x0 + 8}" height="${y1 - y0 + 8}"/></clipPath></defs>`,
    `<text x="${num((x0 + x1) / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const t of xAxis.ticks) {
    const x = num(x0 + ((t.value - xAxis.lo) / (xAxis.hi - xAxis.lo)) * (x1 - x0));
    out.push(
      `<line x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="#e6e6e6"/>`,
      `<line x1="${x}" y1="${y1}" x2="${x}" y2="${y1 + 5}" stroke="#333333"/>`,
      `<text class="x-tick" x="${x}" y="${y1 + 18}" text-anchor="middle" font-size="11">${escapeXml(t.label)}</text>`,
    );
  }
  for (const t of yAxis.ticks) {
    const y = num(sy(t.value));
    out.push(
      `<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e6e6e6"/>`,
      `<line x1="${x0 - 5}" y1="${y}" x2="${x0}" y2="${y}" stroke="#333333"/>`,
      `<text class="y-tick" x="${x0 - 8}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11">${escapeXml(t.label)}</text>`,
    );
  }
  out.push(
    `<rect x="${x0}" y="${y0}" width="${x1 - x0}" height="${y1 - y0}" fill="none" stroke="#333333"/>`,
    `<text x="${num((x0 + x1) / 2)}" y="${HEIGHT - 14}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    `<text x="16" y="${num((y0 + y1) / 2)}" text-anchor="middle" font-size="12" transform="rotate(-90 16 ${num((y0 + y1) / 2)})">${escapeXml(yLabel)}</text>`,
    `<g clip-path="url(#${id})">`,
  );
  lines.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`);
    if (s.band.length > 0) {
      const upper = s.band.map(([x, , hi]) => `${num(sx(x))},${num(sy(hi))}`);
      const lower = s.band.map(([x, lo]) => `${num(sx(x))},${num(sy(lo))}`).reverse();
      out.push(`<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="${color}" fill-opacity="0.15" stroke="none"/>`);
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline points="${s.points.map(([x, y]) => `${num(sx(x))},${num(sy(y))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${color}"/>`);
    out.push('</g>');
  });
  out.push('</g>');
  series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const y = y0 + 8 + 20 * i;
    const lx = x1 + 14;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (s.band && s.band.length > 0) out.push(`<rect x="${lx}" y="${y - 6}" width="24" height="12" fill="${color}" fill-opacity="0.15"/>`);
    out.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 24}" y2="${y}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<circle cx="${lx + 12}" cy="${y}" r="3" fill="${color}"/>`,
      `<text class="legend" x="${lx + 30}" y="${y}" dominant-baseline="middle" font-size="11">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
