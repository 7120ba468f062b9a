/** The probe report's body (report.json without meta) from the analyses' result. */
import type { ProbeHead, ProbeReport, ProbeSample } from '@iclkr/core';
import { type HeadCorrelation, type HeldOutSample, type ProbeResult, VOTE_VARIANTS } from '@iclkr/probing';

/** Where the prompts came from, for the report body. */
export interface ProbeSource {
  readonly model: string;
  readonly source: string;
  readonly shots: number;
  readonly labels: readonly string[];
  /** A token's text decoded alone, for the samples (default: the id as a string, as a world's tokens are named). */
  readonly tokenText?: (id: number) => string;
}

/** Attention weights in a report's samples: 6 significant digits keep a sample of GPT-2 small's 144 heads small. */
const roundWeight = (x: number): number => Number(x.toPrecision(6));

/** One held-out prompt of the analyses as a report sample: token texts, plain segments, rounded attention. */
function reportSample(s: HeldOutSample, tokenText: (id: number) => string): ProbeSample {
  return {
    prompt: s.prompt,
    ids: [...s.tokens],
    tokens: s.tokens.map(tokenText),
    segments: s.spans.segments.map(({ kind, line, start, end }) => ({ kind, line, start, end })),
    labels: [...s.labels],
    gold: s.gold,
    model: Array.from(s.modelDistribution),
    attention: s.rows.map((byHead) => byHead.map((row) => Array.from(row, roundWeight))),
  };
}

const correlation = (c: HeadCorrelation | null | undefined) => ({ pearson: c?.pearson ?? null, spearman: c?.spearman ?? null });

/** The report (without meta) from the experiment's result. */
export function probeReportBody(result: ProbeResult, source: ProbeSource): Omit<ProbeReport, 'meta' | 'paper'> {
  const { summary } = result;
  const kernels = Object.keys(result.trueCorrelation);
  const at = (list: readonly HeadCorrelation[], layer: number, head: number) => list.find((c) => c.layer === layer && c.head === head);
  const heads: ProbeHead[] = summary.heads.map((h) => {
    const variants = Object.fromEntries(
      VOTE_VARIANTS.map((v) => [
        v,
        {
          ...h.variants[v],
          outputCorrelation: correlation(result.outputCorrelation && at(result.outputCorrelation[v], h.layer, h.head)),
          trueCorrelation: Object.fromEntries(kernels.map((k) => [k, correlation(at(result.trueCorrelation[k][v], h.layer, h.head))])),
        },
      ]),
    ) as ProbeHead['variants'];
    return { layer: h.layer, head: h.head, ...variants.span, variants };
  });
  const probe = (r: ProbeResult['keyClasses']) => r && { examples: r.examples, chance: r.chance, heads: r.heads.map((h) => ({ ...h })) };
  return {
    model: source.model,
    source: source.source,
    shots: source.shots,
    prompts: summary.prompts,
    labels: [...source.labels],
    modelAccuracy: summary.modelAccuracy,
    majority: summary.majority,
    oracle: summary.oracle ?? null,
    bestHead: summary.bestHead,
    bestByVariant: summary.bestByVariant,
    heldOut: { ...summary.heldOut, oracle: summary.heldOut.oracle ?? null },
    heads,
    kernel: kernels[0] ?? null,
    baselines: result.baselines,
    attentionMap: {
      resolution: result.map.resolution,
      cells: [...result.map.cells],
      values: result.map.values.map((l) => l.map((h) => Array.from(h))),
    },
    probes: {
      offsets: [...(result.values ?? result.keys ?? { offsets: [] }).offsets],
      keys: probe(result.keys),
      values: probe(result.values),
      keyClasses: probe(result.keyClasses),
    },
    samples: result.samples.map((s) => reportSample(s, source.tokenText ?? String)),
  };
}
