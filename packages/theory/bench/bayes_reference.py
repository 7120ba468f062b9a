"""Reference timings for the exact Bayesian predictive benchmark (run by bayes.bench.ts, not by users).

The same computation as bayesPredictive in restart mode, batched with numpy in float64:
every demonstration segment x_i y_i of every prompt is one row of a [segments, d] forward matrix
advanced one token at a time, rescaled each step with the log of the scale factors kept; the
query likewise, then next = (alpha_x T) B; posterior and predictive mixed over tasks.

dense:  the forward step is alpha <- (alpha @ T) * B[:, o].T (a BLAS matmul per step), rows in
        chunks so that the working set stays in cache.
sparse: the forward vector is kept only on the states that emit the current token (padded to the
        largest such set): alpha_b = alpha_a @ (T[S_a, S_b] * B[S_b, b]), the blocks precomputed
        for every token pair (m x m x width x width); the structure the TypeScript implementation
        exploits (which instead gathers T[S_a, S_b] on the fly).
shared: for worlds whose tasks share T and B: one dense backward pass per demonstration gives
        P(x_i y_i | task) for every task's start at once, as bayesPredictive does.
Tasks of prior 0 are skipped (their posterior is 0). Both assume the benchmark's fixed shapes (n demonstrations of k tokens, queries of k tokens).
Runs `warmup` untimed calls, then `runs` timed ones; the benchmark sets OPENBLAS_NUM_THREADS.
Prints one JSON object.
"""
import json
import os
import resource
import sys
import time

import numpy as np

# Rows per batch, so that each step's working set stays in cache (measured on a 2-core EPYC: 2048
# rows make the sparse gather 3x faster than all rows at once; the dense matmul is insensitive
# between 4096 and all rows).
CHUNK = int(os.environ.get("BENCH_CHUNK", 4096))


def load(args):
    tasks, d, m = args["tasks"], args["states"], args["tokens"]
    p, n, k = args["prompts"], args["demos"], args["k"]
    world = {
        "prior": np.fromfile(args["priorFile"], dtype=np.float64),
        "start": np.fromfile(args["startFile"], dtype=np.float64).reshape(tasks, d),
        "T": np.fromfile(args["transitionFile"], dtype=np.float64).reshape(tasks, d, d),
        "B": np.fromfile(args["emissionFile"], dtype=np.float64).reshape(tasks, d, m),
    }
    tokens = np.fromfile(args["tokensFile"], dtype=np.int32).reshape(p, n * (k + 1) + k)
    segments = tokens[:, : n * (k + 1)].reshape(p * n, k + 1)
    query = tokens[:, n * (k + 1) :]
    return world, segments, query


def forward_dense(start, T, BT, seqs):
    """Scaled forward over rows of equal length: normalised alpha [rows, d] and log P(row)
    (-inf, with alpha 0, for an impossible row)."""
    alpha = start[None, :] * BT[seqs[:, 0]]
    c = alpha.sum(1)
    logp = np.log(c)
    alpha /= np.where(c > 0, c, 1)[:, None]
    for t in range(1, seqs.shape[1]):
        alpha = (alpha @ T) * BT[seqs[:, t]]
        c = alpha.sum(1)
        logp += np.log(c)
        alpha /= np.where(c > 0, c, 1)[:, None]
    return alpha, logp


def predict_dense(world, segments, query, n):
    p = query.shape[0]
    tasks = world["start"].shape[0]
    m = world["B"].shape[2]
    joint = np.full((tasks, p), -np.inf)
    nexts = np.zeros((tasks, p, m))
    for t in np.flatnonzero(world["prior"] > 0):
        T, B, start = world["T"][t], world["B"][t], world["start"][t]
        BT = np.ascontiguousarray(B.T)
        demo = np.empty(segments.shape[0])
        for s in range(0, segments.shape[0], CHUNK):
            demo[s : s + CHUNK] = forward_dense(start, T, BT, segments[s : s + CHUNK])[1]
        alpha, logq = forward_dense(start, T, BT, query)
        nexts[t] = normalise((alpha @ T) @ B)
        joint[t] = np.log(world["prior"][t]) + demo.reshape(p, n).sum(1) + logq
    return mix(joint, nexts)


def backward_dense(T, BT, seqs):
    """Scaled backward over rows of equal length: beta_1 [rows, d] with P(row | start) =
    (start . beta_1) * exp(logscale), for every start at once."""
    beta = BT[seqs[:, -1]].copy()
    c = beta.sum(1)
    logscale = np.log(c)
    beta /= np.where(c > 0, c, 1)[:, None]
    for t in range(seqs.shape[1] - 2, -1, -1):
        beta = (beta @ T.T) * BT[seqs[:, t]]
        c = beta.sum(1)
        logscale += np.log(c)
        beta /= np.where(c > 0, c, 1)[:, None]
    return beta, logscale


