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

# single_run DIR TX [JSON-OPTIONS]: the single-process pipeline, as
# crm-run(1) states it, on TX in DIR.
single_run() {
	(
		cd "$1" || exit 1
		crm-agg -o monthly.tsv "$2" &&
		crm-tier monthly.tsv | crm-lifecycle | crm-churn -o signals.tsv &&
		crm-json ${3:-} -o signals.json signals.tsv &&
		crm-rfm -o rfm.tsv monthly.tsv 2> /dev/null &&
		crm-rfm --json -o rfm.json monthly.tsv 2> /dev/null &&
		crm-kmeans --json -o kmeans.json rfm.tsv &&
		crm-report --rfm rfm.json --kmeans kmeans.json -o dashboard.html signals.json &&
		crm-clv -o clv.tsv monthly.tsv &&
		crm-clv --fit-only -o clv.params monthly.tsv &&
		crm-target --tiers signals.tsv --segments rfm.tsv --json target.json -o target.tsv clv.tsv &&
		crm-features --clv-params clv.params -o features.tsv signals.tsv &&
		crm-model train -o churn.model features.tsv 2> /dev/null &&
		crm-model predict --model churn.model -o scores.tsv features.tsv &&
		crm-model eval --model churn.model -o model.json features.tsv
	)
}
mkdir "$WORK/ref"
single_run "$WORK/ref" ../tx.tsv "--at-risk 20"
check "the single-process pipeline runs" "[ -s $WORK/ref/dashboard.html ] && [ -s $WORK/ref/scores.tsv ]"
# The outputs of crm-features and crm-model: with --model, and with
# --train.
FEAT="features.tsv scores.tsv"
MODEL="$FEAT churn.model churn.model.card.json model.json"

# same_outputs ENGINE DIR [MORE]: each output in DIR, and those named in
# MORE, is the reference's.
same_outputs() {
	for f in $OUTS ${3:-}; do
		same "$1: $f equals the single-process run's" "$WORK/ref/$f" "$2/$f"
	done
}

# ---- this machine ----
crm-run --partitions 4 --at-risk 20 --clv-features --model "$WORK/ref/churn.model" --keep \
	--workdir "$WORK/w.local" -o "$WORK/local" "$WORK/tx.tsv" 2> "$WORK/local.err"
expect "local: exit 0" 0 $?
same_outputs local "$WORK/local" "$FEAT"
check "local: the features of partition 1 are some of all" \
	"[ \$(wc -l < $WORK/w.local/p1/features.tsv) -gt 1 ] && [ \$(wc -l < $WORK/w.local/p1/features.tsv) -lt \$(wc -l < $WORK/ref/features.tsv) ]"
# The partitions are what the merge makes whole: disjoint customers, each
# fewer than all; scored alone, a partition's quantiles would differ.
n1=$(tail -n +2 "$WORK/w.local/p1/rfm.tsv" | wc -l)
nall=$(tail -n +2 "$WORK/ref/rfm.tsv" | wc -l)
check "local: partition 1 holds some of the customers ($n1 of $nall)" "[ $n1 -gt 0 ] && [ $n1 -lt $nall ]"
crm-rfm "$WORK/w.local/p1/monthly.tsv" 2> /dev/null > "$WORK/p1.alone"
check "local: partition 1 scored on its own quantiles differs (the cut points matter)" \
	"! cmp -s $WORK/p1.alone $WORK/w.local/p1/rfm.tsv"
# The documented hash routes every customer to its partition, computed by
# python3 with the xxHash library (../partition_of.py).
python3 ../partition_of.py 4 "$WORK"/w.local/p[1-4]/signals.tsv > "$WORK/route.out"
expect "local: every row is in the partition of the documented hash" "0 in another partition" \
	"$(sed 's/^[0-9]* rows, //' "$WORK/route.out")"
