import { iclReportSchema, pretrainReportSchema, probeReportSchema, simulateReportSchema } from '@iclkr/core';
import type { View } from 'vega';
import { describe, expect, it } from 'vitest';
import iclJson from '../../test/fixtures/icl.json';
import pretrainJson from '../../test/fixtures/pretrain.json';
import probeJson from '../../test/fixtures/probe.json';
import simulateJson from '../../test/fixtures/simulate.json';
import { formatNumber } from '../present/format.js';
import type { ProbeReport } from '../present/reports.js';
import { type Figure, figureView, MAX_FIGURE_WIDTH, nAxis, renderFigureSvg } from './figure.js';
import { iclFigures } from './icl.js';
import { pretrainFigures } from './pretrain.js';
import { probeFigures } from './probe.js';
import { simulateFigures } from './simulate.js';

const simulate = simulateReportSchema.parse(simulateJson);
const icl = iclReportSchema.parse(iclJson);
const probe = probeReportSchema.parse(probeJson);
const pretrain = pretrainReportSchema.parse(pretrainJson);

/** A scenegraph item as vega keeps it (the fields the tests read). */
interface SceneItem {
  x?: number;
  y?: number;
  text?: string | string[];
  datum?: Record<string, unknown>;
  bounds: { x1: number; y1: number; x2: number; y2: number };
  items?: SceneMark[];
  mark?: SceneMark;
}
interface SceneMark {
  marktype: string;
  role: string;
  items: SceneItem[];
}

/** Every item of the scene with its marktype, role and absolute bounds (group offsets added). */
function sceneItems(view: View): { marktype: string; role: string; item: SceneItem; x1: number; y1: number; x2: number; y2: number }[] {
  const out: { marktype: string; role: string; item: SceneItem; x1: number; y1: number; x2: number; y2: number }[] = [];
  const walk = (mark: SceneMark, dx: number, dy: number) => {
    for (const item of mark.items) {
      const b = item.bounds;
      out.push({ marktype: mark.marktype, role: mark.role, item, x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy });
      if (mark.marktype === 'group') for (const child of item.items ?? []) walk(child, dx + (item.x ?? 0), dy + (item.y ?? 0));
    }
  };
  walk((view.scenegraph() as unknown as { root: SceneMark }).root, 0, 0);
  return out;
}

/** Renders the figure and returns its view's items (data marks and texts) and the SVG. */
async function rendered(figure: Figure) {
  const view = await figureView(figure);
  const svg = await renderFigureSvg(figure);
  const items = sceneItems(view);
  const [ox, oy] = view.origin();
  view.finalize();
  const size = /<svg[^>]* width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"/.exec(svg);
  return { svg, items, origin: [ox, oy] as const, width: Number(size?.[1]), height: Number(size?.[2]) };
}

/** The data marks' items of one marktype (symbols, rects, texts) whose datum has `field`. */
function data(items: Awaited<ReturnType<typeof rendered>>['items'], marktype: string, field: string) {
  return items
    .filter((i) => i.marktype === marktype && i.role === 'mark' && i.item.datum && field in i.item.datum)
    .map((i) => i.item.datum!);
}

/** Every text is inside the SVG (as vega estimates text widths without a canvas), none truncated, and the figure fits the page. */
async function expectFits(figure: Figure) {
  const r = await rendered(figure);
  expect(r.svg).not.toContain('…');
  expect(r.width).toBeLessThanOrEqual(MAX_FIGURE_WIDTH + 40);
  const texts = r.items.filter((i) => i.marktype === 'text');
  expect(texts.length).toBeGreaterThan(0);
  for (const t of texts) {
    const where = `${figure.name}: '${String(t.item.text)}'`;
    expect(t.x1 + r.origin[0], where).toBeGreaterThanOrEqual(-0.5);
    expect(t.y1 + r.origin[1], where).toBeGreaterThanOrEqual(-0.5);
    expect(t.x2 + r.origin[0], where).toBeLessThanOrEqual(r.width + 0.5);
    expect(t.y2 + r.origin[1], where).toBeLessThanOrEqual(r.height + 0.5);
  }
  return r;
}

/** The figure's title lines (text and subtitle) from its spec. */
function titleText(figure: Figure): string {
  const t = (figure.spec as { title?: { text: string[]; subtitle?: string[] } }).title;
  return [figure.title, ...(t?.text ?? []), ...(t?.subtitle ?? [])].join('\n');
}

