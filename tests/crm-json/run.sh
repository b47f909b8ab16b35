#!/bin/sh
# crm-json: the document of the hand-made customers of ../crm-tier/data,
# figures computed by hand, the schema, totals that reconcile, every figure
# per brand and month against awk, NDJSON, and errors.
. ../lib.sh
SCHEMA=../../man/crm-json.schema.json

crm-agg --as-of 2024-12-31 ../crm-tier/data/signals_tx.tsv | crm-tier | crm-lifecycle | crm-churn > "$WORK/sig.tsv"
golden document
t crm-json --at-risk 3 "$WORK/sig.tsv"
t "head -n 3 $WORK/sig.tsv | crm-json --ndjson"
golden_end
crm-json --at-risk 3 "$WORK/sig.tsv" > "$WORK/doc.json"

# 2024-12 by hand: 14 customers; c03, c05, c08 inactive; diamond c09;
# platinum c10, c11; gold c01, c12; silver c02, c13; bronze c04, c06, c07,
# c14; c03 lost; at risk c01 (lapse), c11 (decline), c12 (both) with
# 12-month values 600.00 + 1410.00 + 1200.00; December's value 200.00 (c09)
# + 100.00 (c10) + 20.00 (c11).
expect "2024-12 by hand" \
	"14 11 3 1 2 2 2 4 1 3 2 2 3210 320 c11,c12,c01" \
	"$(jq -r '.series[0] as $s | $s.months[-1] as $m | [$m.customers, $m.active, $m.inactive,
		($m.tiers | .diamond.customers, .platinum.customers, .gold.customers, .silver.customers, .bronze.customers),
		$m.events.lost, $m.churn.at_risk, $m.churn.lapse, $m.churn.decline, $m.churn.value_at_risk, $m.value,
		([$s.at_risk[].customer_id] | join(","))] | map(tostring) | join(" ")' "$WORK/doc.json")"

# The schema is checked by python3's jsonschema, an independent validator.
cat > "$WORK/valid.py" <<PY
import json, sys, jsonschema
jsonschema.Draft202012Validator(json.load(open("$SCHEMA"))).validate(json.load(open(sys.argv[1])))
PY
check "the document is valid JSON (python3 json)" "/usr/bin/python3 -m json.tool $WORK/doc.json > /dev/null"
check "the document matches man/crm-json.schema.json" "/usr/bin/python3 $WORK/valid.py $WORK/doc.json"
check "NDJSON: every line parses (jq)" "crm-json --ndjson $WORK/sig.tsv > $WORK/nd.json && [ \$(wc -l < $WORK/nd.json) -gt 100 ] && jq -e . $WORK/nd.json > /dev/null"
expect "NDJSON: one object per row" "$(($(wc -l < "$WORK/sig.tsv") - 1))" "$(crm-json --ndjson "$WORK/sig.tsv" | wc -l)"

# ---- generated data with brands ----
if [ "$SAN" = 1 ]; then CUST=800; else CUST=6000; fi
crm-gen --customers $CUST --months 30 --brands 3 --seed 5 | crm-agg | crm-tier | crm-lifecycle | crm-churn > "$WORK/gs.tsv"
crm-json --at-risk 20 "$WORK/gs.tsv" > "$WORK/g.json"
check "generated: matches the schema" "/usr/bin/python3 $WORK/valid.py $WORK/g.json"
expect "totals reconcile in every series and month (tiers sum to active, active + inactive = base, tier values + inactive = total value)" "0" \
	"$(jq '[.series[].months[] | . as $m |
		(($m.tiers | [.[].customers] | add) == $m.active and $m.active + $m.inactive == $m.customers and
		 ((($m.tiers | [.[].value] | add) + $m.inactive_value) * 100 | round) == ($m.value * 100 | round) and
		 ((($m.tiers | [.[].value_12m] | add) + $m.inactive_value_12m) * 100 | round) == ($m.value_12m * 100 | round) and
		 ($m.tiers | [.[].at_risk] | add) == $m.churn.at_risk) | select(. | not)] | length' "$WORK/g.json")"
