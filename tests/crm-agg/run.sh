#!/bin/sh
# crm-agg: golden cases for every column and edge, the error table, and
# properties on generated data checked against sqlite3.
. ../lib.sh

# ---- golden: columns and edges (outputs checked by hand) ----
golden columns
t crm-agg data/one_line.tsv
t crm-agg data/header_only.tsv
t crm-agg data/device_only.tsv
t crm-agg data/same_day.tsv
t crm-agg data/boundaries.tsv
t crm-agg data/brands.tsv
t crm-agg --rules data/beans.rules data/brands.tsv
t crm-agg data/crlf_lines.tsv
t crm-agg data/no_final_newline.tsv
t crm-agg data/returns.tsv
t crm-agg data/reordered.tsv
t crm-agg --products data/products.tsv data/no_category.tsv
t crm-agg data/one_line.tsv data/same_day.tsv
t 'crm-agg < data/same_day.tsv'
t 'crm-agg --stats data/same_day.tsv 2>&1 >/dev/null | grep -v seconds'
golden_end

# ---- golden: errors, with exact messages and exit codes ----
golden errors
t crm-agg data/empty_file.tsv
t crm-agg data/missing_column.tsv
t crm-agg data/dup_column.tsv
t crm-agg data/no_category.tsv
t crm-agg data/bad_amount.tsv
t crm-agg data/bad_decimals.tsv
t crm-agg data/bad_date.tsv
t crm-agg data/bad_date_format.tsv
t crm-agg data/bad_qty.tsv
t crm-agg data/bad_fields.tsv
t crm-agg data/blank_line.tsv
t crm-agg data/empty_customer.tsv
t crm-agg data/one_line.tsv data/brands.tsv
t crm-agg --products data/products.tsv data/same_day.tsv
t crm-agg --products data/products_dup.tsv data/no_category.tsv
t crm-agg no_such_file.tsv
t crm-agg --memory 1M data/one_line.tsv
t crm-agg --memory lots data/one_line.tsv
t crm-agg --partition 3/2 data/one_line.tsv
t crm-agg --partition 0/2 data/one_line.tsv
t crm-agg -j 0 data/one_line.tsv
t crm-agg -j 65 data/one_line.tsv
t crm-agg --merge
t crm-agg --bogus
t 'crm-agg data/one_line.tsv > /dev/full'
t crm-agg --merge data/one_line.tsv
t crm-agg --merge --as-of 2024-03-15 data/one_line.tsv
golden_end

# ---- golden: the period. One date far from the others stops crm-agg
# (period.max_months); --from/--to cut the period, and --stats counts the
# rows left out.
printf 'period.max_months = 2\n' > "$WORK/short.rules"
printf 'period.max_months = 120000\n' > "$WORK/long.rules"
golden period
t crm-agg data/far_date.tsv
t crm-agg data/early_date.tsv
t crm-agg --rules "$WORK/short.rules" data/far_date.tsv
t crm-agg --to 2024-06 data/far_date.tsv
t crm-agg --from 2024-01 data/early_date.tsv
t crm-agg --from 2024-03 --to 2024-03 data/far_date.tsv
t crm-agg --to 2024-08 data/one_line.tsv
t 'crm-agg --from 2024-02 --to 2024-12 --stats data/far_date.tsv 2>&1 >/dev/null | grep -v -e seconds -e memory'
t "crm-agg --rules $WORK/long.rules data/far_date.tsv | sed -n '1p;\$p'"
t crm-agg --to 2024-01 data/early_date.tsv
t crm-agg --from 2010-01 --to 2024-12 data/one_line.tsv
t crm-agg --from 2024-05 --to 2024-04 data/one_line.tsv
t crm-agg --to 2024-13 data/one_line.tsv
t crm-agg --merge --to 2024-01 data/one_line.tsv
golden_end
crm-agg --to 2024-06 data/far_date.tsv > "$WORK/whole.tsv"
crm-agg --to 2024-06 --partition 1/2 data/far_date.tsv > "$WORK/p1.tsv"
crm-agg --to 2024-06 --partition 2/2 data/far_date.tsv > "$WORK/p2.tsv"
crm-agg --merge "$WORK/p1.tsv" "$WORK/p2.tsv" > "$WORK/merged.tsv"
same "--to with --partition: the merged parts equal one run" "$WORK/whole.tsv" "$WORK/merged.tsv"
check "--partition alone stops at the far date too" "! crm-agg --partition 1/2 data/far_date.tsv > /dev/null 2>&1 && ! crm-agg --partition 2/2 data/far_date.tsv > /dev/null 2>&1"
# -j: the period's checks, messages and line numbers are one thread's,
# whichever thread meets the rows that set its ends.
bad=""
for args in "data/far_date.tsv" "data/early_date.tsv" "--rules $WORK/short.rules data/far_date.tsv" \
	"--to 2024-06 data/far_date.tsv" "--from 2024-01 data/early_date.tsv" \
	"--from 2024-03 --to 2024-03 data/far_date.tsv" "--to 2024-01 data/early_date.tsv" \
	"--stats --from 2024-02 --to 2024-12 data/far_date.tsv" "--partition 2/2 data/far_date.tsv" \
	"--as-of 2024-03-15 data/far_date.tsv" "--stats --as-of 2024-02-10 data/early_date.tsv"; do
	crm-agg $args 2>&1 | grep -v -e seconds -e memory > "$WORK/e1"
	CRM_TEST_READ_SIZE=7 crm-agg -j 3 $args 2>&1 | grep -v -e seconds -e memory > "$WORK/e2"
	cmp -s "$WORK/e1" "$WORK/e2" || bad="$bad [$args]"
