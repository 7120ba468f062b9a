/**
 * Hook points: every component reports its intermediate tensors by TransformerLens name, and only
 * the names the caller asked for are kept, so unrequested activations are freed with the rest.
 */

import { tf } from '@iclkr/core';

/** Which activations to keep, by TransformerLens name (e.g. `blocks.0.attn.hook_pattern`). */
export type HookFilter = (name: string) => boolean;

/** Activations kept by a forward pass, by hook name; the caller owns (and disposes) them. */
export type ActivationCache = Map<string, tf.Tensor>;

/** The hook points of one forward pass: keeps a copy of each fired tensor the filter accepts. */
export class HookPoints {
  readonly cache: ActivationCache = new Map();

  constructor(private readonly filter: HookFilter) {}

  /** Whether hook `name` is kept: a component can skip work (a layout change) that only a kept hook needs. */
  wants(name: string): boolean {
    return this.filter(name);
  }

  /** Fires hook `name` with `tensor` and returns it; a kept copy survives the enclosing tf.tidy. */
  fire<T extends tf.Tensor>(name: string, tensor: T): T {
    // A clone, because one tensor can be two hooks (resid_post of block l is resid_pre of l + 1).
    if (this.filter(name)) this.cache.set(name, tf.keep(tensor.clone()));
    return tensor;
  }
}
