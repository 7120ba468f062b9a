/**
 * Model parameters by TransformerLens name (`embed.W_E`, `blocks.0.attn.W_Q`, ...), in the layout
 * the components compute with: every weight matrix is [in, out]. Loaders produce this map from a
 * checkpoint; the model takes its tensors over.
 */

import { ShapeError, type tf } from '@iclkr/core';
import { matMul } from './ops.js';

/** Parameters by name; the model that receives them owns (and disposes) them. */
export type ParamMap = Record<string, tf.Tensor>;

/** Hands each component its parameters, checking names and shapes, and tracks what was used. */
export class ParamReader {
  private readonly used = new Set<string>();

  constructor(private readonly params: ParamMap) {}

  /** The parameter `name`, which must have `shape`. */
  take(name: string, shape: readonly number[]): tf.Tensor {
    const tensor = this.params[name];
    if (tensor === undefined) {
      throw new ShapeError(`parameter "${name}" is missing`, 'give the model every parameter its configuration needs');
    }
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(
        `parameter "${name}" has shape [${tensor.shape.join(', ')}] but [${shape.join(', ')}] was expected`,
        'give parameters in the [in, out] layout the model configuration implies',
      );
    }
    this.used.add(name);
    return tensor;
  }

  /** The parameter `name` when `present`, else undefined (optional biases). */
  maybe(present: boolean, name: string, shape: readonly number[]): tf.Tensor | undefined {
    return present ? this.take(name, shape) : undefined;
  }

  /** Throws when a parameter was given that no component took (a loader or config mistake). */
  checkAllUsed(): void {
    const unused = Object.keys(this.params).filter((name) => !this.used.has(name));
    if (unused.length > 0) {
      throw new ShapeError(
        `parameter(s) ${unused
          .slice(0, 3)
          .map((n) => `"${n}"`)
          .join(', ')} are not used by this model configuration`,
        'check that the configuration (biases, positions, MLP kind) matches the parameters',
      );
    }
  }
}

/** x [..., in] times W [in, out] plus b [out]: the linear map every projection uses (gradients on fast kernels). */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const flat = x.reshape([-1, shape[shape.length - 1]!]) as tf.Tensor2D;
  return matMul(flat, w as tf.Tensor2D, b as tf.Tensor1D | undefined).reshape([...shape.slice(0, -1), w.shape[1]!]);
}
