#!/usr/bin/env python3
"""brute.py N [SEED]: N random small instances of crm-target, each checked
against an independent computation: the expected profits in exact rational
arithmetic (fractions), the optimum by enumerating every assignment, the LP
relaxation by scipy's linprog (HiGHS). Checks, per instance:
  --exact's profit = the brute-force optimum (and its plan is within budget);
  LP bound >= optimum >= greedy, and optimum - greedy <= the reported gap;
  the LP bound = linprog's optimum (to a cent);
  no customer with p = 0 and no offer without a positive profit is taken.
Prints one line per failure and exits 1 when there is any."""
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
from fractions import Fraction as F

from scipy.optimize import linprog


def cents(x):
    """x (a Fraction of currency units) rounded half away from zero to cents."""
    c = x * 100
    n = abs(c.numerator) * 2 + c.denominator
    q = n // (2 * c.denominator)
    return (q if c >= 0 else -q)


def money(v):
    return F(round(v * 100), 100)


def instance(rng):
    ncamp = rng.randint(1, 3)
    camps = []
    for k in range(ncamp):
        camps.append(dict(name="c%d" % k, cost=money(rng.uniform(0, 5)), incentive=money(rng.choice([0, rng.uniform(0, 20)])),
                          accept=F(rng.randint(0, 100), 100), stayer=F(rng.randint(0, 30), 100)))
    n = rng.randint(1, 6)
    custs = []
    for i in range(n):
        pa = F(rng.choice([0, 1000, rng.randint(0, 1000)]), 1000)
        custs.append(dict(id="u%02d" % i, p=1 - pa, p_alive=pa, clv=money(rng.uniform(-10, 200))))
    budget = None if rng.random() < 0.15 else money(rng.choice([0, rng.uniform(0, 30)]))
    return camps, custs, budget


def value(c, u):
    p, g, s, d, f = u["p"], c["accept"], c["stayer"], c["incentive"], c["cost"]
    profit = p * g * (u["clv"] - d) - (1 - p) * s * d - f
    spend = f + d * (p * g + (1 - p) * s)
    return profit, spend


def fmt(x, dec):
    return ("%%.%df" % dec) % x


def main():
    count = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    rng = random.Random(seed)
    bad = 0
    tmp = tempfile.mkdtemp()
    for it in range(count):
        camps, custs, budget = instance(rng)
        rules = os.path.join(tmp, "r.rules")
        with open(rules, "w") as f:
            f.write("target.campaigns = %s\n" % ",".join(c["name"] for c in camps))
            f.write("target.baseline_campaign = c0\n")
            f.write("target.budget = %s\n" % ("none" if budget is None else fmt(float(budget), 2)))
            for c in camps:
                f.write("campaign.%s.cost = %s\n" % (c["name"], fmt(float(c["cost"]), 2)))
                f.write("campaign.%s.incentive = %s\n" % (c["name"], fmt(float(c["incentive"]), 2)))
                f.write("campaign.%s.accept_rate = %s\n" % (c["name"], fmt(float(c["accept"]), 2)))
                f.write("campaign.%s.stayer_accept_rate = %s\n" % (c["name"], fmt(float(c["stayer"]), 2)))
                f.write("campaign.%s.eligible = all\n" % c["name"])
        clv = os.path.join(tmp, "clv.tsv")
        with open(clv, "w") as f:
            f.write("customer_id\tp_alive\tclv\n")
            for u in custs:
                f.write("%s\t%s\t%s\n" % (u["id"], fmt(float(u["p_alive"]), 3), fmt(float(u["clv"]), 2)))
        docs = {}
        for mode in ("greedy", "exact"):
            args = ["crm-target", "--rules", rules, "--json", os.path.join(tmp, "s.json"), "-o", os.path.join(tmp, mode + ".tsv"), clv]
            if mode == "exact":
                args.insert(1, "--exact")
            r = subprocess.run(args, capture_output=True, text=True)
            if r.returncode != 0:
                print("instance %d: %s: exit %d: %s" % (it, mode, r.returncode, r.stderr.strip()))
                bad += 1
                continue
            with open(os.path.join(tmp, "s.json")) as f:
                docs[mode] = json.load(f)["brands"][0]
            with open(os.path.join(tmp, mode + ".tsv")) as f:
                docs[mode + "_rows"] = [line.rstrip("\n").split("\t") for line in f][1:]
        if len(docs) < 4:
            continue
        # Brute force: every assignment of at most one campaign a customer.
        vals = [[value(c, u) for c in camps] for u in custs]
        best = F(0)
        for choice in itertools.product(range(len(camps) + 1), repeat=len(custs)):
            spend = sum((vals[i][k - 1][1] for i, k in enumerate(choice) if k), F(0))
            if budget is not None and spend > budget:
                continue
            prof = sum((vals[i][k - 1][0] for i, k in enumerate(choice) if k), F(0))
            best = max(best, prof)
        opt = cents(best)
        g, x = docs["greedy"], docs["exact"]
        tocents = lambda v: round(v * 100)
        def fail(msg):
            nonlocal bad
            bad += 1
            print("instance %d (%d customers, %d campaigns, budget %s): %s" % (it, len(custs), len(camps), budget, msg))
        if tocents(x["expected_profit"]) != opt:
            fail("exact %s != brute force %s" % (x["expected_profit"], opt / 100))
        if budget is not None and tocents(x["spend"]) > cents(budget):
            fail("exact spend %s over the budget" % x["spend"])
        lp, gp, gap = tocents(g["lp_bound"]), tocents(g["expected_profit"]), tocents(g["greedy"]["gap"])
        if not (lp >= opt >= gp):
            fail("not LP bound %s >= optimum %s >= greedy %s" % (lp, opt, gp))
        if opt - gp > gap + 1:
            fail("greedy %s is further than its gap %s from the optimum %s" % (gp, gap, opt))
        # The LP relaxation over the candidate offers (positive profits).
        cand = [(i, k) for i in range(len(custs)) for k in range(len(camps)) if vals[i][k][0] > 0]
        if cand:
            c = [-float(vals[i][k][0]) for i, k in cand]
            a, b = [], []
            for i in range(len(custs)):
                a.append([1.0 if j == i else 0.0 for j, _ in cand])
                b.append(1.0)
            if budget is not None:
                a.append([float(vals[i][k][1]) for i, k in cand])
                b.append(float(budget))
            res = linprog(c, A_ub=a, b_ub=b, bounds=[(0, 1)] * len(cand), method="highs")
            lpv = -res.fun
        else:
            lpv = 0.0
        if abs(lpv - g["lp_bound"]) > 0.011:
            fail("LP bound %s != linprog %.4f" % (g["lp_bound"], lpv))
        for mode in ("greedy_rows", "exact_rows"):
            for row in docs[mode]:
                i = int(row[0][1:])
                k = int(row[1][1:])
                if custs[i]["p"] == 0 or vals[i][k][0] <= 0:
                    fail("%s: %s takes %s (p %s, profit %s)" % (mode, row[0], row[1], custs[i]["p"], float(vals[i][k][0])))
    if bad:
        sys.exit(1)
    print("%d instances: exact = brute force, LP bound = linprog, bound >= optimum >= greedy within its gap" % count)


main()
