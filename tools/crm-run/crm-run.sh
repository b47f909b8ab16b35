#!/bin/sh
# crm-run: the crm pipeline over hash partitions of the customers, on this
# machine, as Slurm job arrays, or on ssh hosts with GNU parallel; the
# merged results are the bytes of the single-process pipeline.
#
# The pipeline runs in phases (PHASES below), once or per partition:
#   clean    per partition: crm-clean of an export, the partition's rows;
#   dates    once: the partitions' clean reports merged, and the period of
#            all their rows;
#   part     per partition: the partition-local work, and each global
#            step's sufficient statistics;
#   combine  once: each global step combines its statistics;
#   score    per partition: scoring with the combined result, features;
#   train    once: crm-model trained on the merged features;
#   predict  per partition: crm-model's scores;
#   final    once: merging the partitions' outputs, and the steps that
#            need the whole merged table.
# Partition I of N holds the customers whose key (brand NUL customer_id,
# or customer_id) has the 64-bit XXH3 hash H with floor(H * N / 2^64) = I - 1
# (crm-agg --partition, crm-clean --partition); every partition reads the
# whole input and keeps its own customers.
#
# A task is this script run as "crm-run --task PHASE I DIR": it reads the
# run's settings from DIR/conf, works in DIR with relative paths (so a
# remote host runs it in its own copy) and leaves the mark DIR/pI/ok.PHASE
# (DIR/ok.PHASE for a phase run once) when it succeeds. The final phase
# refuses to merge unless every mark is there.
set -eu
VERSION=0.1.0
SYNOPSIS="crm-run [--engine local|slurm|parallel] [--partitions N] [-j N]
               [--sshlogin HOSTS] [--ssh COMMAND] [--remote-bin DIR] [--remote-workdir DIR]
               [--sbatch-args ARGS] [--workdir DIR] [--keep] [--timeout SECONDS]
               [--clean ARGS | --csv] [--features | --clv-features] [--train | --model FILE]
               [--rules FILE] [--as-of YYYY-MM-DD] [--at-risk N] -o DIR FILE"

# ---- the step table ----
# The phases, in order, each run once or per partition ("each"); a phase
# with no step to run is left out.
PHASES="clean:each dates:once part:each combine:once score:each train:once predict:each final:once"
# One line a step's phase: the phase, the function that runs it, and the
# setting that asks for the step (- for always). A two-phase global step
# has a line in part (its sufficient statistics), combine (one result from
# all of them), score (each partition scored with it) and final (the
# merge): crm-clv, for one, writes crm-clv --counts of each partition,
# fits once on their sum (--from-counts --fit-only) and scores each
# partition with the parameters (--params). crm-clean runs per partition
# on the export (--partition) and its partials merge in the dates phase,
# which gives crm-agg the period of all rows. crm-model trains once on the
# merged features and predicts per partition. Within a phase, the steps
# run in the order of the table.
STEPS='
clean    clean_part     CLEAN
dates    clean_combine  CLEAN
part     agg_part       -
part     signals_part   -
part     rfm_part       -
part     clv_part       -
part     json_part      -
combine  rfm_combine    -
combine  clv_combine    -
score    rfm_score      -
score    clv_score      -
score    features_score FEATURES
train    model_train    MODEL
predict  model_predict  MODEL
final    clean_final    CLEAN
final    agg_final      -
final    signals_final  -
final    rfm_final      -
final    clv_final      -
final    target_final   -
final    json_final     -
final    kmeans_final   -
final    report_final   -
final    features_final FEATURES
final    model_final    MODEL
'
# The merged outputs, in the order they are made; those of the steps
# asked for are added by the driver.
OUTPUTS="monthly.tsv signals.tsv rfm.tsv signals.json rfm.json kmeans.json dashboard.html clv.tsv clv.params
target.tsv target.json"

TAB=$(printf '\t')

