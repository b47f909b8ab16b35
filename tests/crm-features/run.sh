#!/bin/sh
# crm-features: golden rows of a hand-made history (label boundaries at 90
# and 91 days, gaps within a month, a return after a year, machines and
# accessories); no leakage (changes after a snapshot's as-of day leave its
# features alone, over several seeded random changes); features and labels
# against an independent computation from the raw transactions (python3);
# determinism; the sample rows kept for model work; errors.
. ../lib.sh

signals() {
	crm-agg "$@" | crm-tier | crm-lifecycle | crm-churn
}
signals --as-of 2024-12-31 data/hand_tx.tsv > "$WORK/hand.tsv"
cat > "$WORK/all.rules" <<'R'
features.population = all
features.snapshot_step = 6
R
golden hand
t crm-features --stats "$WORK/hand.tsv"
t "CRM_RULES=$WORK/all.rules sh -c 'crm-agg --as-of 2024-12-31 data/hand_tx.tsv | crm-tier | crm-lifecycle | crm-churn | crm-features' | cut -f1-5,31-"
t crm-features --snapshot 2024-12 "$WORK/hand.tsv" | cut -f1-4,36-
# A partial last month: measured to its as-of day, unlabelled.
t "crm-agg --as-of 2024-12-20 data/hand_tx.tsv | crm-tier | crm-features --snapshot 2024-12 | cut -f1-12,31-"
golden_end

# ---- generated data with the churn process ----
if [ "$SAN" = 1 ]; then N=300; else N=2000; fi
crm-gen --customers $N --months 30 --seed 21 --churn-process --brands 2 > "$WORK/tx.tsv"
signals "$WORK/tx.tsv" > "$WORK/sig.tsv"
crm-features --stats "$WORK/sig.tsv" > "$WORK/f.tsv" 2> "$WORK/stats"
rows=$(($(wc -l < "$WORK/sig.tsv") - 1))
out=$(($(wc -l < "$WORK/f.tsv") - 1))
check "--stats: rows read = snapshot rows written + rows left out" \
	"grep -q '^crm-features: $rows rows read ([0-9]* customers): $out snapshot rows written, $((rows - out)) left out' $WORK/stats"
check "every value of a feature or label is a number or empty" \
	"awk -F'\t' 'NR > 1 { for (i = 4; i < NF; i++) if (\$i != \"\" && \$i !~ /^-?[0-9]+(\\.[0-9]+)?\$/) exit 1 }' $WORK/f.tsv"

# Labels and features against python3 reading the raw transactions.
if /usr/bin/python3 -c 'import sys' 2> /dev/null; then
	check "labels, population and window features agree with python3 on the raw transactions" \
		"/usr/bin/python3 ref.py $WORK/tx.tsv $WORK/f.tsv"
else
	skip "python3 reference"
fi

# --clv-params: crm-clv's BG/NBD fitted on the whole period scores each
# snapshot from the purchases up to its as-of day.
crm-agg "$WORK/tx.tsv" | crm-clv --fit-only > "$WORK/p.json"
crm-features --clv-params "$WORK/p.json" "$WORK/sig.tsv" > "$WORK/fc.tsv"
check "--clv-params: p_alive, exp_purchases and exp_revenue come before the labels" \
	"head -n 1 $WORK/fc.tsv | grep -q 'warmup	p_alive	exp_purchases	exp_revenue	label_churn	'"
cut -f1-38,42- "$WORK/fc.tsv" > "$WORK/fc.rest"
same "--clv-params leaves the other columns as they were" "$WORK/f.tsv" "$WORK/fc.rest"
check "every row of a customer with a purchase has p_alive in [0, 1], exp_purchases and exp_revenue" \
	"awk -F'\t' 'NR > 1 && \$4 != \"\" && !(\$39 >= 0 && \$39 <= 1 && \$40 >= 0 && \$41 != \"\") { exit 1 }' $WORK/fc.tsv"
