import { iclReportSchema, pretrainReportSchema, probeReportSchema, simulateReportSchema } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import iclJson from '../../test/fixtures/icl.json';
import pretrainJson from '../../test/fixtures/pretrain.json';
import probeJson from '../../test/fixtures/probe.json';
import simulateJson from '../../test/fixtures/simulate.json';
import { renderFigureSvg } from '../figures/figure.js';
import { formatInterval, formatNumber, isNumericCell, type Table, textTable } from './format.js';
import { reportHtml } from './html.js';
import { presentReport } from './summary.js';
import { iclTables, pretrainTables, probeTables, simulateTables } from './tables.js';

const simulate = simulateReportSchema.parse(simulateJson);
const icl = iclReportSchema.parse(iclJson);
const probe = probeReportSchema.parse(probeJson);
const pretrain = pretrainReportSchema.parse(pretrainJson);

describe('formatNumber', () => {
  it('gives 3 significant digits, integers in full and an exponent only below 0.001', () => {
    const cases: [number | null | undefined, string][] = [
      [null, '-'],
      [undefined, '-'],
      [Number.NaN, '-'],
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [0.805, '0.805'],
      [0.5, '0.5'],
      [1.3844674, '1.38'],
      [-0.0352, '-0.0352'],
      [12.345, '12.3'],
      [1234.5, '1235'],
      [8_192_000, '8,192,000'],
      [4000, '4000'],
      [1.02215e-6, '1.02e-6'],
      [9e-7, '9e-7'],
      [0.1 + 0.2, '0.3'],
      [Number.POSITIVE_INFINITY, '∞'],
    ];
    for (const [x, text] of cases) expect(formatNumber(x), String(x)).toBe(text);
    expect(formatNumber(Math.PI, 5)).toBe('3.1416');
    expect(formatInterval(0.5, [0.25, 0.75])).toBe('0.5 [0.25, 0.75]');
  });

  it('reads its own output as numeric cells', () => {
    for (const cell of ['0.805', '-0.0352', '8,192,000', '1.02e-6', '-', '0.5 [0.25, 0.75]', '∞'])
      expect(isNumericCell(cell), cell).toBe(true);
    for (const cell of ['L1H0', 'in-distribution', 'a_i at y_i']) expect(isNumericCell(cell), cell).toBe(false);
  });
});

describe('textTable', () => {
  const table: Table = {
    title: 'T',
    header: ['name', 'value'],
    rows: [
      ['a', '1'],
      ['bb', '0.25'],
    ],
    note: 'over all prompts',
  };

  it('aligns numbers to the right and ends with the note', () => {
    expect(textTable(table)).toBe('T\nname  value\n----  -----\na         1\nbb     0.25\nover all prompts\n');
  });

  it('splits a wide table into blocks that repeat the key columns', () => {
    const wide: Table = {
      title: 'W',
      header: ['layer', 'head', ...Array.from({ length: 12 }, (_, i) => `column ${i}`)],
      rows: [['0', '1', ...Array.from({ length: 12 }, () => '0.5')]],
      note: null,
      key: 2,
    };
    const text = textTable(wide, { width: 60 });
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(text.split('\n').filter((l) => l.startsWith('layer  head')).length).toBeGreaterThan(1);
    for (let i = 0; i < 12; i++) expect(text).toContain(`column ${i}`);
  });
});

