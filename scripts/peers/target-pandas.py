"""crm-target's job done with pandas and NumPy, as a data scientist would:
the expected profit p g (CLV - d) - (1 - p) s d - f and spend
f + d (p g + (1 - p) s) of each of the default campaigns for every customer
(floating point), each customer's most profitable campaign, then customers
by profit per unit of spend until the budget is spent (a full sort).
Prints the customers targeted, the spend and the expected profit.
Usage: python3 target-pandas.py CLV.tsv BUDGET"""
import sys
import numpy as np
import pandas as pd

CAMPAIGNS = [  # cost, incentive, accept_rate, stayer_accept_rate (rules/default.rules)
    ("email", 0.10, 0.0, 0.03, 0.0), ("voucher", 0.50, 10.0, 0.15, 0.10), ("call", 4.0, 20.0, 0.30, 0.05)]

df = pd.read_csv(sys.argv[1], sep="\t", dtype={"customer_id": str, "p_alive": np.float64, "clv": np.float64})
budget = float(sys.argv[2])
p = 1 - df["p_alive"].to_numpy()
clv = df["clv"].to_numpy()
profit = np.empty((len(df), len(CAMPAIGNS)))
spend = np.empty((len(df), len(CAMPAIGNS)))
for k, (_, f, d, g, s) in enumerate(CAMPAIGNS):
    profit[:, k] = p * g * (clv - d) - (1 - p) * s * d - f
    spend[:, k] = f + d * (p * g + (1 - p) * s)
best = profit.argmax(axis=1)
rows = np.arange(len(df))
df["profit"] = profit[rows, best]
df["spend"] = spend[rows, best]
df["campaign"] = np.array([c[0] for c in CAMPAIGNS])[best]
df = df[df["profit"] > 0]
df = df.assign(ratio=df["profit"] / df["spend"]).sort_values(["ratio", "customer_id"], ascending=[False, True])
take = df[df["spend"].cumsum() <= budget]
print("%d targeted, spend %.2f, expected profit %.2f" % (len(take), take["spend"].sum(), take["profit"].sum()))
