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
check_split crm-churn "$WORK/life.tsv"

finish
