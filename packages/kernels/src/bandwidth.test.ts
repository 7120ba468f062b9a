import { Rng } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { bruteNW, randomMatrix, row } from '../test/brute.js';
import { defaultBandwidthGrid, looLosses, selectBandwidth } from './bandwidth.js';
import type { KernelName } from './kernel.js';
import { NadarayaWatson } from './nadaraya-watson.js';

// Reference: leave-one-out by brute force, refitting without each example in float64 loops.
function bruteLoo(kernel: KernelName, x: ReturnType<typeof randomMatrix>, y: number[][], h: number): number {
  let loss = 0;
  for (let j = 0; j < x.rows; j++) {
    const p = bruteNW({ kernel, bandwidth: h }, x, y, row(x, j), true, j);
    loss += p.reduce((s, v, c) => s + (v - y[j][c]) ** 2, 0);
  }
  return loss / x.rows;
}

describe('leave-one-out bandwidth', () => {
  const rng = new Rng(11);
  const x = randomMatrix(rng, 70, 2);
  const values = Array.from({ length: 70 }, (_, i) => Math.sin(2 * x.data[2 * i]) + 0.2 * rng.normal());
  const labels = Array.from({ length: 70 }, (_, i) => (x.data[2 * i] * x.data[2 * i + 1] > 0 ? 1 : 0));

  for (const kernel of ['rbf', 'laplacian', 'attention'] as KernelName[]) {
    it(`${kernel}: losses equal brute-force LOO and the choice is the grid argmin`, () => {
      const grid = defaultBandwidthGrid(kernel, x).filter((_, k) => k % 2 === 0);
      const y = values.map((v) => [v]);
      const losses = looLosses({ kernel }, x, { kind: 'real', values }, grid);
      const brute = grid.map((h) => bruteLoo(kernel, x, y, h));
      losses.forEach((l, k) => expect(Math.abs(l - brute[k]) / brute[k]).toBeLessThan(1e-4));
      const sel = selectBandwidth({ kernel }, x, { kind: 'real', values }, { grid });
      expect(sel.bandwidth).toBe(grid[brute.indexOf(Math.min(...brute))]);
    });
  }

  it('classification LOO uses the one-hot squared error and matches brute force', () => {
    const grid = [0.05, 0.2, 0.5, 1, 3];
    const y = labels.map((l) => (l === 1 ? [0, 1] : [1, 0]));
    const losses = looLosses({ kernel: 'rbf' }, x, { kind: 'class', labels, numClasses: 2 }, grid);
    grid.forEach((h, k) => expect(losses[k]).toBeCloseTo(bruteLoo('rbf', x, y, h), 5));
  });

  it('golden search refines between grid points and never does worse than the grid', () => {
    const targets = { kind: 'real' as const, values };
    const grid = selectBandwidth({ kernel: 'rbf' }, x, targets);
    const golden = selectBandwidth({ kernel: 'rbf' }, x, targets, { search: 'golden' });
    expect(golden.grid.length).toBeGreaterThan(grid.grid.length);
    expect(Math.min(...golden.losses)).toBeLessThanOrEqual(Math.min(...grid.losses));
    expect(golden.losses[golden.grid.indexOf(golden.bandwidth)]).toBe(Math.min(...golden.losses));
  });

  it("NadarayaWatson with bandwidth 'loo' uses the selected bandwidth", () => {
    const nw = new NadarayaWatson({ kernel: 'rbf', bandwidth: 'loo' }).fit(x, { kind: 'real', values });
    expect(nw.bandwidth).toBe(nw.selection!.bandwidth);
    expect(nw.selection!.grid).toHaveLength(19);
  });

  it('rejects kernels without a bandwidth, bad grids and a single example', () => {
    const t = { kind: 'real' as const, values };
    expect(() => selectBandwidth({ kernel: 'linear' }, x, t)).toThrow(/has no bandwidth to select/);
    expect(() => selectBandwidth({ kernel: 'rbf' }, x, t, { grid: [] })).toThrow(/empty bandwidth grid/);
    expect(() => looLosses({ kernel: 'rbf' }, x, t, [0])).toThrow(/bandwidth 0 is not a positive number/);
    const one = { rows: 1, cols: 2, data: new Float32Array(2) };
    expect(() => looLosses({ kernel: 'rbf' }, one, { kind: 'real', values: [1] }, [1])).toThrow(/at least 2/);
  });
});
