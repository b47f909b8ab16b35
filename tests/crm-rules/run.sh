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
	recent_not_shorter bad_currency; do
	t crm-rules check data/$f.rules
done
t crm-rules check data/nosuch.rules
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
# Every key of the table is documented in crm-rules(5) and set in default.rules.
for k in $(crm-rules show | cut -f1 | sed 1d | grep -v -e '^tier\.[a-z]*\.' -e '^rfm\.segment\.[a-z_]*\.'); do
	grep -q "^\.It Cm $k " "$TESTS/../man/crm-rules.5" || fail "crm-rules(5) documents $k"
done
# Keys named after a tier or segment are documented in their pattern form.
for k in tier.min_avg_monthly tier.min_orders tier.min_avg_order rfm.segment.r rfm.segment.f \
	rfm.segment.m rfm.segment.label rfm.segment.action; do
	grep -q "^\.It Cm ${k%.*}. Ns Ar name Ns Cm .${k##*.} " "$TESTS/../man/crm-rules.5" ||
		fail "crm-rules(5) documents ${k%.*}.NAME.${k##*.}"
done
pass "crm-rules(5) documents every key"
finish