check "local: the routing check saw rows" "grep -q '^[1-9][0-9]* rows' $WORK/route.out"
crm-run --partitions 3 -j 2 --at-risk 20 -o "$WORK/local3" "$WORK/tx.tsv" 2> /dev/null
same "local, 3 partitions, 2 at once: signals.json the same" "$WORK/ref/signals.json" "$WORK/local3/signals.json"
same "local, 3 partitions, 2 at once: rfm.tsv the same" "$WORK/ref/rfm.tsv" "$WORK/local3/rfm.tsv"

# An export cleaned first (--clean): the transactions, rejects and report
# of crm-clean, then the pipeline, as the single process gives them.
MAP="--map order_id=InvoiceNo,sku=StockCode,qty=Quantity,date=InvoiceDate,unit_price=UnitPrice,customer_id=CustomerID"
crm-gen --customers $((CUST / 2)) --months 13 --format invoice --messy 20 --products "$WORK/prod.tsv" > "$WORK/inv.csv"
mkdir "$WORK/cref"
(cd "$WORK/cref" && crm-clean --date-format mdy $MAP --products ../prod.tsv --rejects rejects.csv \
	--report clean.json -o tx.tsv ../inv.csv 2> /dev/null)
single_run "$WORK/cref" tx.tsv
check "local, --clean: the export has rejects" "[ \$(wc -l < $WORK/cref/rejects.csv) -gt 1 ]"
# Each partition cleans its customers' rows of the export, crm-agg gets
# the period of all of them; crm-features, one crm-model trained on the
# merged features, and scores per partition. For 1, 3 and 4 partitions
# every output is the single run's.
# This small export's BG/NBD fit lies on the boundary, where the likelihood
# is flat: the partitions score with the parameters read back from
# clv.params and still give the single run's clv.tsv.
for n in 1 3 4; do
	(cd "$WORK/cref" && crm-run --partitions $n --clean "--date-format mdy $MAP --products ../prod.tsv" \
		--clv-features --train --keep --workdir "$WORK/w.clean$n" -o "$WORK/clean$n" ../inv.csv \
		2> "$WORK/clean.err")
	expect "local, --clean, $n partitions: exit 0" 0 $?
	for f in $OUTS clean.json rejects.csv $MODEL; do
		same "local, --clean, $n partitions: $f equals the single-process run's" "$WORK/cref/$f" "$WORK/clean$n/$f"
	done
done
# Partitions see only their rows: 60 customers whose first purchases
# fall on different days, so that the partitions' first dates differ. The
# period of all rows goes to each partition's crm-agg (--start), else the
# months would not merge. An export named *.csv is cleaned with crm-clean's
# defaults.
awk 'BEGIN { print "date,customer_id,sku,category,qty,amount"
	for (k = 1; k <= 60; k++) for (j = 0; j <= k % 4; j++)
		printf "2024-%02d-%02d,C%d,s1,capsule,1,%d.%02d\n", k % 9 + 1 + j, k % 27 + 1, k, 3 + k % 7 + j, k % 100 }' \
	> "$WORK/days.csv"
crm-clean -o "$WORK/days.tsv" "$WORK/days.csv" 2> /dev/null
crm-agg -o "$WORK/days.monthly" "$WORK/days.tsv"
crm-run --partitions 4 --keep --workdir "$WORK/w.days" -o "$WORK/days" "$WORK/days.csv" 2> /dev/null
expect "local, *.csv: exit 0" 0 $?
check "local, *.csv: the partitions' first dates differ" \
	"[ \$(for i in 1 2 3 4; do grep first_date $WORK/w.days/p\$i/clean.partial; done | sort -u | wc -l) -gt 1 ]"
