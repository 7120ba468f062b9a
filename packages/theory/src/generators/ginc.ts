/**
 * The GINC world of Xie et al. 2021 ("An Explanation of In-context Learning as Implicit Bayesian
 * Inference"), after `generate_data.py` in p-lambda/incontext-learning, with its parameter names
 * and the defaults of its released data set (GINC_trans0.1_start10.0_nsymbols50_nvalues10_
 * nslots10_vic0.9_nhmms10).
 */
import type { Rng } from '@iclkr/core';
import type { TaskSpec, WorldSpec } from '../world.js';
import { intParam, priorAverage, realParam, softmax, zeros } from './params.js';

/** GINC's generator parameters (names as in generate_data.py's command line). */
export interface GincParams {
  /** Entity values (default 10). */
  readonly n_values?: number;
  /** Property slots; slot 0 emits the delimiter (default 10). */
  readonly n_slots?: number;
  /** Vocabulary size, the delimiter (token 0) included (default 50; GINC also uses 100 and 150). */
  readonly n_symbols?: number;
  /** Temperature of the softmax mixing the random permutation matrices (default 0.1). */
  readonly transition_temp?: number;
  /** Temperature of the start distribution's softmax (default 10). */
  readonly start_temp?: number;
  /** Weight of the identity in the shared value-transition matrix (default 0.9). */
  readonly value_identity_coeff?: number;
  /** Concepts; the first half make the pre-training mixture, the rest are out-of-distribution (default 10). */
  readonly n_hmms?: number;
}

/** GINC's generate_transmat_block: a softmax(temp)-weighted mix of n random permutation matrices. */
function transmatBlock(n: number, temp: number, rng: Rng): number[][] {
  const mixing = softmax(
    Array.from({ length: n }, () => rng.uniform() - 0.5),
    temp,
  );
  const out = zeros(n, n);
  for (let k = 0; k < n; k++) {
    // np.eye(n)[permutation]: row i is the unit vector at perm[i].
    const perm = rng.shuffle(Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) out[i][perm[i]] += mixing[k];
  }
  return out;
}

/**
 * A GINC world. Hidden state (value v, slot s) is index v * n_slots + s and emits the token
 * all_values[v][s] deterministically (uniform over 1..n_symbols-1, fixed once; slot 0 emits the
 * delimiter, token 0). Each concept has its own slot transition; the value transition is shared
 * and (1 - value_identity_coeff) * block + value_identity_coeff * I; the full transition is
 * T[(v,s),(v',s')] = value[v][v'] * slot[s][s'] (GINC's combine_transmats). Each concept's
 * start distribution is softmax(U(-0.5, 0.5) / start_temp). The first floor(n_hmms / 2)
 * concepts share the prior equally; the others have prior 0.
 *
 * Deviations: random numbers come from our seeded Rng (not numpy with seed 1111), so the
 * matrices differ from the released pickles while following the same distribution; the shared
 * value matrix is drawn once from the same stream instead of under GINC's fixed local seed; the
 * world-level transition (unused: every concept has its own) records the prior average.
 */
export function gincWorld(params: GincParams, rng: Rng): WorldSpec {
  const g = 'gincWorld';
  const nValues = intParam(g, 'n_values', params.n_values ?? 10, 1);
  const nSlots = intParam(g, 'n_slots', params.n_slots ?? 10, 2);
  const nSymbols = intParam(g, 'n_symbols', params.n_symbols ?? 50, 2);
  const transitionTemp = realParam(g, 'transition_temp', params.transition_temp ?? 0.1, 0, Number.POSITIVE_INFINITY);
  const startTemp = realParam(g, 'start_temp', params.start_temp ?? 10, 0, Number.POSITIVE_INFINITY);
  const vic = realParam(g, 'value_identity_coeff', params.value_identity_coeff ?? 0.9, 0, 1, { lo: true, hi: true });
  const nHmms = intParam(g, 'n_hmms', params.n_hmms ?? 10, 2);
  const nId = Math.floor(nHmms / 2);
  const d = nValues * nSlots;

  // all_values = randint(1, n_symbols, (n_values, n_slots)); all_values[:, 0] = 0 (the delimiter).
  const allValues = Array.from({ length: nValues }, () =>
    Array.from({ length: nSlots }, (_, s) => (s === 0 ? 0 : 1 + rng.int(nSymbols - 1))),
  );
  const emission = zeros(d, nSymbols);
  for (let i = 0; i < d; i++) emission[i][allValues[Math.floor(i / nSlots)][i % nSlots]] = 1;

  const value = transmatBlock(nValues, transitionTemp, rng).map((row, i) => row.map((p, j) => (1 - vic) * p + (i === j ? vic : 0)));
  const priors = Array.from({ length: nHmms }, (_, h) => (h < nId ? 1 / nId : 0));
  const transitions: number[][][] = [];
  const tasks: TaskSpec[] = priors.map((prior, h) => {
    const start = softmax(
      Array.from({ length: d }, () => rng.uniform() - 0.5),
      startTemp,
    );
    const slot = transmatBlock(nSlots, transitionTemp, rng);
    const transition = zeros(d, d);
    for (let v = 0; v < nValues; v++) {
      for (let w = 0; w < nValues; w++) {
        for (let s = 0; s < nSlots; s++) {
          for (let t = 0; t < nSlots; t++) transition[v * nSlots + s][w * nSlots + t] = value[v][w] * slot[s][t];
        }
      }
    }
    transitions.push(transition);
    return { name: `concept-${h}`, prior, start, transition };
  });
  return {
    name: `ginc-${nValues}x${nSlots}-${nSymbols}`,
    tokens: nSymbols,
    states: d,
    delimiter: 0,
    transition: priorAverage(transitions, priors),
    emission,
    tasks,
    generator: {
      name: 'ginc',
      n_values: nValues,
      n_slots: nSlots,
      n_symbols: nSymbols,
      transition_temp: transitionTemp,
      start_temp: startTemp,
      value_identity_coeff: vic,
      n_hmms: nHmms,
    },
  };
}
