# Prototype of the paper's Table 3 experiment in numpy (research log: theorem-kernel-table3.md).
# Usage: python3 table3_prototype.py k=2 aT=0.1 aB=0.1 ns=4000 w=pre|count ridge=1e-3 P=200 seed=0 block=0|1
# Prints, per n, the theorem kernel's accuracy against the Bayes argmax, then the same for belief-vector kernels.
import numpy as np, sys, time, json
args = dict(seed=0, aT=0.1, aB=0.1, k=2, ns=4000, w='pre', ridge=1e-3, P=300, D=80, M=100, tasks=8, label='sample', block=0)
for a in sys.argv[1:]:
    k_, v = a.split('='); args[k_] = type(args[k_])(v)
rng = np.random.default_rng(args['seed']); D, M, TASKS, K = args['D'], args['M'], args['tasks'], args['k']
T = rng.dirichlet([args['aT']]*D, size=D); B = rng.dirichlet([args['aB']]*M, size=D)
starts = np.arange(TASKS)
if args['block']:  # each task its own D/tasks states (block-diagonal T), entered at the block's first state
    bs = D // TASKS; T = np.zeros((D, D))
    for t_ in range(TASKS):
        T[t_*bs:(t_+1)*bs, t_*bs:(t_+1)*bs] = rng.dirichlet([args['aT']]*bs, size=bs)
    starts = np.arange(TASKS) * bs
cT = T.cumsum(1); cB = B.cumsum(1)
def draw(c, rows):  # rows: state indices (N,), returns sampled index per row
    u = rng.random(len(rows))
    return np.minimum((c[rows] < u[:, None]).sum(1), c.shape[1]-1)
def sample_x(s0, k):
    s = s0.copy(); X = np.zeros((len(s0), k), int)
    for j in range(k):
        X[:, j] = draw(cB, s); s = draw(cT, s)
    return X
def Tx(X):
    A = B[:, X[:, 0]].T[:, :, None] * T[None]
    for j in range(1, X.shape[1]):
        A = A @ (B[:, X[:, j]].T[:, :, None] * T[None])
    return A  # N,d,d
t = time.time()
th = rng.integers(TASKS, size=args['ns']); Xs = sample_x(starts[th], K)
V = Tx(Xs).reshape(len(Xs), -1)
if args['w'] == 'count':
    ppre = Tx(Xs).sum(2)[:, starts].mean(1)  # P_pre(x)
    V = V / np.sqrt(ppre)[:, None]
S = V.T @ V / len(V)
lam = args['ridge'] * np.trace(S) / (D*D)
L = np.linalg.cholesky(S + lam*np.eye(D*D))
print('sigma %.1fs lam %.3g' % (time.time()-t, lam), file=sys.stderr)
ns = [1,2,4,8,16,32,64,128]; NMAX = max(ns); P = args['P']
thp = rng.integers(TASKS, size=P)
Xd = sample_x(np.repeat(starts[thp], NMAX), K)           # P*NMAX demos
Td = Tx(Xd)                                              # P*NMAX,d,d
pn = (Td @ B)[np.arange(P*NMAX), np.repeat(starts[thp], NMAX)]  # next-token joint under true task
pn = pn / pn.sum(1, keepdims=True)
Yd = (pn.cumsum(1) < rng.random(P*NMAX)[:, None]).sum(1).clip(max=M-1)
Xq = sample_x(starts[thp], K); Tq = Tx(Xq)
import scipy.linalg as sl
Z = sl.cho_solve((L, True), Tq.reshape(P, -1).T).T       # P, d^2
Kv = np.einsum('pnj,pj->pn', Td.reshape(P, NMAX, -1), Z)  # P, NMAX
# Bayes
segl = np.log(np.einsum('nst,nt->ns', Td, B[:, Yd].T)[:, starts]).reshape(P, NMAX, TASKS)
lq = np.log(Tq.sum(2)[:, starts])                         # P,tasks
nd = (Tq @ B)[:, starts, :]; nd = nd / nd.sum(2, keepdims=True)  # P,tasks,M
out = {}
for n in ns:
    lp = segl[:, :n].sum(1) + lq; w = np.exp(lp - lp.max(1, keepdims=True)); w /= w.sum(1, keepdims=True)
    bayes = np.einsum('pt,ptm->pm', w, nd)
    est = np.zeros((P, M)); np.add.at(est, (np.repeat(np.arange(P), n), Yd.reshape(P, NMAX)[:, :n].ravel()), Kv[:, :n].ravel())
    est_n = est / n
    norm = est / np.where(np.abs(Kv[:, :n].sum(1, keepdims=True))>1e-300, Kv[:, :n].sum(1, keepdims=True), 1)
    acc = (est.argmax(1) == bayes.argmax(1)).mean()
    truth_acc = (est.argmax(1) == Yq if False else 0)
    out[n] = dict(acc=round(acc,3), l1norm=round(np.abs(norm-bayes).sum(1).mean(),3), l1unnorm=round(np.abs(est_n-bayes).sum(1).mean(),3), bayesPostTrue=round(w[np.arange(P), thp].mean(),3), bayesTop=round(bayes.max(1).mean(),3))
for n in ns: print(n, out[n])
ppre = np.zeros(D); ppre[starts] = 1/TASKS
def belief(Tm):  # N,d,d -> N,d  next-state distribution given x under p_pre
    b = np.einsum('s,nst->nt', ppre, Tm); return b / b.sum(1, keepdims=True)
bd = belief(Td).reshape(P, NMAX, D); bq = belief(Tq)
for kname in ['cos', 'att0.05', 'att0.01']:
    if kname == 'cos':
        kv = np.einsum('pnd,pd->pn', bd, bq) / (np.linalg.norm(bd, axis=2) * np.linalg.norm(bq, axis=1)[:, None])
        logk = np.log(np.maximum(kv, 1e-300))
    else:
        tau = float(kname[3:]); logk = np.einsum('pnd,pd->pn', bd, bq) / tau
    row = []
    for n in ns:
        lp = segl[:, :n].sum(1) + lq; w = np.exp(lp - lp.max(1, keepdims=True)); w /= w.sum(1, keepdims=True)
        bayes = np.einsum('pt,ptm->pm', w, nd)
        lk = logk[:, :n]; wk = np.exp(lk - lk.max(1, keepdims=True))
        est = np.zeros((P, M)); np.add.at(est, (np.repeat(np.arange(P), n), Yd.reshape(P, NMAX)[:, :n].ravel()), wk.ravel())
        est /= est.sum(1, keepdims=True)
        row.append('%d:%.2f/%.2f' % (n, (est.argmax(1) == bayes.argmax(1)).mean(), 0.5*np.abs(est-bayes).sum(1).mean()))
    print(kname, ' '.join(row))