usage() {
	[ $# -eq 0 ] || printf 'crm-run: %s\n' "$1" >&2
	printf 'usage: %s\n' "$SYNOPSIS" >&2
	exit 2
}

help() {
	printf 'usage: %s\n' "$SYNOPSIS"
	cat <<-'EOF'
	  --engine NAME         local, slurm or parallel (default: local)
	  --partitions N        hash partitions of the customers (default: 4)
	  -j N                  tasks at once, local and parallel (default: N)
	  --sshlogin HOSTS      parallel: the hosts, as GNU parallel's --sshlogin
	  --ssh COMMAND         parallel: the ssh command (default: ssh)
	  --remote-bin DIR      parallel: the directory of the tools on the hosts
	  --remote-workdir DIR  parallel: the directory of the tasks on the hosts
	  --sbatch-args ARGS    slurm: more sbatch options, split at blanks
	  --workdir DIR         keep the partitions' files in DIR (default: temporary)
	  --keep                keep the work directory after the run
	  --timeout SECONDS     slurm: fail when the jobs take longer (default: none)
	  --clean ARGS          FILE is an export: crm-clean ARGS (split at blanks)
	  --csv                 FILE is an export (so is a FILE named *.csv)
	  --features            crm-features per partition: features.tsv
	  --clv-features        the same, with crm-clv's parameters (--clv-params)
	  --train               crm-model trained on the features; scores.tsv
	  --model FILE          crm-model FILE scores the features; scores.tsv
	  --rules FILE          rules overriding the built-in ones
	  --as-of DATE          end the period on this day (YYYY-MM-DD)
	  --at-risk N           crm-json lists the N customers most at risk
	  -o DIR                write the merged outputs to DIR
	  -h, --help            print this help and exit
	  --version             print the version and exit
	See crm-run(1).
	EOF
	exit 0
}

die() {
	printf 'crm-run: %s\n' "$1" >&2
	exit 1
}

# shq prints its argument quoted for sh.
shq() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# ---- the phases of each step; run in the work directory ----

# opt_rules: --rules for the tools where the run has rules.
opt_rules() {
	[ -z "$RULES" ] || printf '%s\n' "--rules=in/rules"
}

# part_files NAME: the partitions' files pI/NAME, one a line.
part_files() {
	i=1
	while [ $i -le "$N" ]; do
		printf 'p%s/%s\n' "$i" "$1"
		i=$((i + 1))
	done
}

# crm-clean: each partition cleans its customers' rows of the export
# (--partition). On this machine and on Slurm it runs from the directory
# crm-run started in, so that relative paths in --clean's arguments are
# those of a single run; on ssh hosts, in the task's directory.
clean_part() {
	work=$(pwd)
	dir=$work
	[ "$ENGINE" = parallel ] || dir=$ORIG_PWD
	# shellcheck disable=SC2086
	(cd "$dir" && crm-clean ${RULES:+"--rules=$work/in/rules"} $CLEAN_ARGS --partition "$1/$N" \
		--rejects "$work/p$1/rejects.csv" --report "$work/p$1/clean.partial" -o "$work/p$1/tx.tsv" \
		"$work/in/export")
}

# clean_combine: the report and rejects of the single run from the
# partials (the export named as it was given, the rejects where they are
# here), and the period of all partitions' rows: "FIRST LAST" in period.
clean_combine() {
	for f in $(part_files clean.partial); do
		CRM_EXPORT=$EXPORT awk -F '\t' -v OFS='\t' -v rej="${f%/*}/rejects.csv" \
			'$1 == "input" { $2 = ENVIRON["CRM_EXPORT"] } $1 == "rejects" { $2 = rej } { print }' \
			"$f" > "$f.here"
	done
	# shellcheck disable=SC2046
	crm-clean --merge --report clean.json --rejects rejects.csv $(part_files clean.partial.here)
	# shellcheck disable=SC2046
	awk -F '\t' '$1 == "first_date" && $2 != "-" && (s == "" || $2 < s) { s = $2 }
		$1 == "last_date" && $2 != "-" && $2 > e { e = $2 } END { print s, e }' \
		$(part_files clean.partial) > period
}

clean_final() {
	cp rejects.csv clean.json out/
}

agg_part() {
	if [ "$CLEAN" = 1 ]; then
		# The partition holds only its own rows: the period of all of
		# them is given.
		read -r first last < period || :
		set -- "$1" "p$1/tx.tsv" ${first:+--start "$first"}
		last=${AS_OF:-$last}
	else
		set -- "$1" in/input.tsv
		last=$AS_OF
	fi
	i=$1
	shift
	# shellcheck disable=SC2046
	crm-agg $(opt_rules) ${last:+--as-of "$last"} --partition "$i/$N" -o "p$i/monthly.tsv" "$@"
}

signals_part() {
	# One file a tool: a failure in a pipe would go unseen in sh.
	# shellcheck disable=SC2046
	crm-tier $(opt_rules) -o "p$1/tier.tmp" "p$1/monthly.tsv"
	# shellcheck disable=SC2046
	crm-lifecycle $(opt_rules) -o "p$1/lifecycle.tmp" "p$1/tier.tmp"
	# shellcheck disable=SC2046
	crm-churn $(opt_rules) -o "p$1/signals.tsv" "p$1/lifecycle.tmp"
	rm -f "p$1/tier.tmp" "p$1/lifecycle.tmp"
}

rfm_part() {
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --values -o "p$1/rfm.values" "p$1/monthly.tsv"
}

rfm_combine() {
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --combine -o rfm.cuts $(part_files rfm.values)
}

rfm_score() {
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --cuts rfm.cuts -o "p$1/rfm.tsv" "p$1/monthly.tsv"
}

# merge_rows NAME [DEST]: DEST (out/NAME) from the partitions' pI/NAME
# files, sorted by (brand,) customer_id as each is: the partitions hold
# disjoint customers, so a stable merge on the key keeps each customer's
# rows in their order.
merge_rows() {
	name=$1
	dest=${2:-out/$name}
	head -n 1 p1/"$name" > "$dest"
	set --
	i=1
	while [ $i -le "$N" ]; do
		head -n 1 "p$i/$name" | cmp -s - "$dest" || die "p$i/$name: its header is not that of p1/$name"
		mkfifo "fifo.$i"
		tail -n +2 "p$i/$name" > "fifo.$i" &
		set -- "$@" "fifo.$i"
		i=$((i + 1))
	done
	if [ "$(cut -f 1 "$dest")" = brand ]; then
		key="-k1,1 -k2,2"
	else
		key="-k1,1"
	fi
	rc=0
	# shellcheck disable=SC2086
	LC_ALL=C sort -m -s -t "$TAB" $key --batch-size="$((N + 1))" -T . "$@" >> "$dest" || rc=$?
	wait
	rm -f fifo.*
	[ "$rc" -eq 0 ] || die "merging $name failed"
}

agg_final() {
	# shellcheck disable=SC2046
	crm-agg --merge -o out/monthly.tsv $(part_files monthly.tsv)
}

signals_final() {
	merge_rows signals.tsv
}

rfm_final() {
	merge_rows rfm.tsv
	# The document's segment medians need every customer: one pass over
	# the merged monthly rows, scored with the combined cut points.
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --cuts rfm.cuts --json -o out/rfm.json out/monthly.tsv
}

# crm-clv: the compressed (x, t_x, T) counts of the partitions add up to
# those of all customers, so one fit on them gives the parameters of one
# run, and each partition is scored with them.
clv_part() {
	# shellcheck disable=SC2046
	crm-clv $(opt_rules) --counts -o "p$1/clv.counts" "p$1/monthly.tsv"
}

clv_combine() {
	# shellcheck disable=SC2046
	crm-clv $(opt_rules) --from-counts --fit-only -o clv.params $(part_files clv.counts)
}

clv_score() {
	# shellcheck disable=SC2046
	crm-clv $(opt_rules) --params clv.params -o "p$1/clv.tsv" "p$1/monthly.tsv"
}

clv_final() {
	merge_rows clv.tsv
	cp clv.params out/clv.params
}

# crm-target: the budget is global, so one allocation over the merged
# values of crm-clv, with every customer's tier and RFM segment; p is
# 1 - p_alive (no crm-model scores in the run).
target_final() {
	# shellcheck disable=SC2046
	crm-target $(opt_rules) --tiers out/signals.tsv --segments out/rfm.tsv --json out/target.json \
		-o out/target.tsv out/clv.tsv
}

# crm-json: each partition's counts, exact sums and at-risk candidates
# (crm-json --partial) add up to those of all customers; --merge writes
# the document of all rows from them, reading no row.
json_part() {
	# shellcheck disable=SC2046
	crm-json $(opt_rules) ${AT_RISK:+--at-risk "$AT_RISK"} --partial "$1/$N" -o "p$1/json.partial" \
		"p$1/signals.tsv"
}

json_final() {
	# shellcheck disable=SC2046
	crm-json $(opt_rules) ${AT_RISK:+--at-risk "$AT_RISK"} --merge -o out/signals.json $(part_files json.partial)
}

kmeans_final() {
	# shellcheck disable=SC2046
	crm-kmeans $(opt_rules) --json -o out/kmeans.json out/rfm.tsv
}

report_final() {
	crm-report --rfm out/rfm.json --kmeans out/kmeans.json -o out/dashboard.html out/signals.json
}

# crm-features: per partition, from its signals; with --clv-features,
# the lifetime-value columns of the combined crm-clv fit.
features_score() {
	# shellcheck disable=SC2046
	crm-features $(opt_rules) ${CLV_FEATURES:+--clv-params clv.params} -o "p$1/features.tsv" \
		"p$1/signals.tsv"
}

features_final() {
	if [ -e features.tsv ]; then
		cp features.tsv out/features.tsv
	else
		merge_rows features.tsv
	fi
}

# crm-model: one model for all partitions, trained on their merged
# features (those of the single run), or the one given (--model).
model_train() {
	if [ "$TRAIN" = 1 ]; then
		merge_rows features.tsv features.tsv
		# shellcheck disable=SC2046
		crm-model train $(opt_rules) -o churn.model features.tsv
	else
		cp in/model churn.model
	fi
}

model_predict() {
	# shellcheck disable=SC2046
	crm-model predict $(opt_rules) --model churn.model -o "p$1/scores.tsv" "p$1/features.tsv"
}

# The scores merged; with --train, the model, its card and its evaluation
# on the merged features.
model_final() {
	merge_rows scores.tsv
	[ "$TRAIN" = 1 ] || return 0
	cp churn.model churn.model.card.json out/
	# shellcheck disable=SC2046
	crm-model eval $(opt_rules) --model churn.model -o out/model.json features.tsv
}

# ---- the phases ----

# steps_of PHASE: the functions of PHASE, in the order of the step table,
# of the steps this run asks for.
steps_of() {
	on=" -"
	[ "$CLEAN" = 0 ] || on="$on CLEAN"
	[ "$FEATURES" = 0 ] || on="$on FEATURES"
	[ "$MODEL" = 0 ] || on="$on MODEL"
	printf '%s\n' "$STEPS" | awk -v p="$1" -v on="$on " 'NF == 3 && $1 == p && index(on, " " $3 " ") { print $2 }'
}

# phases: the phases of this run ("NAME:once" or "NAME:each"), in order:
# those with a step to run.
phases() {
	for ph in $PHASES; do
		[ -z "$(steps_of "${ph%:*}")" ] || printf '%s\n' "$ph"
	done
}

# task PHASE I: runs phase PHASE of partition I (0 for the phases run
# once) in the current directory.
task() {
	. ./conf
	case " $PHASES " in *" $1:"*) ;; *) die "--task: unknown phase '$1'" ;; esac
	[ "$2" -eq 0 ] || mkdir -p "p$2"
	if [ "$1" = final ]; then
		for ph in $(phases); do
			case $ph in
			final:*) ;;
			*:each)
				for i in $(seq 1 "$N"); do
					[ -e "p$i/ok.${ph%:*}" ] ||
						die "partition $i of $N did not finish its ${ph%:*} phase: no merged output"
				done ;;
			*) [ -e "ok.${ph%:*}" ] || die "the ${ph%:*} phase did not finish: no merged output" ;;
			esac
		done
		rm -rf out
		mkdir out
	fi
	for f in $(steps_of "$1"); do
		"$f" "$2"
	done
	if [ "$2" -eq 0 ]; then
		: > "ok.$1"
	else
		: > "p$2/ok.$1"
	fi
}

