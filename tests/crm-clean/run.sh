#!/bin/sh
# crm-clean: a messy export with one line per category (output, rejects and
# report written by hand), dialects, date formats, the rules, edge cases of
# the input, the manuals' examples run as written, every read size, and
# properties on generated exports: nothing lost, the round trip.
. ../lib.sh
MAP="--map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID"
INV="crm-clean --date-format mdy $MAP --products data/products.tsv"

golden messy
t "$INV --rejects $WORK/rej.csv --report $WORK/rep.json data/invoice_messy.csv; cat $WORK/rej.csv; jq -c . $WORK/rep.json"
t "$INV --rules data/drop_returns.rules data/invoice_messy.csv 2>&1 >/dev/null"
t "$INV --rules data/strict_encoding.rules --rejects $WORK/rej.csv data/invoice_messy.csv 2>/dev/null | cut -f3-; cut -d, -f1-3 $WORK/rej.csv"
t "$INV --encoding utf8 data/invoice_messy.csv 2>&1 >/dev/null"
t "$INV --encoding latin1 data/invoice_messy.csv"
t "$INV --to 2011-01-01 data/invoice_messy.csv 2>&1 >/dev/null"
t "$INV --strict data/invoice_messy.csv"
golden_end

golden dialects
t "crm-clean -d ';' --map date=Datum,customer_id=Kunde,sku=Artikel,category=Kategorie,qty=Menge,amount=Betrag,order_id=Beleg data/semicolon.csv"
t crm-clean -d tab data/tab.tsv
t crm-clean data/semicolon.csv
t crm-clean data/tab.tsv
t crm-clean -d tab data/rounding.csv
t crm-clean data/semicolon_comma_in_name.csv
t crm-clean data/compact_no_final_newline.csv
t crm-clean data/dmy_detected.csv
t crm-clean data/ambiguous_dates.csv
t crm-clean --date-format dmy data/ambiguous_dates.csv
t crm-clean --date-format iso data/dmy_detected.csv
t crm-clean data/rounding.csv
t crm-clean data/returns.csv
t crm-clean --rules data/drop_returns.rules data/returns.csv
t crm-clean --rules data/net_returns.rules data/returns.csv
t crm-clean --rules data/shops.rules --brand shop2 data/shop2.csv
t crm-clean data/shop2.csv
t "printf '' | crm-clean"
t crm-clean --map nothing=x data/tab.tsv
t crm-clean -d ab data/tab.tsv
golden_end

# Edge cases of the input: each fixture is named for the one it holds.
# Customer ids of 1024 bytes (the most crm-agg takes), 1025 bytes and
# 1 MB; with a brand of 3 bytes, 1020 is the most.
{ echo "date,customer_id,sku,category,qty,amount"
  for n in 1024 1025 1048576 1020 1021; do
	printf '2024-01-02,'; head -c $n /dev/zero | tr '\0' i; echo ",s1,capsule,1,3.90"
  done; } > "$WORK/long_ids.csv"
{ echo "date,customer_id,sku,category,qty,amount"
  for i in $(seq 1 12); do printf '2024-01-02,"C\n%d",s1,capsule,1,3.90\n' $i; done; } > "$WORK/twelve_spanning.csv"
