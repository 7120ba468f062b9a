/**
 * How a compare-retrievers report is shown: its summary, tables (the model's in-context accuracy
 * per strategy and n; every method per strategy and n) and figures (accuracy against n: the model
 * per strategy, and every method in one panel per strategy), 95% intervals throughout.
 */
import type { CompareRetrieversReport, CompareRetrieversRow } from '@iclkr/core';
import { displayName, type Figure, figureTitle, finishSpec, nAxis, PALETTE, type SeriesStyle } from '../figures/figure.js';
import { type SeriesPoint, seriesChart } from '../figures/series.js';
import { formatInterval, formatNumber as f, type Table } from '../present/format.js';

const WIDTH = 300;
const HEIGHT = 200;
/** Panels per figure row (three fit the 1,200 px page). */
const PER_ROW = 3;

const SHAPES = ['circle', 'square', 'triangle-up', 'diamond', 'cross', 'triangle-down', 'triangle-right', 'triangle-left'];
const DASHES: number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3], [4, 4], [1, 3], [10, 2], [3, 3, 1, 3]];

/** Series styles in order: a palette colour, a dash and a shape each. */
function styles(names: readonly string[]): SeriesStyle[] {
  return names.map((name, i) => ({
    name,
    color: PALETTE[i % PALETTE.length],
    dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length],
    shape: SHAPES[i % SHAPES.length],
  }));
}

const find = (r: CompareRetrieversReport, strategy: string, method: string, n: number): CompareRetrieversRow | undefined =>
  r.rows.find((x) => x.strategy === strategy && x.method === method && x.n === n);

/** The summary: what ran, the head, and the best strategy at the largest n against random. */
export function compareRetrieversSummary(r: CompareRetrieversReport): string[] {
  const n = Math.max(...r.shots);
  const prompts = r.rows[0]?.prompts ?? 0;
  const icl = r.strategies
    .map((s) => ({ s, row: find(r, s, 'icl', n) }))
    .filter((x): x is { s: string; row: CompareRetrieversRow } => x.row !== undefined)
    .sort((a, b) => b.row.accuracy - a.row.accuracy);
  const random = find(r, 'random', 'icl', n);
  const head = r.head;
  return [
    `${displayName(r.model)} on ${r.source}: ${r.strategies.length} strategies x n = ${r.shots.join(', ')}, ${prompts} prompts each ` +
      `(${r.sourceKind === 'world' ? `each prompt's pool: ${r.pool} demonstrations of its own task` : `one pool of ${r.pool} demonstrations`}), ` +
      `seed${r.seeds.length > 1 ? 's' : ''} ${r.seeds.join(', ')}, ${f(r.meta.seconds)} s.`,
    ...(head === null
      ? []
      : [
          `attention-kernel reads layer ${head.layer} head ${head.head} at each example's ${head.keyPosition} position ` +
            (head.chosenBy === 'probe' && head.probe !== null
              ? `(the probe's ${head.variant}-variant head on ${head.probe.prompts} prompts of n = ${head.probe.shots}: ` +
                `held-out agreement ${f(head.probe.heldOut.agreement)}, accuracy ${f(head.probe.heldOut.accuracy)}); `
              : '(--head); ') +
            `hidden states are layer ${r.layer}'s.`,
        ]),
    ...(icl.length === 0
      ? []
      : [
          `In-context accuracy at n = ${n}: best ${icl[0].s} ${f(icl[0].row.accuracy)}` +
            (random !== undefined
              ? `, random ${f(random.accuracy)} (${icl[0].row.accuracy >= random.accuracy ? '+' : ''}${f(icl[0].row.accuracy - random.accuracy)})`
              : '') +
            `, worst ${icl[icl.length - 1].s} ${f(icl[icl.length - 1].row.accuracy)}.`,
        ]),
  ];
}

