#!/bin/sh
# crm-run: the crm pipeline over hash partitions of the customers, on this
# machine, as Slurm job arrays, or on ssh hosts with GNU parallel; the
# merged results are the bytes of the single-process pipeline.
#
# The pipeline runs in five phases, each a column of the step table below:
#   prep     once: crm-clean of an export, with --clean;
#   part     per partition: the partition-local work, and each global
#            step's sufficient statistics;
#   combine  once: each global step combines its statistics;
#   score    per partition: scoring with the combined result;
#   final    once: merging the partitions' outputs, and the steps that
#            need the whole merged table.
# Partition I of N holds the customers whose key (brand NUL customer_id,
# or customer_id) has the 64-bit XXH3 hash H with floor(H * N / 2^64) = I - 1
# (crm-agg --partition); every partition reads the whole input and keeps
# its own customers, so all of them agree on the period.
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
               [--clean ARGS] [--rules FILE] [--as-of YYYY-MM-DD] [--at-risk N] -o DIR FILE"

# ---- the step table ----
# One line a step: its name, then the function of each phase (- for none):
# prep, part, combine, score, final.
# A tool that gains a two-phase global step adds a line, its files to the
# lists below and its functions: crm-clv, for one,
# "clv - clv_part clv_combine clv_score clv_final" with clv_part writing
# crm-clv --counts of the partition, clv_combine crm-clv --fit-only
# --from-counts, clv_score crm-clv --params on the partition and clv_final
# the merge of its rows. crm-target, which reads crm-clv's values, joins
# as a final step over the merged rows (the budget is global: one
# allocation over every partition's customers).
STEPS='
clean    clean_prep  -             -            -          clean_final
agg      -           agg_part      -            -          agg_final
signals  -           signals_part  -            -          signals_final
rfm      -           rfm_part      rfm_combine  rfm_score  rfm_final
clv      -           clv_part      clv_combine  clv_score  clv_final
target   -           -             -            -          target_final
json     -           json_part     -            -          json_final
kmeans   -           -             -            -          kmeans_final
report   -           -             -            -          report_final
'
# The files the phases hand on, which the parallel engine moves between
# hosts: each partition's part outputs (pI/FILE, sent back to this
# machine), the combined results (sent to every host for the score
# phase), the part outputs a score task reads (sent with it) and each
# partition's score outputs (sent back).
PART_OUT="monthly.tsv signals.tsv rfm.values clv.counts json.partial"
COMBINED="rfm.cuts clv.params"
SCORE_IN="monthly.tsv"
SCORE_OUT="rfm.tsv clv.tsv"
# The merged outputs, in the order they are made.
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

clean_prep() {
	[ "$CLEAN" = 1 ] || return 0
	# From the directory crm-run started in, the export named as it was
	# given: the report names it as a single run's does.
	work=$(pwd)
	# shellcheck disable=SC2086
	(cd "$ORIG_PWD" && crm-clean ${RULES:+"--rules=$work/in/rules"} $CLEAN_ARGS --rejects "$work/rejects.csv" \
		--report "$work/clean.json" -o "$work/in/input.tsv" "$EXPORT")
}

clean_final() {
	[ "$CLEAN" = 1 ] || return 0
	cp rejects.csv clean.json out/
}

agg_part() {
	# shellcheck disable=SC2046
	crm-agg $(opt_rules) ${AS_OF:+--as-of "$AS_OF"} --partition "$1/$N" -o "p$1/monthly.tsv" in/input.tsv
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
	set --
	i=1
	while [ $i -le "$N" ]; do
		set -- "$@" "p$i/rfm.values"
		i=$((i + 1))
	done
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --combine -o rfm.cuts "$@"
}

rfm_score() {
	# shellcheck disable=SC2046
	crm-rfm $(opt_rules) --cuts rfm.cuts -o "p$1/rfm.tsv" "p$1/monthly.tsv"
}

