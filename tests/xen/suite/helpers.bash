# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared set-up for the suite that runs inside dom0 (tests/xen/run.sh packs
# it there).  Each file mounts hvfs on the real Xen host in setup_file and
# unmounts it in teardown_file.  Definitions persist in one state directory
# for the whole boot, so a guest a file defined and started is still there
# for the next file: guests take tens of seconds to boot under emulation,
# so the suite boots as few as it can.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${HVFS_BIN:=/usr/local/bin/hvfs}"
# A sanitizer build (tests/xen/run.sh build/san/hvfs) reports into the log.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
HVFS_STATE=/var/lib/hvfs-xen-test
XEN_URI="xen:///?state_dir=$HVFS_STATE"
CONSOLE_LOGS=/var/log/xen/console
export HVFS_BIN HVFS_STATE XEN_URI

# is_mounted DIR (dom0's busybox has no mountpoint(1)).
is_mounted() {
	awk -v d="$1" '$2 == d {found = 1} END {exit !found}' /proc/mounts
}

# hvfs_start [URI]: mounts on a new directory, with the options in HVFS_ARGS
# if set; sets MNT, HVFS_PID, HVFS_LOG, HVFS_STATUS.  The daemon logs at debug level to /tmp/hvfs-FILE.log, which
# test.sh shows when the suite fails.
hvfs_start() {
	local uri=${1:-$XEN_URI}
	mkdir -p "$HVFS_STATE"
	MNT=$(mktemp -d /tmp/hvfs-mnt.XXXXXX)
	HVFS_LOG=/tmp/hvfs-$(basename "$BATS_TEST_FILENAME" .bats).log
	HVFS_STATUS=$HVFS_LOG.status
	rm -f "$HVFS_STATUS"
	(
		# shellcheck disable=SC2086 # HVFS_ARGS is words
		"$HVFS_BIN" -f --log-level debug ${HVFS_ARGS:-} -c "$uri" "$MNT" >>"$HVFS_LOG" 2>&1 </dev/null 3>&- &
		echo $! >"$HVFS_LOG.pid"
		rc=0
		wait $! || rc=$?
		echo "$rc" >"$HVFS_STATUS"
	) 3>&- </dev/null >/dev/null 2>&1 &
	HVFS_PID=$!
	export MNT HVFS_PID HVFS_LOG HVFS_STATUS
	local end=$((SECONDS + 30))
	while [ $SECONDS -le $end ]; do
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
	local end=$((SECONDS + 10))
	while [ $SECONDS -le $end ]; do
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.1
	done
	if [ ! -f "$HVFS_STATUS" ]; then
		# Still running (a lazy unmount leaves it serving): stop it so that
		# it cannot hold up the rest of the suite, and fail.
		echo "hvfs did not exit after the unmount; sending SIGTERM, then SIGKILL" >&2
		kill "$(cat "$HVFS_LOG.pid")" 2>/dev/null
		sleep 2
		kill -9 "$(cat "$HVFS_LOG.pid")" 2>/dev/null
		sleep 0.5
	fi
	rmdir "$MNT" 2>/dev/null || true
	if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$HVFS_LOG"; then
		echo "sanitizer report in the daemon's log:" >&2
		grep -A30 -E 'ERROR: |runtime error:' "$HVFS_LOG" | head -60 >&2
		return 1
	fi
	local status
	status=$(cat "$HVFS_STATUS" 2>/dev/null || echo "still running")
	if [ "$status" != 0 ]; then
		echo "hvfs exited with status $status; the end of its log:" >&2
		tail -40 "$HVFS_LOG" >&2
		return 1
	fi
}

# The waits below are bounded by the clock, not by a number of tries: under
# emulation one try (a fork or two) can take a good part of a second.

# wait_for FILE VALUE [TENTHS]: polls until FILE reads VALUE.
wait_for() {
	local file=$1 want=$2 end=$((SECONDS + (${3:-100} + 9) / 10)) got=
	while :; do
		got=$(cat "$file" 2>/dev/null) && [ "$got" = "$want" ] && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	echo "$file is '$got', expected '$want'" >&2
	return 1
}

# wait_until TENTHS CMD...: polls until CMD succeeds.
wait_until() {
	local end=$((SECONDS + ($1 + 9) / 10))
	shift
	while :; do
		"$@" 2>/dev/null && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.1
	done
	echo "gave up waiting for: $*" >&2
	return 1
}

# xl_flags NAME: the state column of "xl list NAME" (r-----, --p---, …).
xl_flags() {
	xl list "$1" 2>/dev/null | awk 'NR == 2 {print $5}'
}

# watch_start DIR [EVENTS]: inotifywait -m on DIR in the background, its
# lines "EVENTS NAME" in WATCH_OUT; returns once the watch is in place.
watch_start() {
	WATCH_OUT=$(mktemp /tmp/hvfs-inotify.XXXXXX)
	# Every fd redirected: bats waits for whoever holds its output pipes.
	inotifywait -m -e "${2:-create,delete,modify}" --format '%e %f' "$1" >"$WATCH_OUT" 2>"$WATCH_OUT.err" 3>&- </dev/null &
	WATCH_PID=$!
	local end=$((SECONDS + 10))
	while [ $SECONDS -le $end ]; do
		grep -q 'Watches established' "$WATCH_OUT.err" && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "inotifywait could not watch $1:" >&2
	cat "$WATCH_OUT.err" >&2
	return 1
}

# watch_expect REGEX [TENTHS]: waits until the watch saw a matching line.
watch_expect() {
	wait_until "${2:-100}" grep -qE "$1" "$WATCH_OUT" && return 0
	echo "inotifywait saw no line matching '$1'; it saw:" >&2
	cat "$WATCH_OUT" >&2
	return 1
}

