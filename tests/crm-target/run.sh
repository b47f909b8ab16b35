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
golden_end

finish
