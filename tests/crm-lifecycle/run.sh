#!/bin/sh
# crm-lifecycle: events of the hand-made customers of ../crm-tier/data, and
# errors. Every event is also checked on generated data against sqlite3 in
# the crm-tier suite.
. ../lib.sh

crm-agg ../crm-tier/data/signals_tx.tsv | crm-tier > "$WORK/tier.tsv"
golden events
t "crm-lifecycle --explain $WORK/tier.tsv | awk -F'\t' 'NR == 1 || \$20 != \"\"' | cut -f1,2,18-"
t "crm-lifecycle --from 2024-06 --stats $WORK/tier.tsv | cut -f1,2,20 | head -n 3"
golden_end

head -n 3 "$WORK/tier.tsv" > "$WORK/head.tsv"
sed -n '1p;3p' "$WORK/tier.tsv" > "$WORK/gap.tsv"
golden errors
t crm-lifecycle "$WORK/gap.tsv"
t "cut -f1-17 $WORK/tier.tsv | crm-lifecycle"
t "sed '2s/\t0\tpassive/\tx\tpassive/' $WORK/head.tsv | crm-lifecycle"
t crm-lifecycle "$WORK/tier.tsv" "$WORK/tier.tsv"
golden_end
# Rows are split only as far as the columns read: the field count is still
# checked past them, and CRLF lines and every read size give the same rows.
crm-lifecycle "$WORK/tier.tsv" > "$WORK/ref.tsv"
nf=$(head -n 1 "$WORK/tier.tsv" | awk -F'\t' '{ print NF }')
sed '3s/$/\textra/' "$WORK/tier.tsv" | crm-lifecycle > /dev/null 2> "$WORK/err"
expect "a field too many past the columns read" "crm-lifecycle: stdin:3: expected $nf fields, found $((nf + 1))" "$(cat "$WORK/err")"
sed '3s/\t[^\t]*$//' "$WORK/tier.tsv" | crm-lifecycle > /dev/null 2> "$WORK/err"
expect "a field too few past the columns read" "crm-lifecycle: stdin:3: expected $nf fields, found $((nf - 1))" "$(cat "$WORK/err")"
sed 's/$/\r/' "$WORK/tier.tsv" | crm-lifecycle > "$WORK/o.tsv"
same "CRLF lines" "$WORK/ref.tsv" "$WORK/o.tsv"
bad=""
for n in $(seq 1 48); do
	CRM_TEST_READ_SIZE=$n crm-lifecycle "$WORK/tier.tsv" > "$WORK/o.tsv" 2>&1
	cmp -s "$WORK/o.tsv" "$WORK/ref.tsv" || bad="$bad $n"
done
expect "read in chunks of 1..48 bytes" "" "$bad"

finish
