#!/bin/sh
# crm-churn: both reasons, alone and together, at their boundaries, on the
# hand-made customers of ../crm-tier/data; brand rules; errors. Risk is also
# checked on generated data against sqlite3 in the crm-tier suite.
. ../lib.sh

crm-agg --as-of 2024-12-31 ../crm-tier/data/signals_tx.tsv | crm-tier | crm-lifecycle > "$WORK/life.tsv"
golden risk
t "crm-churn --explain --stats $WORK/life.tsv | awk -F'\t' 'NR == 1 || \$23 == 1 || (\$1 == \"c12\" && \$2 == \"2024-10\")' | cut -f1,2,14,20,23-"
golden_end

cat > "$WORK/slow.rules" <<'R'
# Lapse needs three times the mean gap; decline a drop below 80%.
churn.gap_factor = 3.0
churn.drop_ratio = 0.8
R
cat > "$WORK/bad.rules" <<'R'
churn.recent_months = 12
R
golden rules
t "crm-agg --rules $WORK/slow.rules --as-of 2024-12-31 ../crm-tier/data/signals_tx.tsv | crm-tier --rules $WORK/slow.rules | crm-lifecycle --rules $WORK/slow.rules | crm-churn --rules $WORK/slow.rules | awk -F'\t' 'NR == 1 || \$23 == 1' | cut -f1,2,23,24"
t crm-churn --rules "$WORK/bad.rules" "$WORK/life.tsv"
t "cut -f1-19 $WORK/life.tsv | crm-churn"
golden_end
# Rows are split only as far as the columns read: the field count is still
# checked past them, and CRLF lines and every read size give the same rows.
crm-churn "$WORK/life.tsv" > "$WORK/ref.tsv"
nf=$(head -n 1 "$WORK/life.tsv" | awk -F'\t' '{ print NF }')
sed '3s/$/\textra/' "$WORK/life.tsv" | crm-churn > /dev/null 2> "$WORK/err"
expect "a field too many past the columns read" "crm-churn: stdin:3: expected $nf fields, found $((nf + 1))" "$(cat "$WORK/err")"
sed '3s/\t[^\t]*$//' "$WORK/life.tsv" | crm-churn > /dev/null 2> "$WORK/err"
expect "a field too few past the columns read" "crm-churn: stdin:3: expected $nf fields, found $((nf - 1))" "$(cat "$WORK/err")"
sed 's/$/\r/' "$WORK/life.tsv" | crm-churn > "$WORK/o.tsv"
same "CRLF lines" "$WORK/ref.tsv" "$WORK/o.tsv"
bad=""
for n in $(seq 1 48); do
	CRM_TEST_READ_SIZE=$n crm-churn "$WORK/life.tsv" > "$WORK/o.tsv" 2>&1
	cmp -s "$WORK/o.tsv" "$WORK/ref.tsv" || bad="$bad $n"
done
expect "read in chunks of 1..48 bytes" "" "$bad"

finish
