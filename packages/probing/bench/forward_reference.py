"""PyTorch reference for bench/forward.bench.ts: the GPT of train_reference.py shaped like GPT-2
small (12 layers, width 768, 12 heads, MLP 3072, learned positions, tied unembedding, vocabulary
50,257, 1,024 positions), random weights, forward passes under torch.no_grad() at the same
(batch, positions) as the TypeScript benchmark; prints one JSON line with the median seconds of
3 timed runs after a warm-up run, per row, and the peak RSS. With --serve it warms every row up,
then answers each torch thread count read from stdin with one JSON line of one timed pass per row
at that count (train_reference.serve).

Run: /usr/bin/python3 packages/probing/bench/forward_reference.py --threads 2
"""
import argparse
import json
import statistics
import time

import torch

from train_reference import GPT, run_info, serve

ROWS = [(1, 256), (1, 512), (1, 1024), (8, 128)]


def timed(model, ids):
    """Seconds of one forward pass."""
    t = time.perf_counter()
    model(ids)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--serve', action='store_true')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(50257, 1024, 12, 768, 12, 3072, 'learned', True).eval()
    torch.set_grad_enabled(False)
    inputs = [torch.randint(0, 50257, (batch, positions)) for batch, positions in ROWS]
    for ids in inputs:
        timed(model, ids)
    if a.serve:
        serve(lambda: {'seconds': [timed(model, ids) for ids in inputs]})
        return
    rows = []
    for (batch, positions), ids in zip(ROWS, inputs):
        seconds = statistics.median([timed(model, ids) for _ in range(a.runs)])
        rows.append({'batch': batch, 'positions': positions, 'medianSeconds': seconds, 'tokensPerSecond': batch * positions / seconds})
    print(json.dumps({'rows': rows, **run_info()}))


if __name__ == '__main__':
    main()
