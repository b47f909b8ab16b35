"""ref.py COUNTS PARAMS.json DAYS_PER_UNIT: the log-likelihoods of the
transaction model and of Gamma-Gamma on a table of crm-clv --counts, and
their gradients by central differences, computed with scipy from the
published formulas, independently of common/btyd.c. Prints what
crm-clv --loglik prints (name, value)."""
import json
import sys

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp

counts, params, unit = sys.argv[1], sys.argv[2], float(sys.argv[3])
tx, gg = [], []
with open(counts) as f:
    head = f.readline().rstrip("\n").split("\t")
    for line in f:
        row = dict(zip(head, line.rstrip("\n").split("\t")))
        if row["kind"] == "tx":
            tx.append((float(row["x"]), float(row["t_x"]) / unit, float(row["T"]) / unit, float(row["n"])))
        else:
            gg.append((float(row["x"]), float(row["m"]), float(row["n"])))
x, t_x, T, n = (np.array(c) for c in zip(*tx))
doc = json.load(open(params))
model = doc["model"]
names = {"pareto": ["r", "alpha", "s", "beta"]}.get(model, ["r", "alpha", "a", "b"])
par = np.array([doc["params"][k] for k in names], dtype=float)


def ll_bg(p):
    """BG/NBD, Fader, Hardie & Lee (2005), eq. 6, with Beta functions."""
    r, al, a, b = p
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x) - betaln(a, b)
    a3 = -(r + x) * np.log(al + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(al + t_x), -np.inf)
    return float(np.sum(n * (a1 + np.logaddexp(a3, a4))))


def ll_mbg(p):
    """MBG/NBD, Batislam et al. (2007)."""
    r, al, a, b = p
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(al) + betaln(a, b + x + 1) - betaln(a, b)
    a3 = -(r + x) * np.log(al + T)
    a4 = np.log(a) - np.log(b + x) - (r + x) * np.log(al + t_x)
    return float(np.sum(n * (a1 + np.logaddexp(a3, a4))))


def ll_pareto(p):
    """Pareto/NBD, Fader & Hardie note 008, eq. 2, with scipy's 2F1."""
    r, al, s, be = p
    if al >= be:
        hi, lo, c = al, be, s + 1
    else:
        hi, lo, c = be, al, r + x
    rsx = r + s + x
    f1 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + t_x)) / (hi + t_x) ** rsx
    f2 = hyp2f1(rsx, c, rsx + 1, (hi - lo) / (hi + T)) / (hi + T) ** rsx
    a0 = f1 - f2
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(al) + s * np.log(be)
    with np.errstate(divide="ignore"):
        terms = [-(r + x) * np.log(al + T) - s * np.log(be + T), np.log(s / rsx) + np.log(a0)]
    return float(np.sum(n * (a1 + logsumexp(terms, axis=0))))


def ll_gg(p):
    """Gamma-Gamma, Fader, Hardie & Lee (2005), note 025."""
    pp, q, v = p
    gx, gm, gn = (np.array(c) for c in zip(*gg))
    px = pp * gx
    return float(np.sum(gn * (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v)
                              + (px - 1) * np.log(gm) + px * np.log(gx) - (px + q) * np.log(gx * gm + v))))


def grad(f, p):
    g = []
    for i in range(len(p)):
        h = 1e-6 * p[i]
        up, dn = p.copy(), p.copy()
        up[i] += h
        dn[i] -= h
        g.append((f(up) - f(dn)) / (2 * h))
    return g


f = {"bgnbd": ll_bg, "mbgnbd": ll_mbg, "pareto": ll_pareto}[model]
print("name\tvalue")
print("loglik\t%.10g" % f(par))
for k, d in zip(names, grad(f, par)):
    print("d_%s\t%.10g" % (k, d))
if doc.get("gamma_gamma") and gg:
    gp = np.array([doc["gamma_gamma"]["params"][k] for k in ("p", "q", "v")], dtype=float)
    print("gg_loglik\t%.10g" % ll_gg(gp))
    for k, d in zip("pqv", grad(ll_gg, gp)):
        print("d_%s\t%.10g" % (k, d))
