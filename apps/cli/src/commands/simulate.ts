import { OptionError } from '@iclkr/core';
import { runSeeds, runSimulate } from '@iclkr/experiments';
import { checkFolderFree } from '@iclkr/core/node';
import { BAYES_MODES, DEFAULT_TEMPERATURE, ESTIMATOR_KERNELS, THEOREM_KERNEL_DEFAULTS } from '@iclkr/theory';
import { SEEDS_OPTION, seedOption } from '../args.js';
import { defineCommand } from '../command.js';
import { OUT_DIR_OPTION, showReport } from '../report-output.js';
import { seedsOf } from '../seeds.js';
import { WORLD_OPTIONS, worldSource } from '../world-source.js';

/** `iclkr simulate`: the paper's Table 3 experiment (kernel regression vs the exact Bayesian predictive). */
export const simulateCommand = defineCommand({
  name: 'simulate',
  summary:
    "The paper's Table 3 experiment on an HMM task mixture: the kernel-regression estimator vs the exact\n" +
    'Bayesian predictive for n = 1, 2, 4, ... demonstrations (L1, TV, KL, accuracy, 95% CIs); a table or a report folder.',
  options: {
    ...WORLD_OPTIONS,
    shots: {
      kind: 'ints',
      min: 0,
      max: 10_000,
      placeholder: 'N1,N2,...',
      description: 'numbers of demonstrations n (n = 0 scores the uniform guess)',
      default: [1, 2, 4, 8, 16, 32, 64, 128],
    },
    prompts: {
      kind: 'int',
      min: 2,
      max: 100_000,
      placeholder: 'N',
      description: 'prompts per n (the same prompts serve every n)',
      default: 200,
    },
    kernel: {
      kind: 'choice',
      choices: ESTIMATOR_KERNELS,
      description: "the estimator's kernel (default: theorem, vec(T_x)^T Sigma^-1 vec(T_x'), where vec(T_x) is small enough, else belief)",
    },
    length: {
      kind: 'int',
      min: 1,
      max: 1_000,
      placeholder: 'K',
      description: "example length k (default: the world's inputLength, else 2)",
    },
    mode: {
      kind: 'choice',
      choices: BAYES_MODES,
      description: 'exact predictive: delimiters restart sampling (the theorem) or one continuous sequence',
      default: 'restart',
    },
    'sigma-samples': {
      kind: 'int',
      min: 2,
      max: 50_000,
      placeholder: 'N',
      description: 'samples of x from the pre-training distribution to estimate Sigma (theorem kernel)',
      default: THEOREM_KERNEL_DEFAULTS.samples,
    },
    ridge: {
      kind: 'number',
      check: 'positive',
      placeholder: 'R',
      description: 'ridge added to Sigma, relative to its mean eigenvalue (theorem kernel)',
      default: THEOREM_KERNEL_DEFAULTS.ridge,
    },
    temperature: {
      kind: 'number',
      check: 'positive',
      placeholder: 'T',
      description: 'temperature of the attention kernel',
      default: DEFAULT_TEMPERATURE,
    },
    bounds: {
      kind: 'choice',
      choices: ['auto', 'on', 'off'],
      description: "estimate the bound's eps_theta per task (theorem kernel); auto skips it where it would take more than a few seconds",
      default: 'auto',
    },
    ood: { kind: 'boolean', description: 'draw prompts from out-of-distribution tasks (prior 0) instead of in-distribution ones' },
    seed: seedOption('the preset world and of the experiment'),
    seeds: SEEDS_OPTION,
    json: { kind: 'boolean', description: 'print the JSON report on stdout instead of the table' },
    out: OUT_DIR_OPTION,
  },
  async run(values, context) {
    const source = worldSource(values);
    if (values.given.has('temperature') && values.kernel !== 'attention') {
      throw new OptionError('--temperature applies only to the attention kernel', 'drop --temperature or pass --kernel attention');
    }
    if (values.out !== undefined) await checkFolderFree(values.out);
    const io = context.io();
    const report = await runSeeds('simulate', seedsOf(values), values.seeds === undefined, context.run(), async (seed) =>
      runSimulate(
        {
          world: await source.load(seed),
          source:
            source.preset !== undefined
              ? { preset: source.preset, ...(source.params ? { param: source.params } : {}) }
              : { world: source.path },
          shots: values.shots,
          prompts: values.prompts,
          kernel: values.kernel,
          seed,
          inputLength: values.length,
          mode: values.mode,
          sigmaSamples: values['sigma-samples'],
          ridge: values.ridge,
          temperature: values.temperature,
          ood: values.ood,
          bounds: values.bounds === 'auto' ? 'auto' : values.bounds === 'on',
        },
        io,
        context.run(),
      ),
    );
    io.finish();
    context.stdout.write(await showReport(report, values));
  },
});
