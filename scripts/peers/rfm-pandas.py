"""crm-rfm's job done with pandas and NumPy: recency, frequency and monetary
of consumables over the 365 days to the latest date, nearest-rank quintile
scores, the default segments; written as TSV like crm-rfm's rows.
Usage: python3 rfm-pandas.py TX.tsv OUT.tsv"""
import sys
import numpy as np
import pandas as pd

SEGMENTS = [  # label, r range, f range, m range (rules/default.rules)
    ("Champions", (4, 5), (4, 5), (4, 5)), ("Loyal Customers", (3, 5), (3, 5), (3, 5)),
    ("Can't Lose Them", (1, 1), (4, 5), (4, 5)), ("At Risk", (1, 2), (3, 5), (1, 5)),
    ("Potential Loyalists", (4, 5), (2, 5), (1, 5)), ("Promising", (4, 5), (1, 1), (1, 5)),
    ("Need Attention", (3, 3), (2, 5), (1, 5)), ("About to Sleep", (2, 3), (1, 2), (1, 5)),
    ("Hibernating", (1, 1), (2, 2), (1, 5)), ("Lost", (1, 5), (1, 5), (1, 5))]
BINS = 5

tx = pd.read_csv(sys.argv[1], sep="\t", dtype={"customer_id": str, "sku": str, "category": str,
                 "qty": np.int64, "amount": str}, parse_dates=["date"])
tx["cents"] = (tx["amount"].str.replace(".", "", regex=False)).astype(np.int64)
tx = tx[~tx["category"].isin(["device", "accessory"])]
as_of = tx["date"].max()
buy = (tx["qty"] > 0) & (tx["cents"] >= 0)
last = tx[buy].groupby("customer_id")["date"].max()
inp = tx[tx["date"] > as_of - pd.Timedelta(days=365)]
freq = inp[buy[inp.index]].groupby("customer_id")["date"].nunique()
mon = inp.groupby("customer_id")["cents"].sum()
df = pd.DataFrame({"frequency": freq})
df = df[df["frequency"] > 0]
df["monetary"] = mon.reindex(df.index).fillna(0).astype(np.int64)
df["recency"] = (as_of - last.reindex(df.index)).dt.days
df = df.sort_index()
n = len(df)


def scores(v, reverse):
    s = np.sort(v)
    thr = np.array([s[-(-k * n // BINS) - 1] for k in range(1, BINS)])
    above = (v[:, None] > thr[None, :]).sum(axis=1)
    return BINS - above if reverse else 1 + above


r = scores(df["recency"].to_numpy(), True)
f = scores(df["frequency"].to_numpy(), False)
m = scores(df["monetary"].to_numpy(), False)
seg = np.full(n, "", dtype=object)
for label, (rl, rh), (fl, fh), (ml, mh) in reversed(SEGMENTS):
    hit = (r >= rl) & (r <= rh) & (f >= fl) & (f <= fh) & (m >= ml) & (m <= mh)
    seg[hit] = label
out = pd.DataFrame({"customer_id": df.index, "recency": df["recency"].to_numpy(),
                    "frequency": df["frequency"].to_numpy(),
                    "monetary": [f"{c // 100}.{c % 100:02d}" if c >= 0 else f"-{-c // 100}.{-c % 100:02d}"
                                 for c in df["monetary"].to_numpy()],
                    "r_score": r, "f_score": f, "m_score": m, "segment": seg})
out.to_csv(sys.argv[2], sep="\t", index=False)