# ---- engines: each runs the phases over the partitions ----

# local_phase PHASE: runs the partitions of PHASE, J at a time.
local_phase() {
	seq 1 "$N" | xargs -P "$J" -I '{}' "$SELF" --task "$1" '{}' "$WORK" ||
		die "a task of the $1 phase failed: no merged output"
}

# once_phase PHASE: runs PHASE, a phase run once, here.
once_phase() {
	if [ "$1" = final ]; then
		"$SELF" --task final 0 "$WORK" || die "merging failed: no merged output"
	else
		"$SELF" --task "$1" 0 "$WORK" || die "the $1 phase failed: no merged output"
	fi
}

# phase_files PHASE: sets BASE (the files every host gets once), IN (the
# files pI/FILE a partition's task takes with it) and OUT (the files pI/FILE
# it sends back) of the partitions' PHASE tasks on ssh hosts.
phase_files() {
	BASE="" IN="" OUT=""
	case $1 in
	clean) BASE="in/export" OUT="tx.tsv clean.partial rejects.csv" ;;
	part)
		if [ "$CLEAN" = 1 ]; then BASE="period" IN="tx.tsv"; else BASE="in/input.tsv"; fi
		OUT="monthly.tsv signals.tsv rfm.values clv.counts json.partial" ;;
	score)
		BASE="rfm.cuts clv.params" IN="monthly.tsv" OUT="rfm.tsv clv.tsv"
		[ "$FEATURES" = 0 ] || IN="$IN signals.tsv" OUT="$OUT features.tsv" ;;
	predict) BASE="churn.model" IN="features.tsv" OUT="scores.tsv" ;;
	esac
}

