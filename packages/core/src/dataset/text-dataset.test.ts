import { describe, expect, it } from 'vitest';
import { DataError, OptionError } from '../errors.js';
import { datasetName, parseClassNames } from './label-names.js';
import { parseTextDataset } from './text-dataset.js';

describe('parseTextDataset formats', () => {
  it('reads GLUE TSV by header name, trimming sentences, with SST-2 label names', () => {
    const d = parseTextDataset('idx\tsentence\tlabel\n0\tgood " fun . \t1\n1\tdull . \t0\n', {
      source: 'data/sst2/glue-dev.tsv',
    });
    expect(d).toMatchObject({ kind: 'text', name: 'sst2', texts: ['good " fun .', 'dull .'] });
    expect(d.labelNames).toEqual(['negative', 'positive']);
    expect([...d.labels]).toEqual([1, 0]);
  });

  it('reads `<label> <text>` lines, keeping a row whose text is empty (CR and MPQA have some)', () => {
    const d = parseTextDataset('0 simplistic , silly . \n1\n2 third\n\n', {
      source: 'x/reviews.txt',
    });
    expect(d.name).toBe('reviews');
    expect(d.texts).toEqual(['simplistic , silly .', '', 'third']);
    // Kept as a row (the data README counts it), with its line named for the commands that refuse it.
    expect(d.emptyTextLines).toEqual([2]);
    expect(d.labelNames).toEqual(['0', '1', '2']);
    expect([...d.labels]).toEqual([0, 1, 2]);
  });

  it('reads a `<label> <text>` file whose first text holds a tab as label-text, not TSV', () => {
    const d = parseTextDataset('1 a gripping\tfilm\n0 dull\n', { source: 'x/reviews.txt' });
    expect(d.texts).toEqual(['a gripping\tfilm', 'dull']);
    expect([...d.labels]).toEqual([1, 0]);
  });

  it('reads TREC lines: coarse class as label, COARSE:fine kept, TREC class order', () => {
    const d = parseTextDataset('NUM:dist How far is it ?\nHUM:desc Who was Galileo ?', {
      source: 'q.txt',
    });
    expect(d.texts).toEqual(['How far is it ?', 'Who was Galileo ?']);
    expect(d.labelNames).toEqual(['ABBR', 'DESC', 'ENTY', 'HUM', 'LOC', 'NUM']);
    expect([...d.labels]).toEqual([5, 3]);
    expect(d.fineLabels).toEqual(['NUM:dist', 'HUM:desc']);
  });

  it('reads quoted CSV, joining the text columns as sentences', () => {
    const csv = 'Class Index,Title,Description\n3,Fears for pension,"Unions say, ""no"""\n1,Why?,"two\nlines"\n';
    const d = parseTextDataset(csv, {
      source: 'news.csv',
      labelNames: ['World', 'Sports', 'Business'],
      firstLabel: 1,
    });
    expect(d.texts).toEqual(['Fears for pension. Unions say, "no"', 'Why? two\nlines']);
    expect([...d.labels]).toEqual([2, 0]);
  });

  it('takes named label and text columns', () => {
    const d = parseTextDataset('id,body,stars\n7,great,5\n8,poor,1\n', {
      source: 'r.csv',
      labelColumn: 'stars',
      textColumns: ['body'],
    });
    expect(d.texts).toEqual(['great', 'poor']);
    expect(d.labelNames).toEqual(['1', '5']);
  });

  it('reads JSONL with string or number labels, in any field order', () => {
    const jsonl = '{"text":"a b","label":"pos","meta":{"k":1}}\n{"label":0,"text":"c","meta":[]}\n';
    const d = parseTextDataset(jsonl, { source: 'd.jsonl' });
    expect(d.texts).toEqual(['a b', 'c']);
    expect(d.labelNames).toEqual(['0', 'pos']);
    expect([...d.labels]).toEqual([1, 0]);
  });

  it('sniffs the format when the extension does not say it', () => {
    expect(parseTextDataset('{"text":"x","label":1}', { source: 'a' }).texts).toEqual(['x']);
    expect(parseTextDataset('sentence\tlabel\nx\t1', { source: 'a' }).texts).toEqual(['x']);
    expect(parseTextDataset('DESC:def What is x ?', { source: 'a' }).fineLabels).toEqual(['DESC:def']);
    expect(() => parseTextDataset('DESC:def What is x ?', { source: 'a', format: 'label-text' })).toThrow(
      "a:1: expected '<integer label> <text>'",
    );
  });

  it('decodes bytes, cp1252 included', () => {
    const d = parseTextDataset(Uint8Array.from([0x30, 0x20, 0x63, 0x6c, 0x69, 0x63, 0x68, 0xe9, 0x73]), {
      source: 'mr/rt-polarity.all',
    });
    expect(d.texts).toEqual(['clichés']);
    expect(d.name).toBe('mr');
  });
});

