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
for f in tx gen; do
	r=""
	[ $f = gen ] && r="--rules $WORK/eur.rules"
	crm-agg $r "$WORK/$f.tsv" | crm-tier $r | crm-lifecycle $r | crm-churn $r | crm-json $r --at-risk 10 > "$WORK/$f.json"
done
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
crm-rfm --json "$WORK/gen.tsv" > "$WORK/rfm.json"
crm-rfm "$WORK/gen.tsv" | crm-kmeans --json --elbow 2-5 > "$WORK/km.json"
crm-report --rfm "$WORK/rfm.json" --kmeans "$WORK/km.json" -o "$WORK/gen.html" "$WORK/gen.json"
check "the page embeds the RFM and k-means documents" "grep -q '\"schema\":\"crm-rfm/1\"' $WORK/gen.html && grep -q '\"schema\":\"crm-kmeans/1\"' $WORK/gen.html"
check "the page embeds the document whole" "grep -q 'c12<\\\\/script><b>&\\\\\"q' $WORK/tx.html"
expect "one </script> per script element" "4" "$(grep -o '</script>' "$WORK/tx.html" | wc -l)"
expect "one </script> per script element (segments)" "4" "$(grep -o '</script>' "$WORK/gen.html" | wc -l)"
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
for f in tx gen empty messy brands; do
	mkdir -p "$WORK/shots-$f"
	extra=""
	[ $f = gen ] && extra="$WORK/rfm.json $WORK/km.json"
	[ $f = messy ] && extra="$WORK/messy-rfm.json $WORK/messy-km.json"
	if NODE_PATH=$NODE_DIR/node_modules node browser.js "$WORK/$f.html" "$WORK/$f.json" "$WORK/shots-$f" $extra > "$WORK/b.out" 2>&1; then
		pass "browser ($f): $(grep -c '^  ok' "$WORK/b.out") checks, $(cat "$WORK/shots-$f/load.txt")"
	else
		fail "browser ($f)"
		grep -v '^  ok' "$WORK/b.out" | head -20
	fi
	check "browser ($f): screenshots taken" "[ -s $WORK/shots-$f/desktop.png ] && [ -s $WORK/shots-$f/phone.png ]"
done
# Keep the last screenshots where a person can look at them.
mkdir -p "$ROOT/build/test-shots" && cp "$WORK"/shots-gen/*.png "$ROOT/build/test-shots/" 2> /dev/null
finish
