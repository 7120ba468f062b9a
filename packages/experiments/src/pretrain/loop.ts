/**
 * The pre-training loop: steps of the trainer on batches, periodic validation loss and a quick ICL
 * probe, checkpoints every few minutes and at the end, and a clean stop (with a checkpoint) when
 * asked to, e.g. on Ctrl-C.
 */
import type { IclRow } from '@iclkr/core';
import type { TrainBatch } from '@iclkr/probing';

/** One line of the training log. */
export interface LogEntry {
  readonly step: number;
  readonly tokens: number;
  /** Mean training loss over the steps since the previous entry. */
  readonly loss: number;
  /** Loss on the fixed validation batches (all targets weighted 1, labels as the recipe weights them). */
  readonly valLoss: number;
  readonly lr: number;
  readonly gradNorm: number;
  readonly tokensPerSecond: number;
  /** Wall-clock seconds of training so far (this run and the ones it resumed). */
  readonly seconds: number;
  /** The quick ICL probe: accuracy and baselines per n. */
  readonly icl: readonly Pick<IclRow, 'n' | 'accuracy' | 'majorityAccuracy' | 'oracleAccuracy' | 'bayesAccuracy'>[];
}

/** What the loop drives: one optimiser step, and a loss without gradients. */
export interface Steppable {
  step(batch: TrainBatch): { loss: number; lr: number; gradNorm: number };
  evalLoss(batch: TrainBatch): number;
}

/** The loop's inputs. */
export interface LoopOptions {
  /** Total steps of the run, and the step to start from (0, or the resumed checkpoint's). */
  readonly steps: number;
  readonly startStep: number;
  readonly evalEvery: number;
  readonly checkpointSeconds: number;
  /** Seconds of training already done before this run (resume). */
  readonly priorSeconds: number;
  /** The log so far (resume). */
  readonly priorLog: readonly LogEntry[];
  /** The batch of step `s` (deterministic in s, so a resumed run sees the same batches). */
  batchAt(step: number): Promise<TrainBatch>;
  readonly validation: readonly TrainBatch[];
  /** The quick ICL probe of the current model. */
  probe(): IclRow[];
  /** Writes a checkpoint after `step` steps. */
  save(step: number, log: readonly LogEntry[], seconds: number): Promise<void>;
  /** True when the run should stop early (Ctrl-C): it checkpoints and returns. */
  stopRequested(): boolean;
  /** After every step: steps done, and the latest loss. */
  onStep?(step: number, loss: number): void;
  /** After every log entry. */
  onLog?(entry: LogEntry): void;
}

/** Runs the loop; returns the log and whether it stopped early. */
export async function trainLoop(trainer: Steppable, options: LoopOptions): Promise<{ log: LogEntry[]; stopped: boolean; step: number }> {
  const log = [...options.priorLog];
  const started = performance.now();
  const seconds = () => options.priorSeconds + (performance.now() - started) / 1000;
  let lastSave = performance.now();
  let windowLoss = 0;
  let windowSteps = 0;
  let windowTokens = 0;
  let windowTime = 0;
  let step = options.startStep;
  let last = { loss: Number.NaN, lr: 0, gradNorm: 0 };
  while (step < options.steps) {
    // Training steps are synchronous: yield once a step so a Ctrl-C (or a worker's cancel message) is heard.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (options.stopRequested()) {
      await options.save(step, log, seconds());
      return { log, stopped: true, step };
    }
    const stepStart = performance.now();
    const batch = await options.batchAt(step);
    last = trainer.step(batch);
    windowTime += performance.now() - stepStart;
    step++;
    windowLoss += last.loss;
    windowSteps++;
    windowTokens += batch.batch * batch.length;
    options.onStep?.(step, last.loss);
    if (step % options.evalEvery === 0 || step === options.steps) {
      const valLoss = options.validation.reduce((s, b) => s + trainer.evalLoss(b), 0) / options.validation.length;
      const icl = options.probe().map(({ n, accuracy, majorityAccuracy, oracleAccuracy, bayesAccuracy }) => ({
        n,
        accuracy,
        majorityAccuracy,
        oracleAccuracy,
        bayesAccuracy,
      }));
      const entry: LogEntry = {
        step,
        tokens: step * batch.batch * batch.length,
        loss: windowLoss / windowSteps,
        valLoss,
        lr: last.lr,
        gradNorm: last.gradNorm,
        tokensPerSecond: windowTokens / (windowTime / 1000),
        seconds: seconds(),
        icl,
      };
      log.push(entry);
      options.onLog?.(entry);
      windowLoss = windowSteps = windowTokens = windowTime = 0;
    }
    if (step === options.steps || (performance.now() - lastSave) / 1000 >= options.checkpointSeconds) {
      await options.save(step, log, seconds());
      lastSave = performance.now();
    }
  }
  return { log, stopped: false, step };
}
