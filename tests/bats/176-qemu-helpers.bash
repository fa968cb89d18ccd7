# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the 176-qemu-*.bats suites: a daemon on qemu:///system with its
# own state directory, real guests under TCG (tests/qemu/mk-guest.sh: Debian's
# kernel and a busybox initramfs that reports on its serial console), an
# independent view of each guest through QEMU's second monitor
# (tests/qemu/qmp.py) and /proc, and a teardown that leaves no QEMU behind.

QMP=$HVFS_TOP/tests/qemu/qmp.py

# qemu_setup [EXTRA_KNOBS]: builds the guest (once per machine: cached),
# mounts qemu:///system on a fresh state directory.
qemu_setup() {
	[ "$(id -u)" = 0 ] || skip "the qemu driver's tests run as root"
	command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 is not installed (tools/install-deps.sh test)"
	export GUEST=${HVFS_QEMU_GUEST:-/var/cache/hvfs-qemu-guest}
	"$HVFS_TOP/tests/qemu/mk-guest.sh" "$GUEST" >&2
	# Short: QMP sockets live in it, and a socket's path has 107 bytes.
	export STATE_DIR
	STATE_DIR=$(mktemp -d /tmp/hvfs-qemu.XXXXXX)
	echo "$STATE_DIR" >"$BATS_FILE_TMPDIR/state_dir"
	export QEMU_URI="qemu:///system?state_dir=$STATE_DIR${1:+&$1}"
	hvfs_start "$QEMU_URI"
	save_daemon
}

# qemu_cleanup: stops hvfs, then kills every QEMU of the state directory.
qemu_cleanup() {
	local rc=0 pid f
	load_daemon
	stop_readers
	hvfs_stop || rc=$?
	STATE_DIR=$(cat "$BATS_FILE_TMPDIR/state_dir")
	for f in "$STATE_DIR"/run/*.run; do
		[ -e "$f" ] || continue
		pid=$(awk '/^pid/ {print $2}' "$f")
		kill -CONT "$pid" 2>/dev/null || true
		kill -KILL "$pid" 2>/dev/null || true
	done
	for pid in $(pgrep -f "$STATE_DIR/run/"); do
		echo "QEMU left running: $(tr '\0' ' ' </proc/"$pid"/cmdline)" >&2
		kill -KILL "$pid" 2>/dev/null || true
		rc=1
	done
	rm -rf "$STATE_DIR"
	return $rc
}

D() { echo "$MNT/domains/$1"; }

# Readers of events earlier tests left running keep the mount busy.
stop_readers() { pkill -f "cat $MNT/events" 2>/dev/null || true; }

# guest_define NAME [KERNEL_ARGS] [DEVICES_XML] [MEMORY_MIB] [CURRENT_MIB]:
# a TCG guest booting the test kernel, its console on ttyS0.
guest_define() {
	local name=$1 args=${2:-} devices=${3:-} mem=${4:-256} cur=${5:-${4:-256}}
	mkdir "$(D "$name")"
	write_file "$(D "$name")/config.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>$mem</memory>
  <currentMemory unit='MiB'>$cur</currentMemory>
  <vcpu current='1'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$GUEST/vmlinuz</kernel>
    <initrd>$GUEST/initrd.cpio.gz</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet $args</cmdline>
  </os>
  <devices>
$devices
  </devices>
</domain>
XML
}

console() { cat "$(D "$1")/qemu/console"; }
qemu_pid() { cat "$(D "$1")/qemu/pid"; }
# qmp NAME COMMAND [ARGS_JSON]: asks the guest's QEMU directly, through the
# socket qemu/monitor names (read from the state directory: it works while
# hvfs is stopped too).
qmp() { "$QMP" "$STATE_DIR/run/$1.monitor" "$2" ${3:+"$3"}; }
# qmp_status NAME: QEMU's own word for the guest's state (running, paused, ...).
qmp_status() { qmp "$1" query-status | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }

# console_wait NAME REGEX [COUNT]: waits (up to 120 s: TCG on a loaded
# machine) until the guest's console has COUNT (default 1) lines matching.
console_wait() {
	local log count=${3:-1}
	log=$(console "$1")
	for _ in $(seq 1200); do
		[ "$(grep -cE "$2" "$log" 2>/dev/null)" -ge "$count" ] && return 0
		sleep 0.1
	done
	echo "the console of $1 has not $count line(s) matching '$2':" >&2
	tail -20 "$log" >&2
	return 1
}

# The guest is up (for the COUNTth time), and acpid listens for the power button.
guest_ready() { console_wait "$1" '^HVFS-GUEST-UP' "${2:-1}"; }

# process_gone PID: waits (up to 30 s) until PID has exited.
process_gone() {
	for _ in $(seq 300); do
		[ -e "/proc/$1" ] || return 0
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "process $1 is still there" >&2
	return 1
}
