#!/bin/sh
# crm-lifecycle: events of the hand-made customers of ../crm-tier/data, and
# errors. Every event is also checked on generated data against sqlite3 in
# the crm-tier suite.
. ../lib.sh

crm-agg --as-of 2024-12-31 ../crm-tier/data/signals_tx.tsv | crm-tier > "$WORK/tier.tsv"
golden events
t "crm-lifecycle --explain $WORK/tier.tsv | awk -F'\t' 'NR == 1 || \$22 != \"\"' | cut -f1,2,19-"
t "crm-lifecycle --from 2024-06 --stats $WORK/tier.tsv | cut -f1,2,22 | head -n 3"
golden_end

# ---- warm-up: the data start after the customers' history ----
# data/warmup_tx.tsv from 2022; the export below starts on 2023-01-05, and
# window.activity_months = 3 makes 2023-01 to 2023-03 its warm-up months.
# In the whole data w1 is reactivated in 2023-03 (last order 2022-01) and w3
# lost in 2023-03 (last order 2022-12); the export cannot know either.
R=data/wa3.rules
awk -F'\t' 'NR == 1 || $1 >= "2023-01-01"' data/warmup_tx.tsv > "$WORK/export.tsv"
crm-agg --rules $R data/warmup_tx.tsv | crm-tier --rules $R | crm-lifecycle --rules $R > "$WORK/whole.tsv"
crm-agg --rules $R "$WORK/export.tsv" | crm-tier --rules $R | crm-lifecycle --rules $R --explain > "$WORK/cut.tsv"
golden warmup
t "awk -F'\t' 'NR == 1 || \$21 == 1 || \$22 != \"\"' $WORK/cut.tsv | cut -f1,2,11,12,21-"
golden_end
warm_events() {
	awk -F'\t' '$2 >= "2023-01" && $2 <= "2023-03" && ($22 == "lost" || $22 == "reactivated") { printf "%s %s %s;", $1, $2, $22 }' "$1"
}
expect "whole data: w1 reactivated and w3 lost in 2023-03" "w1 2023-03 reactivated;w3 2023-03 lost;" "$(warm_events "$WORK/whole.tsv")"
expect "export: no one lost or reactivated in its warm-up months" "" "$(warm_events "$WORK/cut.tsv")"
expect "export: warmup marks 2023-01 to 2023-03, and only them" "2023-01 2023-02 2023-03 " \
	"$(awk -F'\t' 'NR > 1 && $21 == 1 { print $2 }' "$WORK/cut.tsv" | sort -u | tr '\n' ' ')"

head -n 3 "$WORK/tier.tsv" > "$WORK/head.tsv"
sed -n '1p;3p' "$WORK/tier.tsv" > "$WORK/gap.tsv"
golden errors
t crm-lifecycle "$WORK/gap.tsv"
t "cut -f1-18 $WORK/tier.tsv | crm-lifecycle"
t "sed '2s/\t0\tpassive/\tx\tpassive/' $WORK/head.tsv | crm-lifecycle"
t crm-lifecycle "$WORK/tier.tsv" "$WORK/tier.tsv"
golden_end
# Rows are split only as far as the columns read: the field count is still
# checked past them, and CRLF lines and every read size give the same rows.
check_split crm-lifecycle "$WORK/tier.tsv"

finish
