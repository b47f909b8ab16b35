# lib.sh: helpers for the test suites; a suite's run.sh sources it and ends
# with `finish`. Each check prints "ok" or "FAIL" with a name.
#
#   golden NAME            start a transcript (compared with gold/NAME.out)
#   t CMD                  run CMD with bash -o pipefail -c, append
#                          "====[CMD]====", its stdout, its stderr and
#                          "[exit N]" when N != 0 (pipefail: a failing command
#                          before a pipe still shows its status; dash has no
#                          pipefail)
#   golden_end             diff the transcript with gold/NAME.out
#   check NAME CMD         pass when CMD exits 0
#   same NAME FILE1 FILE2  pass when the files are byte-identical
#   expect NAME WANT GOT   pass when the strings are equal
#   skip NAME              say that checks cannot run here (a tool is missing);
#                          where CI is set (setup installs every tool) it fails
set -u
npass=0
nfail=0
nskip=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
SAN=${CRM_TEST_SAN:-0}

pass() { npass=$((npass + 1)); printf '  ok   %s\n' "$1"; }
fail() { nfail=$((nfail + 1)); printf '  FAIL %s\n' "$1"; }

golden() {
	GNAME=$1
	GOUT="$WORK/$GNAME.out"
	: > "$GOUT"
}

# The temporary directory's name differs each run: transcripts say $WORK.
t() {
	printf '====[%s]====\n' "$*" | sed "s|$WORK|\$WORK|g" >> "$GOUT"
	bash -o pipefail -c "$*" > "$WORK/t.out" 2> "$WORK/t.err"
	rc=$?
	cat "$WORK/t.out" "$WORK/t.err" | sed "s|$WORK|\$WORK|g" >> "$GOUT"
	[ "$rc" -eq 0 ] || printf '[exit %d]\n' "$rc" >> "$GOUT"
}

golden_end() {
	if [ "${CRM_UPDATE_GOLD:-0}" = 1 ]; then
		mkdir -p gold
		cp "$GOUT" "gold/$GNAME.out"
	fi
	if [ ! -f "gold/$GNAME.out" ]; then
		fail "$GNAME: no gold/$GNAME.out"
	elif diff -u "gold/$GNAME.out" "$GOUT" > "$WORK/diff"; then
		pass "$GNAME"
	else
		fail "$GNAME"
		head -n 60 "$WORK/diff"
	fi
}

check() {
	name=$1
	shift
	if sh -c "$*" > "$WORK/c.out" 2>&1; then
		pass "$name"
	else
		fail "$name"
		head -n 20 "$WORK/c.out"
	fi
}

same() {
	if cmp -s "$2" "$3"; then
		pass "$1"
	else
		fail "$1: $2 and $3 differ"
		diff "$2" "$3" | head -n 10
	fi
}

expect() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1: want '$2', got '$3'"
	fi
}

skip() {
	if [ -n "${CI:-}" ]; then
		fail "$1: cannot be skipped where CI is set"
	else
		nskip=$((nskip + 1))
		printf '  skip %s\n' "$1"
	fi
}

# check_split TOOL FILE: the rows of TOOL FILE are split only as far as the
# columns read, yet a field too many or too few past them on line 3 is
# still an error naming the counts, and CRLF lines and every read size from
# 1 to 48 bytes give the same bytes. Writes under $WORK.
check_split() {
	"$1" "$2" > "$WORK/ref.tsv"
	nf=$(head -n 1 "$2" | awk -F'\t' '{ print NF }')
	sed '3s/$/\textra/' "$2" | "$1" > /dev/null 2> "$WORK/err"
	expect "a field too many past the columns read" "$1: stdin:3: expected $nf fields, found $((nf + 1))" "$(cat "$WORK/err")"
	sed '3s/\t[^\t]*$//' "$2" | "$1" > /dev/null 2> "$WORK/err"
	expect "a field too few past the columns read" "$1: stdin:3: expected $nf fields, found $((nf - 1))" "$(cat "$WORK/err")"
	sed 's/$/\r/' "$2" | "$1" > "$WORK/o.tsv"
	same "CRLF lines" "$WORK/ref.tsv" "$WORK/o.tsv"
	bad=""
	for n in $(seq 1 48); do
		CRM_TEST_READ_SIZE=$n "$1" "$2" > "$WORK/o.tsv" 2>&1
		cmp -s "$WORK/o.tsv" "$WORK/ref.tsv" || bad="$bad $n"
	done
	expect "read in chunks of 1..48 bytes" "" "$bad"
}

finish() {
	if [ "$nskip" -gt 0 ]; then
		printf '  %d passed, %d failed, %d skipped\n' "$npass" "$nfail" "$nskip"
	else
		printf '  %d passed, %d failed\n' "$npass" "$nfail"
	fi
	[ "$nfail" -eq 0 ]
}
