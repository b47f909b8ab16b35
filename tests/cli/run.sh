#!/bin/sh
# cli: every tool's -h, --help and --version; the help lists every option the
# tool's getopt table takes and every option its man page documents; the
# short usage names the options of the man page SYNOPSIS.
. ../lib.sh
ROOT=$TESTS/..
VERSION=$(sed -n 's/^VERSION = //p' "$ROOT/config.mk")
tools=$(cd "$ROOT/tools" && ls)
check "tools found (at least 10)" "[ $(echo $tools | wc -w) -ge 10 ]"

# opts: the option words (-x, --long) in the text on stdin, one a line.
opts() {
	grep -o -e '^--\{0,1\}[a-zA-Z][a-zA-Z0-9-]*' -e '[[ |]--\{0,1\}[a-zA-Z][a-zA-Z0-9-]*' |
		sed 's/^[[ |]//' | sort -u
}

# man_opts SECTION-PATTERN: the flags of the mdoc macro lines of a man page
# (stdin) that match the awk pattern: "Fl x" is -x, "Fl \-long" is --long,
# and so is a "\-long" later on a line (".Op Fl \-a | \-b").
man_opts() {
	awk -v want="$1" '
		/^\.Sh / { sect = $2 }
		/^\./ && ((want == "synopsis" && sect == "SYNOPSIS") || (want == "list" && /^\.It Fl/)) {
			fl = 0
			for (i = 1; i <= NF; i++) {
				w = $i
				if (w == "Fl" || w == ".Fl") { fl = 1; continue }
				if (w ~ /^[A-Z][a-z]$/) { fl = 0; continue }
				if (w ~ /^\\-/ || (fl && w ~ /^[a-zA-Z]/)) {
					gsub(/\\/, "", w)
					sub(/[,.]$/, "", w)
					print "-" w
				}
			}
		}' | sort -u
}

