import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNumericTable, loadTextDataset } from './node.js';
import type { TextDataset } from './text-dataset.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const DATA = process.env.ICLKR_SHARED_DATA ?? path.resolve(repoRoot, '../shared/data');

const load = (file: string) => loadTextDataset(path.join(DATA, file));
const classCounts = (d: TextDataset) => d.labelNames.map((_, k) => d.labels.filter((l) => l === k).length);
const SENTIMENT = ['negative', 'positive'];

// Row and class counts: the data README's table, and `cut | sort | uniq -c` on the files.
describe('the shared data sets', () => {
  it.each([
    ['sst2/glue-dev.tsv', 'sst2', SENTIMENT, [428, 444]],
    ['sst2/stsa.binary.train', 'sst2', SENTIMENT, [3310, 3610]],
    ['sst2/stsa.binary.dev', 'sst2', SENTIMENT, [428, 444]],
    ['sst2/stsa.binary.test', 'sst2', SENTIMENT, [912, 909]],
    ['mr/rt-polarity.all', 'mr', SENTIMENT, [5331, 5331]],
    ['cr/custrev.all', 'cr', SENTIMENT, [1368, 2407]],
    ['subj/subj.all', 'subj', ['subjective', 'objective'], [5000, 5000]],
    ['mpqa/mpqa.all', 'mpqa', SENTIMENT, [7294, 3312]],
    ['trec/train.txt', 'trec', ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'], [86, 1162, 1250, 1223, 835, 896]],
    ['trec/test.txt', 'trec', ['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM'], [9, 138, 94, 65, 81, 113]],
    ['agnews/test.csv', 'agnews', ['World', 'Sports', 'Business', 'Science/Tech'], [1900, 1900, 1900, 1900]],
  ])('%s', async (file, name, labelNames, counts) => {
    const d = await load(file);
    const rows = counts.reduce((a, b) => a + b, 0);
    expect(d.name).toBe(name);
    expect(d.texts).toHaveLength(rows);
    expect(d.labels).toHaveLength(rows);
    expect(d.labelNames).toEqual(labelNames);
    expect(classCounts(d)).toEqual(counts);
  });

  it('trims GLUE sentences', async () => {
    const glue = await load('sst2/glue-dev.tsv');
    expect(glue.texts[0]).toBe("it 's a charming and often affecting journey .");
    expect(glue.labelNames[glue.labels[1]]).toBe('negative'); // unflinchingly bleak and desperate
    expect(glue.texts.every((t) => t !== '' && t === t.trim())).toBe(true);
  });

  it('decodes MR and SUBJ as windows-1252', async () => {
    const [mr, subj] = await Promise.all([load('mr/rt-polarity.all'), load('subj/subj.all')]);
    expect(mr.texts[31]).toBe('the action clich\u00e9s just pile up .'); // line 32, byte 0xE9
    expect(mr.texts[790]).toContain('all its aspects \u2014 from'); // line 791, byte 0x97
    expect(subj.texts[20]).toBe('si el siglo xxi necesita de h\u00e9roes , el hombre ara\u00f1a parece haber llegado para quedarse .');
    expect(subj.texts[117]).toMatch(/^the plan to make enough into \u2018an inspiring/); // byte 0x91
    expect(subj.texts.some((t) => /[\u0080-\u009f\ufffd]/.test(t))).toBe(false);
  });

  it('keeps the empty-text rows of CR', async () => {
    const cr = await load('cr/custrev.all');
    expect(cr.texts[768]).toBe(''); // line 769 is `0 `
    expect(cr.texts.filter((t) => t === '')).toHaveLength(4);
    expect(cr.emptyTextLines).toHaveLength(4);
    expect(cr.emptyTextLines).toContain(769);
  });

  it('joins AG News title and description and names classes from classes.txt', async () => {
    const ag = await load('agnews/test.csv');
    expect(ag.texts[0]).toBe(
      'Fears for T N pension after talks. Unions representing workers at Turner   Newall ' +
        "say they are 'disappointed' after talks with stricken parent firm Federal Mogul.",
    );
    expect(ag.labelNames[ag.labels[0]]).toBe('Business'); // class index 3
    expect(ag.texts[1]).toMatch(/^The Race is On: .* \(SPACE\.com\)\. SPACE\.com - TORONTO, Canada -- A second\\team/);
  });

  it('keeps TREC fine classes', async () => {
    const trec = await load('trec/test.txt');
    expect(trec.fineLabels?.slice(0, 3)).toEqual(['NUM:dist', 'LOC:city', 'HUM:desc']);
    expect(trec.texts[2]).toBe('Who was Galileo ?');
  });

  it('lets label names given as options win over classes.txt', async () => {
    const ag = await loadTextDataset(path.join(DATA, 'agnews/test.csv'), {
      labelNames: ['w', 's', 'b', 't'],
      firstLabel: 1,
    });
    expect(ag.labelNames).toEqual(['w', 's', 'b', 't']);
    expect(ag.labels[0]).toBe(2);
  });
});

describe('loaders', () => {
  it('loads a numeric table from disk', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iclkr-'));
    const file = path.join(dir, 'train.csv');
    writeFileSync(file, 'a,b,y\n1,2,0.5\n3,4,1.5\n');
    const t = await loadNumericTable(file);
    expect(t.source).toBe(file);
    expect(Array.from(t.features.data)).toEqual([1, 2, 3, 4]);
    expect(t.target).toEqual(['0.5', '1.5']);
  });

  it('says when the file is missing', async () => {
    const missing = path.join(DATA, 'nope.tsv');
    await expect(loadTextDataset(missing)).rejects.toThrow(`${missing}: no such file`);
    await expect(loadNumericTable(DATA)).rejects.toThrow(`${DATA}: is a folder`);
  });
});