describe('simulateFigures', () => {
  const figures = simulateFigures(simulate);

  it('draws the distance and accuracy figures, every text inside the SVG', async () => {
    expect(figures.map((f) => f.name)).toEqual(['distance', 'accuracy']);
    for (const f of figures) await expectFits(f);
  });

  it('has one point per n per series, the values the report holds, and the paper at our n', async () => {
    const ns = simulate.rows.map((r) => r.n);
    const accuracy = await rendered(figures[1]);
    const points = data(accuracy.items, 'symbol', 'series');
    const bySeries = new Map<string, typeof points>();
    for (const p of points) bySeries.set(`${p.panel}|${p.series}`, [...(bySeries.get(`${p.panel}|${p.series}`) ?? []), p]);
    expect(bySeries.size).toBe(6);
    for (const [, list] of bySeries) expect(list.map((p) => p.x).sort((a, b) => Number(a) - Number(b))).toEqual(ns);
    const normalised = points.filter((p) => p.series === 'normalised estimator' && p.panel === 'against the Bayes argmax');
    expect(normalised.map((p) => p.value)).toEqual(simulate.rows.map((r) => r.accVsBayes));
    const paper = points.filter((p) => String(p.series).startsWith("paper's accuracy"));
    expect(paper.map((p) => p.value)).toEqual([0.337, 0.532, 0.745, 0.901]);
  });

  it('gives the 1/n form its own panel and says in the legend where the forms coincide', async () => {
    const distance = await rendered(figures[0]);
    const points = data(distance.items, 'symbol', 'series');
    expect(new Set(points.filter((p) => String(p.series).includes('1/n form')).map((p) => p.panel))).toEqual(
      new Set(["1/n form (the theorem's; own scale)"]),
    );
    const accuracy = await rendered(figures[1]);
    const labels = accuracy.items.filter((i) => i.role === 'legend-label').map((i) => String(i.item.text));
    // accVsBayes of the two forms is equal wherever no prompt is tied or excluded: n = 2, 4, 8 in the fixture.
    expect(labels).toContain('1/n form (= normalised estimator at n = 2, 4, 8)');
    // Equal points are drawn apart: the same n, different x positions.
    const at2 = points.filter((p) => p.x === 2 && p.panel === "1/n form (the theorem's; own scale)");
    expect(new Set(at2.map((p) => p.xShown)).size).toBe(at2.length);
  });

  it('draws no paper series where the report has no paper block', () => {
    const [distance] = simulateFigures({ ...simulate, paper: null });
    expect(JSON.stringify(distance.spec)).not.toContain("paper's distance");
  });

  it('ticks the log2 axis at exactly the n values', () => {
    expect(nAxis([1, 2, 4, 8]).axis.values).toEqual([1, 2, 4, 8]);
    const withZero = nAxis([0, 1, 4, 16]);
    expect(withZero.scale.type).toBe('symlog');
    expect((withZero.scale.domain as number[])[0]).toBeLessThan(0);
  });
});

describe('iclFigures', () => {
  it('draws a point per row for the model, n = 0 included, with no path in the title', async () => {
    const [figure] = iclFigures(icl);
    const r = await expectFits(figure);
    const model = data(r.items, 'symbol', 'series').filter((p) => p.series === 'model');
    expect(model.length).toBe(icl.rows.length);
    for (const row of icl.rows) {
      const panel = row.ood ? 'out-of-distribution tasks' : 'in-distribution tasks';
      expect(model.filter((p) => p.x === row.n && p.panel === panel).map((p) => p.value)).toEqual([row.accuracy]);
    }
    expect(icl.model).toContain('/');
    expect(titleText(figure)).not.toMatch(/\/work|models\/default/);
    expect(titleText(figure)).toContain('built-in model');
    const ticks = r.items.filter((i) => i.role === 'axis-label').map((i) => String(i.item.text));
    expect(ticks).toEqual(expect.arrayContaining(['0', '1', '4', '16']));
  });

  it('shows a folder basename for another model and one panel row per k', async () => {
    const rows = [...icl.rows, ...icl.rows.map((r) => ({ ...r, k: 3 }))];
    const [figure] = iclFigures({ ...icl, model: '/home/me/runs/gpt-small', rows });
    expect(titleText(figure)).toContain('gpt-small on recall');
    const r = await expectFits(figure);
    const model = data(r.items, 'symbol', 'series').filter((p) => p.series === 'model');
    expect(model.length).toBe(rows.length);
    const headers = r.items.filter((i) => i.role === 'title-text').map((i) => String(i.item.text));
    expect(headers).toEqual(expect.arrayContaining(['input length k = 3, in-distribution tasks']));
  });
});

