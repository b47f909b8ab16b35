#!/bin/sh
# common: what every tool shares through libcrm: where -o writes, a failed
# write of --help and --version, a byte-order mark before a TSV header or in
# a rules file, and the --memory size. Signals and failures: tests/faults.
. ../lib.sh
TOOLS="crm-agg crm-churn crm-clean crm-gen crm-json crm-kmeans crm-lifecycle crm-report crm-rfm crm-rules crm-tier"
crm-gen --customers 200 --seed 3 > "$WORK/small.tsv"
crm-agg "$WORK/small.tsv" > "$WORK/want.tsv"
ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# ---- -o: a regular file is replaced atomically, anything else written ----
echo old > "$WORK/plain"
chmod 640 "$WORK/plain"
crm-agg -o "$WORK/plain" "$WORK/small.tsv"
same "-o replaces a regular file" "$WORK/want.tsv" "$WORK/plain"
expect "-o keeps the mode of the file it replaces" 640 "$(stat -c %a "$WORK/plain")"
if [ $ROOT = 1 ]; then
	chown 4321:4322 "$WORK/plain"
	crm-agg -o "$WORK/plain" "$WORK/small.tsv"
	expect "-o keeps the owner of the file it replaces" 4321:4322 "$(stat -c %u:%g "$WORK/plain")"
else
	echo "  skip -o keeps the owner (not root)"
fi
(umask 027 && crm-agg -o "$WORK/new" "$WORK/small.tsv")
expect "-o makes a new file with the umask's mode" 640 "$(stat -c %a "$WORK/new")"

echo old > "$WORK/target"
ln -s target "$WORK/link"
crm-agg -o "$WORK/link" "$WORK/small.tsv"
check "-o onto a symbolic link keeps the link" "[ -L '$WORK/link' ]"
same "-o onto a symbolic link writes its target" "$WORK/want.tsv" "$WORK/target"
mkdir "$WORK/sub"
ln -s ../link "$WORK/sub/link2"
echo old > "$WORK/target"
crm-agg -o "$WORK/sub/link2" "$WORK/small.tsv"
check "-o onto a chain of links keeps both" "[ -L '$WORK/sub/link2' ] && [ -L '$WORK/link' ]"
same "-o onto a chain of links writes the last target" "$WORK/want.tsv" "$WORK/target"
ln -s nothing_yet "$WORK/dangling"
crm-agg -o "$WORK/dangling" "$WORK/small.tsv"
same "-o onto a dangling link creates its target" "$WORK/want.tsv" "$WORK/nothing_yet"

if [ $ROOT = 1 ] && mknod -m 666 "$WORK/null" c 1 3 2>/dev/null; then
	crm-agg -o "$WORK/null" "$WORK/small.tsv"
	check "-o onto a device writes the device" "[ -c '$WORK/null' ] && [ ! -s '$WORK/null' ]"
else
	echo "  skip -o onto a device (mknod needs root)"
fi
mkfifo "$WORK/fifo"
cat "$WORK/fifo" > "$WORK/from_fifo" &
catpid=$!
crm-agg -o "$WORK/fifo" "$WORK/small.tsv"
[ -p "$WORK/fifo" ] || kill $catpid
wait $catpid
check "-o onto a FIFO writes the FIFO" "[ -p '$WORK/fifo' ]"
same "-o onto a FIFO: the reader gets the output" "$WORK/want.tsv" "$WORK/from_fifo"
# /dev/stdout itself would be at stake if this failed: a link of our own
# to the same place stands in for it.
ln -s /proc/self/fd/1 "$WORK/stdout"
crm-agg -o "$WORK/stdout" "$WORK/small.tsv" > "$WORK/stdout_file"
same "-o /dev/stdout writes standard output (a file)" "$WORK/want.tsv" "$WORK/stdout_file"
crm-agg -o "$WORK/stdout" "$WORK/small.tsv" | cat > "$WORK/stdout_pipe"
same "-o /dev/stdout writes standard output (a pipe)" "$WORK/want.tsv" "$WORK/stdout_pipe"
check "-o /dev/stdout leaves the link" "[ -L '$WORK/stdout' ]"
check "no temporary file is left" "[ -z \"\$(find '$WORK' -name '*.tmp.*')\" ]"

# ---- a failed write of --help, --version or crm-rules check ----
golden stdout
for tool in $TOOLS; do
	t "$tool --help > /dev/full"
	t "$tool --version > /dev/full"