def predict_shared(world, segments, query, n):
    """For worlds whose tasks share T and B (differing in start and prior): one backward pass per
    demonstration scores every task, then a forward pass per task on the query, as bayesPredictive does."""
    p = query.shape[0]
    tasks = world["start"].shape[0]
    m = world["B"].shape[2]
    T, B = world["T"][0], world["B"][0]
    assert all(np.array_equal(world["T"][t], T) and np.array_equal(world["B"][t], B) for t in range(tasks))
    BT = np.ascontiguousarray(B.T)
    active = np.flatnonzero(world["prior"] > 0)
    starts = world["start"][active]
    demo = np.empty((segments.shape[0], len(active)))
    for s in range(0, segments.shape[0], CHUNK):
        beta, logscale = backward_dense(T, BT, segments[s : s + CHUNK])
        demo[s : s + CHUNK] = np.log(beta @ starts.T) + logscale[:, None]
    demo = demo.reshape(p, n, len(active)).sum(1)
    joint = np.full((tasks, p), -np.inf)
    nexts = np.zeros((tasks, p, m))
    for i, t in enumerate(active):
        alpha, logq = forward_dense(world["start"][t], T, BT, query)
        nexts[t] = normalise((alpha @ T) @ B)
        joint[t] = np.log(world["prior"][t]) + demo[:, i] + logq
    return mix(joint, nexts)


def emitters(T, B):
    """Per token: the states emitting it (padded with state 0) and their emission probabilities
    (padded with 0); per token pair (a, b): the block T[S_a, S_b] * B[S_b, b], [m, m, width, width]."""
    d, m = B.shape
    lists = [np.nonzero(B[:, o] > 0)[0] for o in range(m)]
    width = max(1, max(len(s) for s in lists))
    S = np.zeros((m, width), dtype=np.int64)
    P = np.zeros((m, width))
    for o, s in enumerate(lists):
        S[o, : len(s)] = s
        P[o, : len(s)] = B[s, o]
    blocks = T[S[:, None, :, None], S[None, :, None, :]] * P[None, :, None, :]
    return S, P, blocks.reshape(m * m, width, width)


def forward_sparse(start, S, P, blocks, seqs):
    """The scaled forward with alpha kept on the emitters of the current token: [rows, width]."""
    m = S.shape[0]
    alpha = start[S[seqs[:, 0]]] * P[seqs[:, 0]]
    c = alpha.sum(1)
    logp = np.log(c)
    alpha /= np.where(c > 0, c, 1)[:, None]
    for t in range(1, seqs.shape[1]):
        alpha = np.matmul(alpha[:, None, :], blocks[seqs[:, t - 1] * m + seqs[:, t]])[:, 0]
        c = alpha.sum(1)
        logp += np.log(c)
        alpha /= np.where(c > 0, c, 1)[:, None]
    return alpha, logp


def predict_sparse(world, segments, query, n):
    p = query.shape[0]
    tasks = world["start"].shape[0]
    m = world["B"].shape[2]
    joint = np.full((tasks, p), -np.inf)
    nexts = np.zeros((tasks, p, m))
    for t in np.flatnonzero(world["prior"] > 0):
        T, B, start = world["T"][t], world["B"][t], world["start"][t]
        S, P, blocks = emitters(T, B)
        demo = np.empty(segments.shape[0])
        for s in range(0, segments.shape[0], CHUNK):
            demo[s : s + CHUNK] = forward_sparse(start, S, P, blocks, segments[s : s + CHUNK])[1]
        alpha, logq = forward_sparse(start, S, P, blocks, query)
        u = np.matmul(alpha[:, None, :], T[S[query[:, -1]]])[:, 0]
        nexts[t] = normalise(u @ B)
        joint[t] = np.log(world["prior"][t]) + demo.reshape(p, n).sum(1) + logq
    return mix(joint, nexts)


def normalise(nxt):
    z = nxt.sum(1, keepdims=True)
    return nxt / np.where(z > 0, z, 1)


def mix(joint, nexts):
    top = joint.max(0)
    w = np.exp(joint - top)
    w /= w.sum(0)
    return w.T, np.einsum("tp,tpm->pm", w, nexts)


def main():
    np.seterr(divide="ignore")
    args = json.loads(sys.argv[1])
    world, segments, query = load(args)
    fn = {"dense": predict_dense, "sparse": predict_sparse, "shared": predict_shared}[args["mode"]]
    for _ in range(args.get("warmup", 0)):
        fn(world, segments, query, args["demos"])
    times = []
    for _ in range(args["runs"]):
        t = time.perf_counter()
        posterior, predictive = fn(world, segments, query, args["demos"])
        times.append(time.perf_counter() - t)
    predictive.astype(np.float64).tofile(args["outFile"])
    print(
        json.dumps(
            {
                "seconds": times,
                "numpyVersion": np.__version__,
                "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