# parallel_phase PHASE: runs the partitions of PHASE on the ssh hosts:
# the settings and the phase's inputs go to every host once (--basefile),
# a partition's own files with its task (--transferfile) and its outputs
# come back (--return). Each partition keeps its files in its own
# directory pI, its mark too: --cleanup removes the directories it
# empties, and so never one another task on the host still writes in.
parallel_phase() {
	PHASE=$1
	phase_files "$PHASE"
	set -- --will-cite --halt now,fail=1 -j "$J" --sshlogin "$SSHLOGIN" --workdir "$RWORKDIR" \
		--basefile conf --cleanup
	[ -z "$RULES" ] || set -- "$@" --basefile in/rules
	[ -z "$SSH" ] || set -- "$@" --ssh "$SSH"
	for f in $BASE; do set -- "$@" --basefile "$f"; done
	for f in $IN; do set -- "$@" --transferfile "p{}/$f"; done
	for f in $OUT; do set -- "$@" --return "p{}/$f"; done
	set -- "$@" --return "p{}/ok.$PHASE"
	# The command is given as words (-q): no word of it reaches a shell
	# but the remote login shell, quoted by parallel.
	parallel "$@" -q sh -c 'PATH=$1${1:+:}$PATH; exec crm-run --task "$2" "$3" .' sh \
		"$REMOTE_BIN" "$PHASE" '{}' ::: $(seq 1 "$N") > "log/$PHASE.out" 2> "log/$PHASE.err" ||
		{ cat "log/$PHASE.err" >&2; die "a task of the $PHASE phase failed: no merged output"; }
}

