/**
 * The paper in one run: Table 3's convergence on three worlds, the built-in model's ICL curves
 * against Bayes in and out of distribution, the probe of its heads, and (given a text model or
 * activations) the text half on SST-2 with Table 2's protocol; every section its own report, and
 * our numbers beside the paper's.
 */
import { DEFAULT_TEMPLATE, type HookedModel } from '@iclkr/probing';
import {
  type AblationReport,
  type CompareRetrieversReport,
  type ReproduceReport,
  type ReproduceSummaryRow,
  reproduceReportSchema,
  type SeedsReport,
} from '@iclkr/core';
import type { RetrievalStrategy } from '@iclkr/retrieval';
import { runAblation } from './ablation/run.js';
import { runCompareRetrievers } from './compare-retrievers/run.js';
import { type World, worldFromPreset } from '@iclkr/theory';
import { runIcl } from './icl/run.js';
import type { ExperimentIo } from './io.js';
import { type RunContext, reportMeta, throwIfAborted } from './meta.js';
import { runProbe } from './probe/run.js';
import { type ProbeSettings, type ProbeSource, worldProbeSource } from './probe/sources.js';
import { runSeeds, type SeededReport, seedsPaperValue } from './seeds.js';
import { runSimulate } from './simulate.js';

/** The sections `reproduce` can run, in the order it runs them. */
export const REPRODUCE_SECTIONS = ['convergence', 'icl', 'probe', 'ablation', 'retrieval', 'text'] as const;
/** A section of `reproduce`. */
export type ReproduceSection = (typeof REPRODUCE_SECTIONS)[number];

/**
 * The text half as the paper sets it up (SPEC section 3): SST-2 queries from the test split and
 * demonstrations from the train split (paths under the shared data folder), one per line as
 * 'Input: x Output: y' with the label words below; 8 demonstrations a prompt.
 */
export const REPRODUCE_TEXT = {
  queries: 'sst2/stsa.binary.test',
  pool: 'sst2/stsa.binary.train',
  template: DEFAULT_TEMPLATE,
  labelWords: ['negative', 'positive'],
  shots: 8,
} as const;

/** The worlds the convergence section runs on: the calibrated Table 3 world, then the two the built-in model's worlds are made of. */
const CONVERGENCE_WORLDS = ['paper-table3', 'recall', 'classify'] as const;

/** What `reproduce` runs on: quick or full, the seeds, the sections, and where the models come from (the caller loads them). */
export interface ReproduceSettings {
  /** One seed and fewer prompts (about a minute here), instead of the full run. */
  readonly quick: boolean;
  readonly seeds: readonly number[];
  /** The sections to run (default: all; `text` only where `textSource` is given). */
  readonly only?: readonly ReproduceSection[];
  /** A fresh copy of the built-in model and the world it learnt (each probe run disposes its copy). */
  defaultModel(): Promise<{ readonly model: HookedModel; readonly world: World; readonly name: string }>;
  /** The text half's prompts for one seed's settings (a text model on SST-2, or activations), where the user brought one. */
  textSource?(settings: ProbeSettings): Promise<ProbeSource>;
}

/** Prompts per experiment in the quick and the full run. */
const SIZES = {
  quick: { convergence: 100, icl: 200, probe: 200, ablation: 100, retrieval: 100, text: 100 },
  full: { convergence: 200, icl: 500, probe: 500, ablation: 500, retrieval: 500, text: 1000 },
} as const;

/**
 * The retrieval section (compare-retrievers on the built-in model's world): random against the
 * lexical kNN, the model's hidden states, its own attention kernel and the world's true kernel.
 */
const RETRIEVAL = {
  quick: { strategies: ['random', 'knn', 'attention-kernel', 'true-kernel'], shots: [4, 8] },
  full: { strategies: ['random', 'knn', 'hidden-knn', 'attention-kernel', 'true-kernel'], shots: [1, 2, 4, 8] },
} as const satisfies Record<string, { strategies: readonly RetrievalStrategy[]; shots: readonly number[] }>;