same "local, *.csv: monthly.tsv equals the single-process run's" "$WORK/days.monthly" "$WORK/days/monthly.tsv"
check "local, --clean: the partitions cleaned their own rows, all of them once" \
	"cat $WORK/w.clean4/p*/tx.tsv | grep -v '^date' | LC_ALL=C sort > $WORK/c4.rows && crm-clean --date-format mdy $MAP --products $WORK/prod.tsv $WORK/inv.csv 2> /dev/null | tail -n +2 | LC_ALL=C sort | cmp -s - $WORK/c4.rows"

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
# crm-model predict fails in partition 3: the run fails in the predict
# phase, and merges nothing.
mkdir "$WORK/fake2"
cat > "$WORK/fake2/crm-model" <<EOF
#!/bin/sh
case "\$*" in *predict*p3/*) echo "crm-model: p3/features.tsv:2: broken on purpose" >&2; exit 1 ;; esac
exec $CRM_BIN/crm-model "\$@"
EOF
chmod +x "$WORK/fake2/crm-model"
PATH="$WORK/fake2:$PATH" crm-run --partitions 4 --train --workdir "$WORK/w.pfail" -o "$WORK/keep" "$WORK/tx.tsv" \
	> "$WORK/fail.out" 2> "$WORK/fail.err"
expect "local, a failing prediction: exit 1" 1 $?
check "local, a failing prediction: its error is shown" "grep -q 'p3/features.tsv:2: broken on purpose' $WORK/fail.err"
check "local, a failing prediction: the run says it failed" "grep -q 'crm-run: a task of the predict phase failed: no merged output' $WORK/fail.err"
check "local, a failing prediction: nothing was merged" "[ ! -e $WORK/w.pfail/out ] && [ ! -e $WORK/w.pfail/ok.final ]"
expect "local, a failing prediction: the output directory is as it was" "signals.tsv old" \
	"$(ls -A "$WORK/keep") $(cat "$WORK/keep/signals.tsv")"

golden usage
t crm-run --engine yarn -o x in.tsv
t crm-run --partitions 0 -o x in.tsv
t crm-run --engine parallel -o x in.tsv
t crm-run in.tsv
t crm-run -o x
t crm-run -o x /nonexistent.tsv
t crm-run --train --model /nonexistent -o x in.tsv
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
	crm-run --engine slurm --partitions 4 --at-risk 20 --clv-features --train --timeout 90 --keep \
	--workdir "$WORK/w.slurm" -o "$WORK/slurm.out" "$WORK/tx.tsv" 2> "$WORK/slurm.err"
expect "slurm: exit 0" 0 $?
same_outputs slurm "$WORK/slurm.out" "$MODEL"
expect "slurm: six jobs, each after the one before" \
	"crm-run: part phase: Slurm job N
crm-run: combine phase: Slurm job N
crm-run: score phase: Slurm job N
crm-run: train phase: Slurm job N
crm-run: predict phase: Slurm job N
crm-run: final phase: Slurm job N" "$(sed 's/job [0-9]*$/job N/' "$WORK/slurm.err")"
expect "slurm: the part, score and predict phases ran as 4-task arrays" \
	"part.1 part.2 part.3 part.4 predict.1 predict.2 predict.3 predict.4 score.1 score.2 score.3 score.4" \
	"$(cd "$WORK/w.slurm/log" && ls part.*.err score.*.err predict.*.err | sed 's/\.err$//' | tr '\n' ' ' | sed 's/ $//')"

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
	--remote-workdir /tmp/crm-run --partitions 4 -j 2 --at-risk 20 --clv-features --train -o "$WORK/par" \
	"$WORK/tx.tsv" 2> "$WORK/par.err"
expect "parallel: exit 0" 0 $?
[ ! -s "$WORK/par.err" ] || sed 's/^/  /' "$WORK/par.err"
same_outputs parallel "$WORK/par" "$MODEL"
check "parallel: the hosts' copies are cleaned up" \
	"[ -z \"\$($HOSTS_SSH h1 ls /tmp/crm-run 2>/dev/null)\$($HOSTS_SSH h2 ls /tmp/crm-run 2>/dev/null)\" ]"
hosts_stop

finish
