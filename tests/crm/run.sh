#!/bin/sh
# crm: the umbrella command (runs the tools, lists them with their purpose,
# shows a tool's help and a rules key), the bash completion, and the
# README's commands run as written on the example export.
. ../lib.sh
ROOT=$(cd ../.. && pwd)
VERSION=$(sed -n 's/^VERSION = //p' "$ROOT/config.mk")

# crm help lists every tool with a purpose: each program of tools/ and
# crm-agg-parallel, by the NAME line of its manual.
crm help > "$WORK/help.out"
expect "crm help: exit 0" 0 $?
missing=""
for t in $(cd "$ROOT/tools" && ls) crm-agg-parallel; do
	[ "$t" = crm ] && continue
	grep -Eq "^  ${t#crm-} +[a-z]" "$WORK/help.out" || missing="$missing $t"
done
expect "crm help: every tool with a one-line purpose" "" "$missing"
check "crm help: the purpose is the NAME line of the tool's manual" \
	"grep -qx '  agg  *fold transactions into one row per customer and month' $WORK/help.out"
expect "crm --version" "crm $VERSION" "$(crm --version)"

# crm TOOL runs crm-TOOL: the same output, errors and exit status.
crm-gen --customers 200 --seed 4 > "$WORK/tx.tsv"
crm agg "$WORK/tx.tsv" > "$WORK/a1.tsv"
crm-agg "$WORK/tx.tsv" > "$WORK/a2.tsv"
same "crm agg FILE: the output of crm-agg FILE" "$WORK/a1.tsv" "$WORK/a2.tsv"
crm crm-tier < "$WORK/a2.tsv" > "$WORK/t1.tsv"
crm-tier < "$WORK/a2.tsv" > "$WORK/t2.tsv"
same "crm crm-tier < FILE: the output of crm-tier" "$WORK/t1.tsv" "$WORK/t2.tsv"
crm tier --from 2024-13 < /dev/null > "$WORK/e1.out" 2>&1
rc1=$?
crm-tier --from 2024-13 < /dev/null > "$WORK/e2.out" 2>&1
expect "crm tier: the tool's exit status" "2" "$rc1"
same "crm tier: the tool's error" "$WORK/e1.out" "$WORK/e2.out"
crm help tier > "$WORK/h1.out"
crm-tier -h > "$WORK/h2.out"
same "crm help tier (not a terminal): the tool's -h" "$WORK/h1.out" "$WORK/h2.out"
check "crm help KEY: the key's value, unit, source and meaning" \
	"crm help money.currency | head -n 2 | grep -q 'ISO 4217' && crm help money.currency | grep -q '^money.currency = XXX (code; from default.rules:'"
# The tools beside crm are found with no PATH (a build or an install).
mkdir "$WORK/bin"
cp "$CRM_BIN/crm" "$CRM_BIN/crm-rules" "$WORK/bin/"
expect "crm runs the tool beside it, PATH or not" "$(crm-rules id)" "$(PATH=/nonexistent "$WORK/bin/crm" rules id)"
golden errors
t crm nope
t crm ../crm-rules id
t crm
t crm help nope.key
t crm help agg rfm
t crm -x agg
t crm --version=2
golden_end

