#!/usr/bin/env bash
# Captures every command's machine-readable output on fixed seeds into OUT (a folder that must not
# exist), so that a refactor can be checked to leave the numbers unchanged: run it before and after,
# then `node scripts/golden/compare.mjs BEFORE AFTER`. Run from the repository root after `pnpm build`.
set -euo pipefail
out=${1:?usage: capture.sh OUT_DIR}
data=${ICLKR_SHARED_DATA:-../shared/data}
mkdir "$out"
iclkr() { node apps/cli/dist/main.js "$@" 2>>"$out/stderr.log"; }

iclkr demo --json --train 300 --test 100 > "$out/demo.json"
printf 'a,b,y\n0,0,0\n1,0,1\n0,1,1\n1,1,0\n2,1,1\n0,2,0\n' > "$out/train.csv"
printf 'a,b,y\n0.5,0.5,1\n1.5,1,0\n' > "$out/test.csv"
iclkr kernel-regress --train "$out/train.csv" --test "$out/test.csv" --bandwidth loo --json > "$out/kernel-regress.json"
iclkr simulate --preset paper-table3 --shots 1,4,16 --prompts 40 --sigma-samples 500 --json > "$out/simulate-paper.json"
iclkr simulate --preset classify --shots 0,2,8 --prompts 40 --json > "$out/simulate-classify.json"
iclkr generate --preset ginc --docs 4 --doc-length 64 --seed 3 --out "$out/corpus" > /dev/null
iclkr icl --shots 0,2,8 --prompts 60 --ood --json > "$out/icl.json"
iclkr probe --shots 8 --prompts 40 --probe-prompts 20 --json > "$out/probe-world.json"
node --input-type=module -e "
  import { Rng, initBackend } from './packages/core/dist/index.js';
  await initBackend();
  import { initGptParams } from './packages/probing/dist/index.js';
  import { saveGptCheckpoint } from './packages/probing/dist/node.js';
  const config = { vocabSize: 50257, nCtx: 512, nLayers: 1, nHeads: 2, dModel: 8, dMlp: 16, positions: 'alibi', tiedEmbeddings: true };
  await saveGptCheckpoint('$out/text-model', { config, params: initGptParams(config, new Rng(0)) });
"
iclkr probe --model "$out/text-model" --tokenizer "$data/tokenizers/gpt2" --data "$data/sst2/glue-dev.tsv" \
  --demos "$data/sst2/stsa.binary.train" --shots 4 --prompts 20 --probe-prompts 10 --retrieval bm25 --json > "$out/probe-text.json"
iclkr retrieve --demos "$data/sst2/stsa.binary.train" --data "$data/sst2/glue-dev.tsv" --strategy knn --shots 4 --prompts 30 > "$out/retrieve.jsonl"
iclkr pretrain --preset quick --steps 6 --eval-every 3 --batch 4 --out "$out/model" > /dev/null
cp "$out/model/log.json" "$out/pretrain-log.json"
node -e "const c=require('crypto');const f=require('fs');console.log(JSON.stringify({tokens:c.createHash('sha256').update(f.readFileSync('$out/corpus/tokens.bin')).digest('hex'),world:JSON.parse(f.readFileSync('$out/corpus/world.json','utf8'))}))" > "$out/generate.json"
echo '{"demos": [[[1, 2], 3], [[2, 1], 3]], "query": [1, 2]}' > "$out/prompts.in"
iclkr bayes --world "$out/corpus/world.json" --prompts "$out/prompts.in" --out "$out/bayes.jsonl" || echo '{"bayes": "failed"}' > "$out/bayes.jsonl"
echo "captured into $out"
