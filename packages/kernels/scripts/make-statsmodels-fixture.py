"""Writes test/fixtures/statsmodels-kernelreg.json: Nadaraya-Watson (local-constant) predictions by
statsmodels' KernelReg with a Gaussian product kernel and fixed bandwidth, an implementation
independent of ours. Run with Debian's python3 (apt-get install python3-statsmodels):
    /usr/bin/python3 packages/kernels/scripts/make-statsmodels-fixture.py
"""
import json
import pathlib

import numpy as np
from statsmodels.nonparametric.kernel_regression import KernelReg

rng = np.random.default_rng(20240526)
cases = []
for n_train, n_test, d, h in [(200, 50, 3, 0.7), (150, 40, 5, 1.3), (300, 30, 2, 0.25)]:
    x = rng.normal(size=(n_train, d))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1] ** 2 + 0.1 * rng.normal(size=n_train)
    xq = rng.normal(size=(n_test, d))
    # float32-representable inputs, so both implementations see identical data.
    x, y, xq = (a.astype(np.float32).astype(np.float64) for a in (x, y, xq))
    model = KernelReg(endog=y, exog=x, var_type="c" * d, reg_type="lc", ckertype="gaussian", bw=[h] * d)
    mean, _ = model.fit(xq)
    cases.append({"bandwidth": h, "train": x.tolist(), "y": y.tolist(), "test": xq.tolist(), "expected": mean.tolist()})

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "statsmodels-kernelreg.json"
out.write_text(json.dumps({"source": "statsmodels KernelReg(reg_type='lc', ckertype='gaussian', bw=[h]*d)", "cases": cases}))
print("wrote", out)
