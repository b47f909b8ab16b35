#!/bin/sh
# crm-target: hand-solved instances (a greedy gap, ties, a campaign never
# worth it, p = 0, budget 0 and none), the merge of value, score, tier and
# segment streams, random instances against brute force and scipy's LP,
# the sample summary, errors. The rules fingerprint shows as RULES_ID in
# the transcripts, so that a new key elsewhere leaves them as they are.
. ../lib.sh

# The fingerprints, for sed s/\$HR/RULES_ID/ in the commands.
export HR=$(crm-rules id data/hand.rules) TR=$(crm-rules id data/ties.rules) \
	MR=$(crm-rules id data/merge.rules) DR=$(crm-rules id)
H="--rules data/hand.rules"

# c1 (p 0.8, CLV 100): remind earns 39 for 1, voucher 52.40 for 11.60; c2
# (p 0.5, CLV 40): remind 9 for 1, voucher 6.50 for 9.50 (dominated); c3
# has p = 0 and c4 CLV 0: nothing is worth offering them; never (100 a
# contact) never earns. The budget of 12: greedy takes both reminders (48),
# the exact plan the voucher for c1 alone (52.40), LP bound 60.64.
golden hand
t "crm-target $H --stats data/hand_clv.tsv | sed s/\$HR/RULES_ID/"
t "crm-target $H --exact data/hand_clv.tsv | sed s/\$HR/RULES_ID/"
t "crm-target $H --json /dev/stdout -o /dev/null data/hand_clv.tsv | jq -c '.brands[0] | {budget, targeted, spend, expected_profit, value_saved, incentives_to_stayers, contact_cost, roi, lp_bound, greedy}'"
t "crm-target $H --exact --json /dev/stdout -o /dev/null data/hand_clv.tsv | jq -c '.method, .brands[0].exact, .brands[0].curve'"
t "crm-target $H --budget 0 --stats --json /dev/stdout data/hand_clv.tsv -o $WORK/zero.tsv | jq -c '.brands[0] | {targeted, spend, lp_bound, curve}'; cat $WORK/zero.tsv"
t "crm-target $H --budget none --json /dev/stdout data/hand_clv.tsv -o $WORK/all.tsv | jq -c '.brands[0] | {budget, targeted, spend, expected_profit, lp_bound, greedy, baselines}'; sed s/\$HR/RULES_ID/ $WORK/all.tsv"
golden_end
crm-target $H --budget none --json "$WORK/all.json" data/hand_clv.tsv > "$WORK/all.tsv"
expect "a campaign never worth it reaches nobody, unbounded" "0" \
	"$(jq '.brands[0].campaigns[] | select(.name == "never") | .targeted' "$WORK/all.json")"
expect "p = 0 is never targeted, unbounded" "" "$(awk -F'\t' '$1 == "c3"' "$WORK/all.tsv")"
expect "unbounded: the plan is the LP bound" "$(jq .brands[0].lp_bound "$WORK/all.json")" \
	"$(jq .brands[0].expected_profit "$WORK/all.json")"
expect "budget 0: nobody" "1" "$(wc -l < "$WORK/zero.tsv")"
# A free campaign (no cost, no incentive) earns p g CLV: everyone with p > 0
# and a positive CLV, never c3 (p = 0) nor c4 (CLV 0), even at budget 0.
cat > "$WORK/free.rules" <<'R'
target.campaigns = free
target.baseline_campaign = free
target.budget = 0
campaign.free.cost = 0
campaign.free.incentive = 0
campaign.free.accept_rate = 0.5
campaign.free.stayer_accept_rate = 0.5
campaign.free.eligible = all
R
expect "a free campaign: every p > 0 with value, budget 0" "c1 c2" \
	"$(crm-target --rules "$WORK/free.rules" data/hand_clv.tsv | sed 1d | cut -f1 | tr '\n' ' ' | sed 's/ $//')"

