/** A layer x head heatmap whose cells carry their values and select a head: the explorer's own, so selection is shared across maps. */
import type { ProbeHead } from '@iclkr/core';
import { formatNumber } from '@iclkr/experiments';
import { useState } from 'react';
import { scheme } from 'vega';
import { type HeadMetric, headValue } from './metrics.js';

/** A (layer, head) pair. */
export interface HeadId {
  readonly layer: number;
  readonly head: number;
}

/** The colour of a value on the figures' scales: viridis over [0, 1], blue-orange over [-1, 1]. */
function cellColour(value: number | null, scale: HeadMetric['scale']): string {
  if (value === null) return '#dddddd';
  const interpolate = scheme(scale === 'unit' ? 'viridis' : 'blueorange') as (t: number) => string;
  const t = scale === 'unit' ? value : (value + 1) / 2;
  return interpolate(Math.min(1, Math.max(0, t)));
}

/** Whether a cell's printed value needs white ink. */
function darkCell(value: number, scale: HeadMetric['scale']): boolean {
  return scale === 'unit' ? value < 0.45 : Math.abs(value) > 0.65;
}

/** The colour scale under a heatmap: its ends and middle, and the swatch of an undefined cell. */
function Legend({ scale }: { readonly scale: HeadMetric['scale'] }) {
  const [lo, hi] = scale === 'unit' ? [0, 1] : [-1, 1];
  const stops = Array.from({ length: 11 }, (_, i) => `${cellColour(lo + ((hi - lo) * i) / 10, scale)} ${i * 10}%`);
  return (
    <div className="legend">
      <span>{lo}</span>
      <span className="gradient" style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }} />
      <span>{hi}</span>
      <span className="swatch" style={{ background: cellColour(null, scale) }} /> <span>undefined</span>
    </div>
  );
}

/** Cells small enough to print their value in (smaller models); a GPT-J grid (28 x 16) shows values on hover only. */
const PRINTED_CELLS = 160;

/** One heatmap: cells per layer (rows, layer 0 at the top) and head (columns), best head outlined, selected head ringed. */
export function Heatmap(props: {
  readonly metric: HeadMetric;
  readonly heads: readonly ProbeHead[];
  readonly best: HeadId | null;
  readonly selected: HeadId | null;
  readonly onSelect: (head: HeadId) => void;
}) {
  const { metric, heads, best, selected } = props;
  const [hover, setHover] = useState<{ head: HeadId; value: number | null } | null>(null);
  const layers = Math.max(...heads.map((h) => h.layer)) + 1;
  const perLayer = Math.max(...heads.map((h) => h.head)) + 1;
  const printed = layers * perLayer <= PRINTED_CELLS;
  const width = printed ? Math.max(34, Math.min(56, Math.floor(420 / perLayer))) : Math.max(16, Math.min(28, Math.floor(420 / perLayer)));
  const height = printed ? 26 : Math.max(12, Math.min(20, Math.floor(360 / layers)));
  const is = (a: HeadId | null, h: ProbeHead) => a !== null && a.layer === h.layer && a.head === h.head;
  return (
    <div className="heatmap" data-testid="heatmap" data-metric={metric.path}>
      <h4>{metric.title}</h4>
      <p className="scope">{metric.scope}</p>
      <div className="heatmap-body">
        <div className="axis-y">layer</div>
        <div className="grid" style={{ gridTemplateColumns: `28px repeat(${perLayer}, ${width}px)`, gridAutoRows: `${height}px` }}>
          <div />
          {Array.from({ length: perLayer }, (_, h) => (
            <div key={`h${h}`} className="tick">
              {h}
            </div>
          ))}
          {Array.from({ length: layers }, (_, l) => [
            <div key={`l${l}`} className="tick">
              {l}
            </div>,
            ...Array.from({ length: perLayer }, (_, hIndex) => {
              const h = heads.find((x) => x.layer === l && x.head === hIndex);
              if (h === undefined) return <div key={`${l}.${hIndex}`} />;
              const value = headValue(h, metric.path);
              const classes = ['cell', is(best, h) ? 'best' : '', is(selected, h) ? 'selected' : ''].filter(Boolean).join(' ');
              return (
                <button
                  type="button"
                  key={`${l}.${hIndex}`}
                  className={classes}
                  data-testid="heatmap-cell"
                  data-layer={l}
                  data-head={hIndex}
                  data-value={value ?? ''}
                  title={`L${l} H${hIndex}: ${value === null ? 'undefined' : value}`}
                  style={{
                    background: cellColour(value, metric.scale),
                    color: value !== null && darkCell(value, metric.scale) ? 'white' : 'black',
                  }}
                  onMouseEnter={() => setHover({ head: { layer: l, head: hIndex }, value })}
                  onMouseLeave={() => setHover(null)}
                  onFocus={() => setHover({ head: { layer: l, head: hIndex }, value })}
                  onClick={() => props.onSelect({ layer: l, head: hIndex })}
                >
                  {printed ? (value === null ? '-' : formatNumber(value, 2)) : ''}
                </button>
              );
            }),
          ])}
        </div>
      </div>
      <Legend scale={metric.scale} />
      <p className="readout" data-testid="heatmap-readout">
        {hover === null
          ? `head →, layer ↓${best ? '; outlined: the best head (chosen on the selection prompts)' : ''}${selected ? `; ringed: L${selected.layer}H${selected.head}` : ''}`
          : `L${hover.head.layer} H${hover.head.head}: ${hover.value === null ? 'undefined' : hover.value.toPrecision(4)}`}
      </p>
    </div>
  );
}
