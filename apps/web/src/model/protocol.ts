/** Messages between the model playground and its worker. */

/** One demonstration: its input tokens x_i and its label token y_i. */
export interface Demonstration {
  readonly x: readonly number[];
  readonly y: number;
}

/** A prompt of the model's world: demonstrations and the query x_test (with its gold label where sampled). */
export interface PlaygroundPrompt {
  readonly demos: readonly Demonstration[];
  readonly query: readonly number[];
  readonly gold: number | null;
}

/** What the model and exact Bayes say on a prompt, and every head's reading of it. */
export interface PromptReading {
  readonly ids: readonly number[];
  /** The model's next-token distribution over the label tokens (renormalised), in label order. */
  readonly model: readonly number[];
  /** The exact Bayesian predictive over the label tokens (null where the prompt has probability 0 under the world). */
  readonly bayes: readonly number[] | null;
  /** Per [layer][head]: the final position's attention row, a_i per demonstration (max over [x_i, y_i]) and the vote's argmax label index. */
  readonly heads: readonly (readonly { readonly row: readonly number[]; readonly weights: readonly number[]; readonly vote: number }[])[];
}

/** For one head: per demonstration, a_i beside the change in the model's probability of its predicted label when y_i is flipped or i dropped. */
export interface Influence {
  readonly layer: number;
  readonly head: number;
  readonly label: number;
  readonly rows: readonly { readonly weight: number; readonly flip: number; readonly drop: number }[];
}

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