# slurm_submit: submits the phases as jobs, each after the one before
# succeeded (afterok; a dependency that can no longer be met cancels the
# job), sets JOBS to their ids and writes "PHASE ID" lines to jobs.
slurm_submit() {
	dep=""
	JOBS=""
	: > jobs
	for ph in $(phases); do
		case $ph in
		*:each) arr="--array=1-$N" idx='$SLURM_ARRAY_TASK_ID' log=%a ;;
		*) arr="" idx=0 log=0 ;;
		esac
		ph=${ph%:*}
		# shellcheck disable=SC2086
		id=$(sbatch --parsable --job-name="crm-run.$ph" --chdir="$WORK" \
			--output="log/$ph.$log.out" --error="log/$ph.$log.err" --kill-on-invalid-dep=yes \
			${dep:+--dependency=afterok:$dep} $arr $SBATCH_ARGS \
			--wrap="exec $(shq "$SELF") --task $ph $idx $(shq "$WORK")") ||
			die "sbatch refused the $ph phase"
		id=${id%%;*}
		dep=$id
		JOBS="$JOBS${JOBS:+,}$id"
		printf 'crm-run: %s phase: Slurm job %s\n' "$ph" "$id" >&2
		printf '%s %s\n' "$ph" "$id" >> jobs
	done
}

