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

head -n 3 "$WORK/tier.tsv" > "$WORK/head.tsv"
sed -n '1p;3p' "$WORK/tier.tsv" > "$WORK/gap.tsv"
golden errors
t crm-lifecycle "$WORK/gap.tsv"
t "cut -f1-18 $WORK/tier.tsv | crm-lifecycle"
t "sed '2s/\t0\tpassive/\tx\tpassive/' $WORK/head.tsv | crm-lifecycle"
t crm-lifecycle "$WORK/tier.tsv" "$WORK/tier.tsv"
golden_end
finish
