"""Part of crm-features' job done with pandas on the same signal rows: per
customer and quarter-end snapshot of active customers, orders and spend over
1, 3, 6 and 12 months (rolling sums over each customer's months), recency and
the 90-day churn label (the next purchase month's first date). Writes TSV.
Usage: python3 features-pandas.py SIGNALS.tsv OUT.tsv"""
import sys
import numpy as np
import pandas as pd

s = pd.read_csv(sys.argv[1], sep="\t", usecols=["customer_id", "month", "orders", "amount", "first_date",
                "last_date", "period_end", "active"], dtype={"customer_id": str, "amount": str},
                parse_dates=["first_date", "last_date", "period_end"])
s["cents"] = s["amount"].str.replace(".", "", regex=False).astype(np.int64)
s["as_of"] = pd.to_datetime(s["month"]) + pd.offsets.MonthEnd(0)
s["as_of"] = s[["as_of", "period_end"]].min(axis=1)
g = s.groupby("customer_id", sort=False)
for w in (1, 3, 6, 12):
    s[f"orders_{w}m"] = g["orders"].rolling(w, min_periods=1).sum().reset_index(level=0, drop=True)
    s[f"spend_{w}m"] = g["cents"].rolling(w, min_periods=1).sum().reset_index(level=0, drop=True)
s["last_buy"] = g["last_date"].ffill()
s["recency_days"] = (s["as_of"] - s["last_buy"]).dt.days
# The next purchase after the month: the first date of a later month with orders.
s["next_buy"] = s["first_date"].where(s["orders"] > 0)
s["next_buy"] = s.groupby("customer_id", sort=False)["next_buy"].shift(-1)
s["next_buy"] = s.groupby("customer_id", sort=False)["next_buy"].bfill()
end = s["period_end"].max()
horizon = s["as_of"] + pd.Timedelta(days=90)
s["label_churn"] = np.where(horizon > end, np.nan, ((s["next_buy"].isna()) | (s["next_buy"] > horizon)).astype(float))
snap = s[(pd.to_datetime(s["month"]).dt.month % 3 == 0) & (s["active"] == 1)]
cols = ["customer_id", "as_of", "recency_days"] + [f"orders_{w}m" for w in (1, 3, 6, 12)] + \
    [f"spend_{w}m" for w in (1, 3, 6, 12)] + ["label_churn"]
snap[cols].to_csv(sys.argv[2], sep="\t", index=False)
