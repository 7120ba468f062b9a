/** Line charts of series against an x value (n or a step), with 95% bands, in panels: the shape most report figures share. */
import { type SeriesStyle, seriesEncodings } from './figure.js';

/** One point of one series: x as drawn (`xShown`, maybe shifted a few pixels) and as it is (`x`). */
export interface SeriesPoint {
  readonly series: string;
  readonly x: number;
  readonly xShown: number;
  readonly value: number;
  readonly low: number | null;
  readonly high: number | null;
  /** The panel (a column of the figure) and the panel row, where the chart has them. */
  readonly panel?: string;
  readonly row?: string;
}

/** What `seriesChart` draws. */
export interface SeriesChartOptions {
  readonly points: readonly SeriesPoint[];
  readonly styles: readonly SeriesStyle[];
  readonly legendTitle: string;
  readonly x: { readonly title: string; readonly scale: Record<string, unknown>; readonly axis: Record<string, unknown> };
  readonly y: { readonly title: string; readonly domain?: readonly [number, number]; readonly zero?: boolean };
  /** Panels side by side (their order) and panel rows; each panel gets its own y scale where `independentY`. */
  readonly panels?: readonly string[];
  readonly rows?: readonly string[];
  readonly independentY?: boolean;
  readonly width: number;
  readonly height: number;
  /** Horizontal reference lines drawn in every panel: a value and its label. */
  readonly rules?: readonly { readonly value: number; readonly label: string; readonly panel?: string }[];
}

/** The layers (band, line, points) and, with panels, the concatenation around them: a Vega-Lite spec body without title or config. */
export function seriesChart(options: SeriesChartOptions): Record<string, unknown> {
  const { styles, legendTitle } = options;
  const enc = seriesEncodings(styles, legendTitle);
  const x = { field: 'xShown', type: 'quantitative', title: options.x.title, scale: options.x.scale, axis: options.x.axis };
  const yScale: Record<string, unknown> = options.y.domain
    ? { domain: [...options.y.domain], nice: false }
    : { zero: options.y.zero ?? false, nice: true };
  const y = { field: 'value', type: 'quantitative', title: options.y.title, scale: yScale };
  const tooltip = [
    { field: 'series', type: 'nominal', title: legendTitle },
    { field: 'x', type: 'quantitative', title: options.x.title },
    { field: 'value', type: 'quantitative', title: options.y.title, format: '.3~r' },
    { field: 'low', type: 'quantitative', title: '95% low', format: '.3~r' },
    { field: 'high', type: 'quantitative', title: '95% high', format: '.3~r' },
  ];
  // The band fills by series on its own channel without a legend, so the legend shows lines and points.
  const fill = {
    field: 'band',
    type: 'nominal',
    scale: { domain: styles.map((s) => s.name), range: styles.map((s) => s.color) },
    legend: null,
  };
  // A chart without any interval has no band layer (vega warns of the empty band's infinite extent).
  const layers = (rules: readonly { value: number; label: string }[], banded: boolean): Record<string, unknown>[] => [
    ...(banded
      ? [
          {
            transform: [{ filter: 'isValid(datum.low) && isValid(datum.high)' }],
            mark: { type: 'area', opacity: 0.16, interpolate: 'linear' },
            encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, fill },
          },
        ]
      : []),
    { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y, color: enc.color, strokeDash: enc.strokeDash } },
    { mark: { type: 'point', filled: true, size: 46, opacity: 1 }, encoding: { x, y, color: enc.color, shape: enc.shape, tooltip } },
    ...(rules.length === 0
      ? []
      : [
          {
            data: { values: rules.map((r) => ({ ...r })) },
            mark: { type: 'rule', color: '#555555', strokeDash: [2, 3], strokeWidth: 1.5 },
            encoding: { y: { field: 'value', type: 'quantitative' } },
          },
          {
            data: { values: rules.map((r) => ({ ...r })) },
            mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -3, dy: -2, fontSize: 10, color: '#333333' },
            encoding: { y: { field: 'value', type: 'quantitative' }, text: { field: 'label' }, x: { value: options.width } },
          },
        ]),
  ];
  const chart = (points: readonly SeriesPoint[], title: string | undefined, panel: string | undefined) => ({
    ...(title ? { title: { text: title, anchor: 'middle', fontSize: 12 } } : {}),
    data: { values: points.map((p) => ({ ...p, band: p.series, marker: p.series })) },
    width: options.width,
    height: options.height,
    layer: layers(
      (options.rules ?? []).filter((r) => r.panel === undefined || r.panel === panel),
      points.some((p) => p.low !== null && p.high !== null),
    ),
  });
  if (!options.panels && !options.rows) return chart(options.points, undefined, undefined);
  const panels = options.panels ?? [undefined];
  const rows = options.rows ?? [undefined];
  const line = (row: string | undefined) => ({
    hconcat: panels.map((panel) => {
      const title = [row, panel].filter((t) => t !== undefined).join(', ');
      return chart(
        options.points.filter((p) => p.panel === panel && p.row === row),
        title,
        panel,
      );
    }),
    resolve: { scale: { y: options.independentY ? 'independent' : 'shared' } },
  });
  if (rows.length === 1) return line(rows[0]);
  return { vconcat: rows.map(line), resolve: { scale: { y: options.independentY ? 'independent' : 'shared' } } };
}