# Ties: equal profit per unit of spend goes by key.
golden ties
t "crm-target --rules data/ties.rules data/ties_clv.tsv | sed s/\$TR/RULES_ID/"
t "crm-target --rules data/ties.rules --budget 3.99 --exact data/ties_clv.tsv | sed s/\$TR/RULES_ID/"
t "crm-target --rules data/ties.rules --budget 4 --json /dev/stdout -o /dev/null data/ties_clv.tsv | jq -c '.brands[0] | .targets, .baselines'"
golden_end

# The merge: p of the latest score up to --as-of (b's only one is later,
# c has none, aa is not a customer), the tier of the latest month up to it,
# the segment by its label; vip only for diamond customers and champions.
golden merge
M="--rules data/merge.rules --stats --scores data/merge_scores.tsv --tiers data/merge_tiers.tsv --segments data/merge_segments.tsv"
t "crm-target $M --as-of 2024-12-31 data/merge_clv.tsv | sed s/\$MR/RULES_ID/"
t "crm-target $M data/merge_clv.tsv | sed s/\$MR/RULES_ID/"
t "crm-target --rules data/merge.rules --tiers data/merge_tiers.tsv data/merge_clv.tsv | sed s/\$MR/RULES_ID/"
t "crm-target --rules data/merge.rules data/merge_clv.tsv | sed s/\$MR/RULES_ID/"
# Snapshots named by their month stand for its last day.
sed 's/-3[01]	/	/' data/merge_scores.tsv > "$WORK/month_scores.tsv"
t "crm-target --rules data/merge.rules --scores $WORK/month_scores.tsv --tiers data/merge_tiers.tsv --segments data/merge_segments.tsv --as-of 2024-12-31 data/merge_clv.tsv | sed s/\$MR/RULES_ID/"
golden_end

# Random instances: exact = brute force, LP bound = scipy's linprog, bound
# >= optimum >= greedy within the reported gap, nothing not worth it.
n=300
[ "$SAN" = 1 ] && n=60
if /usr/bin/python3 -c 'import scipy' 2> /dev/null; then
	check "random instances against brute force and linprog" "/usr/bin/python3 brute.py $n"
else
	skip "random instances against brute force and linprog (python3-scipy)"
fi

# The sample summary the dashboard is built from.
S="--rules data/sample.rules --scores data/sample_scores.tsv --tiers data/sample_tiers.tsv --segments data/sample_segments.tsv --as-of 2024-12-31"
crm-target $S --json "$WORK/sample.json" -o "$WORK/sample.tsv" --stats data/sample_clv.tsv 2> "$WORK/stats"
# The fingerprint aside: it changes with any key of the built-in rules.
sed 's/"rules_id":"[0-9a-f]*"//' doc.sample.json > "$WORK/doc.want"
sed 's/"rules_id":"[0-9a-f]*"//' "$WORK/sample.json" > "$WORK/doc.got"
same "doc.sample.json is the summary of the sample" "$WORK/doc.want" "$WORK/doc.got"
check "doc.sample.json is JSON" "jq -e '.schema == \"crm-target/1\"' doc.sample.json"
expect "rows in = targeted + not + without a score" \
	"$(($(wc -l < data/sample_clv.tsv) - 1))" \
	"$(sed 's/[^0-9 ]//g' "$WORK/stats" | awk '{ print $2 + $3 + $6 }')"
expect "targeted = rows out" "$(($(wc -l < "$WORK/sample.tsv") - 1))" "$(jq '[.brands[].targeted] | add' "$WORK/sample.json")"
expect "the plan's spend is within each brand's budget" "" \
	"$(jq -r '.brands[] | select(.spend > .budget) | .brand' "$WORK/sample.json")"
expect "the plan beats every baseline" "" \
	"$(jq -r '.brands[] | .baselines[] | select(.gain < 0) | .policy' "$WORK/sample.json")"
