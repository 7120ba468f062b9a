"""Prototype of the pre-training recipe (issue 4): a small GPT on the `classify` world, in PyTorch.

Used only to search for a world and recipe in which similarity-based ICL emerges fast; the shipped
model is trained by the TypeScript code. Mirrors packages/theory/src/generators/classify.ts: inputs
0..V-1, labels V..V+L-1, delimiter V+L; a class emits its k input tokens i.i.d. from a sparse
Dirichlet distribution; a task is a labelling class -> label; a document draws one task and
concatenates segments `x y delim`.

Run: /usr/bin/python3 docs/research/icl_pretrain_prototype.py --name k1 --k 1 --tokens 3e6
"""
import argparse
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def make_world(C, L, V, k, sparsity, rng):
    support = max(1, round(sparsity * V))
    emission = np.zeros((C, V))
    for c in range(C):
        toks = rng.choice(V, support, replace=False)
        emission[c, toks] = rng.dirichlet(np.ones(support))
    return dict(C=C, L=L, V=V, k=k, emission=emission, vocab=V + L + 1)


def sample_segments(world, labelling, classes, rng):
    """Tokens of segments `x y delim` for the given classes under `labelling`."""
    V, k, L = world['V'], world['k'], world['L']
    n = len(classes)
    x = np.empty((n, k), dtype=np.int64)
    for i, c in enumerate(classes):
        x[i] = rng.choice(V, k, p=world['emission'][c])
    y = V + labelling[classes]
    seg = np.concatenate([x, y[:, None], np.full((n, 1), V + L)], axis=1)
    return seg


def sample_docs(world, batch, T, rng, bursty=0, labellings=None):
    C, L, k = world['C'], world['L'], world['k']
    seg_len = k + 2
    nseg = T // seg_len + 2
    out = np.empty((batch, T + 1), dtype=np.int64)
    for b in range(batch):
        lab = rng.integers(0, L, C) if labellings is None else labellings[rng.integers(len(labellings))]
        if bursty:
            pool = rng.choice(C, bursty, replace=False)
            classes = pool[rng.integers(0, bursty, nseg)]
        else:
            classes = rng.integers(0, C, nseg)
        seg = sample_segments(world, lab, classes, rng).reshape(-1)
        off = rng.integers(0, seg_len)
        out[b] = seg[off:off + T + 1]
    return out


def sample_prompts(world, n, count, rng, labellings=None):
    """count prompts with n demonstrations; returns tokens [count, n*(k+2)+k], labels, majority, oracle."""
    C, L, k, V = world['C'], world['L'], world['k'], world['V']
    toks, gold, maj, orc = [], [], [], []
    for _ in range(count):
        lab = rng.integers(0, L, C) if labellings is None else labellings[rng.integers(len(labellings))]
        classes = rng.integers(0, C, n + 1)
        seg = sample_segments(world, lab, classes, rng)
        toks.append(np.concatenate([seg[:n].reshape(-1), seg[n, :k]]))
        gold.append(lab[classes[n]])
        demo_y = lab[classes[:n]]
        counts = np.bincount(demo_y, minlength=L) if n else np.zeros(L)
        maj.append(int(np.argmax(counts + rng.random(L) * 1e-3)))
        same = demo_y[classes[:n] == classes[n]]
        oc = np.bincount(same, minlength=L) if len(same) else counts
        orc.append(int(np.argmax(oc + rng.random(L) * 1e-3)))
    return np.array(toks), np.array(gold), np.array(maj), np.array(orc)


def alibi_slopes(h):
    start = 2 ** (-8 / h)
    return torch.tensor([start ** (i + 1) for i in range(h)])