/** The tables: the model's accuracy per strategy and n, then every method per strategy and n. */
export function compareRetrieversTables(r: CompareRetrieversReport): Table[] {
  const ns = [...r.shots].sort((a, b) => a - b);
  const prompts = r.rows[0]?.prompts ?? 0;
  const cell = (row: CompareRetrieversRow | undefined) => (row === undefined ? '-' : formatInterval(row.accuracy, row.ci));
  const methods = r.methods.map((m) => m.name);
  return [
    {
      title: 'In-context accuracy per strategy (method icl) [95% CI]',
      header: ['strategy', ...ns.map((n) => `n = ${n}`)],
      rows: r.strategies.map((s) => [s, ...ns.map((n) => cell(find(r, s, 'icl', n)))]),
      note: `Each cell: the model's accuracy on the same ${prompts} prompts, demonstrations chosen by the strategy; Wilson 95% interval.`,
    },
    {
      title: 'Every method on the same demonstrations',
      header: ['strategy', 'method', ...ns.map((n) => `n = ${n}`)],
      rows: r.strategies.flatMap((s) => methods.map((m) => [s, m, ...ns.map((n) => f(find(r, s, m, n)?.accuracy))])),
      note: r.methods.map((m) => `${m.name}: ${m.description}.`).join(' '),
      key: 2,
    },
  ];
}

/** Points of (strategy, method) rows against n; x shifted a little per series so that equal values stay visible. */
function points(
  r: CompareRetrieversReport,
  series: readonly { name: string; strategy: string; method: string }[],
  panel: (strategy: string) => string | undefined,
): SeriesPoint[] {
  const axis = nAxis(r.shots);
  const out: SeriesPoint[] = [];
  series.forEach((s, i) => {
    const offset = (i - (series.length - 1) / 2) * 0.03;
    for (const n of r.shots) {
      const row = find(r, s.strategy, s.method, n);
      if (row === undefined) continue;
      out.push({
        series: s.name,
        x: n,
        xShown: axis.shifted(n, offset),
        value: row.accuracy,
        low: row.ci[0],
        high: row.ci[1],
        ...(panel(s.strategy) === undefined ? {} : { panel: panel(s.strategy) }),
      });
    }
  });
  return out;
}

/**
 * The figures: `accuracy` (the model's in-context accuracy against n, one line per strategy, 95%
 * bands) and `methods` (one panel per strategy: every method against n).
 */
export function compareRetrieversFigures(r: CompareRetrieversReport): Figure[] {
  const axis = nAxis(r.shots);
  const x = { title: 'demonstrations n', scale: axis.scale, axis: axis.axis };
  const y = { title: 'accuracy', domain: [0, 1] as const };
  const model = displayName(r.model);
  const prompts = r.rows[0]?.prompts ?? 0;
  const strategyStyles = styles(r.strategies);
  const icl = {
    name: 'accuracy',
    title: `In-context accuracy per retrieval strategy (${model})`,
    spec: finishSpec({
      title: figureTitle(
        `In-context accuracy against n per retrieval strategy: ${model} on ${r.source}`,
        [`${prompts} prompts per point, the same prompts for every strategy; bands are 95% intervals.`],
        WIDTH * 2,
      ),
      ...seriesChart({
        points: points(
          r,
          r.strategies.map((s) => ({ name: s, strategy: s, method: 'icl' })),
          () => undefined,
        ),
        styles: strategyStyles,
        legendTitle: 'strategy',
        x,
        y,
        width: WIDTH * 2,
        height: HEIGHT + 60,
      }),
    }),
  };
  const methods = r.methods.map((m) => m.name);
  const methodStyles = styles(methods);
  const series = r.strategies.flatMap((s) => methods.map((m) => ({ name: m, strategy: s, method: m })));
  const all = points(r, series, (s) => s);
  const rows: Record<string, unknown>[] = [];
  for (let start = 0; start < r.strategies.length; start += PER_ROW) {
    const panels = r.strategies.slice(start, start + PER_ROW);
    rows.push(
      seriesChart({
        points: all.filter((p) => panels.includes(p.panel ?? '')),
        styles: methodStyles,
        legendTitle: 'method',
        x,
        y,
        panels,
        width: WIDTH,
        height: HEIGHT,
      }),
    );
  }
  const byStrategy = {
    name: 'methods',
    title: `Every method per retrieval strategy (${model})`,
    spec: finishSpec({
      title: figureTitle(
        `Accuracy against n of every method, one panel per strategy: ${model} on ${r.source}`,
        [`${prompts} prompts per point; each method scores the same demonstrations the panel's strategy chose.`],
        PER_ROW * (WIDTH + 40),
      ),
      ...(rows.length === 1 ? rows[0] : { vconcat: rows }),
    }),
  };
  return [icl, byStrategy];
}
