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
t crm-agg --merge
t crm-agg --bogus
t 'crm-agg data/one_line.tsv > /dev/full'
t crm-agg --merge data/one_line.tsv
t crm-agg --merge --as-of 2024-03-15 data/one_line.tsv
golden_end

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
done

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
tail -n +2 "$WORK/agg.tsv" > "$WORK/agg.body"
same "equals sqlite3 on $(($(wc -l < "$WORK/tx.tsv") - 1)) generated rows" "$WORK/agg.body" "$WORK/sql.tsv"
# With brands the key is brand + customer; sqlite3 joins them with a tab.
sqlite_agg "$WORK/txb.tsv" "brand || char(9) || customer_id" > "$WORK/sqlb.tsv"
tail -n +2 "$WORK/aggb.tsv" > "$WORK/aggb.body"
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
crm-agg --merge "$WORK/p1.tsv" "$WORK/d2.tsv" > /dev/null 2> "$WORK/err"
check "--merge refuses inputs of another as-of day" "grep -q \"field 'period_end'.* differs from the other inputs' period_end\" $WORK/err"

# The documented recipe: GNU parallel runs the partitions, one merge.
if command -v parallel > /dev/null; then
	sh ../../scripts/crm-agg-parallel -j 3 "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "scripts/crm-agg-parallel -j 3" "$WORK/agg.tsv" "$WORK/o.tsv"
	sh ../../scripts/crm-agg-parallel -j 2 < "$WORK/shuf.tsv" > "$WORK/o.tsv"
	same "scripts/crm-agg-parallel from stdin" "$WORK/agg.tsv" "$WORK/o.tsv"
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
