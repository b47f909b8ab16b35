#!/bin/sh
# crm-rfm: quintiles with heavy ties computed by hand, every segment reached
# through cut points, weights, thresholds and summary tables, agreement
# with sqlite3 on generated data, monthly rows against transactions, brands,
# input order, errors.
. ../lib.sh

# Ten customers whose scores data/ties.expected works out by hand: six share
# frequency 1 and five monetary 10.00, so those scores leave bins empty
# instead of splitting equal customers.
crm-rfm --as-of 2024-12-31 data/ties.tsv 2> "$WORK/ties.err" | cut -f1-9 > "$WORK/ties.out"
same "hand-computed quintile scores with heavy ties" data/ties.expected "$WORK/ties.out"

golden tables
t crm-rfm --as-of 2024-12-31 --thresholds data/ties.tsv
t crm-rfm --as-of 2024-12-31 --summary --stats data/ties.tsv
t crm-rfm --stats data/ties.tsv
t "crm-rfm --as-of 2024-12-31 data/ties.tsv | cut -f1,9-"
golden_end

# Returns above purchases in the period: n1 bought 100.00 and returned
# 150.00, so its monetary is -50.00; it is scored (monetary lowest), counted
# in the JSON and said on standard error. n2 only returned in the period:
# no consumable order there, so it is not scored. a4's return nets to 0.00.
golden net_negative
t "crm-rfm --as-of 2024-12-31 data/net_negative.tsv | cut -f1-9"
t "crm-rfm --as-of 2024-12-31 --json data/net_negative.tsv | jq -c '.brands[] | [.brand, .customers, .net_negative]'"
t "awk -F'\t' -v OFS='\t' '{ print (NR == 1 ? \"brand\" : \"acme\"), \$0 }' data/net_negative.tsv | crm-rfm --as-of 2024-12-31 --summary | cut -f1-5"
t "crm-rfm --as-of 2024-12-31 --rules data/segments.rules data/net_negative.tsv | cut -f1,4,7,9"
golden_end

# Cut points fix every score, so each customer (named after the segment it
# is built for) lands in its segment.
golden segments
t "crm-rfm --rules data/segments.rules data/segments.tsv | cut -f1-9"
golden_end
n=$(crm-rfm --rules data/segments.rules data/segments.tsv | tail -n +2 | cut -f9 | sort -u | wc -l)
expect "the fixture reaches all ten segments" 10 "$n"
crm-rfm --rules data/segments.rules data/segments.tsv | tail -n +2 | awk -F'\t' '
	{ want = $1; gsub("_", " ", want); got = tolower($9); gsub("'"'"'", "", got)
	  sub("customers", "", got); sub(/ +$/, "", got); sub("cant lose them", "cant lose", got)
	  if (got != want) { print $1 " is in " $9; bad = 1 } }
	END { exit bad }' > "$WORK/seg.err" 2>&1
check "each fixture customer is in the segment it was built for" "[ ! -s $WORK/seg.err ]"

# Generated data: the same scores from sqlite3.
if [ "$SAN" = 1 ]; then CUST=400; else CUST=3000; fi
crm-gen --customers $CUST --seed 7 > "$WORK/tx.tsv"
crm-rfm "$WORK/tx.tsv" > "$WORK/rfm.tsv"
sqlite3 -batch "$WORK/r.db" -cmd '.mode tabs' -cmd ".import $WORK/tx.tsv tx" < rfm.sql > "$WORK/sq.tsv"
tail -n +2 "$WORK/rfm.tsv" | cut -f1-9,12 > "$WORK/ours.tsv"
same "every measure, score, segment and tenure equals the sqlite3 computation" "$WORK/sq.tsv" "$WORK/ours.tsv"
check "and the data has customers ($(wc -l < "$WORK/sq.tsv"))" "[ $(wc -l < "$WORK/sq.tsv") -gt 100 ]"
for s in Champions "Loyal Customers" "Can't Lose Them" "At Risk" "Potential Loyalists" Promising \
	"Need Attention" "About to Sleep" Hibernating Lost; do
	n=$(cut -f9 "$WORK/ours.tsv" | grep -cx "$s")
	check "generated data reaches '$s' ($n)" "[ $n -gt 0 ]"
done

# Weights: rfm_score = (2 r + f + m) / 4, rounded half away from zero.
printf 'rfm.weight.r = 2\n' > "$WORK/w.rules"
crm-rfm --rules "$WORK/w.rules" "$WORK/tx.tsv" > "$WORK/w.tsv"
awk -F'\t' 'NR > 1 { want = sprintf("%.2f", int((2 * $5 + $6 + $7) * 100 / 4 + 0.5) / 100)
	if ($8 != want) { print $1, $8, want; bad = 1 } } END { exit bad }' "$WORK/w.tsv" > "$WORK/w.err"