/** A section's report: one experiment's, one per seed, or a comparison that holds every seed itself. */
type SectionReport = SeededReport | SeedsReport | CompareRetrieversReport | AblationReport;

/** A section's progress, prefixed with its place in the run, through the run's io. */
function sectionIo(io: ExperimentIo, label: string): ExperimentIo {
  return {
    signal: io.signal,
    log: (line) => io.log(`${label}: ${line}`),
    progress: (done, total, stage, status) => io.progress(done, total, `${label} ${stage}`, status),
  };
}

/** Our numbers beside the paper's in one section's report: the mean and range across seeds where several ran. */
function summaryRows(section: string, report: SectionReport): ReproduceSummaryRow[] {
  if (report.meta.kind === 'seeds') {
    const seeds = report as SeedsReport;
    return seeds.aggregate.flatMap((a) => {
      const paper = seedsPaperValue(seeds, a);
      return paper === null
        ? []
        : [{ section, quantity: `${a.metric}, ${a.key}`, paper, ours: a.mean, min: a.min, max: a.max, note: null }];
    });
  }
  const values = (report as SeededReport | CompareRetrieversReport | AblationReport).paper?.values ?? [];
  return values.flatMap((v) =>
    v.paper === null || v.ours === null
      ? []
      : [{ section, quantity: v.name, paper: v.paper, ours: v.ours, min: null, max: null, note: v.note }],
  );
}

/** What differs from the paper in a section (its paper block's sentences; the first seed's for several seeds). */
function differs(section: string, report: SectionReport): { section: string; text: string }[] {
  const one =
    report.meta.kind === 'seeds' ? (report as SeedsReport).reports[0] : (report as SeededReport | CompareRetrieversReport | AblationReport);
  return (one?.paper?.differs ?? []).map((text) => ({ section, text }));
}