describe('parseTextDataset errors', () => {
  const fails = (text: string, options: Parameters<typeof parseTextDataset>[1], message: string) => {
    expect(() => parseTextDataset(text, options)).toThrow(DataError);
    expect(() => parseTextDataset(text, options)).toThrow(message);
  };

  it('rejects an empty file', () => {
    fails('\n\n', { source: 'e.txt' }, 'e.txt:1: the file is empty');
    fails('sentence\tlabel\n', { source: 'e.tsv' }, 'e.tsv:2: the file has a header but no rows');
  });

  it('rejects a `<label> <text>` line without a label, naming its line', () => {
    fails('0 fine\nno label here\n', { source: 'mr.all' }, "mr.all:2: expected '<integer label> <text>', got 'no label here'");
    fails('0 fine\n\n1 gap\n', { source: 'mr.all' }, 'mr.all:2: expected');
  });

  it('rejects a TREC line without a colon', () => {
    fails('NUM:dist How far ?\nHUM Who ?\n', { source: 't.txt', format: 'trec' }, "t.txt:2: expected 'COARSE:fine question'");
  });

  it('rejects an unknown class of a known data set', () => {
    fails('0 a\n2 b\n', { source: 'sst2/stsa.binary.dev' }, "stsa.binary.dev:2: unknown label '2' (classes: negative, positive)");
    fails('NUM:dist a ?\nFOO:bar b ?\n', { source: 'q.txt' }, "q.txt:2: unknown label 'FOO'");
  });

  it('rejects missing columns, listing the ones there are', () => {
    fails(
      'sentence\ttarget\nx\t1\n',
      { source: 'g.tsv' },
      "g.tsv:1: label column 'label' or 'class index' or 'class' not found in the header (columns: sentence, target)",
    );
    fails('text,label\nx,1\n', { source: 'g.csv', textColumns: ['body'] }, "g.csv:1: text column 'body' not found");
    fails('label\n1\n', { source: 'g.csv' }, 'g.csv:1: the file has a label column but no text column');
  });

  it('rejects ragged rows, bad quoting and empty labels', () => {
    fails('sentence\tlabel\na\t1\nb\n', { source: 'g.tsv' }, 'g.tsv:3: row has 1 fields but the header has 2');
    fails('text,label\n"open,1\n', { source: 'g.csv' }, 'g.csv:2: Quote Not Closed');
    fails('text,label\nx,\n', { source: 'g.csv' }, 'g.csv:2: the label is empty');
  });

  it('rejects malformed JSONL lines', () => {
    fails('{"text":"a","label":1}\n{"text":"b"\n', { source: 'd.jsonl' }, 'd.jsonl:2: invalid JSON');
    fails('{"text":"a","label":1}\n[1]\n', { source: 'd.jsonl' }, "d.jsonl:2: '[1]' is not a JSON object");
    fails('{"text":"a","label":1}\n{"text":"b"}\n', { source: 'd.jsonl' }, 'd.jsonl:2: has fields (text) but line 1 has (text, label)');
    fails('{"text":"a","label":null}\n', { source: 'd.jsonl' }, "d.jsonl:1: field 'label' is null");
  });

  it('rejects an unknown format', () => {
    expect(() => parseTextDataset('0 a', { source: 'a', format: 'xml' as 'csv' })).toThrow(OptionError);
  });
});

describe('label names', () => {
  it('reads classes.txt one per line or numbered on one line', () => {
    expect(parseClassNames('World\nSports\n', 'c')).toEqual({
      labelNames: ['World', 'Sports'],
      firstLabel: 1,
    });
    expect(parseClassNames('1-World, 2-Sports, 3-Business, 4-Science/Tech\n', 'c')).toEqual({
      labelNames: ['World', 'Sports', 'Business', 'Science/Tech'],
      firstLabel: 1,
    });
    expect(() => parseClassNames('1-World, 3-Sports', 'c')).toThrow('c:1: class number 3 should be 2');
  });

  it('recognises the known data sets by file or folder', () => {
    expect(datasetName('/d/sst2/stsa.binary.train')).toBe('sst2');
    expect(datasetName('C:\\d\\subj.all')).toBe('subj');
    expect(datasetName('/d/trec/train.txt')).toBe('trec');
    expect(datasetName('/d/agnews/test.csv')).toBe('agnews');
    expect(datasetName('/d/constructor/my.data.csv')).toBe('my.data');
  });
});
