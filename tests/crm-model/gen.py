#!/usr/bin/env python3
"""gen.py KIND CUSTOMERS MONTHS SEED RULES_ID: feature rows in crm-features'
layout (brand customer_id as_of <features> label_churn label_revenue
rules_id), sorted by brand, customer_id, as_of, on stdout.

KIND is
  two    label_churn = 1 exactly when a * b > 0: a function of two features
         that no single feature and no linear model can rank;
  noise  label_churn drawn independently of every feature (p = 0.3);
  churn  a churn process: recency, order counts and their trend drive the
         log-odds; label_revenue follows the spend of the last months.
The last snapshot month is unlabelled (its future is not in the data).
Every KIND carries the baselines churn_risk, recency_days and p_alive, a
churn_reason text column, and features with missing values."""
import math
import random
import sys

kind, ncust, nmonth, seed, rid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = random.Random(seed)
MONTH_END = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def as_of(m):
    y, mm = 2023 + m // 12, m % 12
    d = MONTH_END[mm] if mm != 1 or y % 4 == 0 else 28
    return "%04d-%02d-%02d" % (y, mm + 1, d)


def fmt(v):
    return "" if v is None else ("%.4f" % v).rstrip("0").rstrip(".")


cols = ["brand", "customer_id", "as_of", "a", "b", "orders_3m", "orders_12m", "spend_3m",
        "trend_orders", "tenure_months", "gap_last", "churn_risk", "recency_days", "p_alive",
        "churn_reason", "label_churn", "label_revenue", "rules_id"]
print("\t".join(cols))
brands = ["alpha", "beta"]
rows = []
for c in range(ncust):
    brand = brands[c % 2]
    cid = "c%06d" % c
    base = rng.lognormvariate(0, 0.6)
    for m in range(nmonth):
        a = rng.gauss(0, 1)
        b = rng.gauss(0, 1)
        recency = int(rng.expovariate(1 / 60.0))
        o3 = max(0, int(rng.gauss(3 * base, 1.5)))
        o12 = o3 + max(0, int(rng.gauss(9 * base, 3)))
        trend = (o3 * 4.0) / o12 if o12 else None
        spend = o3 * rng.uniform(15, 40)
        tenure = m + rng.randint(0, 40)
        gap = None if o12 < 2 else rng.uniform(5, 90)
        risk = 1 if recency > 90 else 0
        p_alive = math.exp(-recency / 120.0)
        if kind == "two":
            y = 1 if a * b > 0 else 0
        elif kind == "noise":
            y = 1 if rng.random() < 0.3 else 0
        else:
            z = -1.5 + recency / 45.0 - 0.5 * o3 - (1.2 * (trend - 1) if trend is not None else 0.8)
            y = 1 if rng.random() < 1 / (1 + math.exp(-z)) else 0
        rev = 0.0 if y else spend * rng.uniform(1.5, 2.5)
        labelled = m < nmonth - 1
        reason = "recency>90" if risk else ""
        rows.append([brand, cid, as_of(m), fmt(a), fmt(b), str(o3), str(o12), "%.2f" % spend,
                     fmt(trend), str(tenure), fmt(gap), str(risk), str(recency), "%.6f" % p_alive,
                     reason, str(y) if labelled else "", "%.2f" % rev if labelled else "", rid])
rows.sort(key=lambda r: (r[0], r[1], r[2]))
for r in rows:
    print("\t".join(r))