done
expect "-j 3 and one thread: the same period, output and errors" "" "$bad"

# A failed run leaves no output file, and no temporary one beside it.
rm -f "$WORK/out.tsv"
crm-agg -o "$WORK/out.tsv" data/bad_amount.tsv 2> /dev/null
expect "failed run leaves no -o file" "" "$(ls "$WORK" | grep out.tsv)"
crm-agg -o "$WORK/out.tsv" data/same_day.tsv
crm-agg data/same_day.tsv > "$WORK/ref.tsv"
same "-o writes what stdout gets" "$WORK/ref.tsv" "$WORK/out.tsv"

# ---- every read size: buffer boundaries inside lines and CRLF pairs ----
for f in same_day crlf_lines no_final_newline brands; do
	crm-agg data/$f.tsv > "$WORK/ref.tsv"
	bad=""
	for n in $(seq 1 48); do
		CRM_TEST_READ_SIZE=$n crm-agg data/$f.tsv > "$WORK/n.tsv" 2>&1
		cmp -s "$WORK/n.tsv" "$WORK/ref.tsv" || bad="$bad $n"
	done
	expect "$f.tsv read in chunks of 1..48 bytes" "" "$bad"
	bad=""
	for n in $(seq 1 48); do
		CRM_TEST_READ_SIZE=$n crm-agg -j 3 data/$f.tsv > "$WORK/n.tsv" 2>&1
		cmp -s "$WORK/n.tsv" "$WORK/ref.tsv" || bad="$bad $n"
	done
	expect "$f.tsv read in chunks of 1..48 bytes, -j 3" "" "$bad"
done

# -j: every error the single thread reports, with the same text and status.
bad=""
for f in data/bad_*.tsv data/blank_line.tsv data/empty_customer.tsv data/no_category.tsv; do
	crm-agg "$f" > "$WORK/e1" 2>&1; echo "exit $?" >> "$WORK/e1"
	CRM_TEST_READ_SIZE=7 crm-agg -j 2 "$f" > "$WORK/e2" 2>&1; echo "exit $?" >> "$WORK/e2"
	cmp -s "$WORK/e1" "$WORK/e2" || bad="$bad $f"
done
expect "-j 2 reports each bad file's error as one thread does" "" "$bad"

# ---- properties on generated data ----
if [ "$SAN" = 1 ]; then CUST=2000; else CUST=20000; fi
crm-gen --customers $CUST --months 24 --seed 11 > "$WORK/tx.tsv"
crm-gen --customers $((CUST / 2)) --months 30 --seed 12 --brands 3 > "$WORK/txb.tsv"
crm-agg "$WORK/tx.tsv" > "$WORK/agg.tsv"
crm-agg "$WORK/txb.tsv" > "$WORK/aggb.tsv"

