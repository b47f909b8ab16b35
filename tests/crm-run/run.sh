#!/bin/sh
# crm-run: the pipeline over 4 hash partitions on this machine, as Slurm job
# arrays on a one-node cluster started here, and with GNU parallel over two
# ssh hosts with private file systems: every output is the single-process
# pipeline's, byte for byte, an export cleaned first (--clean) too. A failing
# task and a cancelled Slurm task fail the run loudly and leave no output.
# Usage errors.
. ../lib.sh
. ./slurm.sh
. ./hosts.sh
trap 'slurm_stop; hosts_stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
OUTS="monthly.tsv signals.tsv rfm.tsv signals.json rfm.json kmeans.json dashboard.html clv.tsv clv.params
target.tsv target.json"

if [ "$SAN" = 1 ]; then CUST=300; else CUST=2000; fi
crm-gen --customers $CUST --months 15 --brands 2 --seed 11 > "$WORK/tx.tsv"

# The single-process pipeline, as crm-run(1) states it.
mkdir "$WORK/ref"
(
	cd "$WORK/ref" || exit 1
	crm-agg -o monthly.tsv ../tx.tsv &&
	crm-tier monthly.tsv | crm-lifecycle | crm-churn -o signals.tsv &&
	crm-json --at-risk 20 -o signals.json signals.tsv &&
	crm-rfm -o rfm.tsv monthly.tsv 2> /dev/null &&
	crm-rfm --json -o rfm.json monthly.tsv 2> /dev/null &&
	crm-kmeans --json -o kmeans.json rfm.tsv &&
	crm-report --rfm rfm.json --kmeans kmeans.json -o dashboard.html signals.json &&
	crm-clv -o clv.tsv monthly.tsv &&
	crm-clv --fit-only -o clv.params monthly.tsv &&
	crm-target --tiers signals.tsv --segments rfm.tsv --json target.json -o target.tsv clv.tsv
)
check "the single-process pipeline runs" "[ -s $WORK/ref/dashboard.html ]"

# same_outputs ENGINE DIR: each output in DIR is the reference's.
same_outputs() {
	for f in $OUTS; do
		same "$1: $f equals the single-process run's" "$WORK/ref/$f" "$2/$f"
	done
}

# ---- this machine ----
crm-run --partitions 4 --at-risk 20 --keep --workdir "$WORK/w.local" -o "$WORK/local" "$WORK/tx.tsv" \
	2> "$WORK/local.err"
expect "local: exit 0" 0 $?
same_outputs local "$WORK/local"
# The partitions are what the merge makes whole: disjoint customers, each
# fewer than all; scored alone, a partition's quantiles would differ.
n1=$(tail -n +2 "$WORK/w.local/p1/rfm.tsv" | wc -l)
nall=$(tail -n +2 "$WORK/ref/rfm.tsv" | wc -l)
check "local: partition 1 holds some of the customers ($n1 of $nall)" "[ $n1 -gt 0 ] && [ $n1 -lt $nall ]"
crm-rfm "$WORK/w.local/p1/monthly.tsv" 2> /dev/null > "$WORK/p1.alone"
check "local: partition 1 scored on its own quantiles differs (the cut points matter)" \
	"! cmp -s $WORK/p1.alone $WORK/w.local/p1/rfm.tsv"
# The documented hash routes every customer to its partition: python3
# computes floor(XXH3_64(brand NUL customer_id) * 4 / 2^64) + 1 with the
# xxHash library through ctypes, independently of the tools.
python3 - "$WORK/w.local" 4 > "$WORK/route.out" <<'PY'
import ctypes, ctypes.util, sys
lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
work, n = sys.argv[1], int(sys.argv[2])
seen = bad = 0
for i in range(1, n + 1):
    with open(f"{work}/p{i}/signals.tsv", "rb") as f:
        next(f)
        for line in f:
            brand, cust = line.split(b"\t")[:2]
            key = brand + b"\0" + cust
            part = (lib.XXH3_64bits(key, len(key)) * n >> 64) + 1
            seen += 1
            bad += part != i
print(f"{seen} rows, {bad} in another partition than the hash's")
PY
expect "local: every row is in the partition of the documented hash" "0 in another" \
	"$(sed 's/^[0-9]* rows, //; s/ partition than.*//' "$WORK/route.out")"
check "local: the routing check saw rows" "grep -q '^[1-9][0-9]* rows' $WORK/route.out"
crm-run --partitions 3 -j 2 --at-risk 20 -o "$WORK/local3" "$WORK/tx.tsv" 2> /dev/null
same "local, 3 partitions, 2 at once: signals.json the same" "$WORK/ref/signals.json" "$WORK/local3/signals.json"
same "local, 3 partitions, 2 at once: rfm.tsv the same" "$WORK/ref/rfm.tsv" "$WORK/local3/rfm.tsv"

