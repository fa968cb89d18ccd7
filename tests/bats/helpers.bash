# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared set-up for the bats suites: each file mounts a fresh daemon on a
# temporary directory in setup_file and unmounts and reaps it in
# teardown_file.  HVFS_BIN picks the binary (the sanitizer run sets it).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

HVFS_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
POLL_WAIT=$HVFS_TOP/build/tools/poll_wait
: "${HVFS_BIN:=$HVFS_TOP/build/hvfs}"
export HVFS_BIN HVFS_TOP
# Sanitizer builds: report everything, keep going, make leaks visible at exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# hvfs_start URI [extra args...]: mounts on a new directory; sets MNT, HVFS_PID,
# HVFS_LOG, HVFS_STATUS (exported so that the tests see them).
hvfs_start() {
	local uri=$1
	shift
	# Under /tmp itself, world-traversable, so that allow_other tests can
	# reach it as another user.
	MNT=$(mktemp -d /tmp/hvfs-bats-mnt.XXXXXX)
	chmod 755 "$MNT"
	HVFS_LOG=$(mktemp "${BATS_FILE_TMPDIR:-/tmp}/hvfs-log.XXXXXX")
	HVFS_STATUS=$HVFS_LOG.status
	rm -f "$HVFS_STATUS"
	# The subshell records the daemon's exit status for hvfs_stop; every fd
	# is redirected so that bats never waits on the daemon's output.
	# (bats runs with set -e: "|| rc=$?" keeps a failing daemon from ending
	# the subshell before it records the status.)
	(
		rc=0
		"$HVFS_BIN" -f -c "$uri" "$@" "$MNT" >>"$HVFS_LOG" 2>&1 </dev/null 3>&- || rc=$?
		echo "$rc" >"$HVFS_STATUS"
	) 3>&- &
	HVFS_PID=$!
	export MNT HVFS_PID HVFS_LOG HVFS_STATUS
	local i
	for i in $(seq 100); do
		mountpoint -q "$MNT" && [ -d "$MNT/domains" ] && return 0
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.05
	done
	echo "hvfs did not mount $uri on $MNT; its log:" >&2
	cat "$HVFS_LOG" >&2
	return 1
}

# hvfs_stop: unmounts, waits for the daemon to exit, and fails if it did not
# exit 0 or if a sanitizer reported anything.
hvfs_stop() {
	[ -n "${MNT:-}" ] || return 0
	# A process of the test that is still exiting (a killed watcher or
	# reader) keeps the mount busy for a moment on a loaded machine: the
	# unmount is tried again until a ceiling, and a daemon still serving
	# then is lazily unmounted and stopped, so that it cannot hold bats's
	# output open (bats would wait for it for ever) or the next file up.
	local i end=$((SECONDS + ${HVFS_UNMOUNT_CEILING:-20})) busy=
	while mountpoint -q "$MNT"; do
		fusermount3 -u "$MNT" 2>"${BATS_FILE_TMPDIR:-/tmp}/fusermount.err" && break
		if [ $SECONDS -ge $end ]; then
			busy=$(cat "${BATS_FILE_TMPDIR:-/tmp}/fusermount.err")
			busy=${busy:-busy}
			umount -l "$MNT" 2>/dev/null || true
			break
		fi
		sleep 0.2
	done
	for i in $(seq 200); do
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.05
	done
	if [ -n "$busy" ] && [ ! -f "$HVFS_STATUS" ]; then
		kill "$(hvfs_daemon_pid)" 2>/dev/null || true
		for i in $(seq 100); do
			[ -f "$HVFS_STATUS" ] && break
			sleep 0.1
		done
		[ -f "$HVFS_STATUS" ] || kill -9 "$(hvfs_daemon_pid)" 2>/dev/null || true
	fi
	rmdir "$MNT" 2>/dev/null || true
	if [ -n "$busy" ]; then
		echo "the mount stayed busy for ${HVFS_UNMOUNT_CEILING:-20} s ($busy); hvfs was stopped" >&2
		return 1
	fi
	hvfs_check_log
	local status
	status=$(cat "$HVFS_STATUS" 2>/dev/null || echo "still running")
	if [ "$status" != 0 ]; then
		echo "hvfs exited with status $status; its log:" >&2
		cat "$HVFS_LOG" >&2
		return 1
	fi
}