# The same figures from sqlite3, computed from the raw lines by the query
# bench-agg times (scripts/peers/agg-sqlite.sql), keyed by KEY.
sqlite_agg() { # FILE KEY
	rm -f "$WORK/ref.db"
	sed "s/customer_id AS k/$2 AS k/" ../../scripts/peers/agg-sqlite.sql |
		sqlite3 -batch "$WORK/ref.db" -cmd '.mode tabs' -cmd ".import $1 tx"
}
sqlite_agg "$WORK/tx.tsv" customer_id > "$WORK/sql.tsv"
# sqlite3 has no rules_id: the last column is left out.
tail -n +2 "$WORK/agg.tsv" | sed 's/\t[^\t]*$//' > "$WORK/agg.body"
same "equals sqlite3 on $(($(wc -l < "$WORK/tx.tsv") - 1)) generated rows" "$WORK/agg.body" "$WORK/sql.tsv"
# With brands the key is brand + customer; sqlite3 joins them with a tab.
sqlite_agg "$WORK/txb.tsv" "brand || char(9) || customer_id" > "$WORK/sqlb.tsv"
tail -n +2 "$WORK/aggb.tsv" | sed 's/\t[^\t]*$//' > "$WORK/aggb.body"
same "equals sqlite3 with a brand column" "$WORK/aggb.body" "$WORK/sqlb.tsv"

rows=$(($(wc -l < "$WORK/tx.tsv") - 1))
expect "rows in = sum of lines out" "$rows" "$(awk -F'\t' 'NR > 1 { s += $10 } END { print s }' "$WORK/agg.tsv")"

# Any input order, any budget, any number of partitions: the same bytes.
{ head -n 1 "$WORK/tx.tsv"; tail -n +2 "$WORK/tx.tsv" | shuf; } > "$WORK/shuf.tsv"
crm-agg "$WORK/shuf.tsv" > "$WORK/o.tsv"
same "shuffled input" "$WORK/agg.tsv" "$WORK/o.tsv"
crm-agg --stats --memory 4M "$WORK/shuf.tsv" > "$WORK/o.tsv" 2> "$WORK/stats"
same "--memory 4M" "$WORK/agg.tsv" "$WORK/o.tsv"
# Enough data to spill several times, whatever the pass.
crm-gen --customers 20000 --months 24 --seed 13 > "$WORK/big.tsv"
crm-agg "$WORK/big.tsv" > "$WORK/big.ref"
crm-agg --stats --memory 4M "$WORK/big.tsv" > "$WORK/o.tsv" 2> "$WORK/stats"
spills=$(sed -n 's/.*; \([0-9]*\) spills.*/\1/p' "$WORK/stats")
check "--memory 4M spills more than once ($spills)" "[ $spills -gt 1 ]"
same "... and gives the same bytes" "$WORK/big.ref" "$WORK/o.tsv"
# Test hooks force the rare paths: partitions split again, merges in passes.
CRM_TEST_SPLIT_BYTES=20000 CRM_TEST_FAN=3 crm-agg --memory 4M "$WORK/shuf.tsv" > "$WORK/o.tsv"
same "partitions split again, runs merged in passes" "$WORK/agg.tsv" "$WORK/o.tsv"
cat "$WORK/tx.tsv" | crm-agg > "$WORK/o.tsv"
same "stdin" "$WORK/agg.tsv" "$WORK/o.tsv"

# -j N: threads scan blocks and fold partitions; the same bytes whatever
# the order, the budget, the spills and the block size.
for j in 2 3; do
	crm-agg -j $j "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "-j $j shuffled input" "$WORK/agg.tsv" "$WORK/o.tsv"
	crm-agg -j $j --stats --memory 4M "$WORK/big.tsv" > "$WORK/o.tsv" 2> "$WORK/stats"
	spills=$(sed -n 's/.*; \([0-9]*\) spills.*/\1/p' "$WORK/stats")
	check "-j $j --memory 4M spills more than once ($spills)" "[ $spills -gt 1 ]"
	same "-j $j --memory 4M gives the same bytes" "$WORK/big.ref" "$WORK/o.tsv"
	CRM_TEST_SPLIT_BYTES=20000 CRM_TEST_FAN=3 crm-agg -j $j --memory 4M "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "-j $j partitions split again, runs merged in passes" "$WORK/agg.tsv" "$WORK/o.tsv"
	CRM_TEST_READ_SIZE=4096 crm-agg -j $j "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "-j $j in blocks of a few lines" "$WORK/agg.tsv" "$WORK/o.tsv"
	crm-agg -j $j < "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "-j $j stdin" "$WORK/agg.tsv" "$WORK/o.tsv"
	crm-agg -j $j "$WORK/txb.tsv" > "$WORK/o.tsv"
	same "-j $j with brands" "$WORK/aggb.tsv" "$WORK/o.tsv"
	crm-agg -j $j --stats "$WORK/tx.tsv" "$WORK/shuf.tsv" > "$WORK/o.tsv" 2> "$WORK/stats"
	crm-agg --stats "$WORK/tx.tsv" "$WORK/shuf.tsv" 2>&1 > "$WORK/ref.tsv" | grep 'rows read' > "$WORK/stats1"
	same "-j $j two files" "$WORK/ref.tsv" "$WORK/o.tsv"
	grep 'rows read' "$WORK/stats" > "$WORK/statsj"
	same "-j $j two files: the same counts" "$WORK/stats1" "$WORK/statsj"
