# Exact analysis of the theorem's estimator (research log: theorem-kernel-table3.md, "Why the estimator needs
# thousands of demonstrations"). No sampling of Sigma: every input x in O^k is enumerated.
# Usage: python3 sigma_count.py [D=80 M=100 k=2 aT=0.2 aB=0.2 P=200 seed=0]
# Part 1 (tiny world, brute force): with Sigma_count = sum over all x of vec(T_x) vec(T_x)^T, the expectation
#   of one demonstration's term e(y) K(x, x_test) under task theta* is exactly P(x_test, y | theta*); with the
#   pre-training second moment it is not (the theorem's eps_theta bias).
# Part 2 (paper-table3-sized world): the exact mean and variance of one demonstration's vote for the Bayes
#   argmax a over the runner-up b, hence the number of demonstrations n* at which the normal approximation
#   gives that vote the right sign with probability 0.95: n* = 1.645^2 Var / mean^2.
import numpy as np, sys, itertools
args = dict(seed=0, aT=0.2, aB=0.2, k=2, P=200, D=80, M=100, tasks=8)
for a in sys.argv[1:]:
    k_, v = a.split('='); args[k_] = type(args[k_])(v)

def world(rng, D, M, aT, aB):
    return rng.dirichlet([aT] * D, size=D), rng.dirichlet([aB] * M, size=D)

def features(T, B, X):  # X: (N, k) token indices -> (N, D*D) rows vec(T_x), T_x = prod_j diag(B[:, o_j]) T
    A = B[:, X[:, 0]].T[:, :, None] * T[None]
    for j in range(1, X.shape[1]):
        A = A @ (B[:, X[:, j]].T[:, :, None] * T[None])
    return A.reshape(len(X), -1)

def quantile(v, p):  # order statistic (no interpolation, so infinite values stay infinite)
    return np.sort(v)[int(p * (len(v) - 1))]

def pinv_psd(S, rel=1e-10):
    w, U = np.linalg.eigh(S); keep = w > rel * w.max()
    return (U[:, keep] / w[keep]) @ U[:, keep].T, int(keep.sum())

# ---- Part 1: brute force on a tiny world -------------------------------------------------------------
rng = np.random.default_rng(args['seed'])
d, m, k, tasks = 4, 3, 2, 2
T, B = world(rng, d, m, 0.5, 0.5)
X = np.array(list(itertools.product(range(m), repeat=k)))
V = features(T, B, X)
S_count = V.T @ V
G = sum(np.kron(np.diag(B[:, o]) @ T, np.diag(B[:, o]) @ T) for o in range(m))  # sum_o M_o (x) M_o
Gk = np.linalg.matrix_power(G, k).reshape(d, d, d, d).transpose(0, 2, 1, 3).reshape(d * d, d * d)
print('part 1: Sigma_count by enumeration vs (sum_o M_o (x) M_o)^k realigned: max |diff| = %.2e' % np.abs(S_count - Gk).max())
Pxy = np.stack([V @ np.kron(np.eye(d)[t], B.T).T for t in range(tasks)])  # (tasks, |X|, m): P(x, y | theta)
Ppre = Pxy.sum(2).mean(0)
S_pre = (V * Ppre[:, None]).T @ V
for name, S in [('count', S_count), ('pre-training', S_pre)]:
    Sinv, rank = pinv_psd(S)
    Kmat = V @ Sinv @ V.T  # K(x, x_test) for every pair
    worst = 0.0
    for t in range(tasks):
        mean = np.einsum('xy,xq->qy', Pxy[t], Kmat)  # exact E[e(y) K(x, x_test)] under theta = t
        worst = max(worst, np.abs(mean - Pxy[t]).max() / Pxy[t].max())
    print('part 1: Sigma %-12s (rank %d): max |E[e(y) K(x, x_test)] - P(x_test, y | theta)| / max P = %.2e' % (name, rank, worst))

# ---- Part 2: the paper-table3-sized world --------------------------------------------------------------
rng = np.random.default_rng(args['seed'])
D, M, k, tasks = args['D'], args['M'], args['k'], args['tasks']
T, B = world(rng, D, M, args['aT'], args['aB'])
X = np.array(list(itertools.product(range(M), repeat=k)))
V = features(T, B, X)
Pjoint = np.stack([(V.reshape(len(X), D, D)[:, t, :] @ B) for t in range(tasks)])  # (tasks, |X|, M)
Ppre = Pjoint.sum(2).mean(0)
print('part 2: D=%d M=%d k=%d aT=%g aB=%g: %d inputs, feature dimension %d' % (D, M, k, args['aT'], args['aB'], len(X), D * D))
thp = rng.integers(tasks, size=args['P'])
q = np.array([rng.choice(len(X), p=Pjoint[t].sum(1) / Pjoint[t].sum()) for t in thp])  # x_test ~ theta*
for name, S in [('count', V.T @ V), ('pre-training', (V * Ppre[:, None]).T @ V)]:
    w, U = np.linalg.eigh(S)
    for ridge in [0, 1e-3, 1e-1, 10, 'vote']:  # lambda = ridge * trace(Sigma) / D^2 as in the toolkit; 0: pseudo-inverse
        if ridge == 'vote':  # K = 1: the plain label vote, for comparison
            if name != 'count': continue
            Kq = np.ones((len(X), len(q)))
        else:
            lam = ridge * w.sum() / (D * D)
            keep = w > 1e-10 * w.max() if ridge == 0 else w > -np.inf
            Kq = (V @ (U[:, keep] / (w[keep] + lam))) @ (U[:, keep].T @ V[q].T)  # (|X|, P): K(x, x_test)
        nstar, signs = [], 0
        for j, t in enumerate(thp):
            cond = Pjoint[t, q[j]] / Pjoint[t, q[j]].sum()  # P(y | x_test, theta*): the Bayes answer once theta* is known
            a, b = np.argsort(cond)[::-1][:2]
            Pa, Pb = Pjoint[t][:, a], Pjoint[t][:, b]
            kj = Kq[:, j]
            mean = kj @ (Pa - Pb)
            var = (kj ** 2) @ (Pa + Pb) - mean ** 2
            signs += mean > 0
            nstar.append(1.645 ** 2 * var / mean ** 2 if mean > 0 else np.inf)
        nstar = np.array(nstar)
        print('part 2: Sigma %-12s ridge %-5s: vote favours the Bayes argmax in expectation for %.2f of queries; '
              'n* median %.3g, quartiles %.3g / %.3g; n* <= 8 for %.2f, <= 32 for %.2f' % (
                  name, ridge, signs / len(thp), np.median(nstar), quantile(nstar, 0.25), quantile(nstar, 0.75),
                  (nstar <= 8).mean(), (nstar <= 32).mean()))
