/**
 * The selected head on one held-out prompt: the prompt's tokens coloured by the head's
 * final-position attention, one line per demonstration with its label and a_i as a bar, and the
 * head's vote per label beside the model's prediction and the gold label.
 */
import type { ProbeSample } from '@iclkr/core';
import { formatNumber, readHead } from '@iclkr/experiments';
import type { Segment } from '@iclkr/probing';
import { VARIANT_LABELS, type Variant } from './metrics.js';
import { colourScale } from './vote.js';

/** A token as shown: newlines and tabs made visible, spaces kept. */
function shownToken(text: string): string {
  return text.replace(/\n/g, '⏎').replace(/\t/g, '⇥');
}

const LABEL_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2', '#edc948', '#9c755f'];

/** A label as a coloured chip. */
function LabelChip({ label, names }: { readonly label: number; readonly names: readonly string[] }) {
  return (
    <span className="chip" style={{ background: LABEL_COLOURS[label % LABEL_COLOURS.length] }}>
      {names[label] ?? `label ${label}`}
    </span>
  );
}

/** The tokens of one line, each shaded by its weight on `scale` (full colour at scale and above). */
function Tokens(props: {
  readonly sample: ProbeSample;
  readonly row: readonly number[];
  readonly segments: readonly Segment[];
  readonly scale: number;
}) {
  const { sample, row, scale } = props;
  return (
    <span className="tokens">
      {props.segments.flatMap((seg) =>
        Array.from({ length: seg.end - seg.start }, (_, j) => {
          const p = seg.start + j;
          const w = row[p];
          const alpha = Math.min(1, w / scale);
          return (
            <span
              key={p}
              className={`token ${seg.kind}`}
              data-testid="token"
              data-position={p}
              data-weight={w}
              title={`position ${p} (${seg.kind}), id ${sample.ids[p]}: attention ${w.toPrecision(4)}`}
              style={{ background: `rgba(214, 39, 40, ${alpha.toFixed(3)})`, color: alpha > 0.6 ? 'white' : undefined }}
            >
              {shownToken(sample.tokens[p])}
            </span>
          );
        }),
      )}
    </span>
  );
}

/** The head view for one sample; `names` are the report's label words. */
export function HeadView(props: {
  readonly sample: ProbeSample;
  readonly index: number;
  readonly count: number;
  readonly layer: number;
  readonly head: number;
  readonly variant: Variant;
  readonly names: readonly string[];
  readonly onStep: (delta: number) => void;
}) {
  const { sample, layer, head, variant, names } = props;
  const reading = readHead(sample, layer, head, variant, names.length);
  const n = reading.spans.y.length;
  const scale = colourScale(reading.row);
  const lines = Array.from({ length: n + 1 }, (_, line) => sample.segments.filter((s) => s.line === line));
  const maxWeight = Math.max(...reading.weights, 1e-12);
  const total = reading.votes.reduce((a, b) => a + b, 0);
  const model = sample.model.indexOf(Math.max(...sample.model));
  return (
    <section className="head-view" data-testid="head-view" data-layer={layer} data-head={head} data-prompt={sample.prompt}>
      <header>
        <h4>
          Head L{layer}H{head} on held-out prompt {sample.prompt} ({props.index + 1} of {props.count} sampled)
        </h4>
        <div className="steps">
          <button type="button" disabled={props.index === 0} onClick={() => props.onStep(-1)}>
            ← previous prompt
          </button>
          <button type="button" disabled={props.index === props.count - 1} onClick={() => props.onStep(1)}>
            next prompt →
          </button>
        </div>
      </header>
      <p className="scope">
        Colour: the attention of the last position (position {sample.ids.length - 1}) to each token, full at {scale.toPrecision(3)} (the
        largest outside the first token, which takes {reading.row[0].toPrecision(3)}). Bars: a_i, {VARIANT_LABELS[variant]}.
      </p>
      <div className={sample.tokens.every((t) => /^\d+$/.test(t)) ? 'prompt discrete' : 'prompt'}>
        {lines.map((segments, line) => (
          <div key={line} className={line === n ? 'line query' : 'line'}>
            <span className="line-label">
              <span>{line === n ? 'x_test' : `${line + 1}`}</span>
              {line < n && <LabelChip label={sample.labels[line]} names={names} />}
              {line === n && <span>gold</span>}
              {line === n && <LabelChip label={sample.gold} names={names} />}
            </span>
            <Tokens sample={sample} row={reading.row} segments={segments} scale={scale} />
            <span className="bar-cell">
              {line < n && (
                <>
                  <span className="bar" style={{ width: `${(60 * reading.weights[line]) / maxWeight}px` }} />
                  <span className="bar-value">{formatNumber(reading.weights[line])}</span>
                </>
              )}
            </span>
          </div>
        ))}
      </div>
      <table className="ledger">
        <thead>
          <tr>
            <th>label</th>
            <th>head's vote Σ a_i e(y_i)</th>
            <th>share</th>
            <th>model P(y | prompt)</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name, c) => (
            <tr key={name} className={c === reading.prediction ? 'voted' : undefined}>
              <td>
                <LabelChip label={c} names={names} />
                {c === reading.prediction && ' ← head'}
                {c === model && ' ← model'}
                {c === sample.gold && ' ← gold'}
              </td>
              <td className="num">{formatNumber(reading.votes[c])}</td>
              <td className="num">{total > 0 ? formatNumber(reading.votes[c] / total) : '-'}</td>
              <td className="num">{formatNumber(sample.model[c])}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="verdict">
        The head votes <b>{names[reading.prediction]}</b>, the model predicts <b>{names[model]}</b>, the gold label is{' '}
        <b>{names[sample.gold]}</b>: the head {reading.prediction === model ? 'agrees' : 'disagrees'} with the model.
      </p>
    </section>
  );
}