describe('probeFigures', () => {
  const figures = probeFigures(probe);
  const byName = new Map(figures.map((f) => [f.name, f]));
  const layers = new Set(probe.heads.map((h) => h.layer)).size;
  const heads = new Set(probe.heads.map((h) => h.head)).size;

  it('draws the heatmaps, the attention map and the probes, every text inside the SVG', async () => {
    expect(figures.map((f) => f.name)).toEqual([
      'agreement',
      'accuracy',
      'correlation-theorem',
      'correlation-belief',
      'correlation-output',
      'attention-map',
      'attention-segments',
      'probes',
    ]);
    for (const f of figures) await expectFits(f);
  });

  it('prints the held-out score of every layer x head cell in each variant and outlines the chosen head', async () => {
    const figure = byName.get('agreement')!;
    expect(titleText(figure)).toContain(`held out (${probe.heldOut.prompts} prompts)`);
    const r = await rendered(figure);
    const cells = data(r.items, 'rect', 'value').filter((d) => d.value !== null && d.best !== true);
    expect(cells.length).toBe(3 * (layers * heads - 1));
    const labels = data(r.items, 'text', 'label');
    expect(labels.length).toBe(3 * layers * heads);
    const printed = r.items.filter((i) => i.marktype === 'text' && i.role === 'mark').map((i) => String(i.item.text));
    for (const h of probe.heads) {
      for (const v of ['span', 'label', 'line'] as const) expect(printed).toContain(formatNumber(h.variants[v].heldOut!.agreement));
    }
    const best = data(r.items, 'rect', 'best').filter((d) => d.best === true);
    // The chosen cell and its two outlines (black, then white) in each panel.
    expect(best.length).toBe(3 * 3);
    const span = byName.get('agreement')!.spec as unknown as {
      concat: { data: { values: { layer: number; head: number; value: number }[] } }[];
    };
    for (const c of span.concat[0].data.values) {
      const h = probe.heads.find((x) => x.layer === c.layer && x.head === c.head)!;
      expect(c.value).toBe(h.heldOut!.agreement);
    }
  });

  it('falls back to all prompts and says so where heads have no held-out scores', () => {
    const old = {
      ...probe,
      heads: probe.heads.map((h) => ({
        ...h,
        heldOut: null,
        variants: {
          span: { ...h.variants.span, heldOut: null },
          label: { ...h.variants.label, heldOut: null },
          line: { ...h.variants.line, heldOut: null },
        },
      })),
    } as ProbeReport;
    const accuracy = probeFigures(old).find((f) => f.name === 'accuracy')!;
    expect(titleText(accuracy)).toContain(`all prompts (${probe.prompts})`);
    const values = (accuracy.spec as unknown as { concat: { data: { values: { value: number }[] } }[] }).concat[0].data.values.map(
      (c) => c.value,
    );
    expect(values).toEqual(probe.heads.map((h) => h.accuracy));
  });

  it('uses a diverging scale fixed to [-1, 1] for correlations, legends at 3 significant digits', async () => {
    const figure = byName.get('correlation-theorem')!;
    const spec = JSON.stringify(figure.spec);
    expect(spec).toContain('"domain":[-1,1]');
    expect(spec).toContain('"domainMid":0');
    const r = await rendered(figure);
    const legend = r.items.filter((i) => i.role === 'legend-label').map((i) => String(i.item.text));
    expect(legend).toEqual(['−1', '−0.5', '0', '0.5', '1']);
  });

  it('has integer-only layer, head and offset ticks', async () => {
    for (const name of ['agreement', 'probes']) {
      const r = await rendered(byName.get(name)!);
      const ticks = r.items.filter((i) => i.role === 'axis-label').map((i) => String(i.item.text));
      const xy = name === 'probes' ? ticks.filter((t) => !t.includes('.')) : ticks;
      expect(xy.length).toBeGreaterThan(0);
      for (const t of xy) expect(t).toMatch(/^[−-]?\d+$/);
      if (name === 'probes') expect(new Set(xy)).toEqual(new Set(probe.probes.offsets.map(String)));
    }
  });

  it('leaves out a key probe whose chance is 1 and says why; draws chance as a rule', async () => {
    expect(probe.probes.keys!.chance).toBe(1);
    const figure = byName.get('probes')!;
    expect(titleText(figure)).toMatch(/Not drawn: the key probe for argmax_o P\(o \| x_i\) \(chance is 1/);
    const r = await rendered(figure);
    const lines = data(r.items, 'symbol', 'accuracy');
    expect(lines.length).toBe(2 * probe.probes.values!.heads.length * probe.probes.offsets.length);
    const rules = data(r.items, 'rule', 'chance').map((d) => d.chance);
    expect(rules.sort()).toEqual([probe.probes.keyClasses!.chance, probe.probes.values!.chance].sort());
  });

  it('draws the attention map as layers*heads rows x cells columns, labelled by segment', async () => {
    const figure = byName.get('attention-map')!;
    const r = await rendered(figure);
    const cells = data(r.items, 'rect', 'segment');
    const map = probe.attentionMap;
    expect(cells.length).toBe(layers * heads * map.cells.length);
    const ticks = r.items.filter((i) => i.role === 'axis-label').map((i) => String(i.item.text));
    expect(ticks).toEqual(expect.arrayContaining(['x1', 'y1', 'x4', 'y4', 'x_test', 'L0H0', 'L1H3']));
    expect(r.svg.length).toBeLessThan(600_000);
  });

  it('draws one row per layer for big models and pools long prompts, so that the SVG stays small', () => {
    const map = probe.attentionMap;
    const gptj = Array.from({ length: 28 }, (_, l) => Array.from({ length: 16 }, (_, h) => map.values[l % 2][h % 4]));
    const big = probeFigures({ ...probe, attentionMap: { ...map, values: gptj } }).find((f) => f.name === 'attention-map')!;
    const bigValues = (big.spec as unknown as { data: { values: { row: string; value: number }[] } }).data.values;
    expect(bigValues.length).toBe(28 * map.cells.length);
    expect(titleText(big)).toContain('one row per layer, the mean over its 16 heads');
    const mean = map.values[1].reduce((s, h) => s + h[0], 0) / 4;
    expect(bigValues.find((v) => v.row === 'L1')!.value).toBeCloseTo(mean, 12);

    // 20 demonstrations of 32 cells and x_test: 15 layers x 4 heads x 670 cells is over the limit.
    const cells = [
      ...Array.from({ length: 20 }, (_, i) => [
        ...Array.from({ length: 30 }, (_, o) => ({ kind: 'x', line: i, offset: o })),
        { kind: 'y', line: i, offset: 0 },
        { kind: 'delimiter', line: i, offset: 0 },
      ]).flat(),
      ...Array.from({ length: 30 }, (_, o) => ({ kind: 'query', line: 20, offset: o })),
    ];
    const values = Array.from({ length: 15 }, () => Array.from({ length: 4 }, () => cells.map((_, j) => j / cells.length)));
    const long = probeFigures({ ...probe, attentionMap: { resolution: 30, cells, values } }).find((f) => f.name === 'attention-map')!;
    const longValues = (long.spec as unknown as { data: { values: { segment: string }[] } }).data.values;
    expect(longValues.length).toBeLessThanOrEqual(12_000);
    expect(titleText(long)).toContain('pooled by');
    // Every y_i keeps its own column.
    expect(new Set(longValues.filter((v) => v.segment.startsWith('y')).map((v) => v.segment)).size).toBe(20);
  });
});

describe('pretrainFigures', () => {
  it('draws both losses at every entry and the quick ICL probe per n beside the majority', async () => {
    const [loss, iclFigure] = pretrainFigures(pretrain);
    const l = await expectFits(loss);
    const points = data(l.items, 'symbol', 'series');
    expect(points.filter((p) => p.series === 'validation loss').map((p) => p.value)).toEqual(pretrain.entries.map((e) => e.valLoss));
    expect(points.length).toBe(2 * pretrain.entries.length);
    const i = await expectFits(iclFigure);
    const icl = data(i.items, 'symbol', 'series');
    const ns = pretrain.entries[0].icl.map((r) => r.n);
    for (const n of ns) {
      const model = icl.filter((p) => p.series === 'model' && p.panel === `n = ${n} demonstrations`);
      expect(model.map((p) => p.value)).toEqual(pretrain.entries.map((e) => e.icl.find((r) => r.n === n)!.accuracy));
      expect(icl.filter((p) => p.series === 'majority of the demonstrations' && p.panel === `n = ${n} demonstrations`).length).toBe(
        pretrain.entries.length,
      );
    }
  });
});

describe('renderFigureSvg', () => {
  it('prefixes ids with the figure name so that several SVGs share one page', async () => {
    const [a] = probeFigures(probe);
    const svg = await renderFigureSvg(a);
    const ids = [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id.startsWith('agreement-')).toBe(true);
    for (const m of svg.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(m[1]);
  });
});
