#!/bin/sh
# faults: the failures a run can meet — a signal or SIGKILL mid-run, an
# allocation that fails, a full or failing disk under the output or the
# spill files — end with a clear message and exit 1 (or the signal), never a
# crash, and never damage the previous -o target or leave a temporary file.
. ../lib.sh
ulimit -c 0 2>/dev/null
FULL="$WORK/full"
trap 'umount "$FULL" 2>/dev/null; rm -rf "$WORK"' EXIT INT TERM
MAP="--map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID"
crm-gen --customers 200 --seed 3 > "$WORK/small.tsv"
crm-gen --customers 5000 --seed 5 > "$WORK/big.tsv"
crm-agg "$WORK/small.tsv" > "$WORK/agg.tsv"
crm-agg "$WORK/big.tsv" > "$WORK/big.want"
crm-tier "$WORK/agg.tsv" | crm-lifecycle | crm-churn > "$WORK/signals.tsv"
crm-gen --customers 30 --seed 3 --format invoice --products "$WORK/products.tsv" > "$WORK/inv.csv"
crm-gen --customers 20 --seed 3 > "$WORK/tiny.tsv"
crm-agg "$WORK/tiny.tsv" > "$WORK/tiny_agg.tsv"

# nothing_left NAME: no temporary file of an -o target is left in $WORK.
nothing_left() {
	left=$(find "$WORK" -name '*.tmp.*' | wc -l)
	expect "$1: no temporary file left" 0 "$left"
	find "$WORK" -name '*.tmp.*' -exec rm -f {} +
}

# ---- signals: a half-written -o file is removed, the target kept ----
# crm-agg reads a FIFO held open by this shell, so it is mid-run when the
# signal comes; the temporary file is there by then. A background job starts
# with SIGINT and SIGQUIT ignored (and keeps them so): env restores them.
sig_case() {
	sig=$1
	rm -f "$WORK/sigfifo"
	mkfifo "$WORK/sigfifo"
	echo previous > "$WORK/sigout"
	env --default-signal=INT,QUIT crm-agg -o "$WORK/sigout" "$WORK/sigfifo" 2> "$WORK/sig.err" &
	pid=$!
	exec 3> "$WORK/sigfifo"
	head -n 50 "$WORK/small.tsv" >&3
	n=0
	while [ -z "$(find "$WORK" -name 'sigout.tmp.*')" ] && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	kill -s "$sig" $pid
	wait $pid
	rc=$?
	exec 3>&-
	left=$(find "$WORK" -name 'sigout.tmp.*' | wc -l)
	find "$WORK" -name 'sigout.tmp.*' -exec rm -f {} +
	printf '%s %s %s\n' "$rc" "$left" "$(cat "$WORK/sigout")"
}
for s in HUP:1 INT:2 QUIT:3 USR1:10 USR2:12 PIPE:13 ALRM:14 TERM:15 XCPU:24 XFSZ:25 VTALRM:26; do
	expect "SIG${s%:*}: killed by it, no temporary file, target intact" \
		"$((128 + ${s#*:})) 0 previous" "$(sig_case "${s%:*}" 2>/dev/null)"
done
expect "SIGKILL: the target stays intact" "137 previous" "$(sig_case KILL 2>/dev/null | cut -d' ' -f1,3)"

# ---- allocation failures ----
# Each tool runs once for every allocation it makes on a small input (or a
# spread of them when it makes many), with that one allocation failing: it
# must end with exit 1 and "out of memory" (or the system's "Cannot allocate
# memory" for one glibc makes), the previous -o target whole, or succeed
# with the right output when the failure was absorbed. A preloaded malloc
# cannot stand beside AddressSanitizer's.
# oom_case NAME WANT EVERY CMD: CMD writes -o "$WORK/target"; WANT is its
# output; EVERY=1 tries every allocation, 0 a spread of about 100.
oom_case() {
	name=$1 want=$2 every=$3
	shift 3
	# The library is preloaded into the tool, not into sh.
	sh -c "FAILMALLOC_COUNT=$WORK/count LD_PRELOAD=$WORK/failmalloc.so $*" > /dev/null 2>&1
	total=$(cat "$WORK/count")
	step=$((total / 100 + 1))
	n=1 bad="" tried=0
	while [ $n -le "$total" ]; do
		echo previous > "$WORK/target"
		sh -c "FAILMALLOC_N=$n LD_PRELOAD=$WORK/failmalloc.so $*" > /dev/null 2> "$WORK/oom.err"
		rc=$?
		tried=$((tried + 1))
		if [ $rc -eq 0 ]; then
			cmp -s "$want" "$WORK/target" || bad="$bad $n:wrong-output"
		elif [ $rc -ne 1 ]; then
			bad="$bad $n:exit-$rc"
		elif ! grep -q -e 'out of memory' -e 'Cannot allocate memory' "$WORK/oom.err"; then
			bad="$bad $n:'$(head -n 1 "$WORK/oom.err")'"
		elif [ "$(cat "$WORK/target")" != previous ]; then
			bad="$bad $n:target-damaged"
		fi
		if [ -n "$(find "$WORK" -name 'target.tmp.*')" ]; then
			bad="$bad $n:temporary-left"
			find "$WORK" -name 'target.tmp.*' -exec rm -f {} +
		fi
		if [ $n -lt 40 ] || [ "$every" = 1 ]; then n=$((n + 1)); else n=$((n + step)); fi
	done
	expect "$name: each of $tried failed allocations (of $total) ends cleanly" "" "$bad"
}
if [ "$SAN" = 1 ]; then
	echo "  skip: allocation failures (LD_PRELOAD malloc does not work under ASan)"