golden edges
t crm-clean data/unnamed_first_column.csv
t "crm-clean --rejects $WORK/rej.csv --report $WORK/rep.json $WORK/long_ids.csv | awk '{ print length(\$0) }'; cut -d, -f1-3 $WORK/rej.csv; jq -c .rejected.id_too_long $WORK/rep.json"
t "crm-clean --brand abc $WORK/long_ids.csv | awk '{ print length(\$0) }'"
# Records spanning lines: counted, their lines named; refused with
# clean.max_record_lines = 1.
SPAN='{lines_read, header_lines, empty_lines, row_lines, rows_read, rows_spanning_lines, spanning_rows}'
t "crm-clean --rejects $WORK/rej.csv --report $WORK/rep.json data/quote_closed_next_line.csv; cat $WORK/rej.csv; jq -c '$SPAN' $WORK/rep.json"
t "crm-clean --rejects $WORK/rej.csv --report $WORK/rep.json data/quoted_line_breaks.csv; cat $WORK/rej.csv; jq -c '$SPAN' $WORK/rep.json"
t crm-clean --strict data/quoted_line_breaks.csv
t "crm-clean --rejects $WORK/rej.csv --report $WORK/rep.json data/cr_line_ends.csv; cat $WORK/rej.csv; jq -c '$SPAN' $WORK/rep.json"
t "crm-clean --report $WORK/rep.json data/blank_lines.csv; jq -c '$SPAN' $WORK/rep.json"
t "crm-clean --report $WORK/rep.json $WORK/twelve_spanning.csv > /dev/null; jq -c '[.rows_spanning_lines, (.spanning_rows | length), .spanning_rows[-1]]' $WORK/rep.json"
t "crm-clean --rules data/one_line_records.rules --rejects $WORK/rej.csv data/quote_closed_next_line.csv; cat $WORK/rej.csv"
t "crm-clean --rules data/one_line_records.rules --rejects $WORK/rej.csv data/quoted_line_breaks.csv; cat $WORK/rej.csv"
# Standard output carries one thing: the stream, the rejects or the report.
t "crm-clean -d tab --report - data/tab.tsv 2> $WORK/e; echo exit \$?; head -n 1 $WORK/e"
t "crm-clean -d tab --rejects - data/tab.tsv 2> $WORK/e; echo exit \$?; head -n 1 $WORK/e"
t "crm-clean -d tab -o $WORK/o.tsv --rejects - --report - data/tab.tsv 2> $WORK/e; echo exit \$?; head -n 1 $WORK/e"
t "crm-clean -d tab -o $WORK/o.tsv --report - data/tab.tsv | jq -c '{rows_read, rows_written}'; cat $WORK/o.tsv"
golden_end
crm-clean "$WORK/long_ids.csv" 2> /dev/null | crm-agg > /dev/null
expect "ids crm-clean lets through, crm-agg takes" 0 $?
crm-clean --brand abc "$WORK/long_ids.csv" 2> /dev/null | crm-agg > /dev/null
expect "ids crm-clean lets through with a brand, crm-agg takes" 0 $?

# The crm-clean command of crm(7)'s example, run on the messy export: its
# cancelled invoices must be rejected as such, not taken as returns.
sed -n '/^\$ crm-clean/,/[^e]$/p' ../../man/crm.7 | sed "s/^\\$ //; s/\\\\e\$/\\\\/; s|products.tsv|data/products.tsv|;
	s|rejects.csv|$WORK/man-rej.csv|; s|export.csv|data/invoice_messy.csv|; s|tx.tsv|$WORK/man-tx.tsv|" > "$WORK/man.sh"
sh "$WORK/man.sh" 2> /dev/null
expect "crm(7)'s crm-clean example rejects the cancelled invoice" "1" \
	"$(grep -c '^[0-9]*,cancelled,' "$WORK/man-rej.csv")"

# The report names its input in valid JSON, whatever the file's name holds.
ODD="$WORK/$(printf 'a"b\\\t\351.tsv')"
cp data/tab.tsv "$ODD"
crm-clean -d tab --report "$WORK/odd.json" "$ODD" > /dev/null 2>&1
expect "the report's input: a name with a quote, backslash, tab and Latin-1 byte" ok \
	"$(/usr/bin/python3 -c 'import json, sys
n = json.loads(open(sys.argv[1], "rb").read().decode())["input"].rsplit("/", 1)[1]
print("ok" if n == "a" + chr(34) + "b" + chr(92) + chr(9) + chr(0xfffd) + ".tsv" else ascii(n))' "$WORK/odd.json" 2>&1 | tail -n 1)"

# crm-clean(1)'s example: its export, run as shown, gives the output shown
# (lines wrapped in the page compared with blanks joined).
mkdir "$WORK/man1" && cp data/products.tsv "$WORK/man1/"
expect "crm-clean(1)'s example gives the output it shows" "same" "$(/usr/bin/python3 - ../../man/crm-clean.1 "$WORK/man1" <<'PY'
import re, subprocess, sys
page, cwd = open(sys.argv[1]).read(), sys.argv[2]
blocks = re.findall(r"\.Bd -literal -offset indent\n(.*?)\.Ed\n", page[page.index(".Sh EXAMPLES"):], re.S)
open(cwd + "/export.csv", "w").write(blocks[0])
norm = lambda t: re.sub(" +", " ", t.replace("\n", " ")).strip()
cmd, want, got = None, [], []
for line in blocks[1].replace("\\e\n", "\\\n").splitlines(keepends=True) + ["$ true\n"]:
    if line.startswith("$ "):
        if cmd:
            got.append(subprocess.run(cmd, shell=True, cwd=cwd, capture_output=True, text=True))
        cmd = line[2:]
        want.append("")
    elif cmd is not None and cmd.endswith("\\\n"):
        cmd += line
    else:
        want[-1] += line
