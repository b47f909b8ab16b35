#!/bin/sh
# crm-tier (and the signal pipeline): hand-made customers at every edge,
# errors, and every signal on generated data against one sqlite3 script.
. ../lib.sh

# data/signals_tx.tsv has one customer per edge; see the comments of the
# script that made it in the suite's history. The goldens show every figure
# with the rule that decided it (--explain), checked by hand.
crm-agg --as-of 2024-12-31 data/signals_tx.tsv > "$WORK/agg.tsv"
golden signals
t crm-tier --explain "$WORK/agg.tsv"
t "crm-tier --from 2024-11 --to 2025-01 $WORK/agg.tsv | cut -f1,2,12-21"
t "crm-agg --as-of 2024-12-31 data/brands_tx.tsv | crm-tier --explain --rules data/brand.rules"
t "crm-agg --as-of 2024-12-31 data/brands_tx.tsv | crm-tier --rules data/brand.rules | crm-lifecycle --rules data/brand.rules --explain | cut -f1-3,14-"
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
t "crm-tier $WORK/agg.tsv | crm-churn | head -n 3"
t crm-lifecycle "$WORK/agg.tsv"
t 'crm-tier data/none.tsv'
golden_end

# ---- properties on generated data ----
if [ "$SAN" = 1 ]; then CUST=600; else CUST=4000; fi
crm-gen --customers $CUST --months 30 --seed 21 | crm-agg > "$WORK/gagg.tsv"
crm-tier "$WORK/gagg.tsv" | crm-lifecycle | crm-churn > "$WORK/sig.tsv"
awk -F'\t' 'BEGIN { OFS = "\t" } NR > 1 { print $1, $2, $13, $14, $15, $16, $17, $18, $19, $20, $22, $23, $24 }' \
	"$WORK/sig.tsv" > "$WORK/ours.tsv"
sqlite3 -batch :memory: -cmd '.mode tabs' -cmd ".import $WORK/gagg.tsv agg" < signals.sql > "$WORK/sql.tsv"
same "every signal equals the sqlite3 computation, row for row" "$WORK/sql.tsv" "$WORK/ours.tsv"
for v in diamond platinum gold silver bronze passive new lost reactivated lapse decline lapse+decline; do
	check "generated data reaches '$v'" "awk -F'\t' '\$10 == \"$v\" || \$11 == \"$v\" || \$13 == \"$v\"' $WORK/ours.tsv | grep -q ."
done
rows=$(($(wc -l < "$WORK/sig.tsv") - 1))
expect "one row per customer and month from the first purchase" "$rows" \
	"$(awk -F'\t' 'NR > 1 { pe = substr($12,1,4) * 12 + substr($12,6,2); m = substr($2,1,4) * 12 + substr($2,6,2); if (!($1 in f) || m < f[$1]) f[$1] = m }
		END { for (c in f) n += pe - f[c] + 1; print n }' "$WORK/gagg.tsv")"

# One threshold changed: exactly the gold rows with 3 orders change, to a
# lower tier; nothing else moves.
crm-tier "$WORK/gagg.tsv" > "$WORK/t1.tsv"
crm-tier --rules data/gold4.rules "$WORK/gagg.tsv" > "$WORK/t2.tsv"
paste "$WORK/t1.tsv" "$WORK/t2.tsv" | awk -F'\t' 'NR > 1 && $0 != "" {
	n = split($0, f, "\t"); h = n / 2; diff = 0
	for (i = 1; i <= h; i++) if (f[i] != f[i + h]) diff = 1
	want = f[20] == "gold" && f[15] == 3
	if (diff != want) bad++
	if (diff && f[20 + h] != "silver" && f[20 + h] != "bronze") bad++
	changed += diff
} END { print bad + 0, changed + 0 }' > "$WORK/cmp"
read bad changed < "$WORK/cmp"
expect "tier.gold.min_orders 3 -> 4 changes exactly gold rows with 3 orders" "0" "$bad"
check "and there were such rows ($changed)" "[ $changed -gt 0 ]"

crm-tier "$WORK/gagg.tsv" | cmp -s - "$WORK/t1.tsv"
expect "rerun gives the same bytes" 0 $?

finish
