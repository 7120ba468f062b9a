import { describe, expect, it } from 'vitest';
import { matrixFromRows, matrixRow } from './matrix.js';

describe('Matrix', () => {
  it('builds from rows and views rows without copying', () => {
    const m = matrixFromRows([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(m).toMatchObject({ rows: 3, cols: 2 });
    expect(Array.from(matrixRow(m, 1))).toEqual([3, 4]);
    matrixRow(m, 1)[0] = 9;
    expect(m.data[2]).toBe(9);
  });
  it('rejects ragged rows', () => {
    expect(() => matrixFromRows([[1, 2], [3]])).toThrow(/row 1 has 1 values but row 0 has 2/);
  });
});
