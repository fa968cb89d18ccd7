# Shared set-up for the suite that runs inside dom0 (tests/xen/run.sh packs
# it there).  Each file mounts hvfs on the real Xen host in setup_file and
# unmounts it in teardown_file.  Definitions persist in one state directory
# for the whole boot, so a guest a file defined and started is still there
# for the next file: guests take tens of seconds to boot under emulation,
# so the suite boots as few as it can.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${HVFS_BIN:=/usr/local/bin/hvfs}"
HVFS_STATE=/var/lib/hvfs-xen-test
XEN_URI="xen:///?state_dir=$HVFS_STATE"
CONSOLE_LOGS=/var/log/xen/console
export HVFS_BIN HVFS_STATE XEN_URI

# is_mounted DIR (dom0's busybox has no mountpoint(1)).
is_mounted() {
	awk -v d="$1" '$2 == d {found = 1} END {exit !found}' /proc/mounts
}

# hvfs_start [URI]: mounts on a new directory; sets MNT, HVFS_PID, HVFS_LOG,
# HVFS_STATUS.
hvfs_start() {
	local uri=${1:-$XEN_URI}
	mkdir -p "$HVFS_STATE"
	MNT=$(mktemp -d /tmp/hvfs-mnt.XXXXXX)
	HVFS_LOG=/tmp/hvfs-$(basename "$BATS_TEST_FILENAME" .bats).log
	HVFS_STATUS=$HVFS_LOG.status
	rm -f "$HVFS_STATUS"
	(
		rc=0
		"$HVFS_BIN" -f --log-level debug -c "$uri" "$MNT" >>"$HVFS_LOG" 2>&1 </dev/null 3>&- || rc=$?
		echo "$rc" >"$HVFS_STATUS"
	) 3>&- &
	HVFS_PID=$!
	export MNT HVFS_PID HVFS_LOG HVFS_STATUS
	local i
	for i in $(seq 300); do
		is_mounted "$MNT" && [ -d "$MNT/domains" ] && return 0
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.1
	done
	echo "hvfs did not mount $uri on $MNT; its log:" >&2
	cat "$HVFS_LOG" >&2
	return 1
}

# hvfs_stop: unmounts and fails unless the daemon exited 0.
hvfs_stop() {
	[ -n "${MNT:-}" ] || return 0
	is_mounted "$MNT" && { fusermount3 -u "$MNT" || umount -l "$MNT"; }
	local i
	for i in $(seq 100); do
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.1
	done
	rmdir "$MNT" 2>/dev/null || true
	local status
	status=$(cat "$HVFS_STATUS" 2>/dev/null || echo "still running")
	if [ "$status" != 0 ]; then
		echo "hvfs exited with status $status; the end of its log:" >&2
		tail -40 "$HVFS_LOG" >&2
		return 1
	fi
}

# wait_for FILE VALUE [TENTHS]: polls until FILE reads VALUE.
wait_for() {
	local file=$1 want=$2 tries=${3:-100} got=
	for _ in $(seq "$tries"); do
		got=$(cat "$file" 2>/dev/null) && [ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	echo "$file is '$got', expected '$want'" >&2
	return 1
}

# wait_until TENTHS CMD...: polls until CMD succeeds.
wait_until() {
	local tries=$1
	shift
	for _ in $(seq "$tries"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "gave up waiting for: $*" >&2
	return 1
}

# xl_flags NAME: the state column of "xl list NAME" (r-----, --p---, …).
xl_flags() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 {print $5}'
}
