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

golden errors
t crm-gen --customers 0
t crm-gen --messy 5
t crm-gen --format invoice --messy 1001
t crm-gen --format xml
t crm-gen --start 2023-13
golden_end
finish
