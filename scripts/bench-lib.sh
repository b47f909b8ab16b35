# bench-lib.sh: helpers for the benchmark scripts (sourced).
#
#   bench_setup           make $BENCH (build/bench), build the tools
#   need_duckdb           install the DuckDB Node.js package under $BENCH once
#   have_npm PKG...       install npm packages under $BENCH once; returns 1
#                         (with a note on stderr) when they cannot be had
#   measure LABEL CMD     run CMD (sh -c) $RUNS times, print a row with the
#                         median wall seconds, the median CPU seconds (user
#                         plus system, all processes) and the median peak RSS
#                         (MiB) from /usr/bin/time -v; the last run's stdout
#                         stays in $BENCH/last.out
#   table_head            print the table's header
#
# RUNS (default 5) sets how many runs give each median. The machines are
# shared and noisy: medians, not single runs, are the figures to quote, and
# on a busy machine CPU seconds compare better than wall seconds.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCH=${BENCH:-$ROOT/build/bench}
RUNS=${RUNS:-5}
export PATH="$ROOT/build/bin:$PATH" LC_ALL=C

bench_setup() {
	mkdir -p "$BENCH"
	[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }
	make -s -C "$ROOT" >/dev/null
}

need_duckdb() {
	if [ ! -d "$BENCH/node_modules/@duckdb/node-api" ]; then
		command -v npm >/dev/null || { echo "bench: npm is missing" >&2; exit 1; }
		(cd "$BENCH" && npm install --silent --no-audit --no-fund @duckdb/node-api >/dev/null 2>&1) ||
			{ echo "bench: npm install @duckdb/node-api failed" >&2; exit 1; }
	fi
	export NODE_PATH="$BENCH/node_modules"
}

have_npm() {
	missing=""
	for p in "$@"; do
		[ -d "$BENCH/node_modules/$p" ] || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		command -v npm >/dev/null || { echo "bench: npm is missing: skipping$missing" >&2; return 1; }
		(cd "$BENCH" && npm install --silent --no-audit --no-fund $missing >/dev/null 2>&1) ||
			{ echo "bench: npm install$missing failed: skipping them" >&2; return 1; }
	fi
	export NODE_PATH="$BENCH/node_modules"
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

table_head() {
	printf '%-44s %9s %9s %10s\n' "command" "wall s" "cpu s" "peak MiB"
}

measure() {
	label=$1
	shift
	: > "$BENCH/walls"
	: > "$BENCH/cpus"
	: > "$BENCH/rss"
	i=0
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -v -o "$BENCH/time.txt" sh -c "$*" > "$BENCH/last.out"
		awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + t[j]; print s }' "$BENCH/time.txt" >> "$BENCH/walls"
		awk -F': ' '/(User|System) time \(seconds\)/ { s += $2 } END { print s }' "$BENCH/time.txt" >> "$BENCH/cpus"
		awk -F': ' '/Maximum resident set size/ { printf "%.0f\n", $2 / 1024 }' "$BENCH/time.txt" >> "$BENCH/rss"
		i=$((i + 1))
	done
	printf '%-44s %9s %9s %10s\n' "$label" "$(median < "$BENCH/walls")" "$(median < "$BENCH/cpus")" "$(median < "$BENCH/rss")"
}
