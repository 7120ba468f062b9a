/**
 * The `paper` block of a compare-retrievers report: the journal version's Table 2 (ICL, its
 * reconstruction by the best head, explicit kernel regression on SST-2) beside our rows, and the
 * kernel view's prediction for retrieval (SPEC §4): similar demonstrations help, and the best
 * similarity is the model's own.
 */
import type { CompareRetrieversReport, Paper } from '@iclkr/core';
import { displayName } from '../figures/figure.js';
import { PAPER_CITATION, PAPER_PROBE } from '../paper.js';

/** What the paper block reads of the report body. */
export type CompareRetrieversPaperInput = Omit<CompareRetrieversReport, 'meta' | 'paper'>;

const fmt = (x: number): string => x.toFixed(3);

/** The accuracy of (strategy, method) at n, if the report has it. */
export function rowAccuracy(report: Pick<CompareRetrieversReport, 'rows'>, strategy: string, method: string, n: number): number | null {
  return report.rows.find((r) => r.strategy === strategy && r.method === method && r.n === n)?.accuracy ?? null;
}

/** Table 2's three numbers beside ours at the largest n with random demonstrations, and the retrieval claim in words. */
export function compareRetrieversPaper(report: CompareRetrieversPaperInput): Paper {
  const t = PAPER_PROBE.table2;
  const n = Math.max(...report.shots);
  const base = report.strategies.includes('random') ? 'random' : report.strategies[0];
  const at = (method: string) => rowAccuracy(report, base, method, n);
  const text = report.sourceKind === 'text';
  const where = `ours: ${displayName(report.model)} on ${report.source}, ${base} demonstrations, n = ${n}`;
  const values: Paper['values'] = [
    { name: 'ICL accuracy (Table 2)', paper: t.iclAccuracy, ours: at('icl'), note: `paper: ${PAPER_PROBE.model} on SST-2; ${where}` },
    { name: "the best head's vote: accuracy (Table 2)", paper: t.accuracy, ours: at('head'), note: where },
    {
      name: 'explicit kernel regression: accuracy (Table 2)',
      paper: t.explicitKernelAccuracy,
      ours: at('nw-hidden'),
      note: `paper: a sentence encoder's cosine, about 0.50; ours: cosine of the model's mean-pooled hidden states (layer ${report.layer})`,
    },
  ];
  const gains = report.strategies
    .filter((s) => s !== base)
    .map((s) => ({ s, gain: (rowAccuracy(report, s, 'icl', n) ?? Number.NaN) - (at('icl') ?? Number.NaN) }))
    .filter((g) => Number.isFinite(g.gain))
    .sort((a, b) => b.gain - a.gain);
  const same = [
    "Every method is scored on the same prompts and the same chosen demonstrations; 'icl' is the model's argmax over the label tokens.",
    "The head's vote is argmax_y sum_i a_i e(y_i) with a_i its final-position attention into demonstration i, as in Table 2.",
  ];
  const differs = [
    text
      ? `The data is ${report.source}, not necessarily SST-2, and the model is ${displayName(report.model)}, not ${PAPER_PROBE.model}.`
      : `The prompts come from the synthetic ${report.source}, not SST-2 text, and the model is ${displayName(report.model)}: ` +
        'the paper has no retrieval table for it, so its numbers are set beside ours, not expected to match.',
    "The paper does not measure retrieval strategies itself; it predicts (SPEC §4) that similar demonstrations help and that the model's " +
      'own kernel is the best similarity. ' +
      (gains.length === 0
        ? 'This report has no other strategy to compare.'
        : `At n = ${n}, the best strategy against ${base} is ${gains[0].s} (${gains[0].gain >= 0 ? '+' : ''}${fmt(gains[0].gain)} accuracy).`),
  ];
  if (report.head !== null)
    differs.push(
      `attention-kernel and the head method read layer ${report.head.layer} head ${report.head.head} at its ${report.head.keyPosition} ` +
        `position (${report.head.chosenBy === 'probe' ? 'the head the probe chose on its selection split' : 'given by --head'}).`,
    );
  return {
    citation: PAPER_CITATION,
    experiment: "Table 2 of the journal version (ICL, the best head's reconstruction, explicit kernel regression) per retrieval strategy",
    values,
    same,
    differs,
    researchLog: 'docs/retrieval.md',
  };
}
