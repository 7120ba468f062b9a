/**
 * Figures as Vega-Lite specs, and their rendering to SVG with vega (no DOM, no canvas): the CLI
 * writes the SVG, the web app renders the same spec with vega-embed.
 */
import { parse, View } from 'vega';
import { type Config, compile, type TopLevelSpec } from 'vega-lite';
import { wrapText } from '../present/format.js';

/** One figure of a report: a file name (no extension), a title for lists, and its Vega-Lite spec. */
export interface Figure {
  readonly name: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

/** The font the figures ask for; vega without a canvas estimates every text as 0.8 em a character, wider than this. */
export const FIGURE_FONT = 'Helvetica, Arial, sans-serif';

/** The widest a figure may render (px) so that it fits a 1280 px page beside the page's margins. */
export const MAX_FIGURE_WIDTH = 1200;

/** Title and subtitle font sizes (px). */
const TITLE_SIZE = 14;
const SUBTITLE_SIZE = 11;

/**
 * The configuration every figure shares: no text limits (vega truncates with an ellipsis where a
 * limit is set, and without a canvas it measures generously), fixed fonts, titles at the left.
 */
export const FIGURE_CONFIG: Config = {
  font: FIGURE_FONT,
  background: 'white',
  view: { stroke: '#bbbbbb' },
  title: {
    anchor: 'start',
    fontSize: TITLE_SIZE,
    subtitleFontSize: SUBTITLE_SIZE,
    subtitleColor: '#333333',
    limit: 0,
    offset: 10,
    subtitlePadding: 4,
  },
  axis: {
    labelLimit: 0,
    titleLimit: 0,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    gridColor: '#ececec',
    titlePadding: 6,
  },
  legend: {
    labelLimit: 0,
    titleLimit: 0,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    symbolStrokeWidth: 2,
    symbolSize: 70,
    rowPadding: 4,
  },
  header: { labelLimit: 0, titleLimit: 0, labelFontSize: 12, titleFontSize: 12, labelPadding: 4 },
  text: { limit: 0 },
  concat: { spacing: 28 },
  facet: { spacing: 20 },
  numberFormat: '.3~r',
};

/** The spec as every figure ends: the schema, the shared config, padding, and autosize `pad` (the view grows to hold every label). */
export function finishSpec(spec: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...spec,
    config: FIGURE_CONFIG,
    padding: 12,
    autosize: { type: 'pad' },
  } as TopLevelSpec;
}

/**
 * A title and subtitle lines wrapped to about `width` px of real text (0.65 em a character), and
 * never past what vega's estimate (0.8 em) fits in MAX_FIGURE_WIDTH: the figure may grow a little
 * for its title, never past the page.
 */
export function figureTitle(title: string, subtitle: readonly string[], width: number): { text: string[]; subtitle?: string[] } {
  const chars = (size: number) => Math.max(20, Math.floor(Math.min(width / (0.65 * size), (MAX_FIGURE_WIDTH - 40) / (0.8 * size))));
  const text = wrapText(title, chars(TITLE_SIZE));
  const lines = subtitle.flatMap((s) => wrapText(s, chars(SUBTITLE_SIZE)));
  return lines.length > 0 ? { text, subtitle: lines } : { text };
}