check "weights 2,1,1: rfm_score = (2 r + f + m) / 4" "[ ! -s $WORK/w.err ]"
n=$(paste "$WORK/rfm.tsv" "$WORK/w.tsv" | awk -F'\t' '$8 != $19' | wc -l)
check "and the weights changed rfm_score of $n customers" "[ $n -gt 0 ]"
cut -f1-7,9 "$WORK/ours.tsv" > "$WORK/o8.tsv"; tail -n +2 "$WORK/w.tsv" | cut -f1-7,9 > "$WORK/w8.tsv"
same "weights leave the scores and segments alone" "$WORK/o8.tsv" "$WORK/w8.tsv"

# Input order does not matter.
awk 'NR == 1 { print; next } { print | "sort -t \"\t\" -k6,6 -k2,2r" }' "$WORK/tx.tsv" > "$WORK/shuf.tsv"
crm-rfm "$WORK/shuf.tsv" > "$WORK/shuf.out"
same "shuffled input gives the same bytes" "$WORK/rfm.tsv" "$WORK/shuf.out"

# crm-agg's monthly rows give the same as transactions when the period is
# whole months: 2023-12-31 minus 365 days is 2022-12-31.
crm-rfm --as-of 2023-12-31 "$WORK/tx.tsv" > "$WORK/day.out"
crm-agg "$WORK/tx.tsv" | crm-rfm --as-of 2023-12-31 > "$WORK/mon.out"
same "monthly rows = transactions over whole months" "$WORK/day.out" "$WORK/mon.out"
# Mid-month, crm-agg --as-of cuts the lines and hands the day on in
# period_end: recency is the same to the day as from the transactions.
crm-rfm --as-of 2023-12-09 "$WORK/tx.tsv" | cut -f1,2 > "$WORK/day9.out"
crm-agg --as-of 2023-12-09 "$WORK/tx.tsv" | crm-rfm | cut -f1,2 > "$WORK/mon9.out"
same "as of 2023-12-09: recency from monthly rows = from transactions" "$WORK/day9.out" "$WORK/mon9.out"

# Brands are scored apart: each brand's rows are those of its rows alone.
crm-gen --customers $((CUST / 2)) --brands 2 --seed 3 > "$WORK/btx.tsv"
crm-rfm "$WORK/btx.tsv" > "$WORK/b.out"
ok=1
for b in $(tail -n +2 "$WORK/btx.tsv" | cut -f1 | sort -u); do
	awk -F'\t' -v b="$b" 'NR == 1 || $1 == b' "$WORK/btx.tsv" | cut -f2- > "$WORK/one.tsv"
	crm-rfm --as-of "$(tail -n +2 "$WORK/b.out" | head -1 | cut -f12)" "$WORK/one.tsv" | tail -n +2 > "$WORK/one.out"
	awk -F'\t' -v b="$b" '$1 == b' "$WORK/b.out" | cut -f2- | cmp -s - "$WORK/one.out" || ok=0
done
check "each brand is scored on its own customers" "[ $ok = 1 ]"

# A brand's section sets its own rules: cut points for one brand only.
b2=$(tail -n +2 "$WORK/btx.tsv" | cut -f1 | sort -u | tail -1)
printf '[brand %s]\nrfm.frequency.cuts = 1,2,3,4\n' "$b2" > "$WORK/brand.rules"
crm-rfm --rules "$WORK/brand.rules" --thresholds "$WORK/btx.tsv" | awk -F'\t' '$2 == "frequency" { print $1, $3 }' | sort -u > "$WORK/methods"
expect "[brand $b2] cut points apply to $b2 alone" "$(printf '%s quantile\n%s cuts' "$(head -1 "$WORK/methods" | cut -d' ' -f1)" "$b2")" "$(cat "$WORK/methods")"

