/**
 * The paper's random HMM world (its Appendix C, Table 3): shared transition and emission, and
 * "the task is its start state" — task theta starts one-hot on its own state s_theta.
 */
import type { Rng } from '@iclkr/core';
import type { TaskSpec, WorldSpec } from '../world.js';
import { intParam, realParam, zeros } from './params.js';

/** Parameters of `randomWorld`; every one has a default. */
export interface RandomWorldParams {
  /** Number of tasks (default 8). */
  readonly tasks?: number;
  /** Hidden states d, the delimiter state included (default 80). */
  readonly states?: number;
  /** Vocabulary m, the delimiter token included (default 100). */
  readonly tokens?: number;
  /** Symmetric Dirichlet concentration of each ordinary transition row (default 0.2). */
  readonly transitionConcentration?: number;
  /** Symmetric Dirichlet concentration of each ordinary emission row (default 0.2). */
  readonly emissionConcentration?: number;
  /** Probability that an ordinary state moves to the delimiter state (default 0.05: segments of 20 tokens on average). */
  readonly delimiterProbability?: number;
}

/**
 * A random world: states 0..d-2 are ordinary, d-1 is the delimiter state; tokens 0..m-2 are
 * ordinary, m-1 is the delimiter. Task theta starts on state theta (distinct states), priors
 * are uniform. Ordinary rows are Dirichlet draws scaled by 1 - delimiterProbability, the rest
 * going to the delimiter state, which alone emits the delimiter and returns to the prior mixture
 * of the start states (the restart). The generator's default concentration 0.2 puts most of a
 * row's mass on a handful of states or tokens, yet over 100 tokens it leaves the next token nearly
 * unpredictable; the paper-table3 preset uses 0.006, calibrated to the paper's n = 1 row.
 * Concentration 1 is uniform on the simplex and makes tasks much harder to tell apart.
 */
export function randomWorld(params: RandomWorldParams, rng: Rng): WorldSpec {
  const g = 'randomWorld';
  const tasks = intParam(g, 'tasks', params.tasks ?? 8, 1);
  const d = intParam(g, 'states', params.states ?? 80, tasks + 1);
  const m = intParam(g, 'tokens', params.tokens ?? 100, 2);
  const alphaT = realParam(g, 'transitionConcentration', params.transitionConcentration ?? 0.2, 0, Number.POSITIVE_INFINITY);
  const alphaE = realParam(g, 'emissionConcentration', params.emissionConcentration ?? 0.2, 0, Number.POSITIVE_INFINITY);
  const p = realParam(g, 'delimiterProbability', params.delimiterProbability ?? 0.05, 0, 1, { lo: true });
  const delimState = d - 1;
  const delimiter = m - 1;
  const transition = zeros(d, d);
  const emission = zeros(d, m);
  for (let s = 0; s < delimState; s++) {
    const row = rng.dirichlet(alphaT, d - 1);
    for (let j = 0; j < d - 1; j++) transition[s][j] = (1 - p) * row[j];
    transition[s][delimState] = p;
    const out = rng.dirichlet(alphaE, m - 1);
    for (let o = 0; o < m - 1; o++) emission[s][o] = out[o];
  }
  for (let t = 0; t < tasks; t++) transition[delimState][t] = 1 / tasks;
  emission[delimState][delimiter] = 1;
  const taskSpecs: TaskSpec[] = Array.from({ length: tasks }, (_, t) => {
    const start = new Array<number>(d).fill(0);
    start[t] = 1;
    return { name: `task-${t}`, prior: 1 / tasks, start };
  });
  return {
    name: `random-${tasks}x${d}x${m}`,
    tokens: m,
    states: d,
    delimiter,
    transition,
    emission,
    tasks: taskSpecs,
    generator: {
      name: 'random',
      tasks,
      states: d,
      tokens: m,
      transitionConcentration: alphaT,
      emissionConcentration: alphaE,
      delimiterProbability: p,
    },
  };
}