crm-target $S --progress --json "$WORK/sample2.json" data/sample_clv.tsv > "$WORK/sample2.tsv" 2> /dev/null
same "--progress: the same rows" "$WORK/sample.tsv" "$WORK/sample2.tsv"
bad=""
for k in $(seq 1 40); do
	CRM_TEST_READ_SIZE=$k crm-target $S --json "$WORK/k.json" data/sample_clv.tsv > "$WORK/k.tsv" 2>&1
	cmp -s "$WORK/k.tsv" "$WORK/sample.tsv" && cmp -s "$WORK/k.json" "$WORK/sample.json" || bad="$bad $k"
done
expect "read in chunks of 1..40 bytes" "" "$bad"
cp "$WORK/sample.tsv" "$WORK/keep.tsv"
crm-target $S -o "$WORK/keep.tsv" data/unsorted_clv.tsv 2> /dev/null
same "-o keeps its target on an error" "$WORK/sample.tsv" "$WORK/keep.tsv"
if [ -w /dev/full ]; then
	crm-target $S data/sample_clv.tsv > /dev/full 2> /dev/null
	expect "a failed write: exit 1" "1" "$?"
fi

# Bounded memory: with a budget the customers wait in a temporary file
# and only those a walk may reach are kept. The plan is the same bytes as
# with every customer in memory (CRM_TEST_TARGET_ALL), also when each
# pass after the head of an order keeps one item at a time, so that the
# walks take many passes (CRM_TEST_TARGET_TAIL).
n=20000
[ "$SAN" = 1 ] && n=3000
awk -v n=$n 'BEGIN { srand(5); print "customer_id\tp_alive\tclv"
	for (i = 1; i <= n; i++) printf "c%06d\t%.3f\t%.2f\n", i, rand(), rand() * rand() * 900 }' > "$WORK/gen.tsv"
bad=""
for b in 0 0.1 1 7.77 50 300 2000 none; do
	CRM_TEST_TARGET_ALL=1 crm-target --budget $b --json "$WORK/ref.json" -o "$WORK/ref.tsv" "$WORK/gen.tsv"
	for tail in 1 3 4096; do
		CRM_TEST_TARGET_TAIL=$tail crm-target --budget $b --json "$WORK/got.json" -o "$WORK/got.tsv" "$WORK/gen.tsv"
		cmp -s "$WORK/ref.tsv" "$WORK/got.tsv" && cmp -s "$WORK/ref.json" "$WORK/got.json" || bad="$bad $b/$tail"
	done
done
expect "with a budget: the customers kept give the plan of all of them, in one pass or many" "" "$bad"
bad=""
for b in "" "--budget 0" "--budget 5" "--budget 45"; do
	CRM_TEST_TARGET_ALL=1 crm-target $S $b --json "$WORK/ref.json" -o "$WORK/ref.tsv" data/sample_clv.tsv
	CRM_TEST_TARGET_TAIL=1 crm-target $S $b --json "$WORK/got.json" -o "$WORK/got.tsv" data/sample_clv.tsv
	cmp -s "$WORK/ref.tsv" "$WORK/got.tsv" && cmp -s "$WORK/ref.json" "$WORK/got.json" || bad="$bad '$b'"
done
expect "with a budget: brands, scores, tiers and segments kept as all of them give" "" "$bad"
# Budget 9: y's voucher a (5) fits, x's (5) does not; y's upgrade to b
# (1) fits, x's upgrade may not follow an offer not taken, and z's c (3)
# takes what is left: passes of one item each must not count x's.
expect "with a budget: a step after the first that does not fit waits for the step before" \
	"$(CRM_TEST_TARGET_ALL=1 crm-target --rules data/step.rules --tiers data/step_tiers.tsv data/step_clv.tsv)" \
	"$(CRM_TEST_TARGET_TAIL=1 crm-target --rules data/step.rules --tiers data/step_tiers.tsv data/step_clv.tsv)"