done
t "crm-rules check > /dev/full"
t "crm-rules id > /dev/full"
golden_end

# ---- byte-order marks ----
printf '\357\273\277' | cat - "$WORK/small.tsv" > "$WORK/bom.tsv"
crm-agg "$WORK/bom.tsv" > "$WORK/bom.out"
same "a byte-order mark before the TSV header is skipped" "$WORK/want.tsv" "$WORK/bom.out"
for rs in 1 2 3 4; do
	CRM_TEST_READ_SIZE=$rs crm-agg "$WORK/bom.tsv" > "$WORK/bom.out"
	same "a byte-order mark read $rs bytes at a time" "$WORK/want.tsv" "$WORK/bom.out"
done
printf '\357\273\277' | cat - "$WORK/small.tsv" | crm-agg > "$WORK/bom.out"
same "a byte-order mark on standard input" "$WORK/want.tsv" "$WORK/bom.out"
# The rules differ from the defaults (churn.drop_ratio), so does rules_id.
crm-agg --rules data/bom.rules "$WORK/small.tsv" | sed 's/\t[^\t]*$//' > "$WORK/bom.out"
sed 's/\t[^\t]*$//' "$WORK/want.tsv" > "$WORK/want_norules.tsv"
same "a byte-order mark in a rules file is skipped" "$WORK/want_norules.tsv" "$WORK/bom.out"
expect "a byte-order mark in a rules file: the rows carry its fingerprint" \
	"$(crm-rules id data/bom.rules)" "$(crm-agg --rules data/bom.rules "$WORK/small.tsv" | awk -F "\t" "NR == 2 { print \$NF }")"
golden bom
t crm-agg data/bom_bad_date.tsv
t "printf '\357\273\277' | crm-agg"
t "printf '\357\273\277\n' | crm-agg"
t crm-rules check data/bom.rules
t crm-rules check data/bom_bad.rules
golden_end

# ---- sizes (the message, without the usage lines after it) ----
golden sizes
for m in 150% 0% 101% 1M lots x% 99999999999999999999 99999999999T; do
	t "crm-agg --memory $m $WORK/small.tsv 2> $WORK/err; rc=\$?; head -n 1 $WORK/err; exit \$rc"
done
t "crm-agg --memory 4M $WORK/small.tsv | cmp - $WORK/want.tsv"
t "crm-agg --memory 1% $WORK/small.tsv | cmp - $WORK/want.tsv"
golden_end

# ---- the column schema ----
# Each stage's header is the one before it, the columns the stage adds (from
# the schema), then rules_id; every added column has its entry in the
# stage's manual.
crm-tier --explain "$WORK/want.tsv" > "$WORK/s1.tsv"
crm-lifecycle --explain "$WORK/s1.tsv" > "$WORK/s2.tsv"
crm-churn --explain "$WORK/s2.tsv" > "$WORK/s3.tsv"
added() { head -n 1 "$1" | sed 's/\trules_id$//' | tr '\t' '\n' > "$WORK/a"
	head -n 1 "$2" | sed 's/\trules_id$//' | tr '\t' '\n' | tail -n +$(($(wc -l < "$WORK/a") + 1)); }
expect "crm-agg's header ends with rules_id" rules_id "$(head -n 1 "$WORK/want.tsv" | tr '\t' '\n' | tail -n 1)"
expect "crm-tier's header ends with its columns and rules_id, moved behind them" \
	"tenure_months recency_days orders_f value_m avg_monthly avg_order active tier tier_explain warmup rules_id" \
	"$(head -n 1 "$WORK/want.tsv" | sed 's/\trules_id$//' | tr '\t' '\n' > "$WORK/a"; head -n 1 "$WORK/s1.tsv" | tr '\t' '\n' | tail -n +$(($(wc -l < "$WORK/a") + 1)) | tr '\n' ' ' | sed 's/ $//')"
for st in "crm-tier want.tsv s1.tsv" "crm-lifecycle s1.tsv s2.tsv" "crm-churn s2.tsv s3.tsv"; do
	set -- $st
	miss=$(added "$WORK/$2" "$WORK/$3" | while read -r c; do grep -q "^\.It Cm $c\$\|Cm $c\$\|Cm $c " "../../man/$1.1" || printf '%s ' "$c"; done)
	expect "$1: every added column is in its manual" "" "$miss"
done
finish
