#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# qemu:///system: guests outlive hvfs, a restarted hvfs finds them with
# their states right, and a QEMU that stops answering costs its own domain
# a bounded wait and no other domain anything.

load helpers
load 176-qemu-helpers

setup_file() {
	qemu_setup "qmp_timeout_ms=8000"
}

setup() {
	load_daemon
}

teardown_file() {
	qemu_cleanup
}

# crash_restart: hvfs dies without a chance to clean up (SIGKILL reaches a
# stopped one too), a new one mounts.
crash_restart() {
	kill -KILL "$(hvfs_daemon_pid)"
	for _ in $(seq 100); do
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.05
	done
	fusermount3 -u -z "$MNT" 2>/dev/null || true
	rmdir "$MNT" 2>/dev/null || true
	hvfs_check_log
	hvfs_start "$QEMU_URI"
	save_daemon
}

@test "hvfs killed with guests running: a new hvfs re-attaches to each, states right" {
	guest_define run1
	guest_define pause1
	guest_define off1
	guest_define gone1
	for g in run1 pause1 off1 gone1; do echo start >"$(D "$g")/control"; done
	echo suspend >"$(D pause1)/control"
	guest_ready off1
	run1=$(qemu_pid run1) pause1=$(qemu_pid pause1) off1=$(qemu_pid off1) gone1=$(qemu_pid gone1)
	kill -STOP "$(hvfs_daemon_pid)"
	# While nobody watches: off1's guest powers off (QEMU stays, as
	# -no-shutdown keeps it), gone1's QEMU is killed.
	qmp off1 system_powerdown
	for _ in $(seq 600); do
		[ "$(qmp_status off1)" = shutdown ] && break
		sleep 0.1
	done
	run qmp_status off1
	assert_output shutdown
	kill -KILL "$gone1"
	process_gone "$gone1"
	crash_restart
	run cat "$(D run1)/state"
	assert_output running
	[ "$(qemu_pid run1)" = "$run1" ]
	run cat "$(D pause1)/state"
	assert_output paused
	[ "$(qemu_pid pause1)" = "$pause1" ]
	run cat "$(D off1)/state"
	assert_output shutoff
	process_gone "$off1"
	run cat "$(D gone1)/state"
	assert_output crashed
	run cat "$(D gone1)/qemu/last_exit"
	assert_output --partial "ended while hvfs was not running"
	grep -q "re-attached to QEMU pid $run1 (running)" "$HVFS_LOG"
}

@test "after the restart control works, and the guests' events reach events" {
	events_reader "$BATS_FILE_TMPDIR/ev.after"
	echo resume >"$(D pause1)/control"
	run qmp_status pause1
	assert_output running
	events_wait "$BATS_FILE_TMPDIR/ev.after" 'domains/pause1 resumed unpaused$'
	# The monitor listens again: a change by another tool is seen.
	qmp run1 stop
	events_wait "$BATS_FILE_TMPDIR/ev.after" 'domains/run1 suspended paused$'
	run cat "$(D run1)/state"
	assert_output paused
	pid=$(qemu_pid pause1)
	kill -KILL "$pid"
	events_wait "$BATS_FILE_TMPDIR/ev.after" 'domains/pause1 stopped crashed$'
	echo destroy >"$(D run1)/control"
}

@test "a recycled pid is not taken for the guest: the start time is checked" {
	echo start >"$(D run1)/control"
	pid=$(qemu_pid run1)
	stop_readers
	hvfs_stop
	# The record now names a process that started at another time.
	sed -i "s/^pid $pid [0-9]*/pid $pid 1/" "$STATE_DIR/run/run1.run"
	hvfs_start "$QEMU_URI"
	save_daemon
	run cat "$(D run1)/state"
	assert_output crashed
	kill -KILL "$pid"
	process_gone "$pid"
}

@test "a QEMU that hangs: EIO on its domain after qmp_timeout_ms, other domains unaffected" {
	echo start >"$(D run1)/control"
	echo start >"$(D pause1)/control"
	hung=$(qemu_pid run1)
	kill -STOP "$hung"
	( if echo suspend >"$(D run1)/control" 2>"$BATS_FILE_TMPDIR/hung.err"; then echo ok; else echo failed; fi \
		>"$BATS_FILE_TMPDIR/hung.result" ) &
	writer=$!
	# While that write waits for QEMU, the other domain answers at once.
	echo suspend >"$(D pause1)/control"
	run qmp_status pause1
	assert_output paused
	echo resume >"$(D pause1)/control"
	run cat "$(D run1)/state"
	assert_output running
	kill -0 "$writer" # still waiting for the hung QEMU
	wait "$writer"
	run cat "$BATS_FILE_TMPDIR/hung.result"
	assert_output failed
	run cat "$BATS_FILE_TMPDIR/hung.err"
	assert_output --partial "Input/output error"
	run cat "$(D run1)/last_error"
	assert_output --partial "QEMU did not answer 'stop' within 8000 ms"
	# destroy needs no answer from QEMU.
	echo destroy >"$(D run1)/control"
	process_gone "$hung"
	run cat "$(D run1)/state"
	assert_output shutoff
	echo destroy >"$(D pause1)/control"
}

@test "autostart: a restarted hvfs starts the guests marked so" {
	echo 1 >"$(D off1)/autostart"
	stop_readers
	hvfs_stop
	hvfs_start "$QEMU_URI"
	save_daemon
	run cat "$(D off1)/state"
	assert_output running
	run qmp_status off1
	assert_output running
	echo destroy >"$(D off1)/control"
}