# Quartiles: the example rules restate the segments for 4 bins.
crm-rfm --rules ../../rules/examples/rfm-quartiles.rules "$WORK/tx.tsv" > "$WORK/q.tsv"
n=$(tail -n +2 "$WORK/q.tsv" | cut -f5-7 | tr '\t' '\n' | sort -u | tr -d '\n')
expect "quartile scores run 1 to 4" 1234 "$n"

# The dashboard's document adds up.
crm-rfm --json "$WORK/tx.tsv" > "$WORK/rfm.json"
check "--json: segments, grid and customers agree" "[ -s $WORK/rfm.json ] && jq -e '.brands[0] as \$b | ([\$b.segments[].customers] | add) == \$b.customers and ([\$b.grid[][][0]] | add) == \$b.customers and (\$b.points | length) <= 2000 and (\$b.segments | length) == 10' $WORK/rfm.json"
n=$(jq '[.brands[0].segments[].monetary] | add * 100 | round' "$WORK/rfm.json")
m=$(tail -n +2 "$WORK/rfm.tsv" | awk -F'\t' '{ split($4, a, "."); s += a[1] * 100 + (substr($4, 1, 1) == "-" ? -a[2] : a[2]) } END { print s }')
expect "--json: segment monetary values add up to the rows'" "$m" "$n"

printf 'date\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-01\tc1\ts\tcapsule\t1\t1.5x\n' > "$WORK/bad.tsv"
printf 'rfm.bins = 4\n' > "$WORK/b4.rules"
golden errors
t "crm-agg ../crm-tier/data/signals_tx.tsv | crm-tier | crm-rfm --rules ../crm-tier/data/gold4.rules | head -n 1"
t crm-rfm "$WORK/bad.tsv"
t crm-rfm --as-of 2024-02-30 "$WORK/tx.tsv"
t "crm-agg $WORK/tx.tsv | crm-rfm --as-of 2024-12-15"
t crm-rfm --summary --json "$WORK/tx.tsv"
t "crm-rfm --rules $WORK/b4.rules $WORK/tx.tsv 2>&1 | head -3"
t "cut -f1,2,3,5,6 $WORK/tx.tsv | crm-rfm"
t "printf 'date\tcustomer_id\tsku\tcategory\tqty\tamount\n' | crm-rfm"
golden_end

# The category comes from the products file by sku, or from the category
# column: a sku the file lacks and an empty category are errors.
printf 'sku\tcategory\ns1\tcapsule\n' > "$WORK/products.tsv"
printf 'date\tcustomer_id\tsku\tqty\tamount\n2024-01-01\tc1\ts1\t1\t2.50\n2024-01-02\tc1\ts9\t1\t2.50\n' > "$WORK/nocat.tsv"
printf 'date\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-01\tc1\ts1\t\t1\t2.50\n' > "$WORK/emptycat.tsv"
golden category_errors
t crm-rfm --products "$WORK/products.tsv" "$WORK/nocat.tsv"
t "head -2 $WORK/nocat.tsv | crm-rfm --products $WORK/products.tsv | cut -f1-4"
t crm-rfm "$WORK/emptycat.tsv"
golden_end