out = [norm(r.stdout + r.stderr) for r in got]
print("same" if out == [norm(w) for w in want[:-1]] else "differ: %r" % out)
PY
)"

# Every read size: lines, quoted newlines, CRLF pairs and the BOM split
# anywhere by the buffer give the same output, rejects and report.
$INV --rejects "$WORK/r0" --report "$WORK/j0" data/invoice_messy.csv > "$WORK/o0" 2> /dev/null
bad=""
for n in $(seq 1 64); do
	CRM_TEST_READ_SIZE=$n $INV --rejects "$WORK/r1" --report "$WORK/j1" data/invoice_messy.csv > "$WORK/o1" 2> /dev/null
	cmp -s "$WORK/o0" "$WORK/o1" && cmp -s "$WORK/r0" "$WORK/r1" && cmp -s "$WORK/j0" "$WORK/j1" || bad="$bad $n"
done
expect "read in chunks of 1..64 bytes: 20 rows, 8 written, the same bytes each time" "20 9" \
	"$(jq .rows_read "$WORK/j0") $(wc -l < "$WORK/o0")$bad"

# A field of 200,000 bytes.
{ echo "date,customer_id,sku,category,qty,amount"; printf '2024-01-02,C1,'
  head -c 200000 /dev/zero | tr '\0' x; echo ",capsule,1,3.90"; } > "$WORK/long.csv"
expect "a 200,000-byte field passes whole" "200000" "$(crm-clean "$WORK/long.csv" 2>/dev/null | awk -F'\t' 'NR == 2 { print length($3) }')"

# Random bytes of CSV (quotes, delimiters, every line end, blanks, a BOM,
# Latin-1) after a header, read in random chunk sizes: crm-clean ends with
# 0 or 1 (under the sanitizers too) and, when it ends, accounts for every
# line and every row.
expect "random CSV: exit 0 or 1, every line and row accounted for, 300 inputs" "0" "$(/usr/bin/python3 - "$WORK" <<'PY' 2>&1 | tail -n 1
import json, os, random, subprocess, sys
random.seed(11)
alpha = [b",", b'"', b"\n", b"\r\n", b"\r", b";", b"a", b"1", b"\t", b" ", b"2024-01-02", b"3.90",
         b"\xef\xbb\xbf", b"x" * 50, b"\xfc"]
work, bad = sys.argv[1], 0
for i in range(300):
    data = (b"date,customer_id,sku,category,qty,amount\n" if random.random() < 0.8 else b"") + \
        b"".join(random.choice(alpha) for _ in range(random.randint(0, 60)))
    args = ["crm-clean", "--report", work + "/fz.json"] + random.choice([[], ["--strict"], ["--encoding", "utf8"]])
    env = dict(os.environ, CRM_TEST_READ_SIZE=str(random.choice([1, 2, 3, 64, 1 << 20])))
    r = subprocess.run(args, input=data, capture_output=True, env=env)
    if r.returncode == 0:
        j = json.load(open(work + "/fz.json"))
        ok = j["lines_read"] == j["header_lines"] + j["empty_lines"] + j["row_lines"] and \
            j["rows_read"] == j["rows_written"] + j["rows_rejected"]
    else:
        ok = r.returncode == 1 and r.stderr.startswith(b"crm-clean: ") and r.stderr.count(b"\n") == 1
    bad += not ok
print(bad)
PY
)"

# ---- generated exports ----
if [ "$SAN" = 1 ]; then CUST=500; else CUST=5000; fi
crm-gen --customers $CUST --order-id --products "$WORK/p.tsv" > "$WORK/canon.tsv"
crm-gen --customers $CUST --format invoice > "$WORK/export.csv"
crm-clean $MAP --products "$WORK/p.tsv" "$WORK/export.csv" > "$WORK/back.tsv" 2> /dev/null
check "round trip: the canonical stream has rows" "[ \$(wc -l < $WORK/canon.tsv) -gt $CUST ]"
same "round trip: crm-gen -> quoted CSV export -> crm-clean = the canonical stream" "$WORK/canon.tsv" "$WORK/back.tsv"

