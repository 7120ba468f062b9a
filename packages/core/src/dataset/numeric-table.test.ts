import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { matrixRow } from '../matrix.js';
import { type NumericTableOptions, parseNumericTable } from './numeric-table.js';
import { classTargets, realTargets } from './targets.js';

describe('parseNumericTable', () => {
  it('reads CSV features into a matrix, taking the last column as target by default', () => {
    const t = parseNumericTable('x1,x2,class\n1.5,-2,b\n3e2,0.25,a\n', { source: 'd.csv' });
    expect(t.featureNames).toEqual(['x1', 'x2']);
    expect(t.features.rows).toBe(2);
    expect(t.features.cols).toBe(2);
    expect([...matrixRow(t.features, 1)]).toEqual([300, 0.25]);
    expect(t.targetName).toBe('class');
    expect(t.target).toEqual(['b', 'a']);
    expect(t.lines).toEqual([2, 3]);
    expect(classTargets(t.target!).labelNames).toEqual(['a', 'b']);
  });

  it('prefers a column named y, wherever it is', () => {
    const t = parseNumericTable('y\ta\tb\n0.5\t1\t2\n', { source: 'd.tsv' });
    expect(t.targetName).toBe('y');
    expect(t.featureNames).toEqual(['a', 'b']);
    expect([...realTargets(t.target!, t.source, t.lines)]).toEqual([0.5]);
  });

  it('takes a named target, and reads JSONL', () => {
    const t = parseNumericTable('{"a":1,"b":2,"c":3}\n{"a":4,"b":"5","c":6}\n', {
      source: 'd.jsonl',
      target: 'a',
    });
    expect(t.featureNames).toEqual(['b', 'c']);
    expect(Array.from(t.features.data)).toEqual([2, 3, 5, 6]);
    expect(t.target).toEqual(['1', '4']);
  });

  it('reads a file without its target as all features when the target is optional', () => {
    const t = parseNumericTable('a,b\n1,2\n', {
      source: 'test.csv',
      target: 'label',
      requireTarget: false,
    });
    expect(t.targetName).toBeUndefined();
    expect(t.target).toBeUndefined();
    expect(t.featureNames).toEqual(['a', 'b']);
    const y = parseNumericTable('a,y\n1,2\n', { source: 'test.csv', requireTarget: false });
    expect(y.targetName).toBe('y');
    expect(parseNumericTable('a,b\n1,2\n', { source: 'test.csv', requireTarget: false }).featureNames).toEqual(['a', 'b']);
  });

  it('sniffs TSV and JSONL from the first line when the extension does not say', () => {
    expect(parseNumericTable('a\ty\n1\t2\n', { source: 'data' }).featureNames).toEqual(['a']);
    expect(parseNumericTable('{"a":1,"y":2}', { source: 'data' }).featureNames).toEqual(['a']);
  });
});

describe('parseNumericTable errors', () => {
  const fails = (text: string, message: string, options: Partial<NumericTableOptions> = {}) => {
    expect(() => parseNumericTable(text, { source: 'n.csv', ...options })).toThrow(DataError);
    expect(() => parseNumericTable(text, { source: 'n.csv', ...options })).toThrow(message);
  };

  it('names the missing target column, the columns there are and the flag to pass', () => {
    expect(() => parseNumericTable('a,b,c\n1,2,3\n', { source: 'n.csv', target: 'foo' })).toThrow(
      expect.objectContaining({
        name: 'DataError',
        line: 1,
        message: "n.csv:1: target column 'foo' not found in the header (columns: a, b, c)",
        fix: 'pass --target with one of them',
      }),
    );
  });

  it('rejects empty and header-only files', () => {
    fails('', 'n.csv:1: the file is empty');
    fails('a,y\n\n', 'n.csv:2: the file has a header but no rows');
  });

  it('rejects ragged rows', () => {
    fails('a,y\n1,2\n3\n', 'n.csv:3: row has 1 fields but the header has 2');
    fails('a,y\n1,2\n\n3,4\n', 'n.csv:3: row has 1 fields but the header has 2');
    fails('{"a":1,"y":2}\n{"a":1,"y":2,"z":3}\n', 'n.jsonl:2: has fields (a, y, z) but line 1 has (a, y)', {
      source: 'n.jsonl',
    });
  });

  it('rejects non-numeric, empty and non-finite features', () => {
    fails('a,b,y\n1,2,0\n1,x,0\n', "n.csv:3: feature 'b' 'x' is not a finite number");
    fails('a,b,y\n1,,0\n', "n.csv:2: feature 'b' is empty");
    fails('a,y\nNaN,0\n', "n.csv:2: feature 'a' 'NaN' is not a finite number");
    fails('a,y\n-Infinity,0\n', "n.csv:2: feature 'a' '-Infinity' is not a finite number");
    fails('a,y\n1e39,0\n', "n.csv:2: feature 'a' 1e+39 overflows float32");
    fails('{"a":{"b":1},"y":0}\n', "n.jsonl:1: feature 'a' '{\"b\":1}' is not a finite number", {
      source: 'n.jsonl',
    });
  });

  it('rejects unnamed, repeated and missing feature columns', () => {
    fails(',a,y\n0,1,2\n', 'n.csv:1: column 1 has no name (a saved row index?)');
    fails('a,a,y\n0,1,2\n', "n.csv:1: column 'a' appears twice");
    fails('y\n1\n', 'n.csv:1: the only column is the target');
  });
});