# 200,000 customers with a small budget: every customer in memory takes
# over 20 MB; the plan keeps a few hundred (sanitizers use more memory).
if [ "$SAN" != 1 ] && [ -x /usr/bin/time ]; then
	awk 'BEGIN { srand(3); print "customer_id\tp_alive\tclv"
		for (i = 1; i <= 200000; i++) printf "c%07d\t%.3f\t%.2f\n", i, rand(), rand() * rand() * 900 }' > "$WORK/big.tsv"
	/usr/bin/time -f %M -o "$WORK/rss" crm-target --budget 100 -o /dev/null "$WORK/big.tsv"
	check "200,000 customers, budget 100: peak memory under 12 MB ($(cat "$WORK/rss") KB)" "[ $(cat "$WORK/rss") -lt 12288 ]"
fi

# Two phases over hash partitions: each partition's rows (the partition
# hash of crm-agg --partition I/N, on one purchase per customer) give a
# partial; --combine of 1, 3 or 7 of them is the plan of all customers,
# rows and summary (baselines and budget curve included), byte for byte.
# keep_part FILE KEYS: the rows of FILE whose key is in KEYS.
keep_part() {
	awk -F'\t' 'NR == FNR { k[$1 "\t" $2] = 1; next } FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
		((c["brand"] ? $c["brand"] : "") "\t" $c["customer_id"]) in k' "$2" "$1"
}
# partition N CLV [OTHER...]: KEYS of partition I of N in $WORK/k.N.I, and
# each file's rows of it in $WORK/NAME.N.I.
partition() {
	pn=$1
	shift
	awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ printf "%s2024-01-15\t%s\tX-1\tcapsule\t1\t1.00\n", c["brand"] ? $c["brand"] "\t" : "", $c["customer_id"] }' "$1" |
		sort -u > "$WORK/tx.body"
	{ head -n 1 "$1" | grep -q '^brand' && printf 'brand\t'; printf 'date\tcustomer_id\tsku\tcategory\tqty\tamount\n'
	  cat "$WORK/tx.body"; } > "$WORK/tx.tsv"
	for pi in $(seq 1 $pn); do
		crm-agg --rules data/sample.rules --partition $pi/$pn "$WORK/tx.tsv" |
			awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
				{ print (c["brand"] ? $c["brand"] : "") "\t" $c["customer_id"] }' > "$WORK/k.$pn.$pi"
		for f in "$@"; do
			keep_part "$f" "$WORK/k.$pn.$pi" > "$WORK/$(basename "$f" .tsv).$pn.$pi"
		done
	done
}
bad=""
for pn in 1 3 7; do
	partition $pn data/sample_clv.tsv data/sample_scores.tsv data/sample_tiers.tsv data/sample_segments.tsv
	partition $pn "$WORK/gen.tsv"
	for b in "" "--budget 0" "--budget 5" "--budget 45" "--budget none"; do
		crm-target $S $b --json "$WORK/ref.json" -o "$WORK/ref.tsv" data/sample_clv.tsv
		set --
		for pi in $(seq 1 $pn); do
			crm-target --rules data/sample.rules --partial $b --as-of 2024-12-31 \
				--scores "$WORK/sample_scores.$pn.$pi" --tiers "$WORK/sample_tiers.$pn.$pi" \
				--segments "$WORK/sample_segments.$pn.$pi" -o "$WORK/part.$pi" "$WORK/sample_clv.$pn.$pi"
			set -- "$@" "$WORK/part.$pi"
		done
		crm-target --rules data/sample.rules --combine --json "$WORK/got.json" -o "$WORK/got.tsv" "$@"
		cmp -s "$WORK/ref.tsv" "$WORK/got.tsv" && cmp -s "$WORK/ref.json" "$WORK/got.json" || bad="$bad sample/$pn/'$b'"
		jq -c '[.brands[] | .curve, .baselines]' "$WORK/ref.json" > "$WORK/ref.curve"
		jq -c '[.brands[] | .curve, .baselines]' "$WORK/got.json" > "$WORK/got.curve"
		cmp -s "$WORK/ref.curve" "$WORK/got.curve" || bad="$bad curve/$pn/'$b'"
	done
	for b in 1 2 7.77 50 300 none; do
		crm-target --budget $b --json "$WORK/ref.json" -o "$WORK/ref.tsv" "$WORK/gen.tsv"
		set --
		for pi in $(seq 1 $pn); do
			crm-target --partial --budget $b -o "$WORK/part.$pi" "$WORK/gen.$pn.$pi"
			set -- "$@" "$WORK/part.$pi"
		done
		crm-target --combine --json "$WORK/got.json" -o "$WORK/got.tsv" "$@"
		cmp -s "$WORK/ref.tsv" "$WORK/got.tsv" && cmp -s "$WORK/ref.json" "$WORK/got.json" || bad="$bad gen/$pn/$b"
	done
