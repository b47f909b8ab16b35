#!/usr/bin/env python3
"""model-data.py CUSTOMERS MONTHS SEED RULES_ID: feature rows in
crm-features' layout for the crm-model benchmark: 30 numeric features
(some missing), the baselines churn_risk, recency_days and p_alive among
them, a churn label from a non-linear function of several features plus
noise (the last month unlabelled), and label_revenue; sorted by
customer_id and as_of."""
import sys

import numpy as np
import pandas as pd

ncust, nmonth, seed, rid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(seed)
n = ncust * nmonth
cust = np.repeat(np.arange(ncust), nmonth)
month = np.tile(np.arange(nmonth), ncust)
ends = pd.date_range("2023-01-31", periods=nmonth, freq="M").strftime("%Y-%m-%d").to_numpy()
base = np.repeat(rng.lognormal(0, 0.6, ncust), nmonth)
recency = rng.exponential(60, n).astype(int)
o3 = np.maximum(0, rng.normal(3 * base, 1.5)).astype(int)
o12 = o3 + np.maximum(0, rng.normal(9 * base, 3)).astype(int)
trend = np.where(o12 > 0, 4.0 * o3 / np.maximum(o12, 1), np.nan)
spend3 = o3 * rng.uniform(15, 40, n)
cols = {
    "customer_id": np.char.add("C", np.char.zfill(cust.astype(str), 8)),
    "as_of": ends[month],
    "recency_days": recency,
    "orders_3m": o3,
    "orders_12m": o12,
    "spend_3m": spend3.round(2),
    "orders_trend": trend.round(4),
    "churn_risk": (recency > 90).astype(int),
    "p_alive": np.exp(-recency / 120.0).round(6),
}
for k in range(23):
    v = rng.normal(0, 1, n).round(4)
    if k % 5 == 0:
        v[rng.random(n) < 0.1] = np.nan
    cols["f%02d" % k] = v
z = (-1.5 + recency / 45.0 - 0.5 * o3 - 1.2 * (np.nan_to_num(trend, nan=0.3) - 1)
     + 0.8 * (cols["f00"] > 1) * (cols["f01"] > 0) - 0.4 * np.abs(cols["f02"]))
y = (rng.random(n) < 1 / (1 + np.exp(-np.nan_to_num(z)))).astype(int)
rev = np.where(y == 1, 0.0, spend3 * rng.uniform(1.5, 2.5, n)).round(2)
df = pd.DataFrame(cols)
last = month == nmonth - 1
df["label_churn"] = pd.Series(y).astype("Int64").mask(last)
df["label_revenue"] = pd.Series(rev).mask(last).map(lambda v: "" if pd.isna(v) else "%.2f" % v)
df["rules_id"] = rid
df.to_csv(sys.stdout, sep="\t", index=False, na_rep="", float_format="%.6g")