done
# Shared read-only state: products and per-brand rules in every thread.
crm-agg --products data/products.tsv data/no_category.tsv > "$WORK/ref.tsv"
CRM_TEST_READ_SIZE=5 crm-agg -j 3 --products data/products.tsv data/no_category.tsv > "$WORK/o.tsv"
same "-j 3 --products" "$WORK/ref.tsv" "$WORK/o.tsv"
crm-agg --rules data/beans.rules data/brands.tsv > "$WORK/ref.tsv"
CRM_TEST_READ_SIZE=5 crm-agg -j 3 --rules data/beans.rules data/brands.tsv > "$WORK/o.tsv"
same "-j 3 --rules with brands" "$WORK/ref.tsv" "$WORK/o.tsv"
# The writing thread meets a closed pipe or a full disk while others merge.
crm-agg -j 3 --memory 4M "$WORK/big.tsv" 2> "$WORK/err" | head -n 1 > /dev/null
expect "-j 3: a closed pipe ends quietly" "" "$(cat "$WORK/err")"
crm-agg -j 3 "$WORK/big.tsv" > /dev/full 2> "$WORK/err"
expect "-j 3: a full disk is an error" "1 crm-agg: write error on stdout: No space left on device" "$? $(cat "$WORK/err")"
crm-agg -j 2 --partition 2/3 "$WORK/shuf.tsv" > "$WORK/o.tsv"
crm-agg --partition 2/3 "$WORK/shuf.tsv" > "$WORK/ref.tsv"
same "-j 2 --partition 2/3" "$WORK/ref.tsv" "$WORK/o.tsv"
# Bad lines in blocks that threads scan at once, and one far after: the
# first is reported, with its line number, as one thread reports it.
awk -F'\t' -v OFS='\t' 'NR == 3001 { $5 = "x" } NR == 3003 || NR == 9001 { $1 = "2024-13-01" } 1' \
	"$WORK/shuf.tsv" > "$WORK/bad2.tsv"
crm-agg "$WORK/bad2.tsv" > /dev/null 2> "$WORK/e1"
for j in 2 3; do
	CRM_TEST_READ_SIZE=512 crm-agg -j $j "$WORK/bad2.tsv" > /dev/null 2> "$WORK/e2"
	expect "-j $j: exit 1 on the first bad line" "1" "$?"
	same "-j $j: the first bad line's message" "$WORK/e1" "$WORK/e2"
done
check "... which names line 3001" "grep -q ':3001: ' $WORK/e1"
# A far date on line 5001 stretches the period; the row that set the
# other end is in another block, met by another thread.
awk -F'\t' -v OFS='\t' 'NR == 5001 { $1 = "2099-06-15" } 1' "$WORK/shuf.tsv" > "$WORK/far.tsv"
crm-agg "$WORK/far.tsv" > /dev/null 2> "$WORK/e1"
for j in 2 3; do
	CRM_TEST_READ_SIZE=512 crm-agg -j $j "$WORK/far.tsv" > /dev/null 2> "$WORK/e2"
	expect "-j $j: exit 1 on the far date" "1" "$?"
	same "-j $j: the far date's message, naming the other end" "$WORK/e1" "$WORK/e2"
done
check "... which names line 5001" "grep -q ':5001: .*stretches the period' $WORK/e1"
for n in 1 2 7; do
	parts=""
	for i in $(seq 1 $n); do
		crm-agg --partition $i/$n "$WORK/shuf.tsv" > "$WORK/p$i.tsv"
		parts="$parts $WORK/p$i.tsv"
	done
	crm-agg --merge $parts > "$WORK/o.tsv"
	same "$n partitions merged" "$WORK/agg.tsv" "$WORK/o.tsv"