# An export cleaned first (--clean): the transactions, rejects and report
# of crm-clean, then the pipeline, as the single process gives them.
MAP="--map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID"
crm-gen --customers $((CUST / 2)) --months 13 --format invoice --messy 20 --products "$WORK/prod.tsv" > "$WORK/inv.csv"
mkdir "$WORK/cref"
(
	cd "$WORK/cref" || exit 1
	crm-clean --date-format mdy $MAP --products ../prod.tsv --rejects rejects.csv --report clean.json \
		-o tx.tsv ../inv.csv 2> /dev/null &&
	crm-agg -o monthly.tsv tx.tsv &&
	crm-tier monthly.tsv | crm-lifecycle | crm-churn -o signals.tsv &&
	crm-json -o signals.json signals.tsv &&
	crm-rfm -o rfm.tsv monthly.tsv 2> /dev/null &&
	crm-rfm --json -o rfm.json monthly.tsv 2> /dev/null &&
	crm-kmeans --json -o kmeans.json rfm.tsv &&
	crm-report --rfm rfm.json --kmeans kmeans.json -o dashboard.html signals.json &&
	crm-clv -o clv.tsv monthly.tsv &&
	crm-clv --fit-only -o clv.params monthly.tsv &&
	crm-target --tiers signals.tsv --segments rfm.tsv --json target.json -o target.tsv clv.tsv
)
(cd "$WORK/cref" && crm-run --partitions 3 --clean "--date-format mdy $MAP --products ../prod.tsv" \
	-o "$WORK/clean" ../inv.csv 2> "$WORK/clean.err")
expect "local, --clean: exit 0" 0 $?
check "local, --clean: the export has rejects" "[ \$(wc -l < $WORK/cref/rejects.csv) -gt 1 ]"
# This small export's BG/NBD fit lies on the boundary, where the likelihood
# is flat: the partitions score with the parameters read back from
# clv.params and still give the single run's clv.tsv.
for f in $OUTS clean.json rejects.csv; do
	same "local, --clean: $f equals the single-process run's" "$WORK/cref/$f" "$WORK/clean/$f"
done