/** Runs the sections in order (a progress stage per experiment) and returns the reproduce report. */
export async function runReproduce(settings: ReproduceSettings, io: ExperimentIo, run: RunContext): Promise<ReproduceReport> {
  const started = performance.now();
  const size = settings.quick ? SIZES.quick : SIZES.full;
  const wanted = settings.only ?? REPRODUCE_SECTIONS.filter((s) => s !== 'text' || settings.textSource !== undefined);
  const { seeds } = settings;
  const single = seeds.length === 1;
  const plan: { name: string; title: string; go: (io: ExperimentIo) => Promise<SectionReport> }[] = [];
  if (wanted.includes('convergence')) {
    for (const preset of CONVERGENCE_WORLDS) {
      plan.push({
        name: `convergence-${preset}`,
        title: `Convergence to Bayes on ${preset} (Table 3)`,
        go: (sio) =>
          runSeeds('simulate', seeds, single, run, async (seed) =>
            runSimulate(
              {
                world: worldFromPreset(preset, seed),
                source: { preset },
                shots: [1, 2, 4, 8, 16, 32, 64, 128],
                prompts: size.convergence,
                seed,
              },
              sio,
              run,
            ),
          ),
      });
    }
  }
  if (wanted.includes('icl')) {
    plan.push({
      name: 'icl',
      title: "The built-in model's in-context accuracy against Bayes, in and out of distribution",
      go: (sio) =>
        runSeeds('icl', seeds, single, run, async (seed) => {
          const { model, world, name } = await settings.defaultModel();
          try {
            const lengths = [world.spec.inputLength ?? 3];
            return runIcl(
              {
                model,
                modelName: name,
                world,
                worldSource: "the model's own",
                shots: [0, 1, 2, 4, 8, 16, 32],
                lengths,
                prompts: size.icl,
                ood: true,
                seed,
              },
              sio,
              run,
            );
          } finally {
            model.dispose();
          }
        }),
    });
  }
  /** A probe section: per seed, open the prompts' source with that seed's settings, probe it, close it. */
  const probeSection = (prompts: number, shots: number, open: (ps: ProbeSettings) => Promise<ProbeSource>) => (sio: ExperimentIo) =>
    runSeeds('probe', seeds, single, run, async (seed) => {
      const ps: ProbeSettings = { shots, prompts, selectFrac: 0.7, seed, resolution: 30, probePrompts: 256, batch: 32, samplePrompts: 16 };
      const source = await open(ps);
      try {
        return await runProbe(source, ps, sio, run);
      } finally {
        await source.close();
      }
    });
  if (wanted.includes('probe')) {
    plan.push({
      name: 'probe',
      title: "The built-in model's heads as kernels (SPEC section 3 on its world)",
      go: probeSection(size.probe, 16, async (ps) => {
        const { model, world, name } = await settings.defaultModel();
        return worldProbeSource(model, world, {
          ...ps,
          modelName: name,
          worldName: world.spec.name ?? 'world',
          length: world.spec.inputLength ?? 3,
          ood: false,
        });
      }),
    });
  }
  if (wanted.includes('ablation')) {
    plan.push({
      name: 'ablation',
      title: `The causal test: the built-in model's heads ablated one at a time, and the probe's head's attention knocked out (seed ${seeds[0]})`,
      go: async (sio) => {
        const { model, world, name } = await settings.defaultModel();
        try {
          return runAblation(
            {
              model,
              modelName: name,
              source: { kind: 'world', world, worldSource: "the model's own", length: world.spec.inputLength ?? 3 },
              shots: 16,
              prompts: size.ablation,
              mode: 'mean',
              seed: seeds[0]!,
            },
            sio,
            run,
          );
        } finally {
          model.dispose();
        }
      },
    });
  }
  if (wanted.includes('retrieval')) {
    const r = settings.quick ? RETRIEVAL.quick : RETRIEVAL.full;
    plan.push({
      name: 'retrieval',
      title: "Retrieval measured by the built-in model's in-context accuracy (SPEC section 4: its own kernel and the world's)",
      go: async (sio) => {
        const { model, world, name } = await settings.defaultModel();
        try {
          return runCompareRetrievers(
            {
              model,
              modelName: name,
              source: { kind: 'world', worlds: seeds.map(() => world), worldSource: "the model's own" },
              strategies: [...r.strategies],
              shots: [...r.shots],
              prompts: size.retrieval,
              order: 'selected',
              seeds,
              batch: 64,
              headPrompts: size.retrieval,
              // The recall world's inputs are 32 one-token x: 1,000 samples of them estimate Sigma as well as 2,000, in a quarter of the time.
              sigmaSamples: settings.quick ? 1000 : undefined,
            },
            sio,
            run,
          );
        } finally {
          model.dispose();
        }
      },
    });
  }
  if (wanted.includes('text') && settings.textSource !== undefined) {
    plan.push({
      name: 'text',
      title: "Your model's heads on SST-2 (Table 2's protocol: heads chosen on 70% of the prompts, scored on the rest)",
      go: probeSection(size.text, REPRODUCE_TEXT.shots, settings.textSource),
    });
  }
  const sections: ReproduceReport['sections'] = [];
  for (const [i, step] of plan.entries()) {
    throwIfAborted(io.signal);
    const report = await step.go(sectionIo(io, `[${i + 1}/${plan.length} ${step.name}]`));
    sections.push({ name: step.name, title: step.title, report });
  }
  return reproduceReportSchema.parse({
    meta: reportMeta('reproduce', run, {
      seed: null,
      settings: { quick: settings.quick, seeds: [...seeds], sections: [...wanted] },
      started,
    }),
    quick: settings.quick,
    seeds: [...seeds],
    sections,
    summary: sections.flatMap((s) => summaryRows(s.name, s.report as SectionReport)),
    differs: sections.flatMap((s) => differs(s.name, s.report as SectionReport)),
  });
}
