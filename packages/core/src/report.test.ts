import { describe, expect, it } from 'vitest';
import { kernelRegressReportSchema, REPORT_SCHEMA_VERSION } from './report.js';

const meta = {
  schemaVersion: REPORT_SCHEMA_VERSION,
  kind: 'kernel-regress',
  createdAt: '2026-01-01T00:00:00Z',
  seed: null,
  backend: 'wasm',
  versions: { iclkr: '0.1.0' },
  settings: {},
  seconds: 0.5,
};

describe('report schemas', () => {
  it('accepts a kernel-regress report and rejects a wrong kind or a missing field', () => {
    const report = { meta, bandwidth: 0.5, mode: 'regress', kernel: 'rbf', predictions: [1, 2], metrics: { mse: 0.1 }, loo: null };
    expect(kernelRegressReportSchema.parse(report)).toEqual(report);
    expect(() => kernelRegressReportSchema.parse({ ...report, meta: { ...meta, kind: 'simulate' } })).toThrow();
    const { metrics: _, ...missing } = report;
    expect(() => kernelRegressReportSchema.parse(missing)).toThrow();
  });
});
