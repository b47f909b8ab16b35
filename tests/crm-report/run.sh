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
	crm-agg "$WORK/$f.tsv" | crm-tier $r | crm-lifecycle $r | crm-churn $r | crm-json $r --at-risk 10 > "$WORK/$f.json"
done
crm-report -o "$WORK/tx.html" "$WORK/tx.json"
# The generated data also gets the segments page.
crm-rfm --json "$WORK/gen.tsv" > "$WORK/rfm.json"
crm-rfm "$WORK/gen.tsv" | crm-kmeans --json --elbow 2-5 > "$WORK/km.json"
crm-report --rfm "$WORK/rfm.json" --kmeans "$WORK/km.json" -o "$WORK/gen.html" "$WORK/gen.json"
check "the page embeds the RFM and k-means documents" "grep -q '\"schema\":\"crm-rfm/1\"' $WORK/gen.html && grep -q '\"schema\":\"crm-kmeans/1\"' $WORK/gen.html"
check "the page embeds the document whole" "grep -q 'c12<\\\\/script><b>&\\\\\"q' $WORK/tx.html"
expect "one </script> per script element" "4" "$(grep -o '</script>' "$WORK/tx.html" | wc -l)"
expect "one </script> per script element (segments)" "4" "$(grep -o '</script>' "$WORK/gen.html" | wc -l)"
check "no reference outside the file (works offline)" "! grep -Eq '(src|href)=\"(https?:)?//' $WORK/gen.html"
printf '{"schema":"crm-json/1","series":[' > "$WORK/cut.json"
golden errors
t crm-report "$WORK/cut.json"
t "echo '{\"a\":1}' | crm-report"
t crm-report no_such.json
t crm-report a.json b.json
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
for f in tx gen; do
	mkdir -p "$WORK/shots-$f"
	extra=""
	[ $f = gen ] && extra="$WORK/rfm.json $WORK/km.json"
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
