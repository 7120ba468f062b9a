/**
 * From the model's flat activation arrays to the plain per-prompt arrays the analyses take:
 * attention rows of the final position and one prompt's key or value block.
 */

import { OptionError, ShapeError } from '@iclkr/core';

/** Attention rows of one prompt by [layer][head]: each row is over key positions 0..k-1. */
export type LayerHeadRows = readonly (readonly ArrayLike<number>[])[];

function checkIndex(value: number, size: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value >= size) {
    throw new OptionError(`${what} ${value} is outside [0, ${size})`, `pick a ${what} in 0..${size - 1}`);
  }
}

function checkShape(data: ArrayLike<number>, shape: readonly number[], dims: number, what: string): void {
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== dims || data.length !== size) {
    throw new ShapeError(
      `${what} has ${data.length} values, not the product of shape [${shape.join(', ')}]`,
      `pass the flat data of a ${dims}-d tensor and its shape`,
    );
  }
}

/**
 * The attention row of query position `query` (default the last) for every head of prompt `batch`,
 * from one layer's flat `hook_pattern` [batch, head, q, k]; rows are views, not copies.
 */
export function attentionRows(
  pattern: Float32Array,
  shape: readonly [number, number, number, number],
  batch: number,
  query = shape[2] - 1,
): Float32Array[] {
  checkShape(pattern, shape, 4, 'hook_pattern');
  const [b, h, q, k] = shape;
  checkIndex(batch, b, 'batch index');
  checkIndex(query, q, 'query position');
  return Array.from({ length: h }, (_, head) => {
    const at = ((batch * h + head) * q + query) * k;
    return pattern.subarray(at, at + k);
  });
}

/** Prompt `batch`'s [pos, head, d_head] block of a flat `hook_k` / `hook_v` [batch, pos, head, d_head] (a view). */
export function promptBlock(data: Float32Array, shape: readonly [number, number, number, number], batch: number): Float32Array {
  checkShape(data, shape, 4, 'hook_k/hook_v');
  checkIndex(batch, shape[0], 'batch index');
  const size = shape[1] * shape[2] * shape[3];
  return data.subarray(batch * size, (batch + 1) * size);
}

/** Checks rows are [layers][heads] with every row at least `length` long; returns [layers, heads]. */
export function checkRows(rows: LayerHeadRows, length: number, expect?: readonly [number, number]): [number, number] {
  const layers = rows.length;
  const heads = layers === 0 ? 0 : rows[0].length;
  if (layers === 0 || heads === 0) throw new ShapeError('no attention rows', 'pass rows as [layer][head] arrays');
  if (expect && (expect[0] !== layers || expect[1] !== heads)) {
    throw new ShapeError(
      `attention rows are ${layers} layers x ${heads} heads, earlier prompts had ${expect[0]} x ${expect[1]}`,
      'pass every prompt with the same layers and heads',
    );
  }
  rows.forEach((byHead, l) => {
    if (byHead.length !== heads) {
      throw new ShapeError(`layer ${l} has ${byHead.length} heads, layer 0 has ${heads}`, 'pass the same heads in every layer');
    }
    byHead.forEach((row, h) => {
      if (row.length < length) {
        throw new ShapeError(
          `prompt spans reach position ${length - 1} but the attention row of layer ${l} head ${h} has ${row.length} positions`,
          "pass the same prompt's attention row of the final position",
        );
      }
    });
  });
  return [layers, heads];
}
