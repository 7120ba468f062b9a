/**
 * @iclkr/core — shared types and schemas, tensor backend selection, seeded randomness,
 * dataset and safetensors I/O, typed errors and report schemas. Everything here also runs in a
 * browser; file-system helpers are in `@iclkr/core/node`.
 */

/** Typed errors: every one carries the fix the user should apply. */
export {
  BackendError,
  DataError,
  IclkrError,
  OptionError,
  SafetensorsError,
  ShapeError,
} from './errors.js';
/** Dense row-major float32 matrices, the feature format every package shares. */
export { type Matrix, matrixFromRows, matrixRow } from './matrix.js';
/** The single tfjs namespace all packages compute with (one engine, one backend registry). */
export { tf } from './tf.js';
/**
 * Backend selection: tfjs-node, then wasm (in Node on every core once `@iclkr/core/node` is
 * imported; `ICLKR_THREADS` sets the count), then cpu; `ICLKR_BACKEND` or an argument forces one.
 */
export {
  BACKENDS,
  type BackendChoice,
  type BackendName,
  describeBackend,
  initBackend,
  parseBackendName,
  startWasmWorkers,
  type WasmWorkers,
  type WasmWorkersFactory,
} from './backend.js';
/** The seeded random generator (xoroshiro128+) every random choice comes from. */
export { Rng } from './rng.js';
/** Versioned zod report schemas: the contract between the CLI, report files and the web app. */
export {
  type AblationKnockout,
  type AblationReport,
  type AblationRow,
  type AnyReport,
  ablationKnockoutSchema,
  ablationReportSchema,
  ablationRowSchema,
  classPredictionSchema,
  type CompareRetrieversReport,
  type CompareRetrieversRow,
  compareRetrieversReportSchema,
  compareRetrieversRowSchema,
  type ConvergenceRow,
  type ConvergenceStats,
  convergenceRowSchema,
  convergenceStatsSchema,
  defineReport,
  type IclReport,
  type IclRow,
  iclReportSchema,
  iclRowSchema,
  type InsightsFormatRow,
  type InsightsHead,
  type InsightsOrderRow,
  type InsightsReport,
  type InsightsTaskRow,
  type InsightsTypoRow,
  insightsFormatRowSchema,
  insightsHeadSchema,
  insightsOrderRowSchema,
  insightsReportSchema,
  insightsTaskRowSchema,
  insightsTypoRowSchema,
  insightsVariantSchema,
  type KernelRegressReport,
  kernelRegressReportSchema,
  type Paper,
  paperSchema,
  type PretrainLogEntry,
  type PretrainReport,
  pretrainLogEntrySchema,
  pretrainReportSchema,
  type ProbeHead,
  probeHeadSchema,
  type ProbeReport,
  probeReportSchema,
  type ProbeSample,
  probeSampleSchema,
  REPORT_KINDS,
  REPORT_SCHEMAS,
  REPORT_VERSIONS,
  type ReportKind,
  type ReportMeta,
  type ReportOf,
  reportMetaSchema,
  reportVersion,
  type ReproduceReport,
  type ReproduceSummaryRow,
  reproduceReportSchema,
  type SeedAggregate,
  type SeedsReport,
  seedAggregateSchema,
  seedsReportSchema,
  type SimulateReport,
  simulateReportSchema,
} from './report.js';
/** Reading report.json of any version: migrates older layouts, refuses newer ones and non-reports with a one-line DataError. */
export { readableReportVersions, readReport, readReportOf, schemaFailureInWords } from './report-versions.js';
/** Safetensors dtypes and tensor records (F16/BF16 kept as raw Uint16Array bits). */
export {
  dtypeSize,
  type FloatDtype,
  isSafetensorsDtype,
  SAFETENSORS_DTYPES,
  type SafetensorsDataTypes,
  type SafetensorsDtype,
  type SafetensorsTensor,
  type SafetensorsTensorOf,
} from './safetensors/dtypes.js';
/** Float16/bfloat16 <-> float32: tensors to Float32Array, float32 values to F16/BF16 (nearest-even), F32, F64. */
export {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  fromFloat32,
  toFloat32,
} from './safetensors/dtypes.js';
/** Browser-safe safetensors on bytes: validated header parsing, decoding, deterministic encoding. */
export {
  decodeSafetensors,
  encodeSafetensors,
  MAX_SAFETENSORS_HEADER_BYTES,
  parseSafetensorsHeader,
  readSafetensorsHeaderLength,
  type SafetensorsContents,
  type SafetensorsEntry,
  type SafetensorsHeader,
  type SafetensorsTensorMap,
} from './safetensors/format.js';
/** A checkpoint tensor with the expected dtype(s) and shape, else a SafetensorsError naming file and tensor. */
export { type ExpectedTensor, expectTensor, type TensorExpectation } from './safetensors/format.js';
/** Text classification data sets (GLUE TSV, `<label> <text>`, TREC, CSV, JSONL) from bytes or text. */
export {
  parseTextDataset,
  TEXT_FORMATS,
  type TextDataset,
  type TextDatasetOptions,
  type TextFormat,
} from './dataset/text-dataset.js';
/** Numeric feature tables (CSV, TSV, JSONL) as a Matrix plus the raw target column, if any. */
export {
  type NumericTable,
  type NumericTableOptions,
  parseNumericTable,
} from './dataset/numeric-table.js';
/** Table file formats, told by extension or sniffed from the first line. */
export type { TableFormat } from './dataset/table.js';
/** Raw targets to class indices (given or sorted label names) or to finite reals; class-or-real guess. */
export {
  type ClassTargetOptions,
  type ClassTargets,
  classTargets,
  looksLikeClasses,
  realTargets,
} from './dataset/targets.js';
/** Class names from a `classes.txt` (one per line, or `1-World, 2-Sports, ...`). */
export { type LabelScheme, parseClassNames } from './dataset/label-names.js';
/** Data file decoding: strict UTF-8, else windows-1252 (MR, SUBJ), or a forced encoding. */
export { decodeText, type TextEncoding } from './dataset/text.js';
