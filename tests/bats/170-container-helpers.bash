# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the 170-container-*.bats suites: a daemon on lxc:/// with its
# own state directory and cgroup parent, container definitions, and a
# teardown that leaves no process or cgroup behind even when a test failed.

# container_setup [EXTRA_KNOBS]: mounts lxc:/// on a fresh state directory
# under a cgroup parent unique to this suite run.
container_setup() {
	[ "$(id -u)" = 0 ] || skip "containers need root"
	[ -x /bin/busybox ] || skip "busybox-static is not installed (tools/install-deps.sh test)"
	[ -d /sys/fs/cgroup ] || skip "no cgroup filesystem"
	export CG_PARENT="hvfs-test-$$-${BATS_SUITE_TEST_NUMBER:-0}-$RANDOM"
	export STATE_DIR=$BATS_FILE_TMPDIR/state
	export LXC_URI="lxc:///?state_dir=$STATE_DIR&cgroup_parent=$CG_PARENT&shutdown_timeout_ms=${SHUTDOWN_MS:-1000}${1:+&$1}"
	mkdir -p "$STATE_DIR"
	hvfs_start "$LXC_URI"
}

# record_field NAME KEY: a header field of the record the state directory
# keeps for domain NAME (docs/container.md, "State directory").
record_field() {
	sed -n "/^\$/q; s/^$2 //p" "$STATE_DIR/domains/$1"
}

# The cgroup directories of the parent, one per hierarchy the host has.
cg_parent_dirs() {
	local d
	for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT"; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

# container_cleanup: kills whatever runs in our cgroups (thawing frozen
# ones so that the kill lands), removes the cgroups, then stops hvfs.
container_cleanup() {
	local rc=0 d pids i
	hvfs_stop || rc=$?
	for i in $(seq 50); do
		pids=$(cg_parent_dirs | while read -r d; do find "$d" -name cgroup.procs -exec cat {} +; done | sort -u)
		[ -z "$pids" ] && break
		kill -9 $pids 2>/dev/null || true
		for d in $(cg_parent_dirs); do
			find "$d" -name freezer.state -exec sh -c 'echo THAWED > "$1"' _ {} \; 2>/dev/null || true
		done
		sleep 0.1
	done
	for d in $(cg_parent_dirs); do
		find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
	if [ -n "$(cg_parent_dirs)" ]; then
		echo "cgroups left behind: $(cg_parent_dirs)" >&2
		rc=1
	fi
	return $rc
}

D() { echo "$MNT/domains/$1"; }

# define NAME SCRIPT [MEMORY_MIB] [EXTRA_XML]: a container whose init is
# busybox sh -c SCRIPT.
define() {
	local name=$1 script=$2 mem=${3:-64} extra=${4:-}
	mkdir "$(D "$name")"
	write_file "$(D "$name")/config.xml" <<XML
<domain type='lxc'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <vcpu>2</vcpu>
  <os>
    <type>exe</type>
    <init>/bin/busybox</init>
    <initarg>sh</initarg>
    <initarg>-c</initarg>
    <initarg>$script</initarg>
  </os>
  $extra
</domain>
XML
}

# A loop that counts into FILE every 50 ms and exits 0 on SIGTERM.  The
# count is renamed into place so that a reader never sees it half-written.
counter_script() {
	echo "trap 'exit 0' TERM; i=0; while :; do i=\$((i+1)); echo \$i &gt; $1.tmp; mv $1.tmp $1; sleep 0.05; done"
}

# cg_file CONTROLLER NAME FILE: the path of a domain's cgroup file.
cg_file() {
	if [ -d "/sys/fs/cgroup/$1/$CG_PARENT" ]; then
		echo "/sys/fs/cgroup/$1/$CG_PARENT/$2/$3"
	else
		echo "/sys/fs/cgroup/$CG_PARENT/$2/$3"
	fi
}

# in_cgroup PID NAME: PID is in the domain's cgroup of every v1 hierarchy
# and of the unified one.
in_cgroup() {
	local line
	while IFS= read -r line; do
		case $line in
		*:name=systemd:* | *:blkio:* | *:devices:* | *:net_cls* | *:perf_event:* | *:rdma:* | *:misc:*) ;;
		*) [[ $line == *":/$CG_PARENT/$2" ]] || { echo "pid $1 not in $2: $line" >&2; return 1; } ;;
		esac
	done </proc/"$1"/cgroup
}

# no_process_left NAME: the domain's cgroup is gone or empty.
no_process_left() {
	local f=$(cg_file memory "$1" cgroup.procs)
	[ ! -e "$f" ] || [ -z "$(cat "$f")" ]
}

# destroy_after_failure: for a suite's teardown.  A failed test must not
# leave its containers running for the next (tests that pass may hand a
# running container on to the next).
destroy_after_failure() {
	[ -n "${BATS_TEST_COMPLETED:-}" ] && return 0
	local d
	for d in "$MNT"/domains/*/; do
		[ -d "$d" ] || continue
		case $(cat "$d/state" 2>/dev/null) in
		running | paused | shutdown) echo destroy >"$d/control" 2>/dev/null || true ;;
		esac
	done
}