# slurm_wait: waits until none of JOBS is queued or running; fails past
# TIMEOUT seconds (0: no limit), cancelling them.
slurm_wait() {
	start=$(date +%s)
	while :; do
		left=$(squeue -h -j "$JOBS" -o %i 2>/dev/null) || left=""
		[ -n "$left" ] || break
		if [ "$TIMEOUT" -gt 0 ] && [ $(($(date +%s) - start)) -ge "$TIMEOUT" ]; then
			scancel $(printf '%s' "$JOBS" | tr ',' ' ') 2>/dev/null || :
			die "the Slurm jobs $JOBS took more than $TIMEOUT s: cancelled, no merged output"
		fi
		sleep 1
	done
}

# failed_tasks: names the tasks of the first phase that did not finish,
# with their messages (the later phases were cancelled for them).
failed_tasks() {
	for ph in $(phases); do
		case $ph in final:*) continue ;; *:once) set -- 0 ;; *) set -- $(seq 1 "$N") ;; esac
		ph=${ph%:*}
		bad=0
		for i; do
			if [ "$i" -eq 0 ]; then mark=ok.$ph; else mark=p$i/ok.$ph; fi
			[ ! -e "$mark" ] || continue
			bad=1
			if [ "$i" -eq 0 ]; then
				printf 'crm-run: the %s phase did not finish\n' "$ph" >&2
			else
				printf 'crm-run: the %s phase of partition %s did not finish\n' "$ph" "$i" >&2
			fi
			[ ! -s "log/$ph.$i.err" ] || sed 's/^/  /' "log/$ph.$i.err" >&2
		done
		[ $bad -eq 0 ] || return 0
	done
}

# ---- the driver ----

