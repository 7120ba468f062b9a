// Small hand-made worlds for the belief-state tests.
import { Rng } from '@iclkr/core';
import { compileWorld } from '../src/world.js';
import type { World } from '../src/world.js';

const stochastic = (rng: Rng, rows: number, cols: number) => Array.from({ length: rows }, () => Array.from(rng.dirichlet(1, cols)));

/** d states, m tokens (the last is the delimiter), `tasks` tasks with one-hot starts; own transitions when `ownDynamics`. */
export function smallWorld(seed: number, d: number, m: number, tasks: number, ownDynamics = false): World {
  const rng = new Rng(seed);
  return compileWorld({
    tokens: m,
    states: d,
    delimiter: m - 1,
    transition: stochastic(rng, d, d),
    emission: stochastic(rng, d, m),
    tasks: Array.from({ length: tasks }, (_, t) => ({
      name: `t${t}`,
      prior: 1 / tasks,
      start: Array.from({ length: d }, (_, s) => (s === t ? 1 : 0)),
      ...(ownDynamics ? { transition: stochastic(rng, d, d) } : {}),
    })),
  });
}

/** T_x = diag(B[:, o_1]) T ... diag(B[:, o_k]) T by plain float64 loops (the reference). */
export function bruteOperator(transition: Float64Array, emission: Float64Array, d: number, m: number, x: readonly number[]): number[][] {
  let op: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (const o of x) {
    const next = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < d; i++)
      for (let s = 0; s < d; s++) for (let t = 0; t < d; t++) next[i][t] += op[i][s] * emission[s * m + o] * transition[s * d + t];
    op = next;
  }
  return op;
}