# merge_rows NAME: out/NAME from the partitions' pNAME files, sorted by
# (brand,) customer_id as each is: the partitions hold disjoint customers,
# so a stable merge on the key keeps each customer's rows in their order.
merge_rows() {
	name=$1
	head -n 1 p1/"$name" > "out/$name"
	set --
	i=1
	while [ $i -le "$N" ]; do
		head -n 1 "p$i/$name" | cmp -s - "out/$name" || die "p$i/$name: its header is not that of p1/$name"
		mkfifo "fifo.$i"
		tail -n +2 "p$i/$name" > "fifo.$i" &
		set -- "$@" "fifo.$i"
		i=$((i + 1))
	done
	if [ "$(cut -f 1 "out/$name")" = brand ]; then
		key="-k1,1 -k2,2"
	else
		key="-k1,1"
	fi
	rc=0
	# shellcheck disable=SC2086
	LC_ALL=C sort -m -s -t "$TAB" $key --batch-size="$((N + 1))" -T . "$@" >> "out/$name" || rc=$?
	wait
	rm -f fifo.*
	[ "$rc" -eq 0 ] || die "merging $name failed"
}

agg_final() {
	set --
	i=1
	while [ $i -le "$N" ]; do
		set -- "$@" "p$i/monthly.tsv"
		i=$((i + 1))
	done
	crm-agg --merge -o out/monthly.tsv "$@"
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
	set --
	i=1
	while [ $i -le "$N" ]; do
		set -- "$@" "p$i/clv.counts"
		i=$((i + 1))
	done
	# shellcheck disable=SC2046
	crm-clv $(opt_rules) --from-counts --fit-only -o clv.params "$@"
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
	set --
	i=1
	while [ $i -le "$N" ]; do
		set -- "$@" "p$i/json.partial"
		i=$((i + 1))
	done
	# shellcheck disable=SC2046
	crm-json $(opt_rules) ${AT_RISK:+--at-risk "$AT_RISK"} --merge -o out/signals.json "$@"
}

kmeans_final() {
	# shellcheck disable=SC2046
	crm-kmeans $(opt_rules) --json -o out/kmeans.json out/rfm.tsv
}

report_final() {
	crm-report --rfm out/rfm.json --kmeans out/kmeans.json -o out/dashboard.html out/signals.json
}

# steps_of COLUMN: the functions of phase column COLUMN (2 to 6) of the
# step table, in order.
steps_of() {
	printf '%s\n' "$STEPS" | awk -v c="$1" 'NF >= 6 && $c != "-" { print $c }'
}

# task PHASE I: runs phase PHASE (part, combine, score, final) of
# partition I (0 for the phases run once) in the current directory.
task() {
	. ./conf
	case $1 in prep) col=2 ;; part) col=3 ;; combine) col=4 ;; score) col=5 ;; final) col=6 ;;
	*) die "--task: unknown phase '$1'" ;; esac
	[ "$2" -eq 0 ] || mkdir -p "p$2"
	if [ "$1" = final ]; then
		for ph in part score; do
			i=1
			while [ $i -le "$N" ]; do
				[ -e "p$i/ok.$ph" ] || die "partition $i of $N did not finish its $ph phase: no merged output"
				i=$((i + 1))
			done
		done
		[ -e ok.prep ] && [ -e ok.combine ] || die "the prep or combine phase did not finish: no merged output"
		rm -rf out
		mkdir out
	fi
	for f in $(steps_of $col); do
		"$f" "$2"
	done
	if [ "$2" -eq 0 ]; then
		: > "ok.$1"
	else
		: > "p$2/ok.$1"
	fi
}

# ---- engines: each runs one phase over the partitions ----

# local_phase PHASE: runs the partitions of PHASE, J at a time.
local_phase() {
	seq 1 "$N" | xargs -P "$J" -I '{}' "$SELF" --task "$1" '{}' "$WORK" ||
		die "a task of the $1 phase failed: no merged output"
}

