#!/bin/sh
# crm-report: errors, the page's embedding, and the page in a real browser
# (Debian's chromium driven by playwright-core, which scripts/setup installs
# from npm into .cache/node at the version package-lock.json pins).
. ../lib.sh

# Customers whose ids hold markup: the page must show them as text and its
# embedded JSON must not end early at a "</script>".
sed 's/\tc12\t/\tc12<\/script><b>\&"q\t/' ../crm-tier/data/signals_tx.tsv > "$WORK/tx.tsv"
crm-gen --customers 3000 --months 26 --brands 2 --seed 9 > "$WORK/gen.tsv"
# The generated data's amounts are in euros.
printf 'money.currency = EUR\n' > "$WORK/eur.rules"
signals() {
	crm-agg $2 $1 | crm-tier $2 | crm-lifecycle $2 | crm-churn $2 | crm-json $2 --at-risk 10
}
# A hostile export: the four customers most at risk get ids that a
# spreadsheet would run as formulas; the CSV export must neutralise them.
signals "$WORK/gen.tsv" "--rules $WORK/eur.rules" > "$WORK/gen0.json"
jq -r '.series[0].at_risk[0:4][] | .customer_id' "$WORK/gen0.json" |
	paste - - - - | while read -r a b c d; do
		sed -e "s/\t$a\t/\t=HYPERLINK(\"http:\/\/x.example\/\",\"open\")\t/" -e "s/\t$b\t/\t+1+2\t/" \
			-e "s/\t$c\t/\t-2+3\t/" -e "s/\t$d\t/\t@SUM(A1)\t/" "$WORK/gen.tsv" > "$WORK/gen1.tsv"
	done
mv "$WORK/gen1.tsv" "$WORK/gen.tsv"
signals "$WORK/tx.tsv" "" > "$WORK/tx.json"
signals "$WORK/gen.tsv" "--rules $WORK/eur.rules" > "$WORK/gen.json"
check "hostile ids: four formula-leading customer ids at risk" \
	"[ \$(jq '[.series[0].at_risk[] | select(.customer_id | test(\"^[=+@-]\"))] | length' $WORK/gen.json) = 4 ]"
crm-report -o "$WORK/tx.html" "$WORK/tx.json"
# Brands with rules of their own: alpina names inactivity "dormant",
# borealis (the brand the browser selects) has its own tiers and inactive
# tier; the page shows each brand's.
B="--rules ../crm-json/data/brands.rules"
crm-agg $B "$WORK/gen.tsv" | crm-tier $B | crm-lifecycle $B | crm-churn $B | crm-json $B --at-risk 10 > "$WORK/brands.json"
crm-report -o "$WORK/brands.html" "$WORK/brands.json"
check "brand rules: the document carries each brand's tiers" \
	"jq -e '[.series[] | [.brand, (.tiers | join(\",\")), .inactive_tier]] == [[null, \"diamond,platinum,gold,silver,bronze,basic\", \"passive\"], [\"alpina\", \"diamond,platinum,gold,silver,bronze\", \"dormant\"], [\"borealis\", \"gold,silver,basic\", \"asleep\"]]' $WORK/brands.json"
# The README pipeline on a messy invoice export, cleaned as crm-clean(1)
# shows: some customers return more than they buy (negative monetary).
crm-gen --customers 2000 --seed 3 --format invoice --messy 20 --no-category --products "$WORK/p.tsv" > "$WORK/e.csv"
crm-clean --map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID \
	--date-format mdy --products "$WORK/p.tsv" "$WORK/e.csv" > "$WORK/messy.tsv" 2> /dev/null
crm-agg "$WORK/messy.tsv" | crm-tier | crm-lifecycle | crm-churn | crm-json --at-risk 10 > "$WORK/messy.json"
crm-rfm --json "$WORK/messy.tsv" > "$WORK/messy-rfm.json" 2> /dev/null
crm-rfm "$WORK/messy.tsv" 2> /dev/null | crm-kmeans --json --elbow 2-8 > "$WORK/messy-km.json" 2> /dev/null
crm-report --rfm "$WORK/messy-rfm.json" --kmeans "$WORK/messy-km.json" -o "$WORK/messy.html" "$WORK/messy.json"
check "messy export: a page with net-negative customers" "[ -s $WORK/messy.html ] && jq -e '.brands[0].net_negative > 0' $WORK/messy-rfm.json"

