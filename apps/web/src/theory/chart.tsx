/** The rows of a running simulation as they arrive: accuracy against the Bayes argmax and the L1 distance against n. */
import type { ConvergenceRow } from '@iclkr/core';
import { formatNumber } from '@iclkr/experiments';

const W = 420;
const H = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 30 };

/** One small line chart of `pick(row)` against n (n on a log2 axis, n = 0 at the left edge). */
function Curve(props: {
  readonly rows: readonly ConvergenceRow[];
  readonly shots: readonly number[];
  readonly pick: (r: ConvergenceRow) => number;
  readonly max: number;
  readonly title: string;
}) {
  const { rows, shots, pick, max } = props;
  const pos = (n: number) => Math.log2(n + 1);
  const lo = pos(shots[0] ?? 0);
  const hi = Math.max(pos(shots[shots.length - 1] ?? 1), lo + 1);
  const x = (n: number) => PAD.left + ((pos(n) - lo) / (hi - lo)) * (W - PAD.left - PAD.right);
  const y = (v: number) => PAD.top + (1 - Math.min(v, max) / max) * (H - PAD.top - PAD.bottom);
  const points = rows.map((r) => `${x(r.n)},${y(pick(r))}`).join(' ');
  return (
    <svg width={W} height={H} role="img" aria-label={props.title} className="curve">
      <text x={PAD.left} y={10} fontSize={11}>
        {props.title}
      </text>
      <line x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} stroke="#999" />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} stroke="#999" />
      {[0, max / 2, max].map((v) => (
        <text key={v} x={PAD.left - 4} y={y(v) + 4} fontSize={10} textAnchor="end">
          {formatNumber(v)}
        </text>
      ))}
      {shots.map((n) => (
        <text key={n} x={x(n)} y={H - PAD.bottom + 14} fontSize={10} textAnchor="middle">
          {n}
        </text>
      ))}
      <text x={(W + PAD.left) / 2} y={H - 2} fontSize={10} textAnchor="middle">
        demonstrations n
      </text>
      <polyline points={points} fill="none" stroke="#4e79a7" strokeWidth={2} />
      {rows.map((r) => (
        <circle key={r.n} cx={x(r.n)} cy={y(pick(r))} r={3.5} fill="#4e79a7">
          <title>{`n = ${r.n}: ${formatNumber(pick(r))}`}</title>
        </circle>
      ))}
    </svg>
  );
}

/** The two curves of the rows so far. */
export function LiveCurves({ rows, shots }: { readonly rows: readonly ConvergenceRow[]; readonly shots: readonly number[] }) {
  return (
    <div className="live-curves" data-testid="live-curves" data-rows={rows.length}>
      <Curve rows={rows} shots={shots} pick={(r) => r.accVsBayes} max={1} title="accuracy against the Bayes argmax" />
      <Curve rows={rows} shots={shots} pick={(r) => r.l1} max={2} title="L1 distance to the Bayes predictive" />
    </div>
  );
}
