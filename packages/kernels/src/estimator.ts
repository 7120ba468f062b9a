/** What every estimator checks before it predicts: that it was fitted, and that the queries have the training data's shape. */
import { type Matrix, OptionError, ShapeError } from '@iclkr/core';

/**
 * The fitted state of an estimator, checked against `queries`: an OptionError before fit, a
 * ShapeError when the queries' feature count differs from the training set's (for a precomputed
 * kernel the queries are rows K(x_query, X_train), one column per training row).
 */
export function fittedFor<F extends { readonly x: Matrix }>(fitted: F | undefined, queries: Matrix, kernel: string): F {
  if (fitted === undefined) throw new OptionError('predict called before fit', 'call fit(X, targets) first');
  const { x } = fitted;
  if (kernel === 'precomputed') {
    if (queries.cols !== x.rows) {
      throw new ShapeError(
        `precomputed query kernel rows have ${queries.cols} columns but the training set has ${x.rows} rows`,
        'give K(x_query, X_train) with one column per training row',
      );
    }
  } else if (queries.cols !== x.cols) {
    throw new ShapeError(
      `queries have ${queries.cols} features but the training set has ${x.cols}`,
      'give train and test the same feature columns',
    );
  }
  return fitted;
}