# The daemon's pid: the child of the subshell hvfs_start made.
hvfs_daemon_pid() {
	pgrep -P "$HVFS_PID"
}

# Sanitizer reports end up in the daemon's log.
hvfs_check_log() {
	if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$HVFS_LOG"; then
		echo "sanitizer report in the daemon's log:" >&2
		cat "$HVFS_LOG" >&2
		return 1
	fi
}

# wait_for FILE VALUE [TENTHS]: polls until FILE reads VALUE.
wait_for() {
	local file=$1 want=$2 tries=${3:-50} got
	for _ in $(seq "$tries"); do
		got=$(cat "$file" 2>/dev/null) && [ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	echo "$file is '$got', expected '$want'" >&2
	return 1
}

# events_reader OUT [SECONDS]: reads MNT/events into OUT in the background
# (for at most SECONDS, default 60) and returns once the reader has the file
# open, so that it sees every change made after: waiting on the open itself,
# not a fixed sleep that a loaded machine overruns.  Sets EVENTS_READER.
events_reader() {
	local out=$1 secs=${2:-60} pid
	timeout "$secs" cat "$MNT/events" >"$out" 2>/dev/null 3>&- &
	EVENTS_READER=$!
	for _ in $(seq 400); do
		for pid in $(pgrep -P "$EVENTS_READER"); do
			ls -l "/proc/$pid/fd" 2>/dev/null | grep -q " $MNT/events\$" && return 0
		done
		sleep 0.05
	done
	echo "the events reader did not open $MNT/events" >&2
	return 1
}

# wait_line FILE REGEX [TENTHS]: waits (default up to 30 s) until FILE,
# written by a reader in the background (events, inotifywait), has a line
# matching REGEX.  A state file changes a moment before its event line is
# appended: wait on the line itself.
wait_line() {
	for _ in $(seq "${3:-300}"); do
		grep -qE "$2" "$1" && return 0
		sleep 0.1
	done
	echo "no line matching '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

# events_wait OUT REGEX: wait_line for an events reader's output.
events_wait() {
	wait_line "$1" "$2"
}

# inotify_ready LOG: waits (up to 20 s) until the inotifywait writing its
# stderr to LOG has its watches.
inotify_ready() {
	for _ in $(seq 200); do
		grep -q "Watches established" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "inotifywait never established its watches" >&2
	return 1
}

# write_file PATH: copies stdin into PATH and reports a failed close(2),
# which shells ignore (bash never checks close after a redirection).
write_file() {
	python3 -c '
import os, sys
data = sys.stdin.buffer.read()
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
try:
    os.write(fd, data)
finally:
    try:
        os.close(fd)
    except OSError as e:
        sys.exit("close: " + e.strerror)
' "$1"
}

# as_nobody CMD...: runs a command as an unprivileged user.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# ansible_env: Ansible as a test tool (call in setup_file): no colours or
# inventory warnings, its temporary files and home in the file's directory.
ansible_env() {
	export ANSIBLE_NOCOLOR=1 ANSIBLE_LOCALHOST_WARNING=False ANSIBLE_INVENTORY_UNPARSED_WARNING=False
	export ANSIBLE_LOCAL_TEMP=$BATS_FILE_TMPDIR/ansible-local ANSIBLE_REMOTE_TEMP=$BATS_FILE_TMPDIR/ansible-remote
	export HOME=$BATS_FILE_TMPDIR
}

# Suites that restart the daemon keep its variables in a file, because what
# one test exports the next does not see: save_daemon after starting one,
# load_daemon at the top of every test that uses it.
save_daemon() {
	declare -p MNT HVFS_PID HVFS_LOG HVFS_STATUS | sed 's/^declare -x/export/; s/^declare --/export/' \
		>"$BATS_FILE_TMPDIR/daemon"
}

load_daemon() {
	# shellcheck disable=SC1091
	. "$BATS_FILE_TMPDIR/daemon"
}