# src_opts TOOL: the options of the table the tool parses with: the
# entries ({ "long", 'x', ARG, PARSE, ...) of its sources, of the common
# macros (OPT_RULES ...) of common/opt.h and common/filteropt.h they name
# (and the macros those name), and of common/opt.c (-h, --help, --version),
# as long names and letters.
macro_defs() { # FILE...: the definitions of the OPT_ macros the files name
	for m in $(grep -ho 'OPT_[A-Z_]*(' "$@" | tr -d '(' | sort -u); do
		awk -v m="$m" 'index($0, "#define " m "(") == 1 { on = 1 }
			on { print; if (!/\\$/) on = 0 }' "$ROOT/common/opt.h" "$ROOT/common/filteropt.h"
	done
}
src_opts() {
	src=$ROOT/tools/$1/*.c
	{
		cat $src "$ROOT/common/opt.c"
		macro_defs $src > "$WORK/defs"
		cat "$WORK/defs"
		macro_defs "$WORK/defs"
	} | sed -n -e h \
		-e 's/.*{ "\([a-z0-9-]*\)", \(0\|'"'"'.'"'"'\), \("[^"]*"\|NULL\), [A-Za-z_]*, .*/--\1/p' \
		-e g \
		-e 's/.*{ \("[a-z0-9-]*"\|NULL\), '"'"'\(.\)'"'"', \("[^"]*"\|NULL\), [A-Za-z_]*, .*/-\2/p'
}

for tool in $tools crm-agg-parallel; do
	if [ "$tool" = crm-agg-parallel ]; then
		run="sh $ROOT/scripts/crm-agg-parallel"
	else
		run=$tool
	fi
	man=$ROOT/man/$tool.1
	check "$tool: man page exists" "[ -f $man ]"
	[ -f "$man" ] || continue

	$run -h > "$WORK/h.out" 2> "$WORK/h.err"
	expect "$tool -h: exit 0, nothing on stderr" "0" "$?$(cat "$WORK/h.err")"
	$run --help > "$WORK/help.out" 2> "$WORK/help.err"
	expect "$tool --help: exit 0, nothing on stderr" "0" "$?$(cat "$WORK/help.err")"
	same "$tool: -h and --help print the same" "$WORK/h.out" "$WORK/help.out"
	expect "$tool --help: starts with its usage" "usage: $tool" "$(head -n 1 "$WORK/help.out" | cut -d' ' -f1-2)"
	expect "$tool --help: ends with the man page" "See $tool(1)." "$(tail -n 1 "$WORK/help.out")"
	expect "$tool --help: lines fit 80 columns (options part)" "" \
		"$(grep '^  [^ ]' "$WORK/help.out" | awk 'length > 80')"
	expect "$tool --version" "$tool $VERSION" "$($run --version 2>&1)"

	# The options the help lists, each at the start of its own line.
	grep '^  -' "$WORK/help.out" | sed 's/^  //; s/  .*//' | tr ',' '\n' | sed 's/^ *//' | opts > "$WORK/help.opts"
	check "$tool --help: lists -h, --help and --version" \
		"grep -qx -- -h $WORK/help.opts && grep -qx -- --help $WORK/help.opts && grep -qx -- --version $WORK/help.opts"
	man_opts synopsis < "$man" > "$WORK/syn.opts"
	man_opts list < "$man" | sort -u - "$WORK/syn.opts" > "$WORK/man.opts"
	check "$tool(1): documents options (at least 3)" "[ \$(wc -l < $WORK/man.opts) -ge 3 ]"
	expect "$tool: every option of the man page is in --help" "" \
		"$(comm -23 "$WORK/man.opts" "$WORK/help.opts" | tr '\n' ' ')"
	expect "$tool: every option of --help is in the man page" "" \
		"$(comm -13 "$WORK/man.opts" "$WORK/help.opts" | tr '\n' ' ')"
	# Scripts (crm-agg-parallel, crm-run) have no C option table.
	if ls "$ROOT/tools/$tool/"*.c > /dev/null 2>&1; then
		src_opts "$tool" | sort -u > "$WORK/src.opts"
		check "$tool: getopt table found (at least 3 options)" "[ \$(wc -l < $WORK/src.opts) -ge 3 ]"
		expect "$tool: every option getopt takes is in --help" "" \
			"$(comm -23 "$WORK/src.opts" "$WORK/help.opts" | tr '\n' ' ')"
	fi

	# A usage error: the short synopsis on stderr, exit 2, nothing on stdout.
	$run --no-such-option > "$WORK/u.out" 2> "$WORK/u.err"
	expect "$tool --no-such-option: exit 2, nothing on stdout" "2" "$?$(cat "$WORK/u.out")"
	check "$tool --no-such-option: the usage on stderr" "grep -q '^usage: $tool ' $WORK/u.err"
	check "$tool --no-such-option: no option list" "! grep -q '^  -' $WORK/u.err"
	sed -n '/^usage: /,$p' "$WORK/u.err" | opts | grep -vx -e -h -e --help -e --version > "$WORK/usage.opts"
	expect "$tool: the usage names the options of the SYNOPSIS" "$(cat "$WORK/syn.opts")" "$(cat "$WORK/usage.opts")"

	if [ -w /dev/full ]; then
		$run --help > /dev/full 2> "$WORK/full.err"
		expect "$tool --help > /dev/full: exit 1" "1" "$?"
	fi
done

# make install puts every program and every manual in place.
make -s -n -C "$ROOT" install DESTDIR=/nonexistent > "$WORK/install.out" 2>&1
missing=""
for f in "$ROOT"/man/*.[1-9] "$ROOT"/scripts/crm-agg-parallel; do
	grep -q "${f#"$ROOT"/}" "$WORK/install.out" || missing="$missing ${f#"$ROOT"/}"
done
expect "make install names every manual and crm-agg-parallel" "" "$missing"
# A usage error for each kind of option value, and for the checks the
# tools add: the option, the value and why, then the usage; exit 2.
golden options
t "crm-tier --from 2024-13 < /dev/null"
t "crm-tier --to 2024-06 --as-of 2024-06-30 < /dev/null"
t "crm-tier --from < /dev/null"
t "crm-tier --explain=yes < /dev/null"
t "crm-rfm --as-of 2024-02-30 < /dev/null"
t "crm-clean --to 2024-1-1 < /dev/null"
t "crm-agg --memory 12Q < /dev/null"
t "crm-agg --memory 1M < /dev/null"
t "crm-agg --partition 3/2 < /dev/null"
t "crm-json --at-risk -1 < /dev/null"
t "crm-gen --seed 1x"
t "crm-kmeans -k 0 < /dev/null"
t "crm-kmeans --tol -1 < /dev/null"
t "crm-kmeans --elbow 3-2 < /dev/null"
t "crm-clean -d ab < /dev/null"
t "crm-clean --encoding latin1 < /dev/null"
t "crm-clean --date-format ddmm < /dev/null"
t "crm-gen --format csv"
t "crm-target --as-of 2024-12 < /dev/null"
t "crm-clv --calibration-end 2024-06-15 < /dev/null"
t "crm-clv --counts --json < /dev/null"
t "crm-run --partitions 2x -o out tx.tsv"
t "crm-rfm --combine --as-of 2024-01-01 v.tsv"
t "crm-features --snapshot 2024-13 < /dev/null"
golden_end

# --progress: lines of rows and rows/s on stderr, the last with the time
# taken; the output is the same bytes as without. Off when stderr is not a
# terminal, and with --no-progress.
crm-gen --customers 300 > "$WORK/tx.tsv"
crm-gen --customers 100 --format invoice --products "$WORK/prod.tsv" > "$WORK/inv.csv"
crm-agg "$WORK/tx.tsv" > "$WORK/agg.tsv"
crm-tier "$WORK/agg.tsv" > "$WORK/tier.tsv"
crm-lifecycle "$WORK/tier.tsv" > "$WORK/life.tsv"
MAP="--map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID"
for run in "crm-agg $WORK/tx.tsv" "crm-rfm $WORK/tx.tsv" "crm-clean --date-format mdy $MAP --products $WORK/prod.tsv $WORK/inv.csv" \
	"crm-tier $WORK/agg.tsv" "crm-lifecycle $WORK/tier.tsv" "crm-churn $WORK/life.tsv"; do
	tool=${run%% *}
	$run > "$WORK/p0.out" 2> "$WORK/p0.err"
	$run --progress > "$WORK/p1.out" 2> "$WORK/p1.err"
	$run --progress --no-progress > "$WORK/p2.out" 2> "$WORK/p2.err"
	expect "$tool --progress: exit 0" 0 $?
	same "$tool --progress: the same output" "$WORK/p0.out" "$WORK/p1.out"
	same "$tool --no-progress: the same output" "$WORK/p0.out" "$WORK/p2.out"
	pat="^$tool: [0-9]+ rows(, [0-9]+ rows/s| in [0-9]+\.[0-9]{2} s, [0-9]+ rows/s)\$"
	expect "$tool: no progress when stderr is not a terminal" "" "$(grep -E "$pat" "$WORK/p0.err")"
	same "$tool --no-progress after --progress: stderr as without" "$WORK/p0.err" "$WORK/p2.err"
	check "$tool --progress: a last line with rows, seconds and rate" \
		"grep -E '$pat' $WORK/p1.err | tail -n 1 | grep -Eq ' [1-9][0-9]* rows in '"
	grep -Ev "$pat" "$WORK/p1.err" > "$WORK/p1.rest"
	same "$tool --progress: stderr otherwise as without" "$WORK/p0.err" "$WORK/p1.rest"
done

# On a terminal (script(1) gives the tool one) progress is on by default.
if command -v script > /dev/null 2>&1; then
	script -qec "crm-agg -o $WORK/tty.tsv $WORK/tx.tsv" /dev/null > "$WORK/tty.err" 2>&1
	check "crm-agg on a terminal: progress by default" "grep -Eq '^crm-agg: [0-9]+ rows in ' $WORK/tty.err"
	script -qec "crm-agg --no-progress -o $WORK/tty.tsv $WORK/tx.tsv" /dev/null > "$WORK/tty.err" 2>&1
	expect "crm-agg --no-progress on a terminal: none" "" "$(cat "$WORK/tty.err")"
fi

finish
