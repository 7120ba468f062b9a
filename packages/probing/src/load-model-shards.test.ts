import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError, type SafetensorsTensor, SafetensorsError, tf } from '@iclkr/core';
import { readSafetensors, writeSafetensors } from '@iclkr/core/node';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, maxAbsDiff, readReference, rejection, removeTemporaryFolders, temporaryFolder } from '../test/fixtures.js';
import { loadModel } from './load-model.js';

afterAll(removeTemporaryFolders);

/**
 * gpt2-tiny split into two shards (even- and odd-numbered tensors) with a Hugging Face style
 * `model.safetensors.index.json`; `edit` may change the index or drop a shard.
 */
async function shardedCopy(
  edit: (map: Record<string, string>, dir: string) => Promise<unknown> | unknown = () => undefined,
): Promise<string> {
  const dir = await temporaryFolder('shards');
  const { tensors } = await readSafetensors(`${fixture('gpt2-tiny')}/model.safetensors`);
  const shards = [new Map<string, SafetensorsTensor>(), new Map<string, SafetensorsTensor>()];
  const map: Record<string, string> = {};
  [...tensors].forEach(([name, tensor], i) => {
    shards[i % 2].set(name, tensor);
    map[name] = `model-0000${(i % 2) + 1}-of-00002.safetensors`;
  });
  for (const [i, shard] of shards.entries()) await writeSafetensors(join(dir, `model-0000${i + 1}-of-00002.safetensors`), shard);
  await copyFile(`${fixture('gpt2-tiny')}/config.json`, join(dir, 'config.json'));
  await edit(map, dir);
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: map }));
  return dir;
}

describe('sharded checkpoints', () => {
  it('reads the shards an index lists and gives the reference logits (llm.c, see ../shared/fixtures)', async () => {
    const model = await loadModel(await shardedCopy());
    const { ids, expected } = await readReference(fixture('gpt2-tiny'));
    const { logits } = model.run(ids);
    expect(maxAbsDiff(logits.dataSync(), expected.get('logits')!)).toBeLessThan(1e-4);
    tf.dispose([logits, ids]);
    model.dispose();
  });

  it('names a missing shard, a tensor its shard lacks and a malformed index in one line', async () => {
    const missing = await rejection(loadModel(await shardedCopy((_, dir) => rm(join(dir, 'model-00002-of-00002.safetensors')))));
    expect(missing).toBeInstanceOf(SafetensorsError);
    expect(missing.message).toMatch(/model-00002-of-00002\.safetensors.*names this shard but it is missing/);
    const moved = await rejection(
      loadModel(
        await shardedCopy((map) => {
          map['transformer.wte.weight'] = map['transformer.wte.weight'].includes('00001')
            ? 'model-00002-of-00002.safetensors'
            : 'model-00001-of-00002.safetensors';
        }),
      ),
    );
    expect(moved.message).toMatch(/has no tensor "transformer\.wte\.weight", which model\.safetensors\.index\.json places in it/);
    const outside = await rejection(loadModel(await shardedCopy((map) => (map['transformer.wte.weight'] = '../elsewhere.safetensors'))));
    expect(outside).toBeInstanceOf(DataError);
    expect(outside.message).toMatch(/not a file name/);
    const noMap = await shardedCopy();
    await writeFile(join(noMap, 'model.safetensors.index.json'), '{"metadata": {}}');
    expect((await rejection(loadModel(noMap))).message).toMatch(/has no "weight_map" object/);
  });
});
