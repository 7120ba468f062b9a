/**
 * The model playground's Web Worker: the built-in model (`models/default`, shipped beside the
 * page) loaded from its files' bytes, run on wasm, answering the page's questions one at a time.
 */
import { headAgreement, influence, modelWorld, readPrompt, samplePlaygroundPrompt, worldLabels } from '@iclkr/experiments';
import { type GptCheckpoint, gptCheckpointFromFiles } from '@iclkr/probing';
import { initWorkerBackend } from '../wasm-backend.js';
import type { FromModelWorker, ToModelWorker } from './protocol.js';

const post = (message: FromModelWorker) => (self as unknown as Worker).postMessage(message);

/** The model folder beside the page (the build copies it to dist/models/default). */
const MODEL_DIR = new URL(/* @vite-ignore */ '../models/default/', import.meta.url);

async function fetchFile(name: string): Promise<Uint8Array> {
  const response = await fetch(new URL(name, MODEL_DIR));
  if (!response.ok) throw new Error(`models/default/${name}: the server answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

const loaded = (async () => {
  const choice = await initWorkerBackend();
  const [config, weights, world] = await Promise.all(['config.json', 'model.safetensors', 'world.json'].map(fetchFile));
  const checkpoint: GptCheckpoint = gptCheckpointFromFiles(
    { 'config.json': config, 'model.safetensors': weights, 'world.json': world },
    { fileName: (f) => `models/default/${f}` },
  );
  const w = modelWorld(checkpoint.world, 'models/default');
  const labels = worldLabels(w).tokens;
  const { nLayers, nHeads, nCtx } = checkpoint.model.config;
  post({
    type: 'ready',
    backend: choice.name,
    info: {
      layers: nLayers,
      heads: nHeads,
      world: w.spec.name ?? 'world',
      labels,
      inputTokens: Array.from({ length: w.m }, (_, t) => t).filter((t) => t !== w.delimiter && !labels.includes(t)),
      inputLength: w.spec.inputLength ?? 1,
      delimiter: w.delimiter,
      tasks: w.tasks.length,
      nCtx,
    },
  });
  return { model: checkpoint.model, world: w, labels };
})();
loaded.catch((error: Error) => post({ type: 'error', message: error.message }));

self.onmessage = async (event: MessageEvent<ToModelWorker>) => {
  const m = event.data;
  try {
    const { model, world, labels } = await loaded;
    if (m.type === 'sample') post({ type: 'sampled', prompt: samplePlaygroundPrompt(world, m.task, m.n, m.seed) });
    else if (m.type === 'read') post({ type: 'reading', reading: readPrompt(model, world, m.prompt, labels) });
    else if (m.type === 'influence') post({ type: 'influence', influence: influence(model, world, m.prompt, labels, m.layer, m.head) });
    else post({ type: 'agreement', prompts: m.prompts, agreement: headAgreement(model, world, labels, m.n, m.prompts, m.seed) });
  } catch (error) {
    post({ type: 'error', message: (error as { oneLine?: () => string }).oneLine?.() ?? String((error as Error).message) });
  }
};