class Block(nn.Module):
    def __init__(self, d, h, mlp, alibi):
        super().__init__()
        self.h = h
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(approximate='tanh'), nn.Linear(4 * d, d)) if mlp else None
        self.alibi = alibi
        self.pattern = None

    def forward(self, x, bias):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        s = q @ k.transpose(-1, -2) / math.sqrt(D // self.h) + bias[:, :T, :T]
        p = s.softmax(-1)
        self.pattern = p
        x = x + self.o((p @ v).transpose(1, 2).reshape(B, T, D))
        if self.mlp is not None:
            x = x + self.mlp(x)
        return x


class GPT(nn.Module):
    def __init__(self, vocab, T, layers, d, h, mlp=True, positions='alibi'):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(T, d) if positions == 'learned' else None
        self.blocks = nn.ModuleList([Block(d, h, mlp, positions == 'alibi') for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.unemb = nn.Linear(d, vocab, bias=False)
        i = torch.arange(T)
        dist = (i[:, None] - i[None, :]).float()
        causal = torch.where(dist >= 0, 0.0, float('-inf'))
        if positions == 'alibi':
            bias = -alibi_slopes(h)[:, None, None] * dist.clamp(min=0)[None] + causal[None]
        else:
            bias = causal[None].expand(h, T, T)
        self.register_buffer('bias', bias)

    def forward(self, ids):
        x = self.emb(ids)
        if self.pos is not None:
            x = x + self.pos(torch.arange(ids.shape[1]))
        for b in self.blocks:
            x = b(x, self.bias)
        return self.unemb(self.ln(x))


def evaluate(model, world, shots, count, rng, labellings=None):
    V, L = world['V'], world['L']
    rows = []
    model.eval()
    with torch.no_grad():
        for n in shots:
            toks, gold, maj, orc = sample_prompts(world, n, count, rng, labellings)
            logits = model(torch.tensor(toks))[:, -1, V:V + L]
            pred = logits.argmax(-1).numpy()
            rows.append(dict(n=n, acc=float((pred == gold).mean()), maj=float((maj == gold).mean()), oracle=float((orc == gold).mean())))
    model.train()
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', default='run')
    ap.add_argument('--C', type=int, default=8)
    ap.add_argument('--L', type=int, default=2)
    ap.add_argument('--V', type=int, default=64)
    ap.add_argument('--k', type=int, default=4)
    ap.add_argument('--sparsity', type=float, default=0.25)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--d', type=int, default=64)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--no-mlp', action='store_true')
    ap.add_argument('--positions', default='alibi')
    ap.add_argument('--T', type=int, default=128)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--tokens', type=float, default=3e6)
    ap.add_argument('--label-weight', type=float, default=1.0)
    ap.add_argument('--bursty', type=int, default=0)
    ap.add_argument('--bursty-frac', type=float, default=1.0, help='fraction of training (from the start) that is bursty')
    ap.add_argument('--labellings', type=int, default=0, help='0: fresh labelling per document')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--eval-every', type=float, default=5e5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    world = make_world(a.C, a.L, a.V, a.k, a.sparsity, rng)
    labs = ood_labs = None
    if a.labellings:
        codes = rng.permutation(a.L ** a.C)
        digits = lambda code: np.array([(code // a.L ** c) % a.L for c in range(a.C)])
        labs = np.array([digits(c) for c in codes[:a.labellings]])
        ood_labs = np.array([digits(c) for c in codes[a.labellings:a.labellings + 64]])
    model = GPT(world['vocab'], a.T, a.layers, a.d, a.heads, not a.no_mlp, a.positions)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01, betas=(0.9, 0.98))
    steps = int(a.tokens / (a.batch * a.T))
    warm = max(1, steps // 50)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1, s / steps))))
    V, L = world['V'], world['L']
    eval_rng = np.random.default_rng(1234)
    t0 = time.time()
    next_eval = a.eval_every
    log = []
    for step in range(steps):
        bursty = a.bursty if step < a.bursty_frac * steps else 0
        docs = torch.tensor(sample_docs(world, a.batch, a.T, rng, bursty, labs))
        x, y = docs[:, :-1], docs[:, 1:]
        logits = model(x)
        loss_all = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1), reduction='none')
        is_label = ((y >= V) & (y < V + L)).reshape(-1).float()
        w = 1 + (a.label_weight - 1) * is_label
        loss = (loss_all * w).sum() / w.sum()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        seen = (step + 1) * a.batch * a.T
        if seen >= next_eval or step == steps - 1:
            next_eval += a.eval_every
            label_loss = float((loss_all * is_label).sum() / is_label.sum())
            rows = evaluate(model, world, [0, 4, 16, 32], 400, eval_rng, labs)
            if ood_labs is not None and len(ood_labs):
                ood = evaluate(model, world, [16], 400, eval_rng, ood_labs)[0]
                rows.append(dict(ood, n='ood16'))
            rate = seen / (time.time() - t0)
            entry = dict(tokens=seen, loss=float(loss_all.mean()), label_loss=label_loss, rows=rows, tok_s=rate)
            log.append(entry)
            print(a.name, f'{seen/1e6:.2f}M loss {entry["loss"]:.3f} label {label_loss:.3f} {rate:.0f} tok/s',
                  ' '.join(f'n{r["n"]}:{r["acc"]:.2f}/maj{r["maj"]:.2f}/or{r["oracle"]:.2f}' for r in rows), flush=True)
    with open(f'/tmp/proto_{a.name}.json', 'w') as f:
        json.dump(dict(args=vars(a), log=log), f)


if __name__ == '__main__':
    main()
