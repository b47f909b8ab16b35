"""clv-scipy.py ROWS OUT: what lifetimes does inside, in scipy, on the
summary crm-clv writes (ROWS: its customer rows; x, t_x, T in weeks and the
mean repeat spend): BG/NBD fitted on the distinct (x, t_x, T) with weights
(the negative mean log-likelihood over the log-parameters, scipy's BFGS with
numerical gradients, as lifetimes' BetaGeoFitter), Gamma-Gamma likewise,
then per customer P(alive), the expected purchases over 12 months and the
CLV discounted at 1% a month (lifetimes' customer_lifetime_value). Writes
the scores to OUT and the parameters on stdout."""
import sys

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

rows, out = sys.argv[1], sys.argv[2]
d = pd.read_csv(rows, sep="\t", usecols=["customer_id", "x", "t_x", "T", "monetary"],
                dtype={"customer_id": str})
u = d.groupby(["x", "t_x", "T"]).size().reset_index(name="w")
x, tx, T, w = (u[c].to_numpy(float) for c in ("x", "t_x", "T", "w"))


def nll_bg(lp):
    r, al, a, b = np.exp(lp)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(al + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + tx), -np.inf)
    return -np.sum(w * (a1 + np.logaddexp(a3, a4))) / np.sum(w)


bg = np.exp(minimize(nll_bg, np.zeros(4), method="BFGS", options={"gtol": 1e-8}).x)
g = d[(d.x > 0) & (d.monetary > 0)].groupby(["x", "monetary"]).size().reset_index(name="w")
gx, gm, gw = (g[c].to_numpy(float) for c in ("x", "monetary", "w"))


def nll_gg(lp):
    p, q, v = np.exp(lp)
    px = p * gx
    return -np.sum(gw * (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(gm)
                         + px * np.log(gx) - (px + q) * np.log(gx * gm + v))) / np.sum(gw)


gg = np.exp(minimize(nll_gg, np.zeros(3), method="BFGS", options={"gtol": 1e-8}).x)
r, al, a, b = bg
X, TX, TT = (d[c].to_numpy(float) for c in ("x", "t_x", "T"))
with np.errstate(divide="ignore", over="ignore"):
    pa = np.where(X > 0, 1 / (1 + a / (b + X - 1) * ((al + TT) / (al + TX)) ** (r + X)), 1.0)


def expected(t):
    """BG/NBD eq. 10, as lifetimes writes it."""
    z = t / (al + TT + t)
    h = hyp2f1(r + X, b + X, a + b + X - 1, z)
    return (a + b + X - 1) / (a - 1) * (1 - ((al + TT) / (al + TT + t)) ** (r + X) * h) * pa


p, q, v = gg
m = d.monetary.to_numpy(float)
spend = np.where((X > 0) & (m > 0), p * (v + X * m) / (p * X + q - 1), p * v / (q - 1))
month = 365.2425 / 12 / 7
clv, prev = np.zeros(len(d)), np.zeros(len(d))
for i in range(1, 13):
    e = expected(i * month)
    clv += (e - prev) * spend / 1.01 ** i
    prev = e
pd.DataFrame({"customer_id": d.customer_id, "p_alive": pa, "exp_purchases": prev, "clv": clv}).to_csv(
    out, sep="\t", index=False, float_format="%.6f")
print("bgnbd r=%.6g alpha=%.6g a=%.6g b=%.6g; gamma-gamma p=%.6g q=%.6g v=%.6g" % (*bg, *gg))
