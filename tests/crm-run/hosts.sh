# hosts.sh: two ssh "hosts" for GNU parallel, each a network namespace and
# a mount namespace with a private tmpfs on /tmp, so files reach a host's
# /tmp only by a transfer. Each connection starts an sshd in the host's
# namespaces (sshd -i, as inetd would): ssh's ProxyCommand enters them.
# Sourced by run.sh. hosts_start DIR BIN writes DIR/ssh_config (hosts h1,
# h2) and sets HOSTS_SSH, the ssh command; the tools' directory BIN is
# bound on /srv in each host, as an installation would be (BIN itself may lie
# under /tmp, which the hosts do not see). hosts_stop ends the namespaces'
# processes by their ids.

hosts_start() {
	HOSTS_DIR=$1
	HOSTS_PIDS=""
	mkdir -p "$HOSTS_DIR/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$HOSTS_DIR/ssh/hostkey" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$HOSTS_DIR/id" || return 1
	cp "$HOSTS_DIR/id.pub" "$HOSTS_DIR/ssh/authorized_keys"
	# Inside a host, this directory is bound on /mnt: its /tmp is hidden.
	cat > "$HOSTS_DIR/ssh/sshd_config" <<-CONF
	HostKey /mnt/hostkey
	AuthorizedKeysFile /mnt/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	LogLevel ERROR
	CONF
	# sshd wants its privilege separation directory.
	[ -d /run/sshd ] || mkdir -p /run/sshd
	{
		echo "Host *"
		echo "  User root"
		echo "  IdentityFile $HOSTS_DIR/id"
		echo "  IdentitiesOnly yes"
		echo "  StrictHostKeyChecking no"
		echo "  UserKnownHostsFile /dev/null"
		echo "  LogLevel ERROR"
		echo "  BatchMode yes"
		# One connection a host, shared by GNU parallel's many ssh runs.
		echo "  ControlMaster auto"
		echo "  ControlPath $HOSTS_DIR/cm-%h"
		echo "  ControlPersist 120"
	} > "$HOSTS_DIR/ssh_config"
	for h in h1 h2; do
		unshare --net --mount --propagation private sh -c \
			'mount --bind "$1" /mnt && mount --bind "$2" /srv &&
			 mount -t tmpfs -o size=256m crm-run-test /tmp && exec sleep 100000' \
			sh "$HOSTS_DIR/ssh" "$2" &
		pid=$!
		HOSTS_PIDS="$HOSTS_PIDS $pid"
		printf 'Host %s\n  ProxyCommand nsenter -t %s --net --mount /usr/sbin/sshd -i -f /mnt/sshd_config\n' \
			"$h" "$pid" >> "$HOSTS_DIR/ssh_config"
	done
	HOSTS_SSH="ssh -F $HOSTS_DIR/ssh_config"
	# Up when each host answers.
	for h in h1 h2; do
		i=0
		until $HOSTS_SSH "$h" true 2>/dev/null; do
			[ $i -lt 50 ] || return 1
			sleep 0.1
			i=$((i + 1))
		done
	done
}

hosts_stop() {
	for h in h1 h2; do
		[ ! -S "${HOSTS_DIR:-}/cm-$h" ] || $HOSTS_SSH -O exit "$h" 2>/dev/null
	done
	for p in ${HOSTS_PIDS:-}; do
		ns=$(readlink "/proc/$p/ns/net" 2>/dev/null) || continue
		# A session's sshd left in the host's namespace is the host's.
		for q in /proc/[0-9]*; do
			[ "${q#/proc/}" != "$p" ] || continue
			[ "$(readlink "$q/ns/net" 2>/dev/null)" = "$ns" ] && kill "${q#/proc/}" 2>/dev/null
		done
		kill "$p" 2>/dev/null
	done
	HOSTS_PIDS=""
	return 0
}
