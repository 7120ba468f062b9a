/** Layer x head heatmaps with the value printed in every cell and the chosen head outlined. */
import { formatNumber } from '../present/format.js';
import { type Figure, figureTitle, finishSpec, MAX_FIGURE_WIDTH } from './figure.js';

/** One panel of a head heatmap: a value per (layer, head) (null where undefined) and the head to outline. */
export interface HeadPanel {
  readonly label: string;
  readonly cells: readonly { readonly layer: number; readonly head: number; readonly value: number | null }[];
  readonly best: { readonly layer: number; readonly head: number } | null;
}

/** What `headHeatmap` draws: `unit` for scores in [0, 1] (viridis), `diverging` for correlations in [-1, 1]. */
export interface HeadHeatmapOptions {
  readonly name: string;
  readonly title: string;
  readonly subtitle: readonly string[];
  readonly legendTitle: string;
  readonly scale: 'unit' | 'diverging';
  readonly panels: readonly HeadPanel[];
}

/** A cell's size (px): at least wide enough for a printed value like `-0.154` at 10 px; larger in small models. */
function cellSize(layers: number, heads: number): { width: number; height: number } {
  return { width: Math.max(40, Math.min(64, Math.floor(256 / heads))), height: Math.max(22, Math.min(36, Math.floor(144 / layers))) };
}

/** Whether the printed value needs white ink on this cell's colour (dark cells: viridis low, diverging ends). */
function darkCell(value: number, scale: 'unit' | 'diverging'): boolean {
  return scale === 'unit' ? value < 0.45 : Math.abs(value) > 0.65;
}

/**
 * A layer x head heatmap figure: one panel per entry (wrapped to fit 1200 px), integer layer and
 * head ticks, the value printed in each cell with 3 significant digits, the `best` head outlined,
 * undefined cells grey and marked '-', one colour legend with fixed ends (0..1 or -1..1).
 */
export function headHeatmap(options: HeadHeatmapOptions): Figure {
  const layers = [...new Set(options.panels.flatMap((p) => p.cells.map((c) => c.layer)))].sort((a, b) => a - b);
  const heads = [...new Set(options.panels.flatMap((p) => p.cells.map((c) => c.head)))].sort((a, b) => a - b);
  const cell = cellSize(layers.length, heads.length);
  const width = heads.length * cell.width;
  const height = layers.length * cell.height;
  const legendWidth = 110;
  const columns = Math.max(1, Math.min(options.panels.length, Math.floor((MAX_FIGURE_WIDTH - legendWidth) / (width + 70))));
  const figureWidth = Math.max(360, columns * (width + 70));
  const diverging = options.scale === 'diverging';
  const color = {
    field: 'value',
    type: 'quantitative',
    title: options.legendTitle,
    scale: diverging
      ? { domain: [-1, 1], domainMid: 0, scheme: 'blueorange', clamp: true }
      : { domain: [0, 1], scheme: 'viridis', clamp: true },
    legend: {
      values: diverging ? [-1, -0.5, 0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1],
      format: '.3~r',
      gradientLength: Math.max(120, Math.min(height, 240)),
      orient: 'right',
    },
  };
  const x = { field: 'head', type: 'ordinal', title: 'head', sort: heads, axis: { labelAngle: 0 } };
  const y = { field: 'layer', type: 'ordinal', title: 'layer', sort: layers };
  const panel = (p: HeadPanel) => ({
    title: { text: p.label, anchor: 'middle', fontSize: 12 },
    data: {
      values: p.cells.map((c) => ({
        layer: c.layer,
        head: c.head,
        value: c.value,
        label: formatNumber(c.value),
        ink: c.value !== null && darkCell(c.value, options.scale) ? 'white' : 'black',
        best: p.best !== null && p.best.layer === c.layer && p.best.head === c.head,
      })),
    },
    width,
    height,
    layer: [
      { transform: [{ filter: 'datum.value === null' }], mark: { type: 'rect', color: '#d9d9d9' }, encoding: { x, y } },
      {
        transform: [{ filter: 'datum.value !== null' }],
        mark: { type: 'rect' },
        encoding: { x, y, color, tooltip: [x, y, { field: 'label', title: options.legendTitle }] },
      },
      { transform: [{ filter: 'datum.best' }], mark: { type: 'rect', filled: false, stroke: 'black', strokeWidth: 4 }, encoding: { x, y } },
      {
        transform: [{ filter: 'datum.best' }],
        mark: { type: 'rect', filled: false, stroke: 'white', strokeWidth: 1.5 },
        encoding: { x, y },
      },
      {
        mark: { type: 'text', fontSize: cell.width >= 48 ? 11 : 10, baseline: 'middle' },
        encoding: { x, y, text: { field: 'label' }, fill: { field: 'ink', type: 'nominal', scale: null } },
      },
    ],
  });
  return {
    name: options.name,
    title: options.title,
    spec: finishSpec({
      title: figureTitle(options.title, options.subtitle, figureWidth),
      concat: options.panels.map(panel),
      columns,
      resolve: { scale: { color: 'shared' } },
    }),
  };
}
