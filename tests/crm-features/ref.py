# ref.py TX FEATURES: recompute from the raw transactions, independently of
# crm-agg and crm-tier, the snapshot rows crm-features should write with the
# default rules (quarter ends, active customers, 90 and 180 days) and
# compare them: the set of rows, window features and both labels.
import sys
from datetime import date, timedelta
from fractions import Fraction

EXCLUDED = {"device", "accessory"}
tx, feat = sys.argv[1], sys.argv[2]


def month_of(d):
    return d.year * 12 + d.month - 1


def month_last(m):
    y, mo = divmod(m + 1, 12)
    return date(y, mo + 1, 1) - timedelta(days=1)


def cents(s):
    neg = s.startswith("-")
    a, _, b = s.lstrip("-").partition(".")
    v = int(a) * 100 + int((b + "00")[:2])
    return -v if neg else v


def money(v):
    s = "-" if v < 0 else ""
    v = abs(v)
    return "%s%d.%02d" % (s, v // 100, v % 100)


def ratio4(num, den):
    q = Fraction(num, den) * 10000
    neg = q < 0
    q = abs(q)
    r = int(q) + (1 if q - int(q) >= Fraction(1, 2) else 0)
    return "%s%d.%04d" % ("-" if neg and r else "", r // 10000, r % 10000)


def trend(num, den):
    return ratio4(num, den) if den else ""


def round_half_away(num, den):
    q = Fraction(num, den)
    r = int(abs(q)) + (1 if abs(q) - int(abs(q)) >= Fraction(1, 2) else 0)
    return -r if q < 0 else r


rows = open(tx).read().split("\n")
head = rows[0].split("\t")
ix = {c: i for i, c in enumerate(head)}
cust = {}
end = None
for line in rows[1:]:
    if not line:
        continue
    f = line.split("\t")
    key = (f[ix["brand"]] if "brand" in ix else "", f[ix["customer_id"]])
    d = date.fromisoformat(f[ix["date"]])
    end = d if end is None or d > end else end
    c = cust.setdefault(key, {"first_any": d, "days": {}, "other": set()})
    c["first_any"] = min(c["first_any"], d)
    if f[ix["category"]] in EXCLUDED:
        c["other"].add(d)
    else:
        c["days"][d] = c["days"].get(d, 0) + cents(f[ix["amount"]])

want = {}
for key, c in cust.items():
    days = sorted(c["days"])
    for m in range(month_of(c["first_any"]), month_of(end) + 1):
        if (m % 12 + 1) % 3:
            continue
        a = min(month_last(m), end)
        past = [d for d in days if d <= a]
        if not any(month_of(d) > m - 12 for d in past):
            continue
        win = lambda w: [d for d in past if month_of(d) > m - w]
        r = {
            "recency_days": str((a - past[-1]).days),
            "tenure_days": str((a - past[0]).days),
            "orders_1m": str(len(win(1))),
            "orders_3m": str(len(win(3))),
            "orders_6m": str(len(win(6))),
            "orders_12m": str(len(win(12))),
            "orders_total": str(len(past)),
            "spend_3m": money(sum(c["days"][d] for d in win(3))),
            "spend_12m": money(sum(c["days"][d] for d in win(12))),
            "spend_total": money(sum(c["days"][d] for d in past)),
            "spend_1m": money(sum(c["days"][d] for d in win(1))),
            "spend_6m": money(sum(c["days"][d] for d in win(6))),
            "orders_trend_3_3": ratio4(len(win(3)), len(win(6)) - len(win(3))) if len(win(6)) > len(win(3)) else "",
            "spend_trend_6_6": trend(sum(c["days"][d] for d in win(6)), sum(c["days"][d] for d in win(12)) - sum(c["days"][d] for d in win(6))),
            "avg_order_12m": money(round_half_away(sum(c["days"][d] for d in win(12)), len(win(12)))) if win(12) else "",
            "active_months_12m": str(len({month_of(d) for d in win(12)})),
            "overdue_ratio": ratio4((a - past[-1]).days * (len(past) - 1), (past[-1] - past[0]).days) if len(past) > 1 else "",
            "gap_mean_days": ratio4((past[-1] - past[0]).days, len(past) - 1) if len(past) > 1 else "",
            "other_orders_total": str(len([d for d in c["other"] if d <= a])),
        }
        nxt = [d for d in days if d > a]
        if a + timedelta(days=90) <= end:
            r["label_churn"] = "0" if nxt and nxt[0] <= a + timedelta(days=90) else "1"
        else:
            r["label_churn"] = ""
        last = month_of(a + timedelta(days=180))
        if month_last(last) <= end:
            r["label_revenue"] = money(sum(c["days"][d] for d in days if m < month_of(d) <= last))
        else:
            r["label_revenue"] = ""
        want[(key[0], key[1], a.isoformat())] = r

got = {}
lines = open(feat).read().split("\n")
fh = lines[0].split("\t")
fi = {c: i for i, c in enumerate(fh)}
for line in lines[1:]:
    if not line:
        continue
    f = line.split("\t")
    k = (f[fi["brand"]] if "brand" in fi else "", f[fi["customer_id"]], f[fi["as_of"]])
    got[k] = {c: f[fi[c]] for c in fh}

bad = 0
if set(want) != set(got):
    print("rows only in the reference:", sorted(set(want) - set(got))[:5])
    print("rows only in crm-features:", sorted(set(got) - set(want))[:5])
    bad += 1
for k in sorted(set(want) & set(got)):
    for c, v in want[k].items():
        if got[k][c] != v:
            bad += 1
            if bad < 10:
                print(k, c, "reference", repr(v), "crm-features", repr(got[k][c]))
print(len(want), "rows compared,", bad, "differences")
sys.exit(1 if bad else 0)
