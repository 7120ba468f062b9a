import { OptionError, Rng, tf } from '@iclkr/core';
import { describe, expect, it } from 'vitest';
import { createGpt, initGptParams } from '../gpt/init.js';
import { selectionSplit } from './attention-vote.js';
import { Probe } from './probe.js';
import { ProbeAnalyses, type ProbeAnalysesOptions, type ProbePrompt, type PromptActivations } from './probe-analyses.js';
import { type Segment, spansFromSegments, tokenPromptSpans } from './spans.js';

/**
 * Token prompts of n one-token demonstrations with random attention rows 3 positions longer than
 * the prompt (as rows from a right-padded batch are), the padding filled with a marker value.
 */
function synthetic(count: number, n: number, seed: number): { prompt: ProbePrompt; acts: PromptActivations }[] {
  const rng = new Rng(seed);
  const spans = tokenPromptSpans(n, 1);
  return Array.from({ length: count }, () => {
    const labels = Array.from({ length: n }, () => rng.int(2));
    const tokens = [...labels.flatMap((y) => [rng.int(4), 4 + y, 6]), rng.int(4)];
    const row = () => {
      const w = Array.from({ length: tokens.length }, () => rng.uniform());
      const total = w.reduce((a, b) => a + b, 0);
      return Float32Array.from([...w.map((v) => v / total), -7, -7, -7]);
    };
    const p = rng.uniform();
    return {
      prompt: { tokens, spans, labels, gold: rng.int(2) },
      acts: {
        rows: [
          [row(), row()],
          [row(), row()],
        ],
        modelDistribution: Float32Array.from([p, 1 - p]),
      },
    };
  });
}

const OPTIONS: ProbeAnalysesOptions = { numClasses: 2, kvHeads: 2, dHead: 4, selectFrac: 0.6, seed: 5 };

function analyse(items: ReturnType<typeof synthetic>, options: Partial<ProbeAnalysesOptions> = {}): ProbeAnalyses {
  const analyses = new ProbeAnalyses({ ...OPTIONS, ...options });
  for (const { prompt, acts } of items) analyses.add(prompt, acts);
  return analyses;
}

describe('ProbeAnalyses samplePrompts', () => {
  const items = synthetic(50, 4, 1);

  it('keeps the first N held-out prompts of the final split, whole, with rows cut to the prompt', () => {
    const result = analyse(items, { samplePrompts: 6, expectedPrompts: 50 }).result();
    // Independently: the split of the final count, computed after the fact.
    const { selection, heldOut } = selectionSplit(50, { selectFrac: 0.6, seed: 5 });
    expect(result.samples.map((s) => s.prompt)).toEqual(heldOut.slice(0, 6));
    for (const s of result.samples) {
      expect(selection).not.toContain(s.prompt);
      const { prompt, acts } = items[s.prompt];
      expect(s.tokens).toEqual(prompt.tokens);
      expect(s.labels).toEqual(prompt.labels);
      expect(s.gold).toBe(prompt.gold);
      expect(s.spans.segments).toEqual(prompt.spans.segments);
      expect(Array.from(s.modelDistribution)).toEqual(Array.from(acts.modelDistribution));
      expect(s.rows).toHaveLength(2);
      s.rows.forEach((byHead, l) =>
        byHead.forEach((row, h) => {
          expect(row).toHaveLength(prompt.tokens.length);
          expect(Array.from(row)).toEqual(Array.from(acts.rows[l][h]).slice(0, prompt.tokens.length));
        }),
      );
    }
  });

  it('changes no other number, and keeps every held-out prompt when N is larger than the held-out part', () => {
    const plain = analyse(items).result();
    const sampled = analyse(items, { samplePrompts: 1000, expectedPrompts: 50 }).result();
    expect(plain.samples).toEqual([]);
    const { samples, ...rest } = sampled;
    const { samples: _, ...plainRest } = plain;
    expect(rest).toEqual(plainRest);
    expect(samples.map((s) => s.prompt)).toEqual(selectionSplit(50, { selectFrac: 0.6, seed: 5 }).heldOut);
  });

  it('stores at most N prompts while streaming, however many are added', () => {
    const many = synthetic(400, 2, 2);
    const analyses = new ProbeAnalyses({ ...OPTIONS, samplePrompts: 3, expectedPrompts: 400 });
    let most = 0;
    for (const { prompt, acts } of many) {
      analyses.add(prompt, acts);
      most = Math.max(most, analyses.sampled);
    }
    expect(most).toBe(3);
    expect(analyses.result().samples).toHaveLength(3);
  });

  it('refuses a sample without the expected count, a wrong count at result, and a negative N', () => {
    expect(() => new ProbeAnalyses({ ...OPTIONS, samplePrompts: 2 })).toThrow(/samplePrompts 2 without expectedPrompts/);
    expect(() => new ProbeAnalyses({ ...OPTIONS, samplePrompts: -1, expectedPrompts: 10 })).toThrow(OptionError);
    expect(() => analyse(items.slice(0, 40), { samplePrompts: 2, expectedPrompts: 50 }).result()).toThrow(
      /40 prompts probed but expectedPrompts is 50/,
    );
  });
});

