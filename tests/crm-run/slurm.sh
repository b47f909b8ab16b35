# slurm.sh: a one-node Slurm cluster for the tests, in a directory of its
# own and a network namespace of its own (its ports collide with nothing):
# munged with its own key and socket, slurmctld and slurmd with state and
# spool in the directory, no cgroups (proctrack/linuxproc, task/none).
# Sourced by run.sh. slurm_start DIR starts it and sets SLURM_NS (the pid
# holding the namespace; run clients with slurm_exec); slurm_stop stops
# every daemon by its process id.

# slurm_exec CMD...: runs CMD in the cluster's network namespace with its
# configuration.
slurm_exec() {
	SLURM_CONF="$SLURM_DIR/slurm.conf" nsenter -t "$SLURM_NS" --net "$@"
}

# slurm_wait_file FILE SECONDS: waits for FILE to exist; 1 when it does not.
slurm_wait_file() {
	i=0
	while [ ! -e "$1" ]; do
		[ $i -lt $(($2 * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

slurm_start() {
	SLURM_DIR=$1
	mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" "$SLURM_DIR/munge"
	chmod 700 "$SLURM_DIR/munge"
	unshare --net sleep 100000 &
	SLURM_NS=$!
	sleep 0.2
	SLURM_NETNS=$(readlink "/proc/$SLURM_NS/ns/net")
	# getaddrinfo's AI_ADDRCONFIG, which the daemons use, finds nothing
	# where the only addresses are loopback ones: one more address helps.
	nsenter -t "$SLURM_NS" --net sh -c 'ip link set lo up && ip addr add 10.251.0.1/32 dev lo' || return 1
	dd if=/dev/urandom of="$SLURM_DIR/munge/key" bs=1024 count=1 2>/dev/null
	chmod 400 "$SLURM_DIR/munge/key"
	nsenter -t "$SLURM_NS" --net munged --force --key-file="$SLURM_DIR/munge/key" \
		--socket="$SLURM_DIR/munge/sock" --pid-file="$SLURM_DIR/munge/pid" \
		--log-file="$SLURM_DIR/munge/log" --seed-file="$SLURM_DIR/munge/seed" || return 1
	cat > "$SLURM_DIR/slurm.conf" <<-CONF
	ClusterName=crmtest
	SlurmctldHost=localhost(127.0.0.1)
	SlurmUser=root
	SlurmdUser=root
	SlurmctldPort=6817
	SlurmdPort=6818
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$SLURM_DIR/munge/sock
	StateSaveLocation=$SLURM_DIR/state
	SlurmdSpoolDir=$SLURM_DIR/spool
	SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
	SlurmdPidFile=$SLURM_DIR/slurmd.pid
	SlurmctldLogFile=$SLURM_DIR/slurmctld.log
	SlurmdLogFile=$SLURM_DIR/slurmd.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	JobCompType=jobcomp/none
	MpiDefault=none
	SchedulerType=sched/builtin
	SelectType=select/cons_tres
	SelectTypeParameters=CR_CPU
	ReturnToService=2
	SlurmdParameters=config_overrides
	SlurmctldTimeout=30
	SlurmdTimeout=30
	InactiveLimit=0
	KillWait=2
	MinJobAge=300
	NodeName=crm1 NodeAddr=127.0.0.1 CPUs=4 RealMemory=2000 State=UNKNOWN
	PartitionName=crm Nodes=crm1 Default=YES MaxTime=INFINITE State=UP
	CONF
	slurm_exec slurmctld -i || return 1
	slurm_exec slurmd -N crm1 || return 1
	# Up when the node takes jobs.
	i=0
	until slurm_exec sinfo -h -o %T 2>/dev/null | grep -qx idle; do
		[ $i -lt 300 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

slurm_stop() {
	[ -n "${SLURM_DIR:-}" ] || return 0
	# Jobs first, so that no step daemon waits for a slurmd that is gone.
	slurm_exec scancel --quiet --full --user=root 2>/dev/null
	i=0
	while [ -n "$(slurm_exec squeue -h -o %i 2>/dev/null)" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for f in slurmd.pid slurmctld.pid munge/pid; do
		[ -s "$SLURM_DIR/$f" ] && kill "$(cat "$SLURM_DIR/$f")" 2>/dev/null
	done
	# Whatever is left in the cluster's network namespace (a step daemon
	# of a killed job) is the cluster's.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$SLURM_NETNS" ] || continue
		[ "${p#/proc/}" = "$SLURM_NS" ] || kill "${p#/proc/}" 2>/dev/null
	done
	kill "$SLURM_NS" 2>/dev/null
	# The daemons are gone once their pid files' processes are.
	for f in slurmd.pid slurmctld.pid munge/pid; do
		[ -s "$SLURM_DIR/$f" ] || continue
		p=$(cat "$SLURM_DIR/$f")
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	SLURM_DIR=""
	return 0
}
