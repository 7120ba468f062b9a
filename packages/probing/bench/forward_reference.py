"""PyTorch reference for bench/forward.bench.ts: the GPT of train_reference.py shaped like GPT-2
small (12 layers, width 768, 12 heads, MLP 3072, learned positions, tied unembedding, vocabulary
50,257, 1,024 positions), random weights, forward passes under torch.no_grad() at the same
(batch, positions) as the TypeScript benchmark; prints one JSON line with the median seconds of
3 timed runs after a warm-up run, per row, and the peak RSS.

Run: /usr/bin/python3 packages/probing/bench/forward_reference.py --threads 2
"""
import argparse
import json
import statistics
import time

import torch

from train_reference import GPT, run_info

ROWS = [(1, 256), (1, 512), (1, 1024), (8, 128)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs', type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(50257, 1024, 12, 768, 12, 3072, 'learned', True).eval()
    rows = []
    with torch.no_grad():
        for batch, positions in ROWS:
            ids = torch.randint(0, 50257, (batch, positions))
            times = []
            for r in range(a.runs + 1):
                t = time.perf_counter()
                model(ids)
                if r > 0:
                    times.append(time.perf_counter() - t)
            seconds = statistics.median(times)
            rows.append({'batch': batch, 'positions': positions, 'medianSeconds': seconds, 'tokensPerSecond': batch * positions / seconds})
    print(json.dumps({'rows': rows, **run_info()}))


if __name__ == '__main__':
    main()