expect "brand series add up to the total" "0" \
	"$(jq '.series[0].months as $all | [.series[1:][] | .months[]] | group_by(.month) |
		map({month: .[0].month, c: (map(.customers) | add), v: (map(.value * 100 | round) | add)}) |
		map(. as $b | $all[] | select(.month == $b.month) | select(.customers != $b.c or (.value * 100 | round) != $b.v)) | length' "$WORK/g.json")"
# The same figures per brand and month from the rows, by awk; a brand's rows
# count under that brand only.
awk -F'\t' 'NR > 1 {
	k = $1 "\t" $3; c[k]++; a[k] += $20; v[k] += $6 * 100
	n[k] += $23 == "new"; l[k] += $23 == "lost"; r[k] += $23 == "reactivated"; x[k] += $24
} END { for (k in c) printf "%s\t%d\t%d\t%.0f\t%d\t%d\t%d\t%d\n", k, c[k], a[k], v[k], n[k], l[k], r[k], x[k] }' \
	"$WORK/gs.tsv" | sort > "$WORK/awk.tsv"
jq -r '.series[1:][] | .brand as $b | .months[] |
	[$b, .month, .customers, .active, (.value * 100 | round), .events.new, .events.lost, .events.reactivated, .churn.at_risk] | @tsv' \
	"$WORK/g.json" | sort > "$WORK/jq.tsv"
same "per brand and month: base, active, value, events, risk equal awk's" "$WORK/awk.tsv" "$WORK/jq.tsv"
expect "at-risk lists: up to 20 a series, highest 12-month value first, of their own brand" "0" \
	"$(jq '[.series[] | .brand as $b | .at_risk as $r | .months[-1].churn.at_risk as $n |
		($r | length) != ([$n, 20] | min),
		($r | map(.value_12m) | . != (sort | reverse)), ($b != null and ($r | map(.brand != $b) | any))] | map(select(.)) | length' "$WORK/g.json")"
crm-json --at-risk 20 "$WORK/gs.tsv" | cmp -s - "$WORK/g.json"
expect "rerun gives the same bytes" 0 $?

# ---- brands with rules of their own ----
# alpina calls inactivity "dormant"; borealis has its own tiers and inactive
# tier. crm-tier writes each brand's names; crm-json must check every row
# against its own brand's rules and report each brand's tiers.
B="--rules data/brands.rules"
crm-gen --customers 600 --months 24 --brands 3 --seed 5 |
	crm-agg $B | crm-tier $B | crm-lifecycle $B | crm-churn $B > "$WORK/bs.tsv"
check "brand rules: crm-json takes each brand's tier.inactive and tier.order" \
	"crm-json $B --at-risk 5 $WORK/bs.tsv > $WORK/b.json"
check "brand rules: the document matches the schema" "/usr/bin/python3 $WORK/valid.py $WORK/b.json"
expect "brand rules: each series names its brand's tiers and inactive tier" \
	"-:diamond,platinum,gold,silver,bronze,basic:passive alpina:diamond,platinum,gold,silver,bronze:dormant borealis:gold,silver,basic:asleep cascade:diamond,platinum,gold,silver,bronze:passive" \
	"$(jq -r '[.series[] | "\(.brand // "-"):\(.tiers | join(",")):\(.inactive_tier)"] | join(" ")' "$WORK/b.json")"
# Per brand and month: the rows crm-tier gave the brand's inactive tier and
# each of its tiers, by awk, against the document.
awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ c[$col["brand"] "\t" $col["month"] "\t" $col["tier"]]++ } END { for (k in c) print k "\t" c[k] }' \
	"$WORK/bs.tsv" | sort > "$WORK/bawk.tsv"
jq -r '.series[1:][] | . as $s | .months[] | . as $m |
	([$s.brand, $m.month, $s.inactive_tier, $m.inactive] | @tsv),
	($s.tiers[] | select($m.tiers[.].customers > 0) | [$s.brand, $m.month, ., $m.tiers[.].customers] | @tsv)' \
	"$WORK/b.json" | awk -F'\t' '$4 > 0' | sort > "$WORK/bjq.tsv"
same "brand rules: customers per brand, month and tier equal awk's" "$WORK/bawk.tsv" "$WORK/bjq.tsv"

