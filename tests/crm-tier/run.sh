#!/bin/sh
# crm-tier (and the signal pipeline): hand-made customers at every edge,
# errors, and every signal on generated data against one sqlite3 script.
. ../lib.sh

# data/signals_tx.tsv has one customer per edge; see the comments of the
# script that made it in the suite's history. The goldens show every figure
# with the rule that decided it (--explain), checked by hand.
crm-agg data/signals_tx.tsv > "$WORK/agg.tsv"
golden signals
t crm-tier --explain "$WORK/agg.tsv"
t "crm-tier --from 2024-11 --to 2025-01 $WORK/agg.tsv | cut -f1,2,11-19"
t "crm-agg data/brands_tx.tsv | crm-tier --explain --rules data/brand.rules"
t "crm-agg data/brands_tx.tsv | crm-tier --rules data/brand.rules | crm-lifecycle --rules data/brand.rules --explain | cut -f1-3,13-"
t "crm-tier --stats --to 2024-06 $WORK/agg.tsv > /dev/null"
golden_end

# Errors: order, columns, the period end.
printf 'customer_id\tmonth\torders\tamount\tlast_date\tperiod_end\nc2\t2024-01\t1\t1.00\t2024-01-02\t2024-02\nc1\t2024-02\t1\t1.00\t2024-02-02\t2024-02\n' > "$WORK/unsorted.tsv"
printf 'customer_id\tmonth\torders\tamount\tlast_date\tperiod_end\nc1\t2024-02\t1\t1.00\t2024-02-02\t2024-02\nc1\t2024-02\t1\t1.00\t2024-02-03\t2024-02\n' > "$WORK/twice.tsv"
printf 'customer_id\tmonth\torders\tamount\tlast_date\nc1\t2024-02\t1\t1.00\t2024-02-02\n' > "$WORK/no_period.tsv"
printf 'customer_id\tmonth\torders\tamount\tlast_date\tperiod_end\nc1\t2024-02\t1\t1.00\t2024-03-02\t2024-03\n' > "$WORK/bad_last.tsv"
golden errors
t crm-tier "$WORK/unsorted.tsv"
t crm-tier "$WORK/twice.tsv"
t crm-tier "$WORK/no_period.tsv"
t crm-tier --to 2024-03 "$WORK/no_period.tsv"
t crm-tier "$WORK/bad_last.tsv"
t crm-tier data/signals_tx.tsv
t crm-tier --to 2024-13 "$WORK/agg.tsv"
t crm-tier --from 2024-06 --to 2024-05 "$WORK/agg.tsv"
t "crm-tier --from 2024-06 $WORK/agg.tsv | crm-lifecycle"
t "crm-tier $WORK/agg.tsv | crm-churn | sed -n 1,3p"
t crm-lifecycle "$WORK/agg.tsv"
t 'crm-tier data/none.tsv'
golden_end

# Sums beyond 64 bits: every tool names the customer or the total and the
# month. 50000000000000000.00 is 5e18 cents; two of them overflow.
big=50000000000000000.00
tx() { printf 'customer_id\tdate\tsku\tcategory\tqty\tamount\n'; printf '%s\t%s\ts\tcapsule\t1\t%s\n' "$@"; }
tx X1 2024-01-05 $big X1 2024-02-05 $big > "$WORK/big_one.tsv"
tx X1 2024-01-05 $big X2 2024-01-05 $big > "$WORK/big_two.tsv"
tx X1 2024-01-05 $big X1 2024-03-05 $big X1 2024-05-05 $big > "$WORK/big_gaps.tsv"
tx X1 2024-01-05 $big X1 2024-07-05 $big X2 2024-12-05 1.00 > "$WORK/big_year.tsv"
tx X1 2024-01-05 -$big X1 2024-02-05 $big X1 2024-03-05 $big X2 2024-05-05 1.00 > "$WORK/big_swing.tsv"
printf 'window.monetary_months = 2\nchurn.recent_months = 1\n' > "$WORK/w2.rules"
printf 'window.monetary_months = 3\nchurn.recent_months = 1\n' > "$WORK/w3.rules"
printf 'churn.tiers = diamond,platinum,gold,silver,bronze\nchurn.recent_months = 1\n' > "$WORK/churn_all.rules"
# The sums that overflow only in a later stage need a wider window there
# than in crm-tier, which would overflow first: relabel RULES puts the
# fingerprint of RULES on the rows so that the stage takes them.
cat > "$WORK/relabel" <<'SH'
#!/bin/sh
awk -v id="$(crm-rules id "$1")" 'BEGIN { FS = OFS = "\t" } NR > 1 { $NF = id } 1'
SH
chmod +x "$WORK/relabel"
golden overflow
t "crm-agg $WORK/big_one.tsv | crm-tier"
t "crm-agg $WORK/big_swing.tsv | crm-tier --rules $WORK/w3.rules | cut -f1,2,15"
t "crm-agg $WORK/big_gaps.tsv | crm-tier --rules $WORK/w2.rules | cut -f1,2,15"
t "crm-agg $WORK/big_gaps.tsv | crm-tier --rules $WORK/w2.rules | $WORK/relabel $WORK/churn_all.rules | crm-churn --rules $WORK/churn_all.rules | cut -f1,2,15,20-"
t "crm-agg $WORK/big_two.tsv | crm-tier | crm-lifecycle | crm-churn | crm-json -o $WORK/j.json && grep -o '\"inactive\":0,\"value\":[^,]*' $WORK/j.json"
t "crm-agg $WORK/big_year.tsv | crm-tier --rules $WORK/w2.rules | $WORK/relabel /dev/null | crm-lifecycle | crm-churn | crm-json -o $WORK/j.json && grep -o '\"end\":\"2024-12\",\"value\":[^,]*' $WORK/j.json"
golden_end