done
expect "--combine of 1, 3 and 7 partials: the rows, summary, baselines and curve of one run" "" "$bad"
check "the 7 partitions hold every customer once" \
	"[ \$(cat $WORK/gen.7.* | grep -vc customer_id) -eq $n ]"
check "a partial with a small budget holds fewer customers than its partition" \
	"[ \$(crm-target --partial --budget 1 $WORK/gen.3.1 | wc -l) -lt \$(wc -l < $WORK/gen.3.1) ]"

# Errors: the file, line, field and value; exit 1 for data, 2 for usage.
cat > "$WORK/eligible.rules" <<'R'
campaign.call.eligible = gold,vips
R
cat > "$WORK/baseline.rules" <<'R'
target.baseline_campaign = sms
R
cat > "$WORK/rate.rules" <<'R'
campaign.email.accept_rate = 1.5
R
cat > "$WORK/missing.rules" <<'R'
target.campaigns = email,sms
R
golden errors
t crm-target data/unsorted_clv.tsv
t crm-target data/twice_clv.tsv
t crm-target data/p_above_clv.tsv
t crm-target data/p_bad_clv.tsv
t crm-target data/clv_decimals_clv.tsv
t "crm-target data/other_rules_clv.tsv 2>&1 | sed s/\$DR/RULES_ID/"
t "crm-target --tiers data/bad_tier.tsv data/merge_clv.tsv | sed s/\$DR/RULES_ID/"
t crm-target --segments data/bad_segment.tsv data/merge_clv.tsv
t crm-target --scores data/brand_scores.tsv data/merge_clv.tsv
t crm-target --scores data/twice_scores.tsv data/merge_clv.tsv
t crm-target --rules "$WORK/eligible.rules" data/merge_clv.tsv
t crm-target --rules "$WORK/baseline.rules" data/merge_clv.tsv
t crm-target --rules "$WORK/rate.rules" data/merge_clv.tsv
t crm-target --rules "$WORK/missing.rules" data/merge_clv.tsv
t crm-target --budget 1.234 data/merge_clv.tsv
t crm-target --budget -1 data/merge_clv.tsv
t crm-target data/merge_clv.tsv data/merge_clv.tsv
t "cut -f1,3 data/merge_clv.tsv | crm-target"
t "awk 'BEGIN { print \"customer_id\tp_alive\tclv\"; for (i = 1000; i < 3100; i++) print \"u\" i \"\t0.5\t100.00\" }' | crm-target --exact > /dev/null"
crm-target --partial --budget 5 -o "$WORK/p5" data/merge_clv.tsv
crm-target --partial --budget 6 -o "$WORK/p6" data/merge_clv.tsv
t crm-target --combine "$WORK/p5" "$WORK/p6"
t crm-target --combine "$WORK/p5" "$WORK/p5"
t "crm-target --rules data/merge.rules --combine $WORK/p5 2>&1 | sed s/\$DR/RULES_ID/"
t crm-target --combine --budget 5 "$WORK/p5"
t crm-target --combine
t crm-target --combine data/merge_clv.tsv
golden_end

finish
