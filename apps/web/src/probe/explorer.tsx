/** The probe report explorer: every head heatmap, one selected head across them all, and that head's view of a held-out prompt. */
import type { ProbeReport } from '@iclkr/core';
import { useState } from 'react';
import { type HeadId, Heatmap } from './heatmap.js';
import { HeadView } from './head-view.js';
import { headMetrics, VARIANT_LABELS, type Variant } from './metrics.js';

/** The explorer of one probe report; `id` keeps its controls apart from another pane's. */
export function ProbeExplorer({ report, id }: { readonly report: ProbeReport; readonly id: string }) {
  const [variant, setVariant] = useState<Variant>('span');
  const best = report.bestByVariant[variant];
  const [selected, setSelected] = useState<HeadId>({ layer: report.bestHead.layer, head: report.bestHead.head });
  const [sampleIndex, setSampleIndex] = useState(0);
  const metrics = headMetrics(report, variant);
  const sample = report.samples[sampleIndex];
  const selection = report.prompts - report.heldOut.prompts;
  return (
    <section className="explorer">
      <div className="controls">
        <label htmlFor={`${id}-variant`}>Where a_i is read: </label>
        <select id={`${id}-variant`} value={variant} onChange={(e) => setVariant(e.target.value as Variant)}>
          {(Object.keys(VARIANT_LABELS) as Variant[]).map((v) => (
            <option key={v} value={v}>
              {VARIANT_LABELS[v]}
            </option>
          ))}
        </select>
        <span className="hint">
          {' '}
          Best head in this variant: L{best.layer}H{best.head}, chosen on {selection} selection prompts; held out agreement{' '}
          {best.heldOutAgreement.toFixed(3)}, accuracy {best.heldOutAccuracy.toFixed(3)}. Click a cell to select its head in every map.
        </span>
      </div>
      <div className="heatmaps">
        {metrics.map((m) => (
          <Heatmap key={m.path} metric={m} heads={report.heads} best={best} selected={selected} onSelect={setSelected} />
        ))}
      </div>
      {sample === undefined ? (
        <p className="note" data-testid="no-samples">
          This report has no prompt samples, so there is no head view: write it again with <code>iclkr probe --sample-prompts 16</code>.
        </p>
      ) : (
        <HeadView
          sample={sample}
          index={sampleIndex}
          count={report.samples.length}
          layer={selected.layer}
          head={selected.head}
          variant={variant}
          names={report.labels}
          onStep={(d) => setSampleIndex((i) => Math.min(report.samples.length - 1, Math.max(0, i + d)))}
        />
      )}
    </section>
  );
}