# ---- the as-of day, a partial month, warm-up months, currencies ----
crm-agg --as-of 2024-03-09 ../crm-tier/data/asof_tx.tsv | crm-tier | crm-lifecycle | crm-churn > "$WORK/asof.tsv"
crm-json "$WORK/asof.tsv" > "$WORK/asof.json"
check "as of 2024-03-09: matches the schema" "/usr/bin/python3 $WORK/valid.py $WORK/asof.json"
expect "as of 2024-03-09: as_of, period_start; 2024-03 covers 9 days and is partial, 2024-02 whole" \
	"2024-03-09 2023-03-15 9 true true 9 29 false" \
	"$(jq -r '[.input.as_of, .input.period_start, .series[0].months[-1].days, .series[0].months[-1].partial,
		.series[0].kpis.partial, .series[0].kpis.days, .series[0].months[-2].days, .series[0].months[-2].partial] |
		map(tostring) | join(" ")' "$WORK/asof.json")"
expect "warm-up months: the 12 from 2023-03 (period_start 2023-03-15, 12-month activity window)" \
	"2023-03 2024-02 12 false" \
	"$(jq -r '[(.series[0].months | map(select(.warmup)) | (.[0].month, .[-1].month, length)),
		(.series[0].months[] | select(.month == "2024-03") | .warmup)] | map(tostring) | join(" ")' "$WORK/asof.json")"
expect "yoy against a warm-up month is null; --keep-warmup compares, marked partial" "null true 2023-03" \
	"$(jq -r '.series[0].months[-1].yoy' "$WORK/asof.json") $(crm-json --keep-warmup "$WORK/asof.tsv" |
		jq -r '.series[0].months[-1].yoy | "\(.partial) \(.month)"')"
printf 'money.currency = EUR\n[brand cascade]\nmoney.currency = CHF\n' > "$WORK/cur.rules"
# The signals of gs.tsv made with the rules RULES, as crm-json needs them.
gs_with() { crm-gen --customers $CUST --months 30 --brands 3 --seed 5 | crm-agg --rules "$1" |
	crm-tier --rules "$1" | crm-lifecycle --rules "$1" | crm-churn --rules "$1"; }
expect "currency: XXX by default; per brand, and none for a total of several" "XXX EUR CHF null" \
	"$(jq -r '.series[0].currency' "$WORK/asof.json") $(gs_with "$WORK/cur.rules" | crm-json --rules "$WORK/cur.rules" |
		jq -r '[(.series[] | select(.brand == "borealis" or .brand == "cascade") | .currency), .series[0].currency] | map(tostring) | join(" ")')"
printf 'money.currency = EUR\n' > "$WORK/eur.rules"
expect "currency: the total of brands that share one has it" "EUR" \
	"$(gs_with "$WORK/eur.rules" | crm-json --rules "$WORK/eur.rules" | jq -r '.series[0].currency')"
# ---- UTF-8 ----
# A Latin-1 customer id (M\374ller) and brand (Caf\351) passed through
# crm-clean: every JSON text, and the report page that embeds one, must
# still be valid UTF-8, U+FFFD where the byte was. python3 decodes strictly.
cat > "$WORK/utf8.py" <<'PY'
import json, sys
for path in sys.argv[1:]:
    text = open(path, "rb").read().decode("utf-8")
    if path.endswith(".ndjson"):
        rows = {(r["brand"], r["customer_id"]) for r in map(json.loads, text.splitlines())}
        assert rows == {("Caf\ufffd", "M\ufffdller")}, path
    elif path.endswith(".json"):
        assert [s["brand"] for s in json.loads(text)["series"]][1:] == ["Caf\ufffd"], path
    else:
        assert "Caf\ufffd" in text, path
print("valid")
PY
printf 'date,customer_id,sku,category,qty,amount\n2024-03-05,M\374ller,CAP-001,capsule,2,7.80\n2024-04-06,M\374ller,CAP-001,capsule,1,3.90\n' |
	crm-clean --brand "$(printf 'Caf\351')" 2> /dev/null | crm-agg | crm-tier | crm-lifecycle | crm-churn > "$WORK/latin1.tsv"