# Dates before 1970 (negative day numbers) work like any others: a history
# in 1965 gives the figures of the same history in 2025 (both years have 365
# days and the same calendar), and year 1 works too.
tx O1 1965-01-05 100.00 O1 1965-02-07 100.00 O1 1965-03-09 100.00 O1 1965-04-11 100.00 \
	O1 1965-05-13 100.00 O1 1965-06-15 100.00 O2 1965-09-30 10.00 > "$WORK/y1965.tsv"
sed 's/\t1965-/\t2025-/' "$WORK/y1965.tsv" > "$WORK/y2025.tsv"
tx A1 0001-01-01 5.00 A1 0001-03-01 5.00 > "$WORK/y0001.tsv"
pipeline() { crm-agg "$1" | crm-tier | crm-lifecycle | crm-churn --explain; }
golden before_1970
t "crm-agg $WORK/y1965.tsv | crm-tier | crm-lifecycle | crm-churn --explain | cut -f1,2,6,7,12-"
t "crm-agg $WORK/y0001.tsv | crm-tier --explain | cut -f1,2,12-"
golden_end
pipeline "$WORK/y1965.tsv" | sed 's/1965-/2025-/g' > "$WORK/p1965.tsv"
pipeline "$WORK/y2025.tsv" > "$WORK/p2025.tsv"
same "1965 gives the figures of 2025 through crm-churn" "$WORK/p2025.tsv" "$WORK/p1965.tsv"
pipeline "$WORK/y1965.tsv" | crm-json | sed 's/1965-/2025-/g' > "$WORK/j1965.json"
pipeline "$WORK/y2025.tsv" | crm-json > "$WORK/j2025.json"
same "1965 gives the figures of 2025 through crm-json" "$WORK/j2025.json" "$WORK/j1965.json"
check "and the churn pass finds risk there" "grep -q 'lapse+decline' $WORK/p1965.tsv"

# One date far beyond the others: crm-agg stops (see its suite); with a
# limit raised past it, crm-tier refuses to write a row for every month.
tx F1 2024-01-05 10.00 F2 9999-12-31 10.00 > "$WORK/far.tsv"
printf 'period.max_months = 120000\n' > "$WORK/long.rules"
golden period
t "crm-agg --rules $WORK/long.rules $WORK/far.tsv | crm-tier -o $WORK/far_tier.tsv && wc -l < $WORK/far_tier.tsv"
t "crm-agg --rules $WORK/long.rules $WORK/far.tsv | crm-tier --rules $WORK/long.rules | wc -l"
t crm-tier --to 2040-01 "$WORK/agg.tsv"
t "crm-agg --to 2024-12 $WORK/far.tsv | crm-tier | wc -l"
golden_end

# A tool given its own output again: the columns it adds are there already.
golden reruns
t "crm-tier $WORK/agg.tsv | crm-tier"
t "crm-tier $WORK/agg.tsv | crm-lifecycle | crm-lifecycle"
t "crm-tier $WORK/agg.tsv | crm-churn | crm-churn --explain"
t "crm-tier $WORK/agg.tsv | crm-lifecycle | crm-churn | crm-tier --to 2024-12"
golden_end

# Rows out of order: every tool names the customer and the months.
crm-tier "$WORK/agg.tsv" > "$WORK/tier.tsv"
crm-lifecycle "$WORK/tier.tsv" | crm-churn > "$WORK/full.tsv"
{ sed 1q "$WORK/tier.tsv"; sed 1d "$WORK/tier.tsv" | sort -r; } > "$WORK/reversed.tsv"
{ sed 1q "$WORK/tier.tsv"; sed 1d "$WORK/tier.tsv" | awk 'NR % 7 != 3'; } > "$WORK/holes.tsv"
golden unsorted
t "{ sed 1q $WORK/agg.tsv; sed 1d $WORK/agg.tsv | sort -r; } | crm-tier"
t crm-lifecycle "$WORK/reversed.tsv"
t crm-churn "$WORK/reversed.tsv"
t "{ sed 1q $WORK/full.tsv; sed 1d $WORK/full.tsv | sort -r; } | crm-json"
t crm-lifecycle "$WORK/holes.tsv"
t crm-churn "$WORK/holes.tsv"
golden_end

