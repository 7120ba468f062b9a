import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SafetensorsError } from '../errors.js';
import type { SafetensorsTensor } from './dtypes.js';
import { decodeSafetensors, encodeSafetensors } from './format.js';
import { openSafetensors, readSafetensors, writeSafetensors } from './node.js';

const MODEL = '/work/shared/fixtures/gpt2-tiny/model.safetensors';
const REFERENCE = '/work/shared/fixtures/gpt2-tiny/reference.safetensors';

const dir = mkdtempSync(join(tmpdir(), 'iclkr-safetensors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

async function rejection(promise: Promise<unknown>): Promise<SafetensorsError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(SafetensorsError);
    return err as SafetensorsError;
  }
  throw new Error('expected a SafetensorsError');
}

describe('openSafetensors on the Hugging Face fixtures', () => {
  it('lists the reference tensors from the header alone, then reads them', async () => {
    const file = await openSafetensors(REFERENCE);
    try {
      expect(file.metadata).toEqual({});
      expect(file.names()).toHaveLength(17);
      expect(file.expect('input_ids', { dtype: 'I32', shape: [2, 24] }).dtype).toBe('I32');
      expect(file.expect('logits', { dtype: 'F32', shape: [2, 24, 512] }).end).toBe(98496);
      for (const l of [0, 1]) {
        file.expect(`blocks.${l}.attn.hook_pattern`, { dtype: 'F32', shape: [2, 4, 24, 24] });
        for (const h of ['q', 'k', 'v']) file.expect(`blocks.${l}.attn.hook_${h}`, { shape: [2, 24, 4, 16] });
        for (const r of ['pre', 'mid', 'post']) file.expect(`blocks.${l}.hook_resid_${r}`, { shape: [2, 24, 64] });
      }
      file.expect('ln_final.hook_normalized', { dtype: 'F32', shape: [2, 24, 64] });

      const ids = await file.read('input_ids', { dtype: 'I32' });
      expect(ids.data).toBeInstanceOf(Int32Array);
      expect(Array.from(ids.data.subarray(0, 6))).toEqual([204, 48, 330, 97, 426, 226]);
      expect(Array.from(ids.data.subarray(45))).toEqual([271, 72, 471]);
      expect(sum(ids.data)).toBe(11396);

      const logits = await file.read('logits', { dtype: 'F32', shape: [2, 24, 512] });
      expect(logits.data[0]).toBe(Math.fround(-0.40101978182792664));
      expect(logits.data[logits.data.length - 1]).toBe(Math.fround(-1.8971199989318848));
      expect(sum(logits.data)).toBeCloseTo(4430.082703850698, 6);
    } finally {
      await file.close();
    }
  });

  it('reads the model weights with their metadata', async () => {
    const file = await openSafetensors(MODEL);
    try {
      expect(file.metadata).toEqual({ format: 'pt' });
      expect(file.names()).toHaveLength(28);
      expect(file.has('transformer.h.1.mlp.c_proj.weight')).toBe(true);
      expect(file.has('lm_head.weight')).toBe(false); // tied
      const wte = await file.read('transformer.wte.weight', { dtype: 'F32', shape: [512, 64] });
      expect(sum(wte.data)).toBeCloseTo(-38.935566287917936, 6);
      const bias = await file.read('transformer.ln_f.bias', { shape: [64] });
      expect(bias.data[0]).toBe(Math.fround(-0.06628303974866867));
      expect(sum(bias.data as Float32Array)).toBeCloseTo(-0.6956099448725581, 6);
    } finally {
      await file.close();
    }
  });

  it('readSafetensors agrees with decoding the bytes in memory', async () => {
    const fromDisk = await readSafetensors(MODEL);
    const inMemory = decodeSafetensors(readFileSync(MODEL));
    expect(fromDisk.metadata).toEqual(inMemory.metadata);
    expect([...fromDisk.tensors.keys()]).toEqual([...inMemory.tensors.keys()]);
    for (const [name, t] of inMemory.tensors) expect(fromDisk.tensors.get(name), name).toEqual(t);
  });

  it('checks expectations and refuses reads after close', async () => {
    const file = await openSafetensors(REFERENCE);
    expect(() => file.expect('nope')).toThrow(/reference\.safetensors: tensor "nope" is missing .*17 in all/);
    await expect(file.read('logits', { dtype: 'BF16' })).rejects.toThrow(/has dtype F32 but BF16 was expected/);
    await file.close();
    await file.close();
    const error = await rejection(file.read('logits'));
    expect(error.message).toMatch(/cannot read tensor "logits": the file is closed/);
  });
});