describe('Probe samplePrompts on prompts of different lengths', () => {
  it('keeps held-out rows over exactly each prompt, the padding of its batch cut off, equal to the prompt run alone', () => {
    const config = {
      vocabSize: 12,
      nCtx: 40,
      nLayers: 2,
      nHeads: 2,
      dModel: 16,
      dMlp: 32,
      positions: 'learned' as const,
      tiedEmbeddings: false,
    };
    const rng = new Rng(4);
    const prompts: ProbePrompt[] = Array.from({ length: 20 }, () => {
      const segments: Segment[] = [];
      const tokens: number[] = [];
      const labels: number[] = [];
      const piece = (kind: Segment['kind'], line: number, ids: number[]) => {
        segments.push({ kind, line, start: tokens.length, end: tokens.length + ids.length });
        tokens.push(...ids);
      };
      for (let i = 0; i < 2; i++) {
        labels.push(rng.int(2));
        piece(
          'x',
          i,
          Array.from({ length: 1 + rng.int(5) }, () => rng.int(8)),
        );
        piece('y', i, [8 + labels[i]]);
      }
      piece('query', 2, [rng.int(8)]);
      return { tokens, spans: spansFromSegments(segments), labels, gold: rng.int(2) };
    });
    const model = createGpt(config, initGptParams(config, new Rng(1)));
    const options = { labelTokens: [8, 9], samplePrompts: 4, expectedPrompts: 20 };
    const before = tf.memory().numTensors;
    const probe = new Probe(model, options).add(prompts);
    // A forward pass leaves no tensor behind (it once kept the softmax and every layer's rows).
    expect(tf.memory().numTensors).toBe(before);
    const { samples } = probe.result();
    expect(samples.map((s) => s.prompt)).toEqual(selectionSplit(20).heldOut.slice(0, 4));
    expect(new Set(samples.map((s) => s.tokens.length)).size).toBeGreaterThan(1);
    for (const s of samples) {
      const alone = new Probe(model, { labelTokens: [8, 9], samplePrompts: 2, expectedPrompts: 2, probePrompts: 0 });
      // Two copies of the prompt: selectionSplit(2) holds one of them out.
      const [only] = alone.add([prompts[s.prompt], prompts[s.prompt]]).result().samples;
      expect(s.rows.flat().every((row) => row.length === s.tokens.length)).toBe(true);
      s.rows.forEach((byHead, l) =>
        byHead.forEach((row, h) => {
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
          row.forEach((v, k) => expect(v).toBeCloseTo(only.rows[l][h][k], 5));
        }),
      );
      s.modelDistribution.forEach((v, c) => expect(v).toBeCloseTo(only.modelDistribution[c], 5));
    }
    model.dispose();
  });
});
