"""Reference timings for the Nadaraya-Watson benchmark (run by nw.bench.ts, not by users).

numpy: the same computation as the TypeScript estimator (float32, query batches under the same
memory budget, squared distances by one matmul, log-sum-exp), median of `runs` runs.
statsmodels: KernelReg(reg_type='lc', ckertype='gaussian') on a prefix of the data it can finish.
Prints one JSON object.
"""
import json
import resource
import sys
import time

import numpy as np


def load(path, rows, cols):
    return np.fromfile(path, dtype=np.float32).reshape(rows, cols)


def nw_numpy(keys, y, queries, h, max_bytes):
    mu = keys.mean(0, keepdims=True)
    k = keys - mu
    kn = (k * k).sum(1)
    batch = max(1, max_bytes // (keys.shape[0] * 16))
    out = np.empty(queries.shape[0], dtype=np.float32)
    for s in range(0, queries.shape[0], batch):
        q = queries[s : s + batch] - mu
        logk = (q @ k.T - 0.5 * (q * q).sum(1, keepdims=True) - 0.5 * kn) / np.float32(h * h)
        w = np.exp(logk - logk.max(1, keepdims=True))
        out[s : s + batch] = (w @ y) / w.sum(1)
    return out


def main():
    args = json.loads(sys.argv[1])
    n, q, d, h = args["keys"], args["queries"], args["features"], args["bandwidth"]
    keys = load(args["keysFile"], n, d)
    queries = load(args["queriesFile"], q, d)
    y = np.fromfile(args["yFile"], dtype=np.float32)
    result = {"numpyVersion": np.__version__}
    if args["mode"] == "numpy":
        times = []
        for _ in range(args["runs"]):
            t = time.perf_counter()
            pred = nw_numpy(keys, y, queries, h, args["maxMemoryBytes"])
            times.append(time.perf_counter() - t)
        pred.astype(np.float32).tofile(args["outFile"])
        result["seconds"] = times
    else:
        from statsmodels.nonparametric.kernel_regression import KernelReg
        import statsmodels

        sn, sq = args["statsKeys"], args["statsQueries"]
        t = time.perf_counter()
        model = KernelReg(endog=y[:sn].astype(np.float64), exog=keys[:sn].astype(np.float64), var_type="c" * d, reg_type="lc", ckertype="gaussian", bw=[float(h)] * d)
        mean, _ = model.fit(queries[:sq].astype(np.float64))
        result["seconds"] = [time.perf_counter() - t]
        result["statsmodelsVersion"] = statsmodels.__version__
        mean.astype(np.float32).tofile(args["outFile"])
    result["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))


main()
