# crm-agg's job in one awk program: fold into associative arrays, then sort
# the keys with sort(1).
BEGIN { FS = OFS = "\t" }
NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
{
	k = $col["customer_id"] "\t" substr($col["date"], 1, 7)
	ex = $col["category"] == "device" || $col["category"] == "accessory"
	buy = $col["qty"] > 0 && $col["amount"] >= 0
	a = $col["amount"]; sub(/\./, "", a); a += 0
	d = $col["date"]
	lines[k]++
	if (ex) { oa[k] += a; if (buy && !((k, d) in od)) { od[k, d] = 1; oo[k]++ } }
	else {
		u[k] += $col["qty"]; ca[k] += a
		if (buy) {
			if (!((k, d) in cd)) { cd[k, d] = 1; co[k]++ }
			if (!(k in f) || d < f[k]) f[k] = d
			if (!(k in l) || d > l[k]) l[k] = d
		}
	}
	if (ps == "" || d < ps) ps = d
	if (d > pe) pe = d
}
END {
	for (k in lines)
		printf "%s\t%d\t%d\t%d.%02d\t%s\t%s\t%d\t%d.%02d\t%d\t%s\t%s\n", k, co[k], u[k],
		       int(ca[k] / 100), ca[k] % 100, f[k], l[k], oo[k], int(oa[k] / 100), oa[k] % 100, lines[k], ps, pe | "sort"
}