# A signal stream of the header alone: a page that says there is no data
# and still shows the rules in effect.
crm-agg "$WORK/tx.tsv" | crm-tier | crm-lifecycle | crm-churn | head -1 | crm-json > "$WORK/empty.json"
crm-report -o "$WORK/empty.html" "$WORK/empty.json"
# The generated data also gets the segments page.
crm-rfm --rules "$WORK/eur.rules" --json "$WORK/gen.tsv" > "$WORK/rfm.json"
crm-rfm --rules "$WORK/eur.rules" "$WORK/gen.tsv" | crm-kmeans --rules "$WORK/eur.rules" --json --elbow 2-5 > "$WORK/km.json"
crm-report --rfm "$WORK/rfm.json" --kmeans "$WORK/km.json" -o "$WORK/gen.html" "$WORK/gen.json"
# The value, model and targeting pages draw the sample documents of
# crm-clv, crm-model and crm-target (copied here as fixtures), stamped with
# the fingerprint of the signals' rules; two customers of the target list
# get formula-leading ids.
id=$(jq -r .rules.id "$WORK/gen.json")
jq --arg id "$id" '.rules = $id' clv.sample.json > "$WORK/value.json"
jq --arg id "$id" '.rules = $id' model.sample.json > "$WORK/model.json"
jq --arg id "$id" '.rules_id = $id | .brands[0].targets[0].customer_id = "=2+5" | .brands[0].targets[1].customer_id = "@SUM(1+1)"' \
	target.sample.json > "$WORK/target.json"
crm-report --rfm "$WORK/rfm.json" --kmeans "$WORK/km.json" --value "$WORK/value.json" --model "$WORK/model.json" \
	--target "$WORK/target.json" -o "$WORK/full.html" "$WORK/gen.json"
check "the page embeds the value, model and targeting documents" \
	"grep -q '\"schema\": \"crm-clv/1\"' $WORK/full.html && grep -q '\"schema\": \"crm-model-eval/1\"' $WORK/full.html && grep -q '\"schema\": \"crm-target/1\"' $WORK/full.html"
check "the page embeds the RFM and k-means documents" "grep -q '\"schema\":\"crm-rfm/1\"' $WORK/gen.html && grep -q '\"schema\":\"crm-kmeans/1\"' $WORK/gen.html"
check "the page embeds the document whole" "grep -q 'c12<\\\\/script><b>&\\\\\"q' $WORK/tx.html"
expect "one </script> per script element" "9" "$(grep -o '</script>' "$WORK/tx.html" | wc -l)"
expect "one </script> per script element (every page)" "9" "$(grep -o '</script>' "$WORK/full.html" | wc -l)"
check "Chart.js inlined, its license in the page" "grep -q 'Chart.js v3.9.1' $WORK/gen.html && grep -q 'Permission is hereby granted' $WORK/gen.html"
check "the page stays small enough to mail (under 600 KB with every page)" "[ \$(wc -c < $WORK/full.html) -lt 600000 ]"
check "no reference outside the file (works offline)" "! grep -Eq '(src|href)=\"(https?:)?//' $WORK/gen.html"
check "the header-only stream gives a document with no months" "[ -s $WORK/empty.json ] && jq -e '.series[0].months == [] and (.rules.keys | length) > 50' $WORK/empty.json"
jq . "$WORK/rfm.json" > "$WORK/rfm-pretty.json"
jq . "$WORK/km.json" > "$WORK/km-pretty.json"
check "documents laid out again (jq .) are taken" "crm-report --rfm $WORK/rfm-pretty.json --kmeans $WORK/km-pretty.json $WORK/gen.json > /dev/null"
printf '{"schema":"crm-json/1","series":[' > "$WORK/cut.json"
golden errors
t crm-report "$WORK/cut.json"
t "echo '{\"a\":1}' | crm-report"
t crm-report no_such.json
t crm-report a.json b.json
golden_end

# Each document is checked before the page is written: valid JSON, one
# object, of the kind its option takes ("schema"), with the members the
# page draws from. A page from a wrong document would stop with a script
# error; the refusal names the file and what it holds, and -o's target is
# left alone.
printf '{"schema":"crm-rfm/1","as_of":"2024-12-31"}\n' > "$WORK/no_brands.json"
printf '{"schema":"crm-rfm/1","as_of":"2024-12-31","brands":{}}\n' > "$WORK/brands_object.json"
printf '{"schema":"crm-rfm/2","as_of":"2024-12-31","brands":[]}\n' > "$WORK/rfm2.json"
printf '{"brands":[],"schema":7}\n' > "$WORK/schema_number.json"
printf '{"schema":"crm-json/1",}\n' > "$WORK/comma.json"
printf '{"schema":"crm-json/1"} {}\n' > "$WORK/two.json"
printf '{"schema":"crm-json/1","a":"x\001y"}\n' > "$WORK/ctl.json"
printf '{"schema":"crm-json/1","a":tru' > "$WORK/word.json"
printf '{"schema":"crm-json/1","a":01}' > "$WORK/zero.json"
awk 'BEGIN { printf "{\"a\":"; for (i = 0; i < 600; i++) printf "["; for (i = 0; i < 600; i++) printf "]"; print "}" }' > "$WORK/deep.json"
# Every prefix of a document (its last byte is a newline) is refused as
# cut short: about 200 of them, evenly spaced, and the last 40 bytes each.
size=$(wc -c < "$WORK/empty.json")
bad=0
for n in $(awk -v s="$size" 'BEGIN { for (i = 1; i < s - 1; i += int(s / 200) + 1) print i; for (i = s - 41; i < s - 1; i++) print i }'); do
	head -c "$n" "$WORK/empty.json" | crm-report > /dev/null 2> "$WORK/prefix.err"
	rc=$?
	if [ $rc -ne 1 ] || ! grep -q 'cut short' "$WORK/prefix.err"; then
		bad=$((bad + 1))
		printf 'prefix of %d bytes: exit %d: %s\n' "$n" $rc "$(cat "$WORK/prefix.err")"
	fi