# Bash completion, sourced as bash-completion would: COMPREPLY for a few
# command lines.
if command -v bash > /dev/null; then
	mkdir "$WORK/comp" && : > "$WORK/comp/rfm.json"
	cat > "$WORK/comp.sh" <<-'END'
	. "$1/tools/crm/crm.bash"
	c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
		if [ "$1" = crm ]; then _crm; else _crm_tool; fi; echo "${COMPREPLY[*]}"; }
	cd "$2"
	c crm ag; c crm he; c crm --ver; c crm-tier --ex; c crm agg --mem; c crm help money.cur
	c crm rules s; c crm-report --rfm rf; c crm-gen --format ''; c crm-rfm --as-of ''
	END
	bash "$WORK/comp.sh" "$ROOT" "$WORK/comp" > "$WORK/comp.out" 2>&1
	expect "complete 'crm ag': the tool" "agg" "$(sed -n 1p "$WORK/comp.out" | tr ' ' '\n' | grep -x agg)"
	expect "complete 'crm he': help" "help" "$(sed -n 2p "$WORK/comp.out")"
	expect "complete 'crm --ver'" "--version" "$(sed -n 3p "$WORK/comp.out")"
	expect "complete 'crm-tier --ex': its option" "--explain" "$(sed -n 4p "$WORK/comp.out")"
	expect "complete 'crm agg --mem': the tool's option" "--memory" "$(sed -n 5p "$WORK/comp.out")"
	expect "complete 'crm help money.cur': a rules key" "money.currency" "$(sed -n 6p "$WORK/comp.out")"
	expect "complete 'crm rules s': its command" "show" "$(sed -n 7p "$WORK/comp.out")"
	expect "complete 'crm-report --rfm rf': a file" "rfm.json" "$(sed -n 8p "$WORK/comp.out")"
	expect "complete 'crm-gen --format ': nothing (not a file)" "" "$(sed -n 9p "$WORK/comp.out")"
	expect "complete 'crm-rfm --as-of ': nothing (a date)" "" "$(sed -n 10p "$WORK/comp.out")"
else
	skip "bash completion: no bash"
fi
make -s -n -C "$ROOT" install DESTDIR=/nonexistent > "$WORK/install.out" 2>&1
check "make install puts the completion in share/bash-completion/completions, crm and each tool" \
	"grep -q 'tools/crm/crm.bash /nonexistent/.*/share/bash-completion/completions/crm\$' $WORK/install.out && grep -q 'ln -sf crm' $WORK/install.out"

# The README's commands, as written, on the example export; the run the
# manual crm-clean(1) shows is the same command with the same report.
awk '/^    crm-clean --date-format mdy --products rules\/examples/ { on = 1 }
	on { sub(/^    /, ""); print }
	on && /^crm-report / { exit }' "$ROOT/README.md" > "$WORK/readme.sh"
check "README: the example pipeline found (clean to report)" "[ \$(wc -l < $WORK/readme.sh) -ge 7 ]"
mkdir "$WORK/readme"
ln -s "$ROOT/rules" "$WORK/readme/rules"
(cd "$WORK/readme" && sh -e ../readme.sh) > "$WORK/readme.out" 2> "$WORK/readme.err"
expect "README: the commands run as written" 0 $?
check "README: a dashboard from the example export" "[ -s $WORK/readme/dashboard.html ] && grep -q 'crm-rfm/1' $WORK/readme/dashboard.html"
expect "example export: rows in = rows written + rows rejected" "438 = 422 + 16" \
	"$(sed -n 's/.* \([0-9]*\) rows read, \([0-9]*\) written, \([0-9]*\) rejected.*/\1 = \2 + \3/p' "$WORK/readme.err")"
expect "example export: tx.tsv holds the rows written" 423 "$(wc -l < "$WORK/readme/tx.tsv")"
expect "example export: rejects.csv holds each rejected line" 17 "$(wc -l < "$WORK/readme/rejects.csv")"
# The crm-clean command, its lines joined and spaces squeezed, comment cut.
join() { sed 's/ *#.*//; s/\\e$/\\/' | awk '{ sub(/\\$/, ""); printf "%s ", $0 } END { print "" }' | tr -s ' '; }
awk '{ print } !/\\$/ { exit }' "$WORK/readme.sh" | join > "$WORK/cmd.readme"
awk '/^\$ crm-clean --date-format mdy --products rules/ { on = 1; sub(/^\$ /, "") } on { print } on && !/\\e$/ { exit }' \
	"$ROOT/man/crm-clean.1" | join > "$WORK/cmd.man"
check "crm-clean(1): the README's command" "[ -s $WORK/cmd.man ] && cmp $WORK/cmd.readme $WORK/cmd.man"
awk '/^crm-clean: rules\/examples\/export.csv:/ { on = 1 } on { printf "%s%s", sep, $0; sep = " " } on && /dates mdy$/ { exit }' \
	"$ROOT/man/crm-clean.1" > "$WORK/man.report"
expect "crm-clean(1): the report the example export gives" "$(grep '^crm-clean:' "$WORK/readme.err")" "$(cat "$WORK/man.report")"
finish