watch_stop() {
	[ -n "${WATCH_PID:-}" ] || return 0
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	rm -f "$WATCH_OUT" "$WATCH_OUT.err"
	WATCH_PID=
}

# events_start: reads MNT/events in the background into EVENTS_OUT; returns
# once the reader has the file open (it sees every change from then on).
# A file that uses it stops it in teardown (a reader left behind keeps the
# mount busy).
events_start() {
	EVENTS_OUT=$(mktemp /tmp/hvfs-events.XXXXXX)
	cat "$MNT/events" >"$EVENTS_OUT" 2>/dev/null 3>&- </dev/null &
	EVENTS_PID=$!
	wait_until 100 events_open
}
events_open() {
	local fd
	for fd in /proc/"$EVENTS_PID"/fd/*; do
		[ "$(readlink "$fd")" = "$MNT/events" ] && return 0
	done
	return 1
}

# events_expect REGEX [TENTHS]: waits until a line of events matches.
events_expect() {
	wait_until "${2:-100}" grep -qE "$1" "$EVENTS_OUT" && return 0
	echo "events had no line matching '$1'; it had:" >&2
	cat "$EVENTS_OUT" >&2
	return 1
}

events_stop() {
	[ -n "${EVENTS_PID:-}" ] || return 0
	kill "$EVENTS_PID" 2>/dev/null
	wait "$EVENTS_PID" 2>/dev/null
	rm -f "$EVENTS_OUT"
	EVENTS_PID=
}

# markers NAME: how many times guest NAME's console said it booted.
markers() {
	grep -c GUEST-MARKER-OK "$CONSOLE_LOGS/guest-$1.log" 2>/dev/null || echo 0
}

# wait_booted NAME COUNT [SECONDS]: waits until NAME has booted COUNT times.
wait_booted() {
	local name=$1 want=$2 end=$((SECONDS + ${3:-90}))
	while [ $SECONDS -le $end ]; do
		[ "$(markers "$name")" -ge "$want" ] && return 0
		sleep 1
	done
	echo "guest $name booted $(markers "$name") times, expected $want; its console:" >&2
	tail -20 "$CONSOLE_LOGS/guest-$name.log" >&2
	return 1
}

# --- Preconditions ------------------------------------------------------
# Each test that needs the guest in some state makes sure of it first, so
# that a test that failed (or was stopped by BATS_TEST_TIMEOUT) halfway
# leaves nothing that fails the ones after it.  They go through the mount
# (MNT) and fall back on xl for what hvfs could not do.

# guest_dir NAME: its directory in the mount.
guest_dir() { echo "$MNT/domains/$1"; }

# guest_defined NAME: NAME has a definition hvfs builds the suite's guest
# from (mkdir + config.xml, as 040 does), made now if missing.
guest_defined() {
	local d
	d=$(guest_dir "$1")
	[ -d "$d" ] || mkdir "$d" || return 1
	grep -q '<kernel>/guest/vmlinuz</kernel>' "$d/config.xml" 2>/dev/null && return 0
	guest_xml "$1" >"$d/config.xml"
	grep -q '<kernel>/guest/vmlinuz</kernel>' "$d/config.xml"
}

# guest_gone NAME: Xen runs no domain NAME (xl domid fails).
guest_gone() { ! xl domid "$1" >/dev/null 2>&1; }

# guest_off NAME: no domain NAME runs and hvfs says shutoff.  A leftover
# (a guest a failed test left running, shutting down or paused) is
# destroyed with xl, behind hvfs's back, which hvfs must see anyway.
guest_off() {
	local name=$1
	if ! guest_gone "$name"; then
		echo destroy >"$(guest_dir "$name")/control" 2>/dev/null || true
		guest_gone "$name" || xl destroy "$name" 2>/dev/null || true
		wait_until 600 guest_gone "$name" || return 1
	fi
	wait_for "$(guest_dir "$name")/state" shutoff 300
}

# guest_up NAME: NAME is defined, runs and has fully booted: its console
# said GUEST-MARKER-OK (rcS has run: busybox init is up, with its signal
# handlers) since it was built; started through hvfs and waited for when
# it was not running.  One already running (left by the file before)
# counts as booted once its console ever said so.
guest_up() {
	local name=$1 boots id
	guest_defined "$name" || return 1
	if guest_gone "$name"; then
		boots=$(markers "$name")
		echo start >"$(guest_dir "$name")/control" || return 1
		wait_booted "$name" $((boots + 1)) 240 || return 1
	else
		wait_booted "$name" 1 240 || return 1
	fi
	id=$(xl domid "$name") || return 1
	# Its kernel's PV control handler is up too.
	wait_until 600 xenstore_is "/local/domain/$id/control/feature-poweroff" 1
}

# xenstore_is PATH VALUE
xenstore_is() { [ "$(xenstore-read "$1" 2>/dev/null)" = "$2" ]; }

# The XML of the guest the suite builds: the harness's tiny PV guest, with
# room to balloon (memory above currentMemory) and a second vCPU to plug.
guest_xml() {
	cat <<EOX
<domain type='xen'>
  <name>$1</name>
  <memory unit='KiB'>196608</memory>
  <currentMemory unit='KiB'>131072</currentMemory>
  <vcpu current='1'>2</vcpu>
  <os>
    <type>xen</type>
    <kernel>/guest/vmlinuz</kernel>
    <initrd>/guest/initrd</initrd>
    <cmdline>console=hvc0 quiet</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
</domain>
EOX
}
