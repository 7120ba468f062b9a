import { z } from 'zod';

/** Version of the report layout; bump it when a report's shape changes incompatibly. */
export const REPORT_SCHEMA_VERSION = 1;

/** What every report records about the run that made it: enough to reproduce it. */
export const reportMetaSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  kind: z.string(),
  createdAt: z.string(),
  seed: z.number().int().nullable(),
  backend: z.string(),
  versions: z.record(z.string(), z.string()),
  settings: z.record(z.string(), z.unknown()),
  seconds: z.number().nonnegative(),
});

/** The `meta` block of a report. */
export type ReportMeta = z.infer<typeof reportMetaSchema>;

/** Builds a versioned report schema: `meta` (with `kind` fixed) plus the experiment's own fields. */
export function defineReport<K extends string, B extends z.ZodRawShape>(kind: K, body: B) {
  return z.object({ meta: reportMetaSchema.extend({ kind: z.literal(kind) }), ...body });
}

/** A classification prediction: the label and the normalised weight the estimator gave each label. */
export const classPredictionSchema = z.object({
  label: z.string(),
  weights: z.record(z.string(), z.number()),
});

/** Output of `iclkr kernel-regress`: the bandwidth used, per-query predictions, test metrics. */
export const kernelRegressReportSchema = defineReport('kernel-regress', {
  bandwidth: z.number().positive().nullable(),
  mode: z.enum(['classify', 'regress']),
  kernel: z.string(),
  predictions: z.union([z.array(z.number()), z.array(classPredictionSchema)]),
  metrics: z.record(z.string(), z.number()),
  loo: z
    .object({ grid: z.array(z.number()), losses: z.array(z.number()), search: z.string() })
    .nullable(),
});

/** The typed form of a kernel-regress report. */
export type KernelRegressReport = z.infer<typeof kernelRegressReportSchema>;
