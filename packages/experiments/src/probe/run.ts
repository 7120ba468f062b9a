/**
 * The paper's attention analyses (SPEC §3) as a report: per-head votes, correlations, the attention
 * map, probes and kernel-regression baselines.
 */
import { type ProbeReport, probeReportSchema } from '@iclkr/core';
import type { ExperimentIo } from '../io.js';
import { type RunContext, reportMeta, throwIfAborted } from '../meta.js';
import { probePaper } from '../paper.js';
import { probeReportBody } from './report-body.js';
import type { ProbeSettings, ProbeSource } from './sources.js';

/** Runs the analyses over `source`'s prompts (progress stage `probe`) and returns the report; the caller closes the source. */
export async function runProbe(source: ProbeSource, settings: ProbeSettings, io: ExperimentIo, run: RunContext): Promise<ProbeReport> {
  const started = performance.now();
  const result = await source.analyze((done, total) => {
    throwIfAborted(io.signal);
    io.progress(done, total, 'probe');
  });
  const shots = result.summary.heads.length > 0 ? result.map.cells.filter((c) => c.kind === 'y').length : settings.shots;
  const body = probeReportBody(result, {
    model: source.model,
    source: source.source,
    shots,
    labels: source.names,
    tokenText: source.tokenText,
  });
  return probeReportSchema.parse({
    meta: reportMeta('probe', run, {
      seed: settings.seed,
      settings: { model: source.model, source: source.source, ...settings, ...source.settings },
      started,
    }),
    ...body,
    paper: probePaper(body),
  });
}