/** A name for titles: never a path (a folder or file's basename, without `.json`), 'built-in model' for the bundled one. */
export function displayName(name: string): string {
  const parts = name.split(/[\\/]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return name;
  if (parts.length >= 2 && parts[parts.length - 2] === 'models' && parts[parts.length - 1] === 'default') return 'built-in model';
  const base = parts[parts.length - 1].replace(/\.json$/i, '');
  return base.length > 0 ? base : name;
}

/** The ids in an SVG prefixed with `prefix`, so that several SVGs inline on one page keep their own gradients and clips. */
function prefixIds(svg: string, prefix: string): string {
  return svg
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
}

/** A compiled, run vega View of the figure (renderer none: no DOM); the caller finalizes it. */
export async function figureView(figure: Figure): Promise<View> {
  const view = new View(parse(compile(figure.spec).spec), { renderer: 'none' });
  await view.runAsync();
  return view;
}

/** The figure rendered to a standalone SVG string by vega in Node or a browser (no DOM needed); ids prefixed by the figure's name. */
export async function renderFigureSvg(figure: Figure): Promise<string> {
  const view = await figureView(figure);
  try {
    const svg = await view.toSVG();
    const prefix = `${figure.name.replace(/[^A-Za-z0-9_-]/g, '-')}-`;
    return prefixIds(svg, prefix);
  } finally {
    view.finalize();
  }
}

/** How to place n = 0, 1, 2, 4, ... on an axis: log2 when every n is positive, else symlog (n = 0 at the left). */
export interface NAxis {
  /** The Vega-Lite scale. */
  readonly scale: Record<string, unknown>;
  /** The axis: one tick per n value, integer labels. */
  readonly axis: Record<string, unknown>;
  /** Where to draw a point of n moved by `shift` (in log2 units; a few pixels) so that equal points of several series stay visible. */
  shifted(n: number, shift: number): number;
}

/** The n axis for these n values: ticks at exactly these n, log2 (or symlog with n = 0) spacing. */
export function nAxis(ns: readonly number[], title = 'demonstrations n'): NAxis {
  const values = [...new Set(ns)].sort((a, b) => a - b);
  const axis = { title, values, format: 'd', grid: true, labelFlush: false };
  const lo = values[0] ?? 1;
  const hi = values[values.length - 1] ?? 2;
  if (lo > 0) {
    const margin = 2 ** 0.3;
    return {
      scale: { type: 'log', base: 2, domain: [lo / margin, hi * margin], nice: false },
      axis,
      shifted: (n, shift) => n * 2 ** shift,
    };
  }
  // symlog with constant 1 places n at log(1 + n): n = 0 at 0 and powers of two nearly evenly.
  const up = (n: number) => Math.log2(1 + n);
  const down = (u: number) => 2 ** u - 1;
  return {
    scale: { type: 'symlog', constant: 1, domain: [down(-0.3), down(up(hi) + 0.3)], nice: false },
    axis,
    shifted: (n, shift) => down(up(n) + shift),
  };
}

/** How one series is drawn: its colour, stroke dash and point shape. */
export interface SeriesStyle {
  readonly name: string;
  readonly color: string;
  readonly dash: readonly number[];
  readonly shape: string;
}

/** Tableau 10: distinguishable colours, friendlier to colour-blind readers than most defaults. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** Colour, dash and shape scales for the series, in the order given; `title` names the legend (one merged legend). */
export function seriesEncodings(styles: readonly SeriesStyle[], title: string) {
  const domain = styles.map((s) => s.name);
  return {
    color: {
      field: 'series',
      type: 'nominal',
      title,
      scale: { domain, range: styles.map((s) => s.color) },
      legend: { orient: 'bottom', direction: 'vertical', columns: 2, symbolType: 'stroke', symbolSize: 400, symbolStrokeWidth: 2.5 },
    },
    strokeDash: { field: 'series', type: 'nominal', title, scale: { domain, range: styles.map((s) => [...s.dash]) } },
    // A legend symbol is one mark: it shows the line's colour and dash; the shapes (on a copy of the series
    // field, so that vega-lite does not merge them into the legend) tell coinciding points apart in the plot.
    shape: { field: 'marker', type: 'nominal', title, scale: { domain, range: styles.map((s) => s.shape) }, legend: null },
  } as const;
}

/**
 * Names of series that coincide with an earlier series (equal within 1e-9 at every x they share, or at some x):
 * the legend says so, e.g. `1/n form (= normalised estimator at every n)`.
 */
export function coincidenceNames(series: readonly { name: string; values: ReadonlyMap<number, number | null> }[]): Map<string, string> {
  const names = new Map<string, string>();
  series.forEach((s, i) => {
    for (const earlier of series.slice(0, i)) {
      const shared = [...s.values].filter(([x, v]) => v !== null && earlier.values.get(x) !== undefined && earlier.values.get(x) !== null);
      if (shared.length === 0) continue;
      const equal = shared.filter(([x, v]) => Math.abs((v as number) - (earlier.values.get(x) as number)) < 1e-9).map(([x]) => x);
      if (equal.length === 0) continue;
      const where = equal.length === shared.length ? 'at every n' : `at n = ${equal.join(', ')}`;
      names.set(s.name, `${s.name} (= ${earlier.name} ${where})`);
      break;
    }
  });
  return names;
}
