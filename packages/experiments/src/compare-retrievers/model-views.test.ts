import { Rng, tf } from '@iclkr/core';
import { alibiSlopes, type HookedModel, nextTokenDistributions } from '@iclkr/probing';
import { createRetriever } from '@iclkr/retrieval';
import { promptTokens, samplePrompt, type World } from '@iclkr/theory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultModel } from '../../test/default-model.js';
import { checkHead, checkLayer, entropy, parseHead, promptViews, runAlone } from './model-views.js';

let model: HookedModel;
let world: World;
beforeAll(async () => {
  ({ model, world } = await loadDefaultModel());
});
afterAll(() => model.dispose());

/** One forward pass of `tokens`, the named activations read back as flat arrays with their shapes. */
function pass(tokens: readonly number[], names: readonly string[]): Map<string, { data: Float32Array; shape: number[] }> {
  const { logits, cache } = model.run(tf.tensor2d([...tokens], [1, tokens.length], 'int32'), { cache: names });
  const out = new Map(names.map((n) => [n, { data: cache.get(n)!.dataSync() as Float32Array, shape: cache.get(n)!.shape }]));
  tf.dispose([logits, ...cache.values()]);
  return out;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

describe('attention-kernel scores', () => {
  /**
   * The score attention-kernel ranks by is q(x_test alone) . k(x y delim alone) / sqrt(d_head). In
   * the full one-demonstration prompt `x y delim x_test`, hook_attn_scores at (final, key position)
   * is the same product plus the ALiBi bias -slope_h (final - key), with the key exactly the one of
   * `x y delim` alone (causal attention: the prefix does not see x_test) and the query computed in
   * context. At layer 0 the query is a function of x_test's token alone (ALiBi adds no position
   * embedding), so the scores agree exactly; from layer 1 on the query in context has read the
   * demonstration through layer 0's attention and the two differ by that query's difference only.
   */
  it('equal hook_attn_scores minus the ALiBi bias of `x y delim x_test` at layer 0, and differ only by the query from layer 1', () => {
    const { nLayers, nHeads, dHead } = model.config;
    const slopes = alibiSlopes(nHeads);
    const rng = new Rng(3);
    let layerOneGap = 0;
    for (let trial = 0; trial < 6; trial++) {
      const p = samplePrompt(world, rng.int(world.tasks.length), 1, world.spec.inputLength ?? 1, rng);
      const [[x, y]] = p.demos;
      const line = [...x, y, world.delimiter];
      const full = [...line, ...p.query];
      const final = full.length - 1;
      for (let layer = 0; layer < nLayers; layer++) {
        const names = ['hook_attn_scores', 'hook_q', 'hook_k'].map((h) => `blocks.${layer}.attn.${h}`);
        const acts = pass(full, names);
        const [scores, qs, ks] = names.map((n) => acts.get(n)!.data);
        for (let head = 0; head < nHeads; head++) {
          for (const position of [x.length, x.length + 1]) {
            const h = { layer, head };
            const key = runAlone(model, [line], { head: h, keyPositions: [position] }).keys[0];
            // The key is the prompt's own key at that position, bit for bit up to float rounding.
            const promptKey = ks.subarray((position * nHeads + head) * dHead, (position * nHeads + head + 1) * dHead);
            key.forEach((v, i) => expect(v).toBeCloseTo(promptKey[i], 5));
            const score = scores[(head * full.length + final) * full.length + position];
            const bias = -slopes[head] * (final - position);
            const inContext = Array.from(
              qs.subarray((final * nHeads + head) * dHead, (final * nHeads + head + 1) * dHead),
              (v) => v / Math.sqrt(dHead),
            );
            expect(dot(inContext, key)).toBeCloseTo(score - bias, 4);
            for (const query of [p.query, [world.delimiter, ...p.query]]) {
              const alone = runAlone(model, [query], { head: h, query: true }).queries[0];
              if (layer === 0) expect(dot(alone, key)).toBeCloseTo(score - bias, 4);
              else layerOneGap = Math.max(layerOneGap, Math.abs(dot(alone, key) - (score - bias)));
            }
          }
        }
      }
    }
    // The documented difference: the query in context is not the query alone from layer 1 on.
    expect(layerOneGap).toBeGreaterThan(1e-3);
  });

  it('reads the mean-pooled hidden state of hook_resid_post and P(o | x) of the last position, each sequence alone', () => {
    const seqs = [[3, 7, 34], [5], [3, 7, 34]];
    const views = runAlone(model, seqs, { distribution: true, hiddenLayer: 1 });
    const { dModel } = model.config;
    seqs.forEach((s, i) => {
      const resid = pass(s, ['blocks.1.hook_resid_post']).get('blocks.1.hook_resid_post')!.data;
      const mean = Array.from({ length: dModel }, (_, c) => s.reduce((acc, _t, t) => acc + resid[t * dModel + c], 0) / s.length);
      views.hidden[i].forEach((v, c) => expect(v).toBeCloseTo(mean[c], 4));
      const [dist] = nextTokenDistributions(model, [s]);
      views.distributions[i].forEach((v, c) => expect(v).toBeCloseTo(dist[c], 5));
    });
  });

  it('leaves no tensors behind', () => {
    runAlone(model, [[1, 2, 34]], { distribution: true, hiddenLayer: 0, head: { layer: 1, head: 2 }, keyPositions: [2], query: true });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      runAlone(model, [[1, 2, 34], [4]], {
        distribution: true,
        hiddenLayer: 0,
        head: { layer: 1, head: 2 },
        keyPositions: [2, 0],
        query: true,
      });
      promptViews(model, [[1, 2, 34, 5]], [32, 33], { layer: 1, head: 0 });
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('mdl with the model', () => {
  it("keeps the set of least label entropy, against the model's label distribution computed independently for each set", () => {
    const rng = new Rng(8);
    const p = samplePrompt(world, 0, 10, 1, rng);
    const labels = world.spec.labels!;
    const seen: (readonly number[])[][] = [];
    const layout = (set: readonly number[]) => promptTokens({ demos: set.map((i) => p.demos[i]), query: p.query }, world.delimiter);
    const mdl = createRetriever('mdl', {
      candidates: 6,
      sets: 6,
      labelEntropy: (_q, sets) => {
        seen.push([...sets]);
        return promptViews(model, sets.map(layout), labels, undefined).distributions.map(entropy);
      },
    }).fit({ texts: p.demos.map(([x]) => `t${x[0]}`), labels: p.demos.map(([, y]) => labels.indexOf(y)), numClasses: labels.length });
    for (const n of [2, 3]) {
      const chosen = mdl.select({ text: `t${p.query[0]}` }, n, new Rng(n));
      const sets = seen[seen.length - 1];
      const brute = sets.map((s) => entropy(nextTokenDistributions(model, [layout(s)], { restrict: labels })[0]));
      expect(chosen.indices).toEqual(sets[brute.indexOf(Math.min(...brute))]);
    }
  });
});

describe('heads and layers', () => {
  it('parse L.H and refuse a layer or head outside the model in one line', () => {
    expect(parseHead('1.2')).toEqual({ layer: 1, head: 2 });
    expect(() => parseHead('1:2')).toThrow(/--head '1:2' is not LAYER.HEAD/);
    expect(() => checkHead({ layer: 2, head: 0 }, model)).toThrow(/attention-kernel: layer 2 is out of range \(the model has layers 0-1\)/);
    expect(() => checkHead({ layer: 1, head: 4 }, model)).toThrow(/attention-kernel: head 4 is out of range \(layer 1 has heads 0-3\)/);
    expect(() => checkLayer(5, model)).toThrow(/--layer 5 is out of range/);
  });
});
