"""PyTorch reference for bench/train.bench.ts: the same GPT (pre-norm, LayerNorm eps 1e-5, gelu
tanh MLP, biases, ALiBi or learned or sinusoidal positions, tied or untied unembedding), AdamW, the
same batch and sequence length, trained on random tokens; prints one JSON line with the median
tokens/s of several timed windows after warm-up and the peak RSS. With --serve it warms up, then
reads one torch thread count a line from stdin and answers each with one JSON line of one timed
window at that count (so that the TypeScript benchmark alternates its windows with ours, and this
process is idle, blocked on stdin, while ours run).

Run: /usr/bin/python3 packages/probing/bench/train_reference.py --threads 2
"""
import argparse
import json
import math
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def alibi_slopes(n):
    """Press et al.: a geometric sequence for a power of 2, else interleaved from the next power."""
    def power_of_two(m):
        start = 2 ** (-8 / m)
        return [start ** (i + 1) for i in range(m)]
    if math.log2(n).is_integer():
        return power_of_two(n)
    m = 2 ** math.floor(math.log2(n))
    return power_of_two(m) + power_of_two(2 * m)[0::2][: n - m]


class Block(nn.Module):
    def __init__(self, d, h, d_mlp):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d, eps=1e-5)
        self.q = nn.Linear(d, d)
        self.k = nn.Linear(d, d)
        self.v = nn.Linear(d, d)
        self.o = nn.Linear(d, d)
        self.mlp = None
        if d_mlp > 0:
            self.mlp = nn.Sequential(nn.LayerNorm(d, eps=1e-5), nn.Linear(d, d_mlp), nn.GELU(approximate='tanh'), nn.Linear(d_mlp, d))

    def forward(self, x, bias):
        B, T, D = x.shape
        y = self.ln1(x)
        heads = lambda t: t.view(B, T, self.h, D // self.h).transpose(1, 2)
        q, k, v = heads(self.q(y)), heads(self.k(y)), heads(self.v(y))
        s = q @ k.transpose(-1, -2) / math.sqrt(D // self.h) + bias[:, :T, :T]
        x = x + self.o((s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D))
        if self.mlp is not None:
            x = x + self.mlp(x)
        return x


class GPT(nn.Module):
    def __init__(self, vocab, n_ctx, layers, d, h, d_mlp, positions, tied):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(n_ctx, d) if positions == 'learned' else None
        if positions == 'sinusoidal':
            p = torch.arange(n_ctx, dtype=torch.float64)[:, None]
            j = torch.arange(d)
            angle = p / 10000 ** (2 * (j // 2) / d)
            table = torch.where(j % 2 == 0, torch.sin(angle), torch.cos(angle)).float()
        else:
            table = torch.zeros(n_ctx, d)
        self.register_buffer('table', table)
        self.blocks = nn.ModuleList([Block(d, h, d_mlp) for _ in range(layers)])
        self.ln = nn.LayerNorm(d, eps=1e-5)
        self.unemb = None if tied else nn.Linear(d, vocab, bias=False)
        i = torch.arange(n_ctx)
        dist = (i[:, None] - i[None, :]).float()
        causal = torch.where(dist >= 0, 0.0, float('-inf'))
        if positions == 'alibi':
            bias = -torch.tensor(alibi_slopes(h))[:, None, None] * dist.clamp(min=0)[None] + causal[None]
        else:
            bias = causal[None].expand(h, n_ctx, n_ctx).clone()
        self.register_buffer('bias', bias)

    def forward(self, ids):
        T = ids.shape[1]
        x = self.emb(ids) + self.table[:T]
        if self.pos is not None:
            x = x + self.pos.weight[:T]
        for b in self.blocks:
            x = b(x, self.bias)
        x = self.ln(x)
        return x @ self.emb.weight.T if self.unemb is None else self.unemb(x)


def run_info():
    """Threads, torch version and this process's peak RSS, for a benchmark's JSON line."""
    return {
        'threads': torch.get_num_threads(),
        'torch': torch.__version__,
        'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def serve(window):
    """Answers each thread count read from stdin with one JSON line: window(threads) and the run info."""
    for line in sys.stdin:
        threads = int(line)
        torch.set_num_threads(threads)
        print(json.dumps({**window(), **run_info()}), flush=True)


def matmul_rates(shapes, threads):
    """GFLOP/s of torch.mm at each [m, k] x [k, n] (best of 20 calls) on `threads` threads."""
    torch.set_num_threads(threads)
    rates = {}
    for m, k, n in shapes:
        a, b = torch.randn(m, k), torch.randn(k, n)
        best = math.inf
        for _ in range(20):
            t = time.perf_counter()
            torch.mm(a, b)
            best = min(best, time.perf_counter() - t)
        rates[f'{m}x{k}x{n}'] = 2 * m * k * n / best / 1e9
    return rates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--vocab', type=int, default=67)
    ap.add_argument('--ctx', type=int, default=128)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--d', type=int, default=64)
    ap.add_argument('--d-mlp', type=int, default=256)
    ap.add_argument('--positions', default='alibi')
    ap.add_argument('--tied', action='store_true')
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--windows', type=int, default=5)
    ap.add_argument('--steps-per-window', type=int, default=10)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--serve', action='store_true')
    ap.add_argument('--matmul', default='', help='m,k,n;m,k,n...: print torch.mm GFLOP/s at threads 1 and 2 and exit')
    a = ap.parse_args()
    if a.matmul:
        shapes = [tuple(int(x) for x in s.split(',')) for s in a.matmul.split(';')]
        print(json.dumps({str(t): matmul_rates(shapes, t) for t in (1, 2)}))
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = GPT(a.vocab, a.ctx, a.layers, a.d, a.heads, a.d_mlp, a.positions, a.tied)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01, betas=(0.9, 0.98), eps=1e-8)
    gen = torch.Generator().manual_seed(0)

    def step():
        docs = torch.randint(0, a.vocab, (a.batch, a.ctx + 1), generator=gen)
        logits = model(docs[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), docs[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()

    def window():
        t = time.perf_counter()
        for _ in range(a.steps_per_window):
            step()
        return {'tokensPerSecond': a.steps_per_window * a.batch * a.ctx / (time.perf_counter() - t)}

    if a.serve:
        serve(window)
        return
    rates = [window()['tokensPerSecond'] for _ in range(a.windows)]
    print(json.dumps({'tokensPerSecond': statistics.median(rates), 'windows': rates, **run_info()}))


if __name__ == '__main__':
    main()
