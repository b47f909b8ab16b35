# clvref.py TX FEATURES PARAMS: recompute from the raw transactions,
# independently of crm-agg and crm-clv, the BG/NBD columns crm-features
# --clv-params should write (default rules: exp_purchases over 90 days):
# for every snapshot row, x, t_x and T from the consumable purchase days up
# to its as-of day, then P(alive) and the expected purchases by the closed
# forms of Fader, Hardie and Lee (2005) with scipy's hyp2f1.
import json
import sys
from datetime import date

from scipy.special import hyp2f1

EXCLUDED = {"device", "accessory"}
tx, feat, params = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.load(open(params))
assert doc["model"] == "bgnbd", doc["model"]
p = doc["params"]
r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
u = doc["time_unit_days"]

days = {}
lines = open(tx).read().split("\n")
ix = {c: i for i, c in enumerate(lines[0].split("\t"))}
for line in lines[1:]:
    if not line:
        continue
    f = line.split("\t")
    if f[ix["category"]] in EXCLUDED:
        continue
    key = (f[ix["brand"]] if "brand" in ix else "", f[ix["customer_id"]])
    days.setdefault(key, set()).add(date.fromisoformat(f[ix["date"]]))


def scores(past, asof, t):
    x = len(past) - 1
    tx = (past[-1] - past[0]).days / u
    T = (asof - past[0]).days / u
    ratio = ((alpha + T) / (alpha + tx)) ** (r + x)
    d = a / (b + x - 1) * ratio if x > 0 else 0.0
    alive = 1 / (1 + d)
    z = t / (alpha + T + t)
    e = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) *
                                     hyp2f1(r + x, b + x, a + b + x - 1, z)) / (1 + d)
    return alive, e


fl = open(feat).read().split("\n")
fi = {c: i for i, c in enumerate(fl[0].split("\t"))}
bad = n = 0
for line in fl[1:]:
    if not line:
        continue
    f = line.split("\t")
    key = (f[fi["brand"]] if "brand" in fi else "", f[fi["customer_id"]])
    asof = date.fromisoformat(f[fi["as_of"]])
    past = sorted(d for d in days.get(key, ()) if d <= asof)
    if not past:
        if f[fi["p_alive"]] or f[fi["exp_purchases"]]:
            print("no purchase yet, values given:", line)
            bad += 1
        continue
    alive, e = scores(past, asof, 90 / u)
    got_a, got_e = float(f[fi["p_alive"]]), float(f[fi["exp_purchases"]])
    n += 1
    if abs(got_a - alive) > 1.5e-4 or abs(got_e - e) > 1.5e-4 + 1e-6 * e:
        bad += 1
        if bad <= 5:
            print("%s %s: p_alive %s want %.6f, exp_purchases %s want %.6f" %
                  (key, asof, f[fi["p_alive"]], alive, f[fi["exp_purchases"]], e))
if bad or n == 0:
    print("%d of %d rows differ" % (bad, n))
    sys.exit(1)