done
crm-agg --merge "$WORK/p3.tsv" "$WORK/p3.tsv" > /dev/null 2> "$WORK/err"
check "--merge refuses overlapping inputs" "grep -q 'merge outputs of disjoint partitions only' $WORK/err"
for i in 1 2; do crm-agg --partition $i/2 "$WORK/txb.tsv" > "$WORK/b$i.tsv"; done
crm-agg --merge "$WORK/b2.tsv" "$WORK/b1.tsv" > "$WORK/o.tsv"
same "2 partitions merged, with brands" "$WORK/aggb.tsv" "$WORK/o.tsv"

# --as-of: the rows of the input cut at that day by awk, in any partitions.
D=2024-05-17
awk -F'\t' -v d=$D 'NR == 1 || $1 <= d' "$WORK/tx.tsv" > "$WORK/cut.tsv"
crm-agg --as-of $D "$WORK/cut.tsv" > "$WORK/cutagg.tsv"
crm-agg --as-of $D "$WORK/shuf.tsv" > "$WORK/o.tsv"
same "--as-of $D: the rows of the input cut at that day" "$WORK/cutagg.tsv" "$WORK/o.tsv"
expect "--as-of $D: period_start the first date, period_end the day" "$(sed -n 2p "$WORK/agg.tsv" | cut -f11) $D" \
	"$(sed -n 2p "$WORK/o.tsv" | cut -f11,12 | tr '\t' ' ')"
for i in 1 2; do crm-agg --as-of $D --partition $i/2 "$WORK/shuf.tsv" > "$WORK/d$i.tsv"; done
crm-agg --merge "$WORK/d2.tsv" "$WORK/d1.tsv" > "$WORK/o.tsv"
same "--as-of $D: 2 partitions merged" "$WORK/cutagg.tsv" "$WORK/o.tsv"
for j in 2 3; do
	CRM_TEST_READ_SIZE=4096 crm-agg -j $j --as-of $D "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "-j $j --as-of $D" "$WORK/cutagg.tsv" "$WORK/o.tsv"
done
crm-agg --merge "$WORK/p1.tsv" "$WORK/d2.tsv" > /dev/null 2> "$WORK/err"
check "--merge refuses inputs of another as-of day" "grep -q \"field 'period_end'.* differs from the other inputs' period_end\" $WORK/err"

# rules_id, the fingerprint of the rules, ends every row; partitions made
# with other rules do not merge.
crm-agg --partition 1/2 data/brands.tsv > "$WORK/r1.tsv"
crm-agg --partition 2/2 --rules data/beans.rules data/brands.tsv > "$WORK/r2.tsv"
golden fingerprint
t "crm-agg data/one_line.tsv | cut -f 13 && crm-rules id"
t "crm-agg --rules data/beans.rules data/one_line.tsv | cut -f 13 && crm-rules id data/beans.rules"
t crm-agg --merge "$WORK/r1.tsv" "$WORK/r2.tsv"
golden_end

