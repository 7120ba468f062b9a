/**
 * Hook points: every component reports its intermediate tensors by TransformerLens name, and only
 * the names the caller asked for are kept, so unrequested activations are freed with the rest. A
 * hook point can also carry interventions (as TransformerLens's hooks can): functions of the
 * activation returning its replacement, which the forward pass continues with.
 */

import { ShapeError, tf } from '@iclkr/core';

/** Which activations to keep, by TransformerLens name (e.g. `blocks.0.attn.hook_pattern`). */
export type HookFilter = (name: string) => boolean;

/** Activations kept by a forward pass, by hook name; the caller owns (and disposes) them. */
export type ActivationCache = Map<string, tf.Tensor>;

/** Where an intervention runs: the hook's name and the batch's shape. */
export interface InterventionContext {
  /** The hook's TransformerLens name. */
  readonly name: string;
  /** Rows of the batch. */
  readonly batch: number;
  /** Positions of the (right-padded) input. */
  readonly positions: number;
}

/**
 * A replacement of the activation a hook sees, shaped as the activation ([batch, pos, ...], or
 * [batch, head, q, k] for attention scores and patterns). It runs inside the pass's tf.tidy: it
 * may make tensors freely, and must not dispose the activation it is given.
 */
export type Intervention = (activation: tf.Tensor, context: InterventionContext) => tf.Tensor;

/** Interventions by hook name; several on one hook apply in the order listed, each on the previous one's result. */
export type Interventions = Readonly<Record<string, Intervention | readonly Intervention[]>>;

/** The hook points of one forward pass: applies the interventions, then keeps a copy of each fired tensor the filter accepts. */
export class HookPoints {
  readonly cache: ActivationCache = new Map();
  private readonly interventions: ReadonlyMap<string, readonly Intervention[]> | undefined;

  constructor(
    private readonly filter: HookFilter,
    interventions?: Interventions,
  ) {
    const entries = Object.entries(interventions ?? {});
    this.interventions =
      entries.length === 0 ? undefined : new Map(entries.map(([name, fns]) => [name, typeof fns === 'function' ? [fns] : fns]));
  }

  /** Whether hook `name` is kept: a component can skip work (a layout change) that only a kept hook needs. */
  wants(name: string): boolean {
    return this.filter(name);
  }

  /** Whether hook `name` carries an intervention. */
  intervenes(name: string): boolean {
    return this.interventions?.has(name) === true;
  }

  /**
   * Fires hook `name` with `tensor` and returns it, or its replacement when the hook carries
   * interventions; a kept copy (of the replacement) survives the enclosing tf.tidy.
   */
  fire<T extends tf.Tensor>(name: string, tensor: T): T {
    let out: tf.Tensor = tensor;
    const fns = this.interventions?.get(name);
    if (fns !== undefined) {
      // Scores and patterns are [batch, head, q, k]; every other hook is [batch, pos, ...].
      const positions = /hook_(attn_scores|pattern)$/.test(name) ? tensor.shape[2]! : tensor.shape[1]!;
      const context: InterventionContext = { name, batch: tensor.shape[0]!, positions };
      for (const fn of fns) {
        out = fn(out, context);
        if (out.shape.length !== tensor.shape.length || out.shape.some((n, i) => n !== tensor.shape[i])) {
          throw new ShapeError(
            `the intervention on ${name} returned a [${out.shape.join(', ')}] tensor for a [${tensor.shape.join(', ')}] activation`,
            'return a replacement shaped as the activation',
          );
        }
      }
    }
    // A clone, because one tensor can be two hooks (resid_post of block l is resid_pre of l + 1).
    if (this.filter(name)) this.cache.set(name, tf.keep(out.clone()));
    return out as T;
  }
}