# parallel_phase PHASE: runs the partitions of PHASE on the ssh hosts:
# the input, the settings and the combined statistics go to every host
# once (--basefile), a partition's own files with its task (--transferfile)
# and its outputs come back (--return). Each partition keeps its files in
# its own directory pI, its mark too: --cleanup removes the directories it
# empties, and so never one another task on the host still writes in.
parallel_phase() {
	set -- --will-cite --halt now,fail=1 -j "$J" --sshlogin "$SSHLOGIN" --workdir "$RWORKDIR" \
		--basefile conf --basefile in/input.tsv --cleanup
	[ -z "$RULES" ] || set -- "$@" --basefile in/rules
	[ -z "$SSH" ] || set -- "$@" --ssh "$SSH"
	if [ "$PHASE" = part ]; then
		for f in $PART_OUT; do set -- "$@" --return "p{}/$f"; done
	else
		for f in $COMBINED; do set -- "$@" --basefile "$f"; done
		for f in $SCORE_IN; do set -- "$@" --transferfile "p{}/$f"; done
		for f in $SCORE_OUT; do set -- "$@" --return "p{}/$f"; done
	fi
	set -- "$@" --return "p{}/ok.$PHASE"
	# The command is given as words (-q): no word of it reaches a shell
	# but the remote login shell, quoted by parallel.
	parallel "$@" -q sh -c 'PATH=$1${1:+:}$PATH; exec crm-run --task "$2" "$3" .' sh \
		"$REMOTE_BIN" "$PHASE" '{}' ::: $(seq 1 "$N") > "log/$PHASE.out" 2> "log/$PHASE.err" ||
		{ cat "log/$PHASE.err" >&2; die "a task of the $PHASE phase failed: no merged output"; }
}

# slurm_submit: submits the phases as jobs, each after the one before
# succeeded (afterok; a dependency that can no longer be met cancels the
# job), sets JOBS to their ids and writes "PHASE ID" lines to jobs. The
# prep phase is a job of its own only where there is an export to clean.
slurm_submit() {
	dep=""
	JOBS=""
	: > jobs
	phases="part combine score final"
	[ "$CLEAN" = 0 ] || phases="prep $phases"
	for ph in $phases; do
		case $ph in part|score) arr="--array=1-$N" ;; *) arr="" ;; esac
		case $ph in part|score) idx='$SLURM_ARRAY_TASK_ID' log=%a ;; *) idx=0 log=0 ;; esac
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
	for ph in prep part combine score; do
		case $ph in prep|combine) set -- 0 ;; *) set -- $(seq 1 "$N") ;; esac
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
TIMEOUT=0 RULES="" AS_OF="" AT_RISK="" OUTPUT="" CLEAN=0 CLEAN_ARGS=""
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
INPUT=$1
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
# file system allows one, else a copy. An export is cleaned into it by the
# prep phase.
if [ "$CLEAN" = 0 ]; then
	ln -L "$INPUT" "$WORK/in/input.tsv" 2>/dev/null || cp "$INPUT" "$WORK/in/input.tsv" ||
		die "cannot copy '$INPUT' into the work directory"
fi
[ -z "$RULES" ] || cp "$RULES" "$WORK/in/rules" || die "cannot copy '$RULES'"
{
	printf 'N=%s\n' "$N"
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
local)
	"$SELF" --task prep 0 "$WORK" || die "the prep phase failed: no merged output"
	local_phase part
	"$SELF" --task combine 0 "$WORK" || die "the combine phase failed: no merged output"
	local_phase score
	"$SELF" --task final 0 "$WORK" || die "merging failed: no merged output"
	;;
parallel)
	"$SELF" --task prep 0 "$WORK" || die "the prep phase failed: no merged output"
	for PHASE in part score; do
		if [ $PHASE = score ]; then
			"$SELF" --task combine 0 "$WORK" || die "the combine phase failed: no merged output"
		fi
		parallel_phase
	done
	"$SELF" --task final 0 "$WORK" || die "merging failed: no merged output"
	;;
slurm)
	[ "$CLEAN" = 1 ] || "$SELF" --task prep 0 "$WORK"
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
mkdir -p "$OUTPUT" || die "cannot make '$OUTPUT'"
for f in $OUTPUTS; do
	cp "$WORK/out/$f" "$OUTPUT/.$f.tmp" && mv -f "$OUTPUT/.$f.tmp" "$OUTPUT/$f" ||
		die "cannot write '$OUTPUT/$f'"
done
