#!/bin/sh
# crm-gen: the same seed gives the same bytes (a small golden pins them on
# every machine), columns by option, date order, the products file agrees
# with the lines, the invoice export parses as CSV, defects come from their
# own random stream, errors.
. ../lib.sh

golden small
t crm-gen --customers 6 --months 3 --seed 4
t crm-gen --customers 3 --months 2 --seed 4 --brands 2 --order-id --no-category
t "crm-gen --customers 3 --months 2 --seed 4 --format invoice | tr -d '\r'"
golden_end

crm-gen --customers 2000 --seed 11 > "$WORK/a.tsv"
crm-gen --customers 2000 --seed 11 > "$WORK/b.tsv"
same "the same seed gives the same bytes" "$WORK/a.tsv" "$WORK/b.tsv"
crm-gen --customers 2000 --seed 12 > "$WORK/c.tsv"
check "another seed gives other data" "! cmp -s $WORK/a.tsv $WORK/c.tsv"
check "lines come in date order" "tail -n +2 $WORK/a.tsv | cut -f1 | sort -c"
n=$(tail -n +2 "$WORK/a.tsv" | cut -f2 | sort -u | wc -l)
check "most of the 2000 customers buy in 24 months ($n)" "[ $n -gt 1500 ] && [ $n -le 2000 ]"
check "amounts have two decimals, quantities are whole" \
	"awk -F'\t' 'NR > 1 && (\$6 !~ /^-?[0-9]+\\.[0-9][0-9]\$/ || \$5 !~ /^-?[0-9]+\$/) { exit 1 }' $WORK/a.tsv"

crm-gen --customers 500 --brands 3 --no-category --products "$WORK/p.tsv" > "$WORK/br.tsv"
expect "--brands 3: a brand column with three brands" 3 "$(tail -n +2 "$WORK/br.tsv" | cut -f1 | sort -u | wc -l)"
expect "--no-category: the header" "brand	date	customer_id	sku	qty	amount" "$(head -1 "$WORK/br.tsv")"
check "every sku of the lines is in the products file" \
	"awk -F'\t' 'NR == FNR { if (FNR > 1) p[\$1] = 1; next } FNR > 1 && !(\$4 in p) { exit 1 }' $WORK/p.tsv $WORK/br.tsv"
crm-gen --customers 500 --brands 3 > "$WORK/brc.tsv"
check "the products file gives each line's category" \
	"awk -F'\t' 'NR == FNR { if (FNR > 1) c[\$1] = \$2; next } FNR > 1 && c[\$4] != \$5 { exit 1 }' $WORK/p.tsv $WORK/brc.tsv"

crm-gen --customers 300 --format invoice > "$WORK/inv.csv"
crm-gen --customers 300 --format invoice --messy 0 > "$WORK/inv0.csv"
same "--messy 0 is the clean export" "$WORK/inv.csv" "$WORK/inv0.csv"
check "the invoice export is CSV of 8 fields a record (python3 csv)" \
	"/usr/bin/python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=\"\"))); sys.exit(not (len(r) > 100 and all(len(x) == 8 for x in r)))' $WORK/inv.csv"
expect "one invoice line a purchase line" "$(($(wc -l < "$WORK/a.tsv") - 1))" \
	"$(($(crm-gen --customers 2000 --seed 11 --format invoice | wc -l) - 1))"
crm-gen --customers 300 --format invoice --messy 100 | tr -d '\r' > "$WORK/messy.csv"
check "--messy spoils lines: empty customer ids appear" "grep -q ',,[A-Za-z ]*\$' $WORK/messy.csv"

# --churn-process: seeded like the rest, and the default stream does not
# depend on it (the golden above pins that stream).
crm-gen --customers 2000 --seed 11 --churn-process > "$WORK/p1.tsv"
crm-gen --customers 2000 --seed 11 --churn-process > "$WORK/p2.tsv"
same "--churn-process: the same seed gives the same bytes" "$WORK/p1.tsv" "$WORK/p2.tsv"
check "--churn-process: other purchases than without" "! cmp -s $WORK/a.tsv $WORK/p1.tsv"
check "--churn-process: lines come in date order" "tail -n +2 $WORK/p1.tsv | cut -f1 | sort -c"
# Leavers fade: over the customers who stop ordering a year before the end,
# the last gap is longer than the first by 15% at least on average (without
# the process it is not: the line printed after the check shows it).
check "--churn-process: the gaps of customers who leave lengthen before they go" \
	"tail -n +2 $WORK/p1.tsv | awk -F'\t' '\$4 != \"device\" && \$4 != \"accessory\" { print \$2 \"\t\" \$1 }' | sort -u |
	awk -F'\t' 'function close_c() { if (n >= 4 && last < \"2023-12-31\") { lg += g[n - 1]; fg += g[1]; k++ } }
		\$1 != c { close_c(); c = \$1; n = 0 }
		{ split(\$2, d, \"-\"); t = mktime(d[1] \" \" d[2] \" \" d[3] \" 12 0 0\"); if (n) g[n] = (t - p) / 86400; p = t; n++; last = \$2 }
		END { close_c(); exit !(k > 20 && lg > 1.15 * fg) }'"
tail -n +2 "$WORK/a.tsv" | awk -F'\t' '$4 != "device" && $4 != "accessory" { print $2 "\t" $1 }' | sort -u |
	awk -F'\t' 'function close_c() { if (n >= 4 && last < "2023-12-31") { lg += g[n - 1]; fg += g[1]; k++ } }
		$1 != c { close_c(); c = $1; n = 0 }
		{ split($2, d, "-"); t = mktime(d[1] " " d[2] " " d[3] " 12 0 0"); if (n) g[n] = (t - p) / 86400; p = t; n++; last = $2 }
		END { close_c(); printf "%d %.1f %.1f\n", k, fg / k, lg / k }' > "$WORK/nofade"
echo "  (without --churn-process: leavers, mean first gap, mean last gap: $(cat "$WORK/nofade"))"

golden errors
t crm-gen --customers 0
t crm-gen --messy 5
t crm-gen --format invoice --messy 1001
t crm-gen --format xml
t crm-gen --start 2023-13
golden_end
finish