describe('openSafetensors on broken files', () => {
  it('reports a missing file', async () => {
    const error = await rejection(openSafetensors(join(dir, 'absent.safetensors')));
    expect(error.message).toMatch(/absent\.safetensors: cannot open: ENOENT/);
  });

  it('reports a file shorter than 8 bytes', async () => {
    const path = join(dir, 'tiny.safetensors');
    writeFileSync(path, new Uint8Array([1, 2, 3]));
    const error = await rejection(openSafetensors(path));
    expect(error.message).toMatch(/tiny\.safetensors: file is 3 bytes, shorter than the 8-byte header length/);
  });

  it('reports a file truncated inside the header', async () => {
    const path = join(dir, 'cut-header.safetensors');
    writeFileSync(path, readFileSync(MODEL).subarray(0, 1000));
    const error = await rejection(openSafetensors(path));
    expect(error.message).toMatch(/header length 2640 bytes runs past the end of the 1000-byte file/);
  });

  it('reports a file truncated inside the data, naming the tensor', async () => {
    const path = join(dir, 'cut-data.safetensors');
    const bytes = readFileSync(MODEL);
    writeFileSync(path, bytes.subarray(0, bytes.byteLength - 100));
    const error = await rejection(openSafetensors(path));
    expect(error.message).toMatch(/cut-data\.safetensors: tensor "[^"]+": data_offsets .* run past the end/);
    expect(error.fix).toMatch(/truncated/);
  });
});

describe('writeSafetensors', () => {
  const tensors: Record<string, SafetensorsTensor> = {
    w: { dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0x4000]) },
    ids: { dtype: 'I64', shape: [1, 2], data: new BigInt64Array([3n, -4n]) },
  };

  it('writes a file that reads back identically, leaving no temporary file', async () => {
    const path = join(dir, 'out.safetensors');
    await writeSafetensors(path, tensors, { source: 'test' });
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeSafetensors(tensors, { source: 'test' }));
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ source: 'test' });
    expect(back.tensors.get('w')).toEqual(tensors.w);
    expect(back.tensors.get('ids')).toEqual(tensors.ids);
  });

  it('rewrites the reference fixture into a file that decodes to the same tensors', async () => {
    const path = join(dir, 'reference-copy.safetensors');
    const original = await readSafetensors(REFERENCE);
    await writeSafetensors(path, original.tensors);
    const copy = await readSafetensors(path);
    for (const [name, t] of original.tensors) expect(copy.tensors.get(name), name).toEqual(t);
  });

  it('leaves nothing behind when the rename fails', async () => {
    const target = join(dir, 'occupied');
    mkdirSync(join(target, 'child'), { recursive: true });
    const error = await rejection(writeSafetensors(target, tensors));
    expect(error.message).toMatch(/occupied: cannot write/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['child']);
  });

  it('leaves nothing behind when the directory does not exist', async () => {
    const error = await rejection(writeSafetensors(join(dir, 'no', 'such', 'x.safetensors'), tensors));
    expect(error.message).toMatch(/cannot write: ENOENT/);
    expect(error.fix).toMatch(/directory exists/);
  });

  it('keeps an existing file intact when the tensors are invalid', async () => {
    const path = join(dir, 'keep.safetensors');
    await writeSafetensors(path, tensors);
    const before = readFileSync(path);
    const bad = { w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } } as Record<string, SafetensorsTensor>;
    const error = await rejection(writeSafetensors(path, bad));
    expect(error.message).toMatch(/keep\.safetensors: tensor "w" has shape \[3\]/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