# Sums of monetary values beyond 64 bits are errors, not wrapped figures.
printf 'date\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-05\tX1\ts\tcapsule\t1\t50000000000000000.00\n2024-01-05\tX2\ts\tcapsule\t1\t50000000000000000.00\n' > "$WORK/big.tsv"
printf 'rfm.weight.r = 5000000000000\nrfm.weight.f = 5000000000000\n' > "$WORK/wbig.rules"
printf 'rfm.weight.r = 4000000000000\n' > "$WORK/wr.rules"
golden overflow
t crm-rfm --rules "$WORK/wbig.rules" "$WORK/tx.tsv"
t "crm-rfm --rules $WORK/wr.rules $WORK/tx.tsv | cut -f1,5-8 | sed -n 1,4p"
t crm-rfm --as-of 2024-12-31 --summary "$WORK/big.tsv"
t crm-rfm --as-of 2024-12-31 --json "$WORK/big.tsv"
t "sed 's/^2024-01-05\tX/2024-01-05\tb\tX/; 1s/^date/date\tbrand/' $WORK/big.tsv | crm-rfm --as-of 2024-12-31 --summary"
golden_end
# One transaction reader (common/txread): crm-rfm stops on a bad transaction
# row with crm-agg's message, field for field, and the same exit status.
printf 'date\tbrand\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-05\t\tC1\ts\tcoffee\t1\t3.90\n' > "$WORK/tx_nobrand.tsv"
printf 'date\tbrand\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-05\ta\000b\tC1\ts\tcoffee\t1\t3.90\n' > "$WORK/tx_nulbrand.tsv"
awk 'BEGIN { k = sprintf("%1100s", ""); gsub(/ /, "k", k)
	printf "date\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-05\t%s\ts\tcoffee\t1\t3.90\n", k }' > "$WORK/tx_longkey.tsv"
awk 'BEGIN { k = sprintf("%1000s", ""); gsub(/ /, "k", k)
	printf "date\tbrand\tcustomer_id\tsku\tcategory\tqty\tamount\n2024-01-05\tbrand\t%s\ts\tcoffee\t1\t3.90\n", k }' > "$WORK/tx_longbkey.tsv"
for f in ../crm-agg/data/bad_amount.tsv ../crm-agg/data/bad_decimals.tsv ../crm-agg/data/bad_date.tsv \
	../crm-agg/data/bad_date_format.tsv ../crm-agg/data/bad_qty.tsv ../crm-agg/data/bad_fields.tsv \
	../crm-agg/data/empty_customer.tsv ../crm-agg/data/no_category.tsv "$WORK/tx_nobrand.tsv" \
	"$WORK/tx_nulbrand.tsv" "$WORK/tx_longkey.tsv" "$WORK/tx_longbkey.tsv"; do
	crm-agg "$f" > /dev/null 2> "$WORK/agg.err"; ra=$?
	crm-rfm "$f" > /dev/null 2> "$WORK/rfm.err"; rr=$?
	expect "one reader: $(basename "$f"): crm-rfm's error is crm-agg's" \
		"$ra $(sed 's/^crm-agg: //' "$WORK/agg.err")" "$rr $(sed 's/^crm-rfm: //' "$WORK/rfm.err")"
done

# Exact quantiles over hash partitions: each partition's --values, their
# --combine and each partition scored with --cuts give the rows of one run
# over all of them; the cut points are the nearest-rank quantiles python3
# computes from the single run's measures.
crm-gen --customers $CUST --months 14 --brands 2 --seed 5 > "$WORK/ptx.tsv"
crm-agg -o "$WORK/pall.tsv" "$WORK/ptx.tsv"
crm-rfm "$WORK/pall.tsv" > "$WORK/pone.tsv" 2> "$WORK/pone.err"
for i in 1 2 3; do
	crm-agg --partition $i/3 -o "$WORK/pm.$i" "$WORK/ptx.tsv"
	crm-rfm --values -o "$WORK/pv.$i" "$WORK/pm.$i"
done
crm-rfm --combine -o "$WORK/pcuts.tsv" "$WORK/pv.1" "$WORK/pv.2" "$WORK/pv.3" 2> "$WORK/pcomb.err"
expect "--combine: exit 0" 0 $?
for i in 1 2 3; do
	crm-rfm --cuts "$WORK/pcuts.tsv" "$WORK/pm.$i" > "$WORK/pr.$i" 2> /dev/null
