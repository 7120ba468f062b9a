// The contract every estimator keeps (as retriever.test.ts has one for every retriever): a typed
// error before fit, and a typed ShapeError for queries whose shape is not the training data's,
// for every kernel, including a precomputed one.
import { matrixFromRows, OptionError, ShapeError } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import type { KernelName } from './kernel.js';
import { NadarayaWatson } from './nadaraya-watson.js';
import { KernelRidge } from './ridge.js';

const x = matrixFromRows([
  [0, 1],
  [1, 0],
  [1, 1],
]);
const targets = { kind: 'class' as const, labels: [0, 1, 1], numClasses: 2 };
const gram = matrixFromRows([
  [1, 0.5, 0.2],
  [0.5, 1, 0.3],
  [0.2, 0.3, 1],
]);

const ESTIMATORS: Record<
  string,
  (kernel: KernelName) => { fit(x: typeof gram, t: typeof targets): unknown; predict(q: typeof gram): unknown }
> = {
  NadarayaWatson: (kernel) => new NadarayaWatson({ kernel, ...(kernel === 'rbf' ? { bandwidth: 1 } : {}) }),
  KernelRidge: (kernel) => new KernelRidge({ kernel, ...(kernel === 'rbf' ? { bandwidth: 1 } : {}) }),
};

describe.each(Object.entries(ESTIMATORS))('%s', (_, make) => {
  it('refuses predict before fit with a typed error', () => {
    expect(() => make('linear').predict(x)).toThrow(OptionError);
  });

  it.each(['rbf', 'linear', 'cosine'] as const)('refuses queries with another feature count (%s kernel)', (kernel) => {
    const fitted = make(kernel);
    fitted.fit(x, targets);
    expect(() => fitted.predict(matrixFromRows([[1, 2, 3]]))).toThrow(ShapeError);
    expect(() => fitted.predict(matrixFromRows([[1, 2, 3]]))).toThrow(/queries have 3 features but the training set has 2/);
    expect(() => fitted.predict(matrixFromRows([[1, 2]]))).not.toThrow();
  });

  it('refuses precomputed query rows without one column per training row', () => {
    const fitted = make('precomputed');
    fitted.fit(gram, targets);
    expect(() => fitted.predict(matrixFromRows([[0.1, 0.2]]))).toThrow(/2 columns but the training set has 3 rows/);
    expect(() => fitted.predict(matrixFromRows([[0.1, 0.2, 0.3]]))).not.toThrow();
  });
});