# A failing task: crm-tier of partition 2 stops with an error. The run
# fails naming it, and the output directory keeps what it had.
mkdir "$WORK/fake" "$WORK/keep"
cat > "$WORK/fake/crm-tier" <<EOF
#!/bin/sh
case "\$*" in *p2/*) echo "crm-tier: p2/monthly.tsv:7: broken on purpose" >&2; exit 1 ;; esac
exec $CRM_BIN/crm-tier "\$@"
EOF
chmod +x "$WORK/fake/crm-tier"
echo old > "$WORK/keep/signals.tsv"
PATH="$WORK/fake:$PATH" crm-run --partitions 4 -o "$WORK/keep" "$WORK/tx.tsv" > "$WORK/fail.out" 2> "$WORK/fail.err"
expect "local, a failing task: exit 1" 1 $?
check "local, a failing task: its error is shown" "grep -q 'broken on purpose' $WORK/fail.err"
check "local, a failing task: the run says it failed" "grep -q 'crm-run: a task of the part phase failed: no merged output' $WORK/fail.err"
expect "local, a failing task: the output directory is as it was" "signals.tsv old" \
	"$(ls -A "$WORK/keep") $(cat "$WORK/keep/signals.tsv")"

golden usage
t crm-run --engine yarn -o x in.tsv
t crm-run --partitions 0 -o x in.tsv
t crm-run --engine parallel -o x in.tsv
t crm-run in.tsv
t crm-run -o x
t crm-run -o x /nonexistent.tsv
golden_end

# ---- Slurm and ssh hosts need root (namespaces, daemons) ----
if [ "$(id -u)" -ne 0 ]; then
	skip "Slurm and ssh hosts: namespaces and daemons need root"
	finish
	exit
fi

# ---- a one-node Slurm cluster ----
if slurm_start "$WORK/slurm"; then
	pass "slurm: the cluster is up"
else
	fail "slurm: the cluster is up"
	tail -n 5 "$WORK"/slurm/*.log "$WORK/slurm/munge/log" 2> /dev/null
fi
timeout 120 nsenter -t "$SLURM_NS" --net env SLURM_CONF="$SLURM_DIR/slurm.conf" \
	crm-run --engine slurm --partitions 4 --at-risk 20 --timeout 60 --keep --workdir "$WORK/w.slurm" \
	-o "$WORK/slurm.out" "$WORK/tx.tsv" 2> "$WORK/slurm.err"
expect "slurm: exit 0" 0 $?
same_outputs slurm "$WORK/slurm.out"
expect "slurm: four jobs, each after the one before" \
	"crm-run: part phase: Slurm job N
crm-run: combine phase: Slurm job N
crm-run: score phase: Slurm job N
crm-run: final phase: Slurm job N" "$(sed 's/job [0-9]*$/job N/' "$WORK/slurm.err")"
expect "slurm: the part and score phases ran as 4-task arrays" "part.1 part.2 part.3 part.4 score.1 score.2 score.3 score.4" \
	"$(cd "$WORK/w.slurm/log" && ls part.*.err score.*.err | sed 's/\.err$//' | tr '\n' ' ' | sed 's/ $//')"

# A cancelled task: partition 3's crm-churn waits; once it runs, its task
# is cancelled (scancel). The run fails naming it and writes nothing.
cat > "$WORK/fake/crm-churn" <<EOF
#!/bin/sh
case "\$*" in *p3/*) : > "$WORK/slow.started"; sleep 60 ;; esac
exec $CRM_BIN/crm-churn "\$@"
EOF
chmod +x "$WORK/fake/crm-churn"
PATH="$WORK/fake:$PATH" slurm_exec crm-run --engine slurm --partitions 4 --timeout 60 --workdir "$WORK/w.cancel" \
	-o "$WORK/cancel.out" "$WORK/tx.tsv" 2> "$WORK/cancel.err" &
runpid=$!
if slurm_wait_file "$WORK/slow.started" 30; then
	slurm_exec scancel "$(awk '$1 == "part" { print $2 }' "$WORK/w.cancel/jobs")_3"
fi
wait $runpid
expect "slurm, a cancelled task: exit 1" 1 $?
check "slurm, a cancelled task: it is named" "grep -q 'the part phase of partition 3 did not finish' $WORK/cancel.err"
check "slurm, a cancelled task: the run says it failed" "grep -q 'crm-run: the Slurm jobs .* failed: no merged output' $WORK/cancel.err"
check "slurm, a cancelled task: no output directory" "[ ! -e $WORK/cancel.out ]"
check "slurm, a cancelled task: nothing was merged" "[ ! -e $WORK/w.cancel/out ]"
# Past --timeout the run cancels its jobs and fails.
rm -f "$WORK/slow.started"
PATH="$WORK/fake:$PATH" slurm_exec crm-run --engine slurm --partitions 4 --timeout 3 \
	-o "$WORK/late.out" "$WORK/tx.tsv" 2> "$WORK/late.err"
expect "slurm, past --timeout: exit 1" 1 $?
check "slurm, past --timeout: said" "grep -q 'took more than 3 s: cancelled, no merged output' $WORK/late.err"
check "slurm, past --timeout: the jobs are cancelled" \
	"i=0; while [ -n \"\$(SLURM_CONF=$WORK/slurm/slurm.conf nsenter -t $SLURM_NS --net squeue -h)\" ]; do [ \$i -lt 100 ] || exit 1; sleep 0.1; i=\$((i + 1)); done"
check "slurm, past --timeout: no output directory" "[ ! -e $WORK/late.out ]"
slurm_stop

# ---- GNU parallel over two ssh hosts ----
if hosts_start "$WORK/hosts" "$CRM_BIN"; then
	pass "parallel: the ssh hosts answer"
else
	fail "parallel: the ssh hosts answer"
fi
check "parallel: a host cannot see this machine's temporary files" "! $HOSTS_SSH h1 test -e $WORK/tx.tsv"
timeout 180 crm-run --engine parallel --sshlogin h1,h2 --ssh "$HOSTS_SSH" --remote-bin /srv \
	--remote-workdir /tmp/crm-run --partitions 4 -j 2 --at-risk 20 -o "$WORK/par" "$WORK/tx.tsv" \
	2> "$WORK/par.err"
expect "parallel: exit 0" 0 $?
[ ! -s "$WORK/par.err" ] || sed 's/^/  /' "$WORK/par.err"
same_outputs parallel "$WORK/par"
check "parallel: the hosts' copies are cleaned up" \
	"[ -z \"\$($HOSTS_SSH h1 ls /tmp/crm-run 2>/dev/null)\$($HOSTS_SSH h2 ls /tmp/crm-run 2>/dev/null)\" ]"
hosts_stop

finish