done
{ head -n 1 "$WORK/pr.1"; for i in 1 2 3; do tail -n +2 "$WORK/pr.$i"; done | sort -t "$(printf '\t')" -k1,1 -k2,2; } > "$WORK/pmerged.tsv"
same "3 partitions scored with the combined cut points: the single run's rows" "$WORK/pone.tsv" "$WORK/pmerged.tsv"
same "--combine says the empty scores the single run says" "$WORK/pone.err" "$WORK/pcomb.err"
crm-rfm "$WORK/pm.1" 2> /dev/null > "$WORK/palone.tsv"
check "a partition scored on its own quantiles differs" "! cmp -s $WORK/palone.tsv $WORK/pr.1"
python3 - "$WORK/pone.tsv" > "$WORK/pcuts.py" <<'PY'
import sys, math
from decimal import Decimal
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
print("brand\tmeasure\tcustomers\tcuts\trules_id")
for b in sorted({r[0] for r in rows}):
    mine = [r for r in rows if r[0] == b]
    for name, col, conv in (("recency", 2, int), ("frequency", 3, int), ("monetary", 4, Decimal)):
        v = sorted(conv(r[col]) for r in mine)
        n = len(v)
        cuts = [v[max(math.ceil(k * n / 5), 1) - 1] for k in range(1, 5)]
        fmt = (lambda x: f"{x:.2f}") if name == "monetary" else str
        print(f"{b}\t{name}\t{n}\t{','.join(fmt(c) for c in cuts)}\tID")
PY
sed 's/\t[0-9a-f]\{16\}$/\tID/' "$WORK/pcuts.tsv" > "$WORK/pcuts.ours"
same "--combine's cut points are python3's nearest-rank quintiles" "$WORK/pcuts.py" "$WORK/pcuts.ours"

# The hand-made ties in 3 partitions: equal cut points, which rules cut
# points could not say, give the scores of one run.
crm-agg --as-of 2024-12-31 data/ties.tsv | crm-rfm 2> /dev/null | tail -n +2 | sort > "$WORK/tone.rows"
for i in 1 2 3; do
	crm-agg --as-of 2024-12-31 --partition $i/3 data/ties.tsv | crm-rfm --values > "$WORK/tv.$i"
done
crm-rfm --combine "$WORK/tv.1" "$WORK/tv.2" "$WORK/tv.3" > "$WORK/tcuts.tsv" 2> /dev/null
for i in 1 2 3; do
	crm-agg --as-of 2024-12-31 --partition $i/3 data/ties.tsv | crm-rfm --cuts "$WORK/tcuts.tsv" 2> /dev/null |
		tail -n +2
done | sort > "$WORK/tparts.rows"
same "hand-made ties in 3 partitions: the single run's rows" "$WORK/tone.rows" "$WORK/tparts.rows"
check "the ties give equal cut points" "grep -Eq '(^|[[:space:],])([0-9.]+),\\2([,[:space:]])' $WORK/tcuts.tsv"

printf 'rfm.weight.r = 2\n' > "$WORK/w2.rules"
printf 'brand\tmeasure\tcustomers\tcuts\trules_id\nalpina\trecency\t9\t1,2,3\t%s\n' "$(cut -f5 "$WORK/pcuts.tsv" | sed -n 2p)" > "$WORK/short.cuts"
grep -v '^borealis' "$WORK/pcuts.tsv" > "$WORK/onebrand.cuts"
sed '2s/\trecency\t/\trecent\t/' "$WORK/pcuts.tsv" > "$WORK/badmeasure.cuts"
golden partitions
t "crm-rfm --rules $WORK/w2.rules --cuts $WORK/pcuts.tsv $WORK/pm.1 2>&1 | sed 's/[0-9a-f]\\{16\\}/FINGERPRINT/'"
t "crm-rfm --rules $WORK/w2.rules --combine $WORK/pv.1 2>&1 | sed 's/[0-9a-f]\\{16\\}/FINGERPRINT/'"
t crm-rfm --cuts "$WORK/short.cuts" "$WORK/pm.1"
t crm-rfm --cuts "$WORK/onebrand.cuts" "$WORK/pm.1"
t crm-rfm --cuts "$WORK/badmeasure.cuts" "$WORK/pm.1"
t crm-rfm --combine
t crm-rfm --values --json "$WORK/pm.1"
t "crm-rfm --combine $WORK/pv.1 $WORK/pm.1"
golden_end
finish
