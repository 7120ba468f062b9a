/** Messages between the model playground and its worker. */
import type { Influence, PlaygroundPrompt, PromptReading } from '@iclkr/experiments';

export type { Influence, PlaygroundPrompt, PromptReading };

/** The model and its world as the page shows them. */
export interface ModelInfo {
  readonly layers: number;
  readonly heads: number;
  readonly world: string;
  /** Label tokens (the world's label set) and their names. */
  readonly labels: readonly number[];
  /** Tokens that may appear in inputs (all but the delimiter and the labels). */
  readonly inputTokens: readonly number[];
  readonly inputLength: number;
  readonly delimiter: number;
  readonly tasks: number;
  readonly nCtx: number;
}

/** Page to worker. */
export type ToModelWorker =
  | { readonly type: 'sample'; readonly task: number | null; readonly n: number; readonly seed: number }
  | { readonly type: 'read'; readonly prompt: PlaygroundPrompt }
  | { readonly type: 'influence'; readonly prompt: PlaygroundPrompt; readonly layer: number; readonly head: number }
  | { readonly type: 'agreement'; readonly n: number; readonly prompts: number; readonly seed: number };

/** Worker to page. */
export type FromModelWorker =
  | { readonly type: 'ready'; readonly info: ModelInfo; readonly backend: string }
  | { readonly type: 'sampled'; readonly prompt: PlaygroundPrompt }
  | { readonly type: 'reading'; readonly reading: PromptReading }
  | { readonly type: 'influence'; readonly influence: Influence }
  | { readonly type: 'agreement'; readonly prompts: number; readonly agreement: readonly (readonly number[])[] }
  | { readonly type: 'error'; readonly message: string };