crm-json --ndjson "$WORK/latin1.tsv" > "$WORK/latin1.ndjson"
crm-json "$WORK/latin1.tsv" > "$WORK/latin1.json"
crm-report "$WORK/latin1.json" > "$WORK/latin1.html"
expect "Latin-1 bytes: NDJSON, the document and the report page are valid UTF-8, with U+FFFD" "valid" \
	"$(/usr/bin/python3 "$WORK/utf8.py" "$WORK/latin1.ndjson" "$WORK/latin1.json" "$WORK/latin1.html" 2>&1 | tail -n 1)"
# Ill-formed sequences of every lead byte against python3's decoder, whose
# errors="replace" puts one U+FFFD for each maximal subpart, as json_str.
/usr/bin/python3 -c '
import sys
seqs = [bytes([a]) + t for a in range(0x80, 0x100)
	for t in [b"", b"x", b"\x80", b"\x80\x80", b"\x80\x80\x80", b"\x8f\x80\x80", b"\x90\x80\x80",
		  b"\x9f\x80", b"\xa0\x80", b"\xbf\xbf\xbf", b"\xc0", b"\x7f"]]
sys.stdout.buffer.write(b"".join(b"%s|" % s for s in seqs))
' > "$WORK/seqs"
tr '|' '\n' < "$WORK/seqs" | awk -v row="$(sed -n 2p "$WORK/sig.tsv" | cut -f2-)" \
	'BEGIN { print "customer_id\tmonth\torders\tunits\tamount\tfirst_date\tlast_date\tother_orders\tother_amount\tlines\tperiod_start\tperiod_end\ttenure_months\trecency_days\torders_f\tvalue_m\tavg_monthly\tavg_order\tactive\ttier\twarmup\tevent\tchurn_risk\tchurn_reason\trules_id" }
	{ print $0 "\t" row }' > "$WORK/seqs.tsv"
crm-json --ndjson "$WORK/seqs.tsv" > "$WORK/seqs.ndjson"
expect "ill-formed UTF-8: U+FFFD where python3 puts it, for 1536 sequences" "1536 0" \
	"$(/usr/bin/python3 -c '
import json, sys
seqs = open(sys.argv[1], "rb").read().split(b"|")[:-1]
got = [json.loads(l.decode("utf-8"))["customer_id"] for l in open(sys.argv[2], "rb").read().splitlines()]
print(len(got), sum(g != s.decode("utf-8", "replace") for g, s in zip(got, seqs)) + abs(len(got) - len(seqs)))
' "$WORK/seqs" "$WORK/seqs.ndjson" 2>&1 | tail -n 1)"

# ---- two phases: partials per partition, one merge ----
# Each partition's rows (crm-agg --partition I/N, then the partition's
# signals) give a partial; --merge of all N partials, in any order, is
# byte for byte the document of all rows, for 1 to 4 partitions, with two
# brands and brand rules, and on no rows at all.
B="--rules data/brands.rules"
crm-gen --customers $((CUST / 2)) --months 20 --brands 2 --seed 7 > "$WORK/ptx.tsv"
crm-agg $B -o "$WORK/pm.tsv" "$WORK/ptx.tsv"
crm-tier $B "$WORK/pm.tsv" | crm-lifecycle $B | crm-churn $B > "$WORK/ps.tsv"
crm-json $B --at-risk 15 -o "$WORK/pall.json" "$WORK/ps.tsv"
for n in 1 2 3 4; do
	set --
	for i in $(seq 1 $n); do
		crm-agg $B --partition $i/$n -o "$WORK/pm.$i.tsv" "$WORK/ptx.tsv"
		crm-tier $B "$WORK/pm.$i.tsv" | crm-lifecycle $B | crm-churn $B > "$WORK/ps.$n.$i.tsv"
		crm-json $B --at-risk 15 --partial $i/$n -o "$WORK/pp.$n.$i" "$WORK/ps.$n.$i.tsv"
		set -- "$WORK/pp.$n.$i" "$@"
	done
	crm-json $B --merge -o "$WORK/pmerged.$n.json" "$@"
	same "partials: $n partition(s) merged equal the document of all rows" "$WORK/pall.json" "$WORK/pmerged.$n.json"