# The documented recipe: GNU parallel runs the partitions, one merge. File
# names are data, never shell code: each of these must aggregate exactly as
# crm-agg does and create nothing.
P="sh $TESTS/../scripts/crm-agg-parallel"
if command -v parallel > /dev/null; then
	$P -j 3 "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "scripts/crm-agg-parallel -j 3" "$WORK/agg.tsv" "$WORK/o.tsv"
	$P -j 2 < "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "scripts/crm-agg-parallel from stdin" "$WORK/agg.tsv" "$WORK/o.tsv"
	$P -j 2 -o "$WORK/o.tsv" - < "$WORK/shuf.tsv"
	same "scripts/crm-agg-parallel -o FILE -" "$WORK/agg.tsv" "$WORK/o.tsv"
	$P -j 3 --as-of $D "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "scripts/crm-agg-parallel --as-of $D" "$WORK/cutagg.tsv" "$WORK/o.tsv"
	mkdir "$WORK/names"
	for name in 'x;touch INJECTED;.tsv' 'two  spaces .tsv' '$(touch INJECTED).tsv' \
		'`touch INJECTED`.tsv' "it's \"quoted\".tsv" '-o INJECTED' 'brace{}.tsv' '{1}.tsv' \
		"$(printf 'new\nline*.tsv')"; do
		cp "$WORK/shuf.tsv" "$WORK/names/$name"
		(cd "$WORK/names" && $P -j 3 -- "$name" > "$WORK/o.tsv" 2> "$WORK/err"; echo $? > "$WORK/rc")
		expect "crm-agg-parallel file name [$name]: exit 0, no message" "0" "$(cat "$WORK/rc" "$WORK/err")"
		same "crm-agg-parallel file name [$name]: same as crm-agg" "$WORK/agg.tsv" "$WORK/o.tsv"
		rm "$WORK/names/$name"
		expect "crm-agg-parallel file name [$name]: nothing created" "" "$(ls -A "$WORK/names"; ls -A | grep INJECTED)"
	done
	echo '# no change' > "$WORK/names/--rules=x;\$(touch INJECTED).rules"
	(cd "$WORK/names" && $P -j 2 --rules "--rules=x;\$(touch INJECTED).rules" "$WORK/shuf.tsv" > "$WORK/o.tsv")
	same "crm-agg-parallel --rules value is one argument" "$WORK/agg.tsv" "$WORK/o.tsv"
	expect "crm-agg-parallel --rules value: nothing created" "" "$(ls -A "$WORK/names" | grep -v rules=; ls -A | grep INJECTED)"
	# A failing partition: crm-agg's own message, once, and its status.
	$P -j 3 "$WORK/none.tsv" > "$WORK/o.tsv" 2> "$WORK/err"
	expect "crm-agg-parallel missing file: exit 1" "1" "$?"
	expect "crm-agg-parallel missing file: one message" \
		"crm-agg: $WORK/none.tsv: No such file or directory" "$(cat "$WORK/err")"
	$P -j 3 --memory 1 "$WORK/shuf.tsv" > "$WORK/o.tsv" 2> "$WORK/err"
	expect "crm-agg-parallel bad --memory: exit 2" "2" "$?"
	expect "crm-agg-parallel bad --memory: crm-agg's message" \
		"crm-agg: --memory: '1' is less than the smallest budget, 4M" "$(head -n 1 "$WORK/err")"
	$P -j 0 "$WORK/shuf.tsv" > "$WORK/o.tsv" 2> "$WORK/err"
	expect "crm-agg-parallel -j 0: exit 2" "2" "$?"
	expect "crm-agg-parallel -j 0: message" \
		"crm-agg-parallel: -j: '0' is not a count from 1" "$(head -n 1 "$WORK/err")"
	$P --partition 1/2 "$WORK/shuf.tsv" > "$WORK/o.tsv" 2> "$WORK/err"
	expect "crm-agg-parallel --partition: exit 2" "2" "$?"
	expect "crm-agg-parallel --partition: message" \
		"crm-agg-parallel: unknown option '--partition'" "$(head -n 1 "$WORK/err")"
else
	skip "scripts/crm-agg-parallel (parallel not installed)"
fi

# ---- failures: a closed pipe is quiet; a full disk is an error ----
crm-agg "$WORK/tx.tsv" 2> "$WORK/err" | head -n 1 > /dev/null
expect "closed pipe ends quietly" "" "$(cat "$WORK/err")"
mkdir -p "$WORK/spill"
(ulimit -f 64; trap '' XFSZ; crm-agg --memory 4M -T "$WORK/spill" "$WORK/shuf.tsv" > /dev/null 2> "$WORK/err"; echo $? > "$WORK/rc")
expect "spill to a full disk fails" "1" "$(cat "$WORK/rc")"
check "spill failure names the directory" "grep -q 'crm-agg: write to temporary file in $WORK/spill: File too large' $WORK/err"

# SIGTERM and SIGINT while spilling: no output, no temporary file remains.
for sig in TERM INT; do
	rm -rf "$WORK/spill" "$WORK/fifo" "$WORK/out.tsv"
	mkdir "$WORK/spill"
	mkfifo "$WORK/fifo"
	# A script starts background jobs with SIGINT ignored; restore it.
	env --default-signal=INT crm-agg --memory 4M -T "$WORK/spill" -o "$WORK/out.tsv" < "$WORK/fifo" 2> /dev/null &
	pid=$!
	exec 3> "$WORK/fifo"
	{ cat "$WORK/tx.tsv"; tail -n +2 "$WORK/tx.tsv"; } >&3
	sleep 0.2
	during=$(ls -A "$WORK" | grep -c 'out.tsv')
	kill -$sig $pid
	wait $pid 2> /dev/null
	exec 3>&-
	expect "SIG$sig: temporary output existed while running" "1" "$during"
	expect "SIG$sig: nothing left in -T or beside -o" "" "$(ls -A "$WORK/spill"; ls -A "$WORK" | grep out.tsv)"
done

finish
