#!/bin/bash
# Calibrates paper-table3's Dirichlet concentration to the paper's n = 1 row (L1 1.322, accuracy
# 0.337), which no kernel affects: at n = 1 the normalised estimate is the one demonstration's label.
# Prints, per concentration c (transitions and emissions alike), the n = 1 L1 and accuracy against
# the Bayes argmax averaged over seeds 0-3 (400 prompts each), and their distance to the paper's
# (L1 / 2 and accuracy, Euclidean). Research log: theorem-kernel-table3.md.
# Usage: [LENGTH=k] bash docs/research/calibrate_table3.sh [C1 C2 ...]   (from the repository root, after
# pnpm build; LENGTH is the example length, default 2)
set -euo pipefail
for c in ${@:-0.003 0.005 0.006 0.007 0.01 0.03 0.2}; do
  for seed in 0 1 2 3; do
    pnpm -s iclkr simulate --preset paper-table3 --param "transitionConcentration=$c,emissionConcentration=$c" \
      --length "${LENGTH:-2}" --shots 1 --prompts 400 --kernel belief --seed "$seed" --json 2>/dev/null
  done | python3 -c "
import json, sys
text, rows, at = sys.stdin.read(), [], 0
while text[at:].strip():
    report, at = json.JSONDecoder().raw_decode(text, text.index('{', at))
    rows.append(report['rows'][0])
l1 = sum(r['l1'] for r in rows) / len(rows); acc = sum(r['accVsBayes'] for r in rows) / len(rows)
print('c %-6s n=1 L1 %.3f accuracy %.3f distance to the paper %.3f' % ('$c', l1, acc, ((l1 / 2 - 0.661) ** 2 + (acc - 0.337) ** 2) ** 0.5))"
done