done
check "partials: partition 1 of 4 holds fewer rows than all" \
	"[ \$(wc -l < $WORK/ps.4.1.tsv) -lt \$(wc -l < $WORK/ps.tsv) ]"
check "partials: each brand has at-risk customers, and each is in the merged list" \
	"[ \$(jq '[.series[] | .at_risk | length] | min' $WORK/pall.json) -gt 0 ]"
head -n 1 "$WORK/ps.tsv" > "$WORK/pempty.tsv"
crm-json $B -o "$WORK/pempty.json" "$WORK/pempty.tsv"
crm-json $B --partial 1/2 -o "$WORK/pe.1" "$WORK/pempty.tsv"
crm-json $B --partial 2/2 -o "$WORK/pe.2" "$WORK/pempty.tsv"
crm-json $B --merge -o "$WORK/pemerged.json" "$WORK/pe.1" "$WORK/pe.2"
same "partials: no rows merged equal the document of no rows" "$WORK/pempty.json" "$WORK/pemerged.json"
crm-json $B --at-risk 5 --partial 2/4 -o "$WORK/pp.r5" "$WORK/ps.4.2.tsv"
crm-json --partial 1/1 -o "$WORK/pp.default" "$WORK/sig.tsv"
head -n 4 "$WORK/pp.4.1" > "$WORK/pp.cut"
golden partial
t crm-json $B --merge "$WORK/pp.4.1" "$WORK/pp.4.2" "$WORK/pp.4.4"
t crm-json $B --merge "$WORK/pp.4.1" "$WORK/pp.4.2" "$WORK/pp.4.2" "$WORK/pp.4.4"
t crm-json $B --merge "$WORK/pp.4.1" "$WORK/pp.3.2" "$WORK/pp.4.3" "$WORK/pp.4.4"
t crm-json $B --merge "$WORK/pp.4.1" "$WORK/pp.r5" "$WORK/pp.4.3" "$WORK/pp.4.4"
t crm-json $B --at-risk 5 --merge "$WORK/pp.4.1" "$WORK/pp.4.2" "$WORK/pp.4.3" "$WORK/pp.4.4"
t crm-json $B --merge "$WORK/pp.default"
t crm-json --merge "$WORK/pp.4.1"
t crm-json $B --merge "$WORK/pp.cut"
t crm-json $B --merge
t crm-json --partial 3/2 "$WORK/sig.tsv"
t crm-json --partial 1/2 --merge "$WORK/pp.4.1"
golden_end

# ---- errors ----
golden errors
t "cut -f1-21 $WORK/sig.tsv | crm-json"
t "sed '2s/\tpassive\t/\tgolden\t/; 2s/\t0\t0\t0.00\t0.00\t0.00\t0\tgolden/\t0\t0\t0.00\t0.00\t0.00\t1\tgolden/' $WORK/sig.tsv | crm-json"
t "sed '2s/\tpassive\t/\tgold\t/' $WORK/sig.tsv | crm-json"
t "sed '2s/\t0\t\(\t[0-9a-f]*\)\$/\t1\t\1/' $WORK/sig.tsv | crm-json"
# Rules travel with the rows: a stage with other rules, or rows without
# their fingerprint, must not publish as if the stages agreed.
printf 'window.monetary_months = 6\n' > "$WORK/m6.rules"
t "crm-agg ../crm-tier/data/signals_tx.tsv | crm-tier | crm-lifecycle | crm-churn --rules $WORK/m6.rules | crm-json"
t "crm-agg ../crm-tier/data/signals_tx.tsv | crm-tier | crm-lifecycle --rules $WORK/m6.rules"
t "crm-json --rules $WORK/m6.rules $WORK/sig.tsv"
t "CRM_RULES=$WORK/m6.rules crm-json $WORK/sig.tsv"
t "sed '3s/\t[0-9a-f]*\$/\t0123456789abcdef/' $WORK/sig.tsv | crm-json"
t "cut -f1-24 $WORK/sig.tsv | crm-json"
t "crm-churn $WORK/sig.tsv | head -n 1"
t crm-json --at-risk lots "$WORK/sig.tsv"
golden_end
finish
