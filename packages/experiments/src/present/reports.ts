/** The reports the presentation shows, and the one field it reads defensively (older reports lack it). */
import type {
  AblationReport,
  CompareRetrieversReport,
  IclReport,
  InsightsReport,
  Paper,
  PretrainReport,
  ProbeReport,
  ReproduceReport,
  SeedsReport,
  SimulateReport,
} from '@iclkr/core';

export type {
  AblationReport,
  CompareRetrieversReport,
  IclReport,
  InsightsReport,
  Paper,
  PretrainReport,
  ProbeReport,
  ReproduceReport,
  SeedsReport,
  SimulateReport,
};

/** Agreement with the model and accuracy against the gold label. */
export interface Scores {
  readonly agreement: number;
  readonly accuracy: number;
}

/** Any report the HTML page shows. */
export type PresentedReport =
  | SimulateReport
  | IclReport
  | ProbeReport
  | PretrainReport
  | SeedsReport
  | ReproduceReport
  | InsightsReport
  | CompareRetrieversReport
  | AblationReport;

/** The held-out scores of one head's variant (null where the report predates them). */
export function heldOutScores(scores: { readonly heldOut?: Scores | null }): Scores | null {
  return scores.heldOut ?? null;
}
