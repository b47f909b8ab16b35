# For sort | datamash: one line per transaction with the key, the month and
# the fields datamash folds: a purchase date or "-" (for countunique),
# consumable and other units and amounts in cents, and the purchase day of
# the month, 99 or 0 when none (for min and max; datamash compares numbers).
BEGIN { FS = OFS = "\t" }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	ex = $col["category"] == "device" || $col["category"] == "accessory"
	buy = $col["qty"] > 0 && $col["amount"] >= 0
	a = $col["amount"]; sub(/\./, "", a); a += 0
	print $col["customer_id"], substr($col["date"], 1, 7),
	      (!ex && buy) ? $col["date"] : "-", ex ? 0 : $col["qty"], ex ? 0 : a,
	      (ex && buy) ? $col["date"] : "-", ex ? a : 0,
	      (!ex && buy) ? substr($col["date"], 9, 2) + 0 : 99, (!ex && buy) ? substr($col["date"], 9, 2) + 0 : 0
}