if [ "${1:-}" = --task ]; then
	[ $# -eq 4 ] || usage "--task needs a phase, a partition and a directory"
	cd "$4" || die "--task: cannot enter '$4'"
	task "$2" "$3"
	exit 0
fi

ENGINE=local N=4 J="" SSHLOGIN="" SSH="" REMOTE_BIN="" RWORKDIR="" SBATCH_ARGS="" WORKDIR="" KEEP=0
TIMEOUT=0 RULES="" AS_OF="" AT_RISK="" OUTPUT="" CLEAN=0 CLEAN_ARGS="" FEATURES=0 CLV_FEATURES="" TRAIN=0
MODEL=0 MODEL_FILE=""
# need OPTION COUNT: the option needs a value.
need() {
	[ "$2" -ge 2 ] || usage "option '$1' needs a value"
}
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) help ;;
	--version) echo "crm-run $VERSION"; exit 0 ;;
	--engine) need "$1" $#; ENGINE=$2; shift 2 ;;
	--partitions) need "$1" $#; N=$2; shift 2 ;;
	-j) need "$1" $#; J=$2; shift 2 ;;
	--sshlogin) need "$1" $#; SSHLOGIN=$2; shift 2 ;;
	--ssh) need "$1" $#; SSH=$2; shift 2 ;;
	--remote-bin) need "$1" $#; REMOTE_BIN=$2; shift 2 ;;
	--remote-workdir) need "$1" $#; RWORKDIR=$2; shift 2 ;;
	--sbatch-args) need "$1" $#; SBATCH_ARGS=$2; shift 2 ;;
	--workdir) need "$1" $#; WORKDIR=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--timeout) need "$1" $#; TIMEOUT=$2; shift 2 ;;
	--clean) need "$1" $#; CLEAN=1 CLEAN_ARGS=$2; shift 2 ;;
	--csv) CLEAN=1; shift ;;
	--features) FEATURES=1; shift ;;
	--clv-features) FEATURES=1 CLV_FEATURES=1; shift ;;
	--train) FEATURES=1 MODEL=1 TRAIN=1; shift ;;
	--model) need "$1" $#; FEATURES=1 MODEL=1 MODEL_FILE=$2; shift 2 ;;
	--rules) need "$1" $#; RULES=$2; shift 2 ;;
	--as-of) need "$1" $#; AS_OF=$2; shift 2 ;;
	--at-risk) need "$1" $#; AT_RISK=$2; shift 2 ;;
	-o) need "$1" $#; OUTPUT=$2; shift 2 ;;
	--) shift; break ;;
	-?*) usage "unknown option '$1'" ;;
	*) break ;;
	esac
done
case $ENGINE in local|slurm|parallel) ;; *) usage "--engine: '$ENGINE' is not local, slurm or parallel" ;; esac
isnum() {
	case $2 in ''|*[!0-9]*|0*) usage "$1: '$2' is not a count from 1" ;; esac
}
isnum --partitions "$N"
[ -n "$J" ] || J=$N
isnum -j "$J"
case $TIMEOUT in ''|*[!0-9]*) usage "--timeout: '$TIMEOUT' is not a number of seconds" ;; esac
[ -z "$AT_RISK" ] || case $AT_RISK in *[!0-9]*) usage "--at-risk: '$AT_RISK' is not a count" ;; esac
[ -z "$AS_OF" ] || case $AS_OF in
	[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
	*) usage "--as-of: '$AS_OF' is not a date (YYYY-MM-DD)" ;;
	esac
[ "$ENGINE" != parallel ] || [ -n "$SSHLOGIN" ] || usage "--engine parallel needs --sshlogin"
[ -n "$OUTPUT" ] || usage "give the output directory with -o"
[ $# -eq 1 ] || usage "give one input file"
[ "$TRAIN" = 0 ] || [ -z "$MODEL_FILE" ] || usage "--train and --model both make the model: give one"
INPUT=$1
# An export (a CSV file) is cleaned first, partition by partition.
case $INPUT in *.csv|*.CSV) CLEAN=1 ;; esac
[ -z "$MODEL_FILE" ] || [ -r "$MODEL_FILE" ] || die "$MODEL_FILE: not a readable file"
[ -f "$INPUT" ] && [ -r "$INPUT" ] || die "$INPUT: not a readable file"
[ -z "$RULES" ] || [ -r "$RULES" ] || die "$RULES: not a readable file"
[ ! -e "$OUTPUT" ] || [ -d "$OUTPUT" ] || die "-o: '$OUTPUT' is not a directory"
case $ENGINE in
slurm) command -v sbatch >/dev/null 2>&1 || die "sbatch is not installed (Debian: slurm-client)" ;;
parallel) command -v parallel >/dev/null 2>&1 || die "GNU parallel is not installed" ;;
esac

# This script by an absolute path, for the tasks.
case $0 in
/*) SELF=$0 ;;
*/*) SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0") ;;
*) SELF=$(command -v "$0") ;;
esac

