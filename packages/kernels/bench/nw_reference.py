"""Reference timings for the Nadaraya-Watson benchmark (run by nw.bench.ts, not by users).

numpy: the same computation as the TypeScript estimator (float32, query batches under the same
memory budget, squared distances by one matmul, log-sum-exp). With --serve it loads the data,
runs once to warm up, then answers each stdin line with one JSON line: `time` runs the estimator
once and gives its wall and CPU seconds (all threads), `phases` gives the seconds of its phases (distance matmul; shift and
exp; weighted sum and normalisation) and numpy's float32 matmul peak (1024^3), `write` writes the
prediction to outFile. The thread count is OPENBLAS_NUM_THREADS, set by the caller.
statsmodels (one-shot, argv JSON with mode statsmodels): KernelReg(reg_type='lc',
ckertype='gaussian') on a prefix of the data it can finish; prints one JSON object.
"""
import json
import resource
import sys
import time

import numpy as np


def load(path, rows, cols):
    return np.fromfile(path, dtype=np.float32).reshape(rows, cols)


def nw_numpy(keys, y, queries, h, max_bytes, phases=None):
    mu = keys.mean(0, keepdims=True)
    k = keys - mu
    kn = (k * k).sum(1)
    batch = max(1, max_bytes // (keys.shape[0] * 16))
    out = np.empty(queries.shape[0], dtype=np.float32)
    for s in range(0, queries.shape[0], batch):
        t0 = time.perf_counter()
        q = queries[s : s + batch] - mu
        dots = q @ k.T
        t1 = time.perf_counter()
        logk = (dots - 0.5 * (q * q).sum(1, keepdims=True) - 0.5 * kn) / np.float32(h * h)
        w = np.exp(logk - logk.max(1, keepdims=True))
        t2 = time.perf_counter()
        out[s : s + batch] = (w @ y) / w.sum(1)
        if phases is not None:
            t3 = time.perf_counter()
            phases["distance"] += t1 - t0
            phases["exp"] += t2 - t1
            phases["weightedSum"] += t3 - t2
    return out


def matmul_peak():
    a = np.random.default_rng(0).standard_normal((1024, 1024), dtype=np.float32)
    a @ a
    best = min(timed(lambda: a @ a) for _ in range(5))
    return 2 * 1024**3 / best / 1e9


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def serve(args):
    n, q, d, h = args["keys"], args["queries"], args["features"], args["bandwidth"]
    keys = load(args["keysFile"], n, d)
    queries = load(args["queriesFile"], q, d)
    y = np.fromfile(args["yFile"], dtype=np.float32)
    run = lambda phases=None: nw_numpy(keys, y, queries, h, args["maxMemoryBytes"], phases)
    run()
    info = {"numpyVersion": np.__version__}
    for line in sys.stdin:
        command = line.strip()
        if command == "time":
            cpu = time.process_time()
            answer = {"seconds": timed(run)}
            answer["cpuSeconds"] = time.process_time() - cpu
        elif command == "phases":
            phases = {"distance": 0.0, "exp": 0.0, "weightedSum": 0.0}
            run(phases)
            answer = {"phases": phases, "matmulPeakGflops": matmul_peak()}
        elif command == "write":
            run().astype(np.float32).tofile(args["outFile"])
            answer = {}
        else:
            raise ValueError(f"unknown command {command!r}")
        answer.update(info, peakRssBytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
        print(json.dumps(answer), flush=True)


def statsmodels_prefix(args):
    from statsmodels.nonparametric.kernel_regression import KernelReg
    import statsmodels

    n, q, d, h = args["keys"], args["queries"], args["features"], args["bandwidth"]
    keys = load(args["keysFile"], n, d)
    queries = load(args["queriesFile"], q, d)
    y = np.fromfile(args["yFile"], dtype=np.float32)
    sn, sq = args["statsKeys"], args["statsQueries"]
    t = time.perf_counter()
    model = KernelReg(endog=y[:sn].astype(np.float64), exog=keys[:sn].astype(np.float64), var_type="c" * d, reg_type="lc", ckertype="gaussian", bw=[float(h)] * d)
    mean, _ = model.fit(queries[:sq].astype(np.float64))
    seconds = time.perf_counter() - t
    mean.astype(np.float32).tofile(args["outFile"])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": [seconds], "statsmodelsVersion": statsmodels.__version__, "peakRssBytes": peak}))


if sys.argv[1] == "--serve":
    serve(json.loads(sys.argv[2]))
else:
    statsmodels_prefix(json.loads(sys.argv[1]))
