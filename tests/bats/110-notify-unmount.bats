#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Unmounting while watchers and readers are attached finishes, and the
# daemon exits cleanly.  (Open files make a plain umount EBUSY on any
# filesystem; inotify watches do not.)

load helpers

teardown() {
	hvfs_stop
}

wait_exit() {
	for _ in $(seq 100); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	run cat "$HVFS_STATUS"
	assert_output 0
}

@test "fusermount3 -u with inotify watchers attached" {
	hvfs_start 'test:///default'
	inotifywait -m -r "$MNT" >"$BATS_TEST_TMPDIR/w" 2>&1 3>&- &
	watcher=$!
	for _ in $(seq 100); do grep -q "Watches established" "$BATS_TEST_TMPDIR/w" && break; sleep 0.05; done
	timeout 10 fusermount3 -u "$MNT"
	wait_exit
	# The watcher is not stuck (no D state) and goes when told.
	run ps -o stat= -p "$watcher"
	refute_output --partial D
	kill "$watcher"
	timeout 5 bash -c "while kill -0 $watcher 2>/dev/null; do sleep 0.05; done"
}

@test "SIGTERM with a blocked events reader and a poller attached" {
	hvfs_start 'test:///default'
	cat "$MNT/events" >/dev/null 2>&1 3>&- &
	reader=$!
	"$HVFS_TOP/build/tools/poll_wait" "$MNT/domains/test/state" pri 20000 >"$BATS_TEST_TMPDIR/p" 2>&1 3>&- &
	poller=$!
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/p" && break; sleep 0.05; done
	sleep 0.2
	kill -TERM "$(hvfs_daemon_pid)"
	wait_exit
	timeout 5 bash -c "while kill -0 $reader 2>/dev/null; do sleep 0.05; done"
	timeout 5 bash -c "while kill -0 $poller 2>/dev/null; do sleep 0.05; done"
	run mountpoint -q "$MNT"
	assert_failure
	hvfs_check_log
}
