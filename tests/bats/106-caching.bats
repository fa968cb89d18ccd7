#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel's caches serve stable files (docs/performance.md): these tests
# pin down the round trips hvfs saves and that a cached value is never
# stale after a change.  The daemon runs with -d, so its log holds the
# FUSE requests it received, one "unique: N, opcode: NAME (n), nodeid: I"
# line each.

load helpers

setup_file() {
	hvfs_start 'test:///default?shutdown_delay_ms=0' -d
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

# requests OPCODE FILE: how many OPCODE requests FILE's inode received.
requests() {
	local ino
	ino=$(stat -c %i "$2")
	grep -acE "opcode: $1 \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true
}

@test "a file only read is closed without a FLUSH round trip" {
	local file opens
	file=$(D test)/state
	cat "$file" >/dev/null
	opens=$(requests OPEN "$file")
	for _ in 1 2 3; do cat "$file" >/dev/null; done
	# The opens reached the daemon (the log is the one we think) ...
	[ "$(requests OPEN "$file")" -ge $((opens + 3)) ]
	# ... but no close of them asked for a flush.
	[ "$(requests FLUSH "$file")" -eq 0 ]
}

@test "a writer's close still flushes, and returns the error of a value without a newline" {
	local file
	file=$(D test)/vcpus
	printf 1 | write_file "$file"
	[ "$(requests FLUSH "$file")" -ge 1 ]
	run write_file "$file" < <(printf bogus)
	assert_failure
	assert_output --partial "close: Invalid argument"
}

@test "a warm cached value shows the driver's change, with the right size" {
	local state=$(D idle)/state
	[ "$(cat "$state")" = shutoff ]
	echo start >"$(D idle)/control"
	[ "$(cat "$state")" = running ]
	[ "$(cat "$state")" = running ] # from the page cache
	[ "$(stat -c %s "$state")" -eq 8 ]
	# The shutdown completes on the driver's timer thread, not in the write.
	echo shutdown >"$(D idle)/control"
	wait_for "$state" shutoff
	[ "$(stat -c %s "$state")" -eq 8 ]
	echo start >"$(D idle)/control"
	echo suspend >"$(D idle)/control"
	[ "$(cat "$state")" = paused ]
	[ "$(stat -c %s "$state")" -eq 7 ]
	echo destroy >"$(D idle)/control"
	[ "$(cat "$state")" = shutoff ]
}

@test "a file opened before a change keeps its read; a new read from 0 shows the change" {
	echo start >"$(D idle)/control"
	python3 - "$(D idle)" <<'EOF'
import os, sys
d = sys.argv[1]
fd = os.open(d + "/state", os.O_RDONLY)
first = os.read(fd, 4096)
assert first == b"running\n", first
ctl = os.open(d + "/control", os.O_WRONLY | os.O_TRUNC)
os.write(ctl, b"suspend\n")
os.close(ctl)
# The rest of this open's value: nothing more, not the new value's tail.
assert os.read(fd, 4096) == b"", "read past the snapshot"
os.lseek(fd, 0, os.SEEK_SET)
again = os.read(fd, 4096)
assert again == b"paused\n", again
os.close(fd)
EOF
	echo destroy >"$(D idle)/control"
}

@test "readers that close at once (no FLUSH) never race the end of their read" {
	# Without a FLUSH, a RELEASE can reach the daemon while the thread
	# that answered the READ still finishes with the handle; the sanitizer
	# build reports the use after free this once was (hvfs_stop checks).
	# config.xml is direct_io: every cat is OPEN, READs and RELEASE.
	local file=$(D test)/config.xml pids=()
	for _ in 1 2 3 4; do
		(for _ in $(seq 300); do cat "$file" >/dev/null || exit 1; done) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$(cat "$file")" = "$(cat "$file")" ]
}