describe('tables', () => {
  it("put the paper's Table 3 beside the simulate rows", () => {
    const [table] = simulateTables(simulate);
    expect(table.header.slice(-2)).toEqual(['paper distance', 'paper accuracy']);
    expect(table.rows.map((r) => r.slice(-2))).toEqual([
      ['1.32', '0.337'],
      ['0.942', '0.532'],
      ['0.519', '0.745'],
      ['0.218', '0.901'],
    ]);
    expect(simulateTables({ ...simulate, paper: null })[0].header).not.toContain('paper distance');
  });

  it('give one icl row per report row, n = 0 included', () => {
    const [table] = iclTables(icl);
    expect(table.rows.length).toBe(icl.rows.length);
    expect(table.rows[0].slice(0, 3)).toEqual(['in-distribution', '1', '0']);
  });

  it('give the probe tables with held-out and all-prompt columns named, the baselines and the key/value probes', () => {
    const tables = probeTables(probe);
    const titles = tables.map((t) => t.title);
    expect(titles).toEqual([
      'The model and the label-vote baselines',
      'Best head per a_i variant (chosen on the selection prompts)',
      'Every head: the attention vote and its correlations',
      'Explicit kernel-regression baselines',
      'Key probes: predicting argmax_o P(o | x_i) (chance 1)',
      'Value probes: predicting y_i (chance 0.567)',
      "Key probes: predicting x_i's class (chance 0.2)",
    ]);
    const heads = tables[2];
    expect(heads.rows.length).toBe(probe.heads.length);
    expect(heads.header).toContain('span: agr. (held out)');
    expect(heads.header).toContain('span: agr. (all)');
    expect(heads.note).toContain("'held out': the 6 held-out prompts");
    const column = heads.header.indexOf('line: acc. (held out)');
    expect(heads.rows.map((r) => r[column])).toEqual(probe.heads.map((h) => formatNumber(h.variants.line.heldOut!.accuracy)));
    expect(tables[3].rows.map((r) => r[0])).toEqual(probe.baselines.map((b) => b.name));
    expect(tables[4].note).toContain('nothing to learn');
    for (const t of tables) for (const r of t.rows) expect(r.length).toBe(t.header.length);
  });

  it('give one pretrain row per log entry with the ICL probe beside its majority', () => {
    const [table] = pretrainTables(pretrain);
    expect(table.rows.length).toBe(pretrain.entries.length);
    expect(table.header).toEqual(expect.arrayContaining(['n=16: model', 'n=16: majority']));
  });
});

describe('reportHtml', () => {
  it('holds the summary, every table, every figure, the paper section, the settings and the run, all escaped', async () => {
    const p = presentReport(simulate);
    const figures = await Promise.all(p.figures.map(async (figure) => ({ figure, svg: await renderFigureSvg(figure) })));
    const html = reportHtml({
      title: `${p.title} <script>`,
      summary: [...p.summary, 'a & b'],
      tables: p.tables,
      figures,
      report: simulate,
    });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('iclkr simulate: paper-table3 &lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<p>a &amp; b</p>');
    for (const t of p.tables) expect(html).toContain(`<h3>${t.title.replace(/'/g, '&#39;')}</h3>`);
    expect((html.match(/<table>/g) ?? []).length).toBe(p.tables.length + 1);
    for (const f of figures) expect(html).toContain(f.svg);
    expect(html).toContain('<h2 id="paper">Compared with the paper</h2>');
    expect(html).toContain(simulate.paper!.citation.replace(/"/g, '&quot;'));
    expect(html).toContain('distance to the Bayes predictive, n = 1');
    expect(html).toContain('<code>docs/research/theorem-kernel-table3.md</code>');
    expect(html).toContain(simulate.meta.command!);
    expect(html).toContain(simulate.meta.gitCommit!);
    expect(html).toContain('wasm on 2 threads');
    expect(html).not.toMatch(/<(script|link|img)\b/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org|vega\.github\.io)/);
  });

  it('says so where a report has no paper block, and shows every kind', () => {
    for (const report of [icl, probe, pretrain]) {
      const p = presentReport(report);
      const html = reportHtml({ title: p.title, summary: p.summary, tables: p.tables, figures: [], report });
      for (const t of p.tables) expect(html).toContain(t.header[t.header.length - 1].replace(/'/g, '&#39;'));
      expect(html).toContain('Compared with the paper');
      if (report.paper === null) expect(html).toContain('This report carries no comparison with the paper');
      expect(p.title).not.toMatch(/\/work/);
    }
    const probeHtml = reportHtml({ ...presentReport(probe), figures: [], report: probe });
    expect(probeHtml).toContain('Explicit kernel-regression baselines');
    expect(probeHtml).toContain('Value probes: predicting y_i');
  });
});