# P(alive) at a snapshot is crm-clv's with the same parameters on the
# monthly rows cut at its as-of day: the last month, and a year before.
# (crm-clv writes 6 decimals, crm-features 4: they agree to rounding)
for snap in 2025-06 2024-06; do
	crm-agg --to $snap "$WORK/tx.tsv" | crm-clv --params "$WORK/p.json" > "$WORK/clv.tsv"
	crm-features --snapshot $snap --clv-params "$WORK/p.json" "$WORK/sig.tsv" > "$WORK/snap.tsv"
	check "--clv-params: p_alive at the $snap snapshot is crm-clv --params' on the rows up to its as-of day" \
		"awk -F'\t' 'FNR == 1 { next } NR == FNR { pa[\$1 FS \$2] = \$8; next }
			{ n++; d = \$39 - pa[\$1 FS \$2]; if (!(\$1 FS \$2 in pa) || d > 0.0000501 || d < -0.0000501) exit 1 }
			END { if (!n) exit 1 }' $WORK/clv.tsv $WORK/snap.tsv"
done
if /usr/bin/python3 -c 'import scipy' 2> /dev/null; then
	check "--clv-params: p_alive and exp_purchases of every snapshot agree with python3 (scipy) on the raw transactions" \
		"/usr/bin/python3 clvref.py $WORK/tx.tsv $WORK/fc.tsv $WORK/p.json"
else
	skip "python3 scipy reference"
fi

# Leakage: for three snapshots, change the transactions after the as-of
# day (amounts, deletions, dates moved later, new lines of old and new
# customers; the last line, which sets the period end, stays) by several
# seeded random edits: every feature of the snapshot stays the same, the
# columns of --clv-params included.
# The feature columns end before label_churn; the labels follow it.
nf=$(head -n 1 "$WORK/fc.tsv" | tr '\t' '\n' | grep -nx label_churn | cut -d: -f1)
F="1-$((nf - 1))"
L="$nf,$((nf + 1))"
leak=""
changed=0
for snap in 2023-06 2023-12 2024-03; do
	asof=$(crm-features --snapshot $snap "$WORK/sig.tsv" | sed -n 2p | cut -f3)
	crm-features --snapshot $snap --clv-params "$WORK/p.json" "$WORK/sig.tsv" | cut -f$F > "$WORK/base.f"
	crm-features --snapshot $snap --clv-params "$WORK/p.json" "$WORK/sig.tsv" | cut -f$L > "$WORK/base.l"
	for seed in 1 2 3; do
		# Columns: brand date customer_id sku category qty amount.
		awk -F'\t' -v OFS='\t' -v asof="$asof" -v seed="$seed${snap#*-}" '
			BEGIN { srand(seed) }
			NR == 1 { print; next }
			{ line[NR] = $0 }
			END {
				split(line[NR], l, "\t")
				for (i = 2; i < NR; i++) {
					n = split(line[i], f, "\t")
					if (f[2] <= asof) { print line[i]; continue }
					r = rand()
					if (r < 0.2) continue
					if (r < 0.4) f[7] = sprintf("%.2f", f[7] * 3 + 1)
					else if (r < 0.5) f[2] = l[2]
					else if (r < 0.55) f[3] = "Z" int(rand() * 50)
					print f[1], f[2], f[3], f[4], f[5], f[6], f[7]
					if (r > 0.9) print f[1], f[2], "C0000001", "CAP-001", "capsule", 1, "4.20"
				}
				print line[NR]
			}' "$WORK/tx.tsv" > "$WORK/tx2.tsv"
		signals "$WORK/tx2.tsv" | crm-features --snapshot $snap --clv-params "$WORK/p.json" > "$WORK/f2.tsv"
		cut -f$F "$WORK/f2.tsv" > "$WORK/new.f"
		cmp -s "$WORK/base.f" "$WORK/new.f" || leak="$leak $snap/$seed"
		cut -f$L "$WORK/f2.tsv" | cmp -s - "$WORK/base.l" || changed=$((changed + 1))
	done
done
expect "no feature of a snapshot changes with the transactions after its as-of day" "" "$leak"
check "the same changes do change labels (the test can see a change)" "[ $changed -ge 6 ]"