crm-gen --customers $CUST --format invoice --messy 80 --seed 3 > "$WORK/messy.csv"
crm-clean $MAP --products "$WORK/p.tsv" --rejects "$WORK/rej.csv" --report "$WORK/rep.json" \
	"$WORK/messy.csv" > "$WORK/out.tsv" 2> /dev/null
check "the report parses (jq)" "[ -s $WORK/rep.json ] && jq -e .rows_read $WORK/rep.json > /dev/null"
expect "rows read = written + rejected" "true" \
	"$(jq '.rows_read == .rows_written + .rows_rejected and .rows_rejected == ([.rejected[]] | add)' "$WORK/rep.json")"
expect "every stage: in = rejected + out, and out goes to the next" "true" \
	"$(jq '. as $r | [.stages as $s | range(0; $s | length) as $i | $s[$i].in == $s[$i].rejected + $s[$i].out and
		($i == 0 or $s[$i].in == $s[$i - 1].out)] | all and $r.stages[0].in == $r.rows_read and
		$r.stages[-1].out == $r.rows_written' "$WORK/rep.json")"
expect "lines read = lines of the file = header + empty lines + lines of the rows" "$(wc -l < "$WORK/messy.csv") true" \
	"$(jq '.lines_read, .lines_read == .header_lines + .empty_lines + .row_lines' "$WORK/rep.json" | xargs)"
expect "written = lines out" "$(jq .rows_written "$WORK/rep.json")" "$(($(wc -l < "$WORK/out.tsv") - 1))"
# The reject file read by python3's csv module: one record a rejected row,
# the same counts per category as the report.
/usr/bin/python3 -c "
import csv, collections, json, sys
r = list(csv.reader(open(sys.argv[1], newline='')))[1:]
c = collections.Counter(x[1] for x in r)
print(json.dumps({k: c.get(k, 0) for k in json.load(open(sys.argv[2]))['rejected']}, sort_keys=True))
" "$WORK/rej.csv" "$WORK/rep.json" > "$WORK/py.json"
expect "rejects by category, counted by python3 csv" "$(jq -cS .rejected "$WORK/rep.json" 2>&1)" "$(jq -cS . "$WORK/py.json")"
# Rows counted by python3's csv on the export without its unbalanced
# quotes (which that reader, unlike crm-clean, cannot recover from).
grep -v 'BROKEN QUOTE' "$WORK/messy.csv" > "$WORK/balanced.csv"
crm-clean $MAP --products "$WORK/p.tsv" --report "$WORK/rep2.json" "$WORK/balanced.csv" > /dev/null 2>&1
expect "rows read = records python3's csv reads" \
	"$(/usr/bin/python3 -c "import csv, sys; print(sum(1 for r in list(csv.reader(open(sys.argv[1], newline='')))[1:] if r))" "$WORK/balanced.csv")" \
	"$(jq .rows_read "$WORK/rep2.json")"
for c in malformed missing_value bad_number bad_date cancelled zero_price outlier duplicate; do
	check "generated messy data has $c rows" "[ \$(jq .rejected.$c $WORK/rep.json) -gt 0 ]"
done
crm-agg "$WORK/out.tsv" > /dev/null
expect "the output is a stream crm-agg reads" 0 $?

# ---- hash partitions (--partition I/N, --merge) ----
# The generated messy export, its date format detected (records held for
# the sample, malformed ones among them): the rejects are in line order,
# and for 1, 3 and 4 partitions the partials merge into the single run's
# report and rejects, byte for byte, and the partitions' rows, sorted,
# are the single run's.
crm-clean $MAP --products "$WORK/p.tsv" --rejects "$WORK/rej.csv" --report "$WORK/rep.json" \
	-o "$WORK/out.tsv" "$WORK/messy.csv" 2> /dev/null
expect "the rejects are in line order (the sample's malformed records too)" "sorted" \
	"$(/usr/bin/python3 -c "