# ---- properties on generated data ----
if [ "$SAN" = 1 ]; then CUST=600; else CUST=4000; fi
crm-gen --customers $CUST --months 30 --seed 21 | crm-agg > "$WORK/gagg.tsv"
crm-tier "$WORK/gagg.tsv" | crm-lifecycle | crm-churn > "$WORK/sig.tsv"
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { print $1, $2, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22 }' \
	"$WORK/sig.tsv" > "$WORK/ours.tsv"
sqlite3 -batch :memory: -cmd '.mode tabs' -cmd ".import $WORK/gagg.tsv agg" < signals.sql > "$WORK/sql.tsv"
same "every signal equals the sqlite3 computation, row for row" "$WORK/sql.tsv" "$WORK/ours.tsv"
for v in diamond platinum gold silver bronze passive new lost reactivated lapse decline lapse+decline; do
	check "generated data reaches '$v'" "awk -F'\t' '\$10 == \"$v\" || \$11 == \"$v\" || \$13 == \"$v\"' $WORK/ours.tsv | grep -q ."
done
rows=$(($(wc -l < "$WORK/sig.tsv") - 1))
expect "one row per customer and month from the first purchase" "$rows" \
	"$(awk -F'\t' 'NR > 1 { pe = substr($11,1,4) * 12 + substr($11,6,2); m = substr($2,1,4) * 12 + substr($2,6,2); if (!($1 in f) || m < f[$1]) f[$1] = m }
		END { for (c in f) n += pe - f[c] + 1; print n }' "$WORK/gagg.tsv")"

# Averages a hair below a minimum print rounded up to it: 119.99 over 6
# months prints avg_monthly 20.00 but is below silver's 20, and 3 orders of
# 119.99 print avg_order 40.00 but are below gold's 40. The tools and the
# sqlite3 script compare exactly and must agree; E2 and E4 sit exactly on
# the minimums and make them.
printf 'customer_id\tdate\tsku\tcategory\tqty\tamount\n' > "$WORK/edge_tx.tsv"
printf '%s\t%s\ts\tcapsule\t1\t%s\n' E1 2024-01-05 59.99 E1 2024-06-05 60.00 \
	E2 2024-01-05 60.00 E2 2024-06-05 60.00 \
	E3 2024-06-05 40.00 E3 2024-06-06 40.00 E3 2024-06-07 39.99 \
	E4 2024-06-05 40.00 E4 2024-06-06 40.00 E4 2024-06-07 40.00 >> "$WORK/edge_tx.tsv"
crm-agg "$WORK/edge_tx.tsv" > "$WORK/eagg.tsv"
crm-tier "$WORK/eagg.tsv" | crm-lifecycle | crm-churn | awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 {
	print $1, $2, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22 }' > "$WORK/eours.tsv"
sqlite3 -batch :memory: -cmd '.mode tabs' -cmd ".import $WORK/eagg.tsv agg" < signals.sql > "$WORK/esql.tsv"
same "averages just below a minimum: tiers equal the exact sqlite3 computation" "$WORK/esql.tsv" "$WORK/eours.tsv"
expect "119.99 over 6 months is bronze, not silver" bronze "$(awk -F'\t' '$1 == "E1" && $2 == "2024-06" { print $10 }' "$WORK/eours.tsv")"
expect "120.00 over 6 months is silver" silver "$(awk -F'\t' '$1 == "E2" && $2 == "2024-06" { print $10 }' "$WORK/eours.tsv")"
expect "3 orders of 119.99 are silver, not gold" silver "$(awk -F'\t' '$1 == "E3" { print $10 }' "$WORK/eours.tsv")"
expect "3 orders of 120.00 are gold" gold "$(awk -F'\t' '$1 == "E4" { print $10 }' "$WORK/eours.tsv")"
golden exact
t "crm-tier --explain $WORK/eagg.tsv | cut -f1,2,14-"
golden_end

# One threshold changed: exactly the gold rows with 3 orders change, to a
# lower tier; nothing else moves but the rules_id column, the last.
crm-tier "$WORK/gagg.tsv" > "$WORK/t1.tsv"
crm-tier --rules data/gold4.rules "$WORK/gagg.tsv" > "$WORK/t2.tsv"
paste "$WORK/t1.tsv" "$WORK/t2.tsv" | awk -F'\t' 'NR > 1 && $0 != "" {
	n = split($0, f, "\t"); h = n / 2; diff = 0
	for (i = 1; i < h; i++) if (f[i] != f[i + h]) diff = 1
	want = f[19] == "gold" && f[14] == 3
	if (diff != want) bad++
	if (diff && f[19 + h] != "silver" && f[19 + h] != "bronze") bad++
	changed += diff
} END { print bad + 0, changed + 0 }' > "$WORK/cmp"
read bad changed < "$WORK/cmp"
expect "tier.gold.min_orders 3 -> 4 changes exactly gold rows with 3 orders" "0" "$bad"
check "and there were such rows ($changed)" "[ $changed -gt 0 ]"

crm-tier "$WORK/gagg.tsv" | cmp -s - "$WORK/t1.tsv"
expect "rerun gives the same bytes" 0 $?

finish