elif ! cc -shared -fPIC -O2 -o "$WORK/failmalloc.so" failmalloc.c 2> "$WORK/cc.err"; then
	echo "  skip: allocation failures (cannot build failmalloc.so: $(head -n 1 "$WORK/cc.err"))"
else
	crm-tier "$WORK/tiny_agg.tsv" > "$WORK/tier.want"
	crm-rfm "$WORK/tiny.tsv" > "$WORK/rfm.want"
	crm-clean --date-format mdy $MAP --products "$WORK/products.tsv" "$WORK/inv.csv" > "$WORK/clean.want" 2>/dev/null
	crm-json "$WORK/signals.tsv" > "$WORK/json.want"
	oom_case crm-agg "$WORK/tiny_agg.tsv" 1 "crm-agg -o $WORK/target $WORK/tiny.tsv"
	oom_case "crm-agg with spills" "$WORK/big.want" 0 "crm-agg --memory 4M -T $WORK -o $WORK/target $WORK/big.tsv"
	oom_case crm-tier "$WORK/tier.want" 0 "crm-tier -o $WORK/target $WORK/tiny_agg.tsv"
	oom_case crm-rfm "$WORK/rfm.want" 0 "crm-rfm -o $WORK/target $WORK/tiny.tsv"
	oom_case crm-clean "$WORK/clean.want" 0 \
		"crm-clean --date-format mdy $MAP --products $WORK/products.tsv -o $WORK/target $WORK/inv.csv"
	oom_case crm-json "$WORK/json.want" 0 "crm-json -o $WORK/target $WORK/signals.tsv"
	crm-features "$WORK/signals.tsv" > "$WORK/features.want"
	oom_case crm-features "$WORK/features.want" 0 "crm-features -o $WORK/target $WORK/signals.tsv"
fi

# ---- a full disk, a failing disk ----
golden full
for tool in crm-agg crm-tier crm-rfm crm-json; do
	case $tool in
	crm-agg|crm-rfm) in=small.tsv ;;
	crm-tier) in=agg.tsv ;;
	crm-json) in=signals.tsv ;;
	esac
	t "$tool $WORK/$in > /dev/full"
done
t "crm-clean --date-format mdy $MAP --products $WORK/products.tsv $WORK/inv.csv 2>&1 > /dev/full | grep -v 'rows read'"
golden_end

# A 64 KiB file system for the output and for crm-agg's spill files, where
# one can be mounted (root); a preloaded write() that fails otherwise and
# for EIO.
if mkdir "$FULL" && mount -t tmpfs -o size=64k tmpfs "$FULL" 2>/dev/null; then
	echo previous > "$FULL/out.tsv"
	golden tmpfs
	t crm-agg -o "$FULL/out.tsv" "$WORK/small.tsv"
	t cat "$FULL/out.tsv"
	t crm-agg --memory 4M -T "$FULL" -o "$WORK/spill_out.tsv" "$WORK/big.tsv"
	golden_end
	nothing_left "a full file system"
	check "a full file system: only the previous target is left on it" "[ \"\$(ls '$FULL')\" = out.tsv ]"
	umount "$FULL"
else
	echo "  skip: a full file system (cannot mount a tmpfs)"
fi
if [ "$SAN" = 1 ]; then
	echo "  skip: failing write() (LD_PRELOAD does not work under ASan)"
elif cc -shared -fPIC -O2 -o "$WORK/failwrite.so" failwrite.c -ldl 2> "$WORK/cc.err"; then
	echo previous > "$WORK/out.tsv"
	FW="LD_PRELOAD=$WORK/failwrite.so"
	golden failwrite
	t "$FW FAILWRITE_AFTER=100000 crm-agg -o $WORK/out.tsv $WORK/big.tsv"
	t "$FW FAILWRITE_AFTER=100000 FAILWRITE_ERRNO=5 crm-agg -o $WORK/out.tsv $WORK/big.tsv"
	t "$FW FAILWRITE_AFTER=0 crm-agg --memory 4M -T $WORK -o $WORK/out.tsv $WORK/big.tsv"
	t "$FW FAILWRITE_AFTER=1000 FAILWRITE_ERRNO=5 crm-agg --memory 4M -T $WORK -o $WORK/out.tsv $WORK/big.tsv"
	t "$FW FAILWRITE_AFTER=1000 crm-tier -o $WORK/out.tsv $WORK/agg.tsv"
	t "$FW FAILWRITE_AFTER=1000 FAILWRITE_ERRNO=5 crm-rfm -o $WORK/out.tsv $WORK/small.tsv"
	t "$FW FAILWRITE_AFTER=1000 crm-json -o $WORK/out.tsv $WORK/signals.tsv"
	t "$FW FAILWRITE_AFTER=1000 crm-clean --date-format mdy $MAP --products $WORK/products.tsv -o $WORK/out.tsv $WORK/inv.csv"
	t cat "$WORK/out.tsv"
	golden_end
	nothing_left "failing write()"
else
	echo "  skip: failing write() (cannot build failwrite.so: $(head -n 1 "$WORK/cc.err"))"
fi
finish