import csv, sys
n = [int(r[0]) for r in list(csv.reader(open(sys.argv[1], newline='')))[1:]]
print('sorted' if n == sorted(n) and len(n) > 10 else 'not sorted')" "$WORK/rej.csv")"
tail -n +2 "$WORK/out.tsv" | LC_ALL=C sort > "$WORK/out.sorted"
for n in 1 3 4; do
	set --
	: > "$WORK/parts.tsv"
	for i in $(seq 1 $n); do
		crm-clean $MAP --products "$WORK/p.tsv" --partition $i/$n --rejects "$WORK/rej.$i.csv" \
			--report "$WORK/part.$i" -o "$WORK/out.$i.tsv" "$WORK/messy.csv" 2> /dev/null
		tail -n +2 "$WORK/out.$i.tsv" >> "$WORK/parts.tsv"
		set -- "$@" "$WORK/part.$i"
	done
	(cd / && crm-clean --merge --report "$WORK/merged.json" --rejects "$WORK/merged.csv" "$@")
	same "partitions $n: the merged report is the single run's" "$WORK/rep.json" "$WORK/merged.json"
	same "partitions $n: the merged rejects are the single run's" "$WORK/rej.csv" "$WORK/merged.csv"
	LC_ALL=C sort "$WORK/parts.tsv" > "$WORK/parts.sorted"
	same "partitions $n: the rows of the partitions, sorted, are the single run's" "$WORK/out.sorted" \
		"$WORK/parts.sorted"
done
# The hand-written export with a row of each reject category.
$INV --rejects "$WORK/mrej.csv" --report "$WORK/mrep.json" -o /dev/null data/invoice_messy.csv 2> /dev/null
for i in 1 2 3; do
	$INV --partition $i/3 --rejects "$WORK/mrej.$i.csv" --report "$WORK/mpart.$i" -o /dev/null \
		data/invoice_messy.csv 2> /dev/null
done
crm-clean --merge --report "$WORK/mmerged.json" --rejects "$WORK/mmerged.csv" "$WORK"/mpart.[123]
same "partitions 3 of the messy fixture: the merged report is the single run's" "$WORK/mrep.json" "$WORK/mmerged.json"
same "partitions 3 of the messy fixture: the merged rejects are the single run's" "$WORK/mrej.csv" "$WORK/mmerged.csv"
check "partitions 4: each partition writes some rows" \
	"for i in 1 2 3 4; do [ \$(wc -l < $WORK/out.\$i.tsv) -gt 100 ] || exit 1; done"
check "partitions 4: rows without a customer key are rejected in partition 1 only" \
	"grep -q missing_value $WORK/rej.1.csv && ! grep -q 'customer_id (CustomerID) is empty' $WORK/rej.2.csv $WORK/rej.3.csv $WORK/rej.4.csv"
# Each row is in the partition of crm-agg's documented hash, computed by
# python3 with the xxHash library (../partition_of.py).
/usr/bin/python3 ../partition_of.py 4 "$WORK"/out.[1-4].tsv > "$WORK/route.out"
expect "partitions 4: every row is in the partition of the documented hash" "0 in another partition" \
	"$(sed 's/^[0-9]* rows, //' "$WORK/route.out")"
check "partitions 4: the routing check saw rows" "grep -q '^[1-9][0-9]* rows' $WORK/route.out"

# Net returns match a purchase of the same customer: the brand's.
printf 'date,brand,customer_id,sku,category,qty,amount\n2024-01-05,a,C1,S1,capsule,2,7.80\n2024-01-09,b,C1,S1,capsule,-1,-3.90\n2024-01-10,a,C1,S1,capsule,-1,-3.90\n' \
	> "$WORK/brands.csv"
cp data/drop_returns.rules "$WORK/drop.rules"
golden partitions
t crm-clean --rules data/net_returns.rules --rejects - "$WORK/brands.csv" -o /dev/null
t crm-clean --partition 0/3 "$WORK/brands.csv"
t crm-clean --partition 2 "$WORK/brands.csv"
t crm-clean --merge -o x "$WORK/part.1"
t crm-clean --merge
t "cd $WORK && crm-clean --merge part.1 part.2 part.3"
t "cd $WORK && crm-clean --merge part.1 part.2 part.3 part.1"
t "cd $WORK && crm-clean --merge rej.1.csv"
t "cd $WORK && crm-clean $MAP --products p.tsv --partition 1/2 --report p2.1 messy.csv > /dev/null 2>&1; crm-clean --merge p2.1 part.2 part.3 part.4"
t "cd $WORK && crm-clean $MAP --products p.tsv --partition 2/2 --report p2.2 messy.csv > /dev/null 2>&1; crm-clean --merge --report x.json --rejects x.csv p2.1 p2.2; ls x.json"
t "cd $WORK && crm-clean $MAP --products p.tsv --rules drop.rules --partition 2/2 --report p2.3 messy.csv > /dev/null 2>&1; crm-clean --merge p2.1 p2.3"
golden_end
finish