# Determinism: shuffled transactions, CRLF lines, every read size.
{ head -n 1 "$WORK/tx.tsv"; tail -n +2 "$WORK/tx.tsv" | sort -t'	' -k3,3r -k2,2r; } > "$WORK/shuf.tsv"
signals "$WORK/shuf.tsv" | crm-features > "$WORK/o.tsv"
same "shuffled transactions give the same bytes" "$WORK/f.tsv" "$WORK/o.tsv"
crm-features -o "$WORK/o2.tsv" "$WORK/sig.tsv"
same "-o writes the same bytes" "$WORK/f.tsv" "$WORK/o2.tsv"
sed 's/$/\r/' "$WORK/hand.tsv" | crm-features > "$WORK/o.tsv"
crm-features "$WORK/hand.tsv" > "$WORK/ref.tsv"
same "CRLF lines" "$WORK/ref.tsv" "$WORK/o.tsv"
bad=""
for n in 1 2 3 5 8 13 21 34 55; do
	CRM_TEST_READ_SIZE=$n crm-features "$WORK/hand.tsv" > "$WORK/o.tsv" 2>&1
	cmp -s "$WORK/o.tsv" "$WORK/ref.tsv" || bad="$bad $n"
done
expect "read in chunks of 1..55 bytes" "" "$bad"

# The sample rows model work trains on are what the pipeline makes.
crm-gen --customers 100 --months 24 --seed 3 --churn-process | crm-agg | crm-tier | crm-lifecycle |
	crm-churn | crm-features > "$WORK/sample.tsv"
# (the rules fingerprint moves with every key added to the defaults)
sed -E 's/\t[0-9a-f]{16}$/\tRULES_ID/' sample.tsv > "$WORK/sample.want"
sed -E 's/\t[0-9a-f]{16}$/\tRULES_ID/' "$WORK/sample.tsv" > "$WORK/sample.got"
same "sample.tsv is the pipeline's output" "$WORK/sample.want" "$WORK/sample.got"

# The churn process gives a model something to find beyond recency.
if [ "$SAN" != 1 ] && /usr/bin/python3 -c 'import sklearn' 2> /dev/null; then
	crm-gen --customers 6000 --months 30 --seed 5 --churn-process | signals | crm-features > "$WORK/big.tsv"
	check "--churn-process: boosted trees on the features beat recency alone by 0.03 AUC" \
		"/usr/bin/python3 learn.py $WORK/big.tsv"
fi

cat > "$WORK/other.rules" <<'R'
churn.label_days = 60
R
cat > "$WORK/bad.rules" <<'R'
features.snapshot_step = 5
R
golden errors
t "cut -f1-12 $WORK/hand.tsv | crm-features"
t "awk -F'\t' -v OFS='\t' 'NR == 5 { \$3 = \"1x\" } 1' $WORK/hand.tsv | crm-features"
t "sed '3s/\t2023-02-06\t2023-02-06\t/\t2023-03-06\t2023-03-06\t/' $WORK/hand.tsv | crm-features"
t "sed '4d' $WORK/hand.tsv | crm-features"
t "sed '3s/\tbronze\t/\tcopper\t/; 3s/\tsilver\t/\tcopper\t/' $WORK/hand.tsv | crm-features"
t crm-features --rules "$WORK/other.rules" "$WORK/hand.tsv"
t crm-features --rules "$WORK/bad.rules" "$WORK/hand.tsv"
t crm-features --snapshot 2024-13 "$WORK/hand.tsv"
t crm-features "$WORK/hand.tsv" "$WORK/hand.tsv"
t crm-features "$WORK/hand.tsv" "> /dev/full"
t crm-features --rules "$WORK/other.rules" --clv-params "$WORK/p.json" "$WORK/hand.tsv"
t crm-features --clv-params "$WORK/none.json" "$WORK/hand.tsv"
golden_end
echo keep > "$WORK/target.tsv"
awk -F'\t' -v OFS='\t' 'NR == 4000 { $4 = "x" } 1' "$WORK/sig.tsv" | crm-features -o "$WORK/target.tsv" 2> /dev/null
expect "a failed run exits 1 and leaves the -o target as it was" "1 keep" "$? $(cat "$WORK/target.tsv")"
crm-features "$WORK/sig.tsv" 2> "$WORK/pipe.err" | head -c 10 > /dev/null
expect "a closed pipe ends quietly" "" "$(cat "$WORK/pipe.err")"

finish
