#!/bin/sh
# crm-rules: check, show and id; the rules file's error table.
. ../lib.sh
golden rules
t crm-rules check data/good.rules
t crm-rules check ../../rules/examples/acme.rules
t crm-rules show --brand beta data/good.rules
t "crm-rules show data/good.rules | grep -e churn.drop -e activity -e gold.min_orders"
t "crm-rules show --brand nosuch data/good.rules | grep exclude"
for f in unknown_key malformed_value out_of_range duplicate_key global_in_brand missing_include \
	include_cycle last_tier_limit churn_tier_unknown tier_unknown too_many_decimals syntax \
	recent_not_shorter bad_currency money_above_price price_below_money; do
	t crm-rules check data/$f.rules
done
t crm-rules check data/nosuch.rules
# A file's list of tiers or segments voids the built-in keys of the names
# it leaves out; a relation between two keys blames the one set last.
t crm-rules check data/three_tiers.rules
t "crm-rules show data/three_tiers.rules | cut -f1-3 | grep -e '^tier' -e '^churn.tiers'"
t "crm-rules show data/three_tiers.rules | grep -c -e diamond -e platinum"
t crm-rules check data/one_segment.rules
t "crm-rules show data/one_segment.rules | cut -f1-3 | grep '^rfm.segment'"
for f in three_tiers_churn tier_twice last_tier_default_limit tier_no_limits dropped_tier_limit \
	inactive_in_order monetary_not_longer segment_twice; do
	t crm-rules check data/$f.rules
done
# A [brand NAME] section that no row matches is reported by the tools that
# read the brand column (not by a partition, which sees only some brands).
t "crm-agg --rules data/unused_brand.rules ../crm-agg/data/brands.tsv > /dev/null"
t "crm-agg --partition 1/2 --rules data/unused_brand.rules ../crm-agg/data/brands.tsv > /dev/null"
t "crm-agg --rules data/unused_brand.rules ../crm-agg/data/brands.tsv 2> /dev/null | crm-tier --rules data/unused_brand.rules > /dev/null"
t crm-rules frob
t crm-rules
t crm-rules id --brand x
golden_end

expect "id ignores layout, comments and number spelling" \
	"$(crm-rules id data/good.rules)" "$(crm-rules id data/same.rules)"
sed s/0.40/0.41/ data/good.rules > data/changed.rules.tmp
check "id changes with a value" "[ \"\$(crm-rules id data/good.rules)\" != \"\$(crm-rules id data/changed.rules.tmp)\" ]"
rm -f data/changed.rules.tmp
expect "the built-in rules have a fixed id" "$(crm-rules id)" "$(CRM_RULES= crm-rules id)"
check "CRM_RULES is used when no file is given" "[ \"\$(CRM_RULES=data/good.rules crm-rules id)\" = \"\$(crm-rules id data/good.rules)\" ]"
# Every key of the table is documented in crm-rules(5). The list comes from
# crm-rules show, so an empty or short listing is itself a failure.
crm-rules show > "$WORK/show.tsv"
expect "crm-rules show exits 0" "0" "$?"
keys=$(cut -f1 "$WORK/show.tsv" | sed 1d | grep -v -e '^tier\.[a-z]*\.' -e '^rfm\.segment\.[a-z_]*\.' -e '^campaign\.[a-z_-]*\.')
nkeys=$(printf '%s\n' "$keys" | grep -c .)
check "crm-rules show lists at least 40 plain keys (got $nkeys)" "[ $nkeys -ge 40 ]"
undocumented=""
for k in $keys; do
	grep -q "^\.It Cm $k " "$TESTS/../man/crm-rules.5" || undocumented="$undocumented $k"
done
# Keys named after a tier or segment are documented in their pattern form;
# each pattern must still be one crm-rules show lists.
for k in tier.min_avg_monthly tier.min_orders tier.min_avg_order rfm.segment.r rfm.segment.f \
	rfm.segment.m rfm.segment.label rfm.segment.action campaign.cost campaign.incentive \
	campaign.accept_rate campaign.stayer_accept_rate campaign.eligible; do
	cut -f1 "$WORK/show.tsv" | grep -q "^${k%.*}\.[a-z_]*\.${k##*.}\$" ||
		undocumented="$undocumented ${k%.*}.NAME.${k##*.}(not-shown)"
	grep -q "^\.It Cm ${k%.*}. Ns Ar name Ns Cm .${k##*.} " "$TESTS/../man/crm-rules.5" ||
		undocumented="$undocumented ${k%.*}.NAME.${k##*.}"
done
expect "crm-rules(5) documents every key" "" "$undocumented"
finish