done
expect "every prefix of a document is refused as cut short" 0 $bad

echo keep > "$WORK/page.html"
crm-rfm --json "$WORK/gen.tsv" > "$WORK/rfm-default.json"
jq '.rules_id = 7' "$WORK/rfm.json" > "$WORK/rfm-id-number.json"
jq 'del(.rules_id)' "$WORK/rfm.json" > "$WORK/rfm-no-id.json"
golden documents
t crm-report --rfm "$WORK/km.json" -o "$WORK/page.html" "$WORK/gen.json"
t cat "$WORK/page.html"
t crm-report --kmeans "$WORK/rfm.json" "$WORK/gen.json"
t crm-report --rfm "$WORK/gen.json" "$WORK/gen.json"
t crm-report --kmeans "$WORK/gen.json" "$WORK/gen.json"
t crm-report "$WORK/rfm.json"
t crm-report --rfm "$WORK/no_brands.json" "$WORK/gen.json"
t crm-report --rfm "$WORK/brands_object.json" "$WORK/gen.json"
t crm-report --rfm "$WORK/rfm2.json" "$WORK/gen.json"
t crm-report --rfm "$WORK/schema_number.json" "$WORK/gen.json"
t "echo '[1,2]' | crm-report"
t "printf ' \n' | crm-report"
t crm-report "$WORK/comma.json"
t crm-report "$WORK/two.json"
t crm-report "$WORK/ctl.json"
t crm-report "$WORK/word.json"
t crm-report "$WORK/zero.json"
t crm-report "$WORK/deep.json"
# A document made with other rules than the signals is refused (the
# fingerprints, which change with the default rules, read FINGERPRINT).
fp="sed -E 's/[0-9a-f]{16}/FINGERPRINT/g'"
t "crm-report --rfm $WORK/rfm-default.json -o $WORK/page.html $WORK/gen.json 2>&1 | $fp"
t cat "$WORK/page.html"
t crm-report --rfm "$WORK/rfm-id-number.json" "$WORK/gen.json"
t crm-report --rfm "$WORK/rfm-no-id.json" "$WORK/gen.json"
t "crm-report --value clv.sample.json $WORK/gen.json 2>&1 | $fp"
t "crm-report --model model.sample.json $WORK/gen.json 2>&1 | $fp"
t "crm-report --target target.sample.json $WORK/gen.json 2>&1 | $fp"
t crm-report --value "$WORK/model.json" "$WORK/gen.json"
t crm-report --model "$WORK/target.json" "$WORK/gen.json"
t crm-report --target "$WORK/value.json" "$WORK/gen.json"
jq 'del(.p_alive_grid)' "$WORK/value.json" > "$WORK/value-no-grid.json"
t crm-report --value "$WORK/value-no-grid.json" "$WORK/gen.json"
golden_end

# ---- in a real browser ----
ROOT=$(cd ../.. && pwd)
NODE_DIR=$ROOT/.cache/node
# Installed by scripts/setup; a tree without it gets it now, or says why not.
sh "$ROOT/scripts/node-deps" > "$WORK/deps.err" 2>&1 || cat "$WORK/deps.err"
if ! command -v node > /dev/null || ! command -v chromium > /dev/null ||
	[ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
	fail "browser test: needs node, chromium and playwright-core (sh scripts/setup)"
	finish
	exit 1
fi
for f in tx gen empty messy brands full; do
	mkdir -p "$WORK/shots-$f"
	extra=""
	[ $f = gen ] && extra="--rfm $WORK/rfm.json --kmeans $WORK/km.json"
	[ $f = messy ] && extra="--rfm $WORK/messy-rfm.json --kmeans $WORK/messy-km.json"
	[ $f = full ] && extra="--rfm $WORK/rfm.json --kmeans $WORK/km.json --value $WORK/value.json --model $WORK/model.json --target $WORK/target.json"
	doc=$f
	[ $f = full ] && doc=gen
	if NODE_PATH=$NODE_DIR/node_modules node browser.js "$WORK/$f.html" "$WORK/$doc.json" "$WORK/shots-$f" $extra > "$WORK/b.out" 2>&1; then
		pass "browser ($f): $(grep -c '^  ok' "$WORK/b.out") checks, $(cat "$WORK/shots-$f/load.txt")"
	else
		fail "browser ($f)"
		grep -v '^  ok' "$WORK/b.out" | head -20
	fi
	check "browser ($f): screenshots of every page at 1400 and 390 px" \
		"[ -s $WORK/shots-$f/signals-1400.png ] && [ -s $WORK/shots-$f/signals-390.png ] && [ -s $WORK/shots-$f/rules-390.png ]"
	# Kept where a person can look at them (build/ is not committed).
	mkdir -p "$ROOT/build/test-shots/$f" && cp "$WORK/shots-$f"/*.png "$ROOT/build/test-shots/$f/" 2> /dev/null
done
finish