if [ -n "$WORKDIR" ]; then
	mkdir -p "$WORKDIR" || die "cannot make the work directory '$WORKDIR'"
	WORK=$(cd "$WORKDIR" && pwd)
	[ -z "$(ls -A "$WORK")" ] || die "--workdir: '$WORKDIR' is not empty"
else
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/crm-run.XXXXXX") || die "cannot make a temporary directory"
fi
JOBS=""
cleanup() {
	[ -z "$JOBS" ] || [ -e "$WORK/ok.final" ] || scancel $(printf '%s' "$JOBS" | tr ',' ' ') 2>/dev/null || :
	[ "$KEEP" = 1 ] || [ -n "$WORKDIR" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$WORK/in" "$WORK/log"
# The input goes with the work directory to every host: a link where the
# file system allows one, else a copy; an export as in/export, cleaned by
# the partitions.
if [ "$CLEAN" = 1 ]; then in=in/export; else in=in/input.tsv; fi
ln -L "$INPUT" "$WORK/$in" 2>/dev/null || cp "$INPUT" "$WORK/$in" ||
	die "cannot copy '$INPUT' into the work directory"
[ -z "$RULES" ] || cp "$RULES" "$WORK/in/rules" || die "cannot copy '$RULES'"
[ -z "$MODEL_FILE" ] || cp "$MODEL_FILE" "$WORK/in/model" || die "cannot copy '$MODEL_FILE'"
{
	printf 'N=%s\n' "$N"
	printf 'ENGINE=%s\n' "$ENGINE"
	printf 'FEATURES=%s\n' "$FEATURES"
	printf 'CLV_FEATURES=%s\n' "$CLV_FEATURES"
	printf 'MODEL=%s\n' "$MODEL"
	printf 'TRAIN=%s\n' "$TRAIN"
	printf 'RULES=%s\n' "$(shq "$RULES")"
	printf 'AS_OF=%s\n' "$(shq "$AS_OF")"
	printf 'AT_RISK=%s\n' "$(shq "$AT_RISK")"
	printf 'CLEAN=%s\n' "$CLEAN"
	printf 'CLEAN_ARGS=%s\n' "$(shq "$CLEAN_ARGS")"
	printf 'ORIG_PWD=%s\n' "$(shq "$(pwd)")"
	printf 'EXPORT=%s\n' "$(shq "$INPUT")"
} > "$WORK/conf"
case $OUTPUT in /*) ;; *) OUTPUT=$(pwd)/$OUTPUT ;; esac
# On the hosts: a directory of the same name under the login directory.
[ -n "$RWORKDIR" ] || RWORKDIR=$(basename "$WORK")
cd "$WORK"

case $ENGINE in
local|parallel)
	for ph in $(phases); do
		case $ph in
		*:once) once_phase "${ph%:*}" ;;
		*) "${ENGINE}_phase" "${ph%:*}" ;;
		esac
	done
	;;
slurm)
	slurm_submit
	slurm_wait
	if [ ! -e ok.final ]; then
		failed_tasks
		[ ! -s log/final.0.err ] || sed 's/^/  /' log/final.0.err >&2
		die "the Slurm jobs $JOBS failed: no merged output"
	fi
	;;
esac

# Every output is complete: only now does the output directory get them.
[ "$CLEAN" = 0 ] || OUTPUTS="$OUTPUTS clean.json rejects.csv"
[ "$FEATURES" = 0 ] || OUTPUTS="$OUTPUTS features.tsv"
[ "$MODEL" = 0 ] || OUTPUTS="$OUTPUTS scores.tsv"
[ "$TRAIN" = 0 ] || OUTPUTS="$OUTPUTS churn.model churn.model.card.json model.json"
mkdir -p "$OUTPUT" || die "cannot make '$OUTPUT'"
for f in $OUTPUTS; do
	cp "$WORK/out/$f" "$OUTPUT/.$f.tmp" && mv -f "$OUTPUT/.$f.tmp" "$OUTPUT/$f" ||
		die "cannot write '$OUTPUT/$f'"
done
