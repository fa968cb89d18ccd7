#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: containers outlive hvfs, and a restarted hvfs finds them again
# with their states right.

load helpers
load 170-container-helpers

# start_daemon: hvfs_start on our state, remembered for the next tests.
start_daemon() {
	hvfs_start "$LXC_URI"
	save_daemon
}

setup_file() {
	container_setup
	save_daemon
}

setup() {
	load_daemon
}

teardown_file() {
	load_daemon
	container_cleanup
}

# restart: a clean unmount and a new daemon on the same state.
restart() {
	hvfs_stop
	start_daemon
}

# crash_restart: the daemon dies without a chance to clean up.
crash_restart() {
	kill -KILL "$(hvfs_daemon_pid)"
	for _ in $(seq 100); do
		[ -f "$HVFS_STATUS" ] && break
		sleep 0.05
	done
	fusermount3 -u -z "$MNT" 2>/dev/null || true
	rmdir "$MNT" 2>/dev/null || true
	hvfs_check_log
	start_daemon
}

@test "containers keep running when hvfs unmounts, and are found again" {
	define run1 "$(counter_script "$BATS_FILE_TMPDIR/run1.count")"
	define pause1 "exec sleep 60"
	echo start >"$(D run1)/control"
	echo start >"$(D pause1)/control"
	echo suspend >"$(D pause1)/control"
	id=$(cat "$(D run1)/id")
	pid2=$(cat "$(D pause1)/id")
	uuid=$(cat "$(D run1)/uuid")
	hvfs_stop
	# Nobody watches them now, and they go on.
	[ -e /proc/"$id" ]
	a=$(cat "$BATS_FILE_TMPDIR/run1.count")
	sleep 0.3
	[ "$(cat "$BATS_FILE_TMPDIR/run1.count")" -gt "$a" ]
	start_daemon
	run cat "$(D run1)/state"
	assert_output running
	run cat "$(D run1)/id"
	assert_output "$id"
	run cat "$(D run1)/uuid"
	assert_output "$uuid"
	run cat "$(D pause1)/state"
	assert_output paused
	run cat "$(D pause1)/id"
	assert_output "$pid2"
}

@test "after a restart control still works: resume, suspend, destroy" {
	echo resume >"$(D pause1)/control"
	run cat "$(cg_file freezer pause1 freezer.state)"
	assert_output THAWED
	pid2=$(cat "$(D pause1)/id")
	echo destroy >"$(D pause1)/control"
	[ ! -e /proc/"$pid2" ]
	no_process_left pause1
	echo 32768 >"$(D run1)/memory"
	run cat "$(cg_file memory run1 memory.limit_in_bytes)"
	assert_output $((32 * 1024 * 1024))
}

@test "hvfs killed outright: a new daemon re-attaches and sees the container end" {
	id=$(cat "$(D run1)/id")
	crash_restart
	run cat "$(D run1)/state"
	assert_output running
	run cat "$(D run1)/id"
	assert_output "$id"
	# The monitor watches it again: an end by itself is noticed.
	timeout 60 cat "$MNT/events" >"$BATS_TEST_TMPDIR/ev" &
	reader=$!
	sleep 0.3
	echo shutdown >"$(D run1)/control"
	wait_for "$(D run1)/state" shutoff 30
	kill "$reader" 2>/dev/null || true
	wait "$reader" 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp 'domains/run1 stopped shutdown$'
	no_process_left run1
}

@test "a container that ended while hvfs was away is shut off (or crashed) on return" {
	define gone "exec sleep 60"
	define killed "exec sleep 60"
	echo start >"$(D gone)/control"
	echo start >"$(D killed)/control"
	gone_id=$(cat "$(D gone)/id")
	killed_id=$(cat "$(D killed)/id")
	hvfs_stop
	# "gone" is shut down cleanly by someone else; "killed" is killed.
	kill -KILL "$killed_id"
	kill -KILL "$gone_id"
	for _ in $(seq 50); do
		[ -e "$STATE_DIR/killed.exit" ] && [ -e "$STATE_DIR/gone.exit" ] && break
		sleep 0.1
	done
	# The supervisor recorded how each ended; make "gone" a clean exit.
	echo 0 >"$STATE_DIR/gone.exit"
	start_daemon
	run cat "$(D gone)/state"
	assert_output shutoff
	run cat "$(D killed)/state"
	assert_output crashed
	run cat "$(D killed)/id"
	assert_output -- -1
	no_process_left gone
	no_process_left killed
}

@test "a container whose supervisor was killed along with hvfs is still found and watched" {
	define orphan "exec sleep 60"
	echo start >"$(D orphan)/control"
	id=$(cat "$(D orphan)/id")
	hvfs_stop
	kill -KILL "$(awk '/^supervisor/ {print $2}' "$STATE_DIR/orphan.run")"
	sleep 0.2
	[ -e /proc/"$id" ]
	start_daemon
	run cat "$(D orphan)/state"
	assert_output running
	run cat "$(D orphan)/id"
	assert_output "$id"
	# Its end is still noticed, through init itself.
	kill -KILL "$id"
	wait_for "$(D orphan)/state" shutoff 30
	no_process_left orphan
}

@test "a supervisor killed under a running hvfs does not end its container" {
	define lonely "exec sleep 60"
	echo start >"$(D lonely)/control"
	id=$(cat "$(D lonely)/id")
	kill -KILL "$(awk '/^supervisor/ {print $2}' "$STATE_DIR/lonely.run")"
	sleep 0.3
	run cat "$(D lonely)/state"
	assert_output running
	[ "$(awk '{print $3}' /proc/"$id"/stat)" != Z ]
	kill -KILL "$id"
	wait_for "$(D lonely)/state" shutoff 30
	no_process_left lonely
}

@test "a recorded pid that now belongs to another process is not adopted" {
	define reuse "exec sleep 60"
	echo start >"$(D reuse)/control"
	hvfs_stop
	kill -KILL "$(awk '/^init/ {print $2}' "$STATE_DIR/reuse.run")"
	sleep 0.3
	# A stranger with another start time takes the recorded pid's place.
	sleep 60 &
	stranger=$!
	sed -i "s/^init [0-9]* /init $stranger /" "$STATE_DIR/reuse.run"
	start_daemon
	run cat "$(D reuse)/state"
	refute_output running
	# ... and is left alone.
	[ -e /proc/"$stranger" ]
	kill "$stranger"
}

@test "autostart: a daemon starting up starts the domains marked so" {
	define auto "exec sleep 60"
	echo 1 >"$(D auto)/autostart"
	[ "$(record_field auto autostart)" = 1 ]
	restart
	run cat "$(D auto)/state"
	assert_output running
	in_cgroup "$(cat "$(D auto)/id")" auto
	echo destroy >"$(D auto)/control"
	echo 0 >"$(D auto)/autostart"
	[ "$(record_field auto autostart)" = 0 ]
}

@test "definitions and renames persist across restarts" {
	define keep "exec sleep 60"
	uuid=$(cat "$(D keep)/uuid")
	mv "$(D keep)" "$(D kept)"
	restart
	[ ! -e "$(D keep)" ]
	run cat "$(D kept)/uuid"
	assert_output "$uuid"
	run grep -c "<name>kept</name>" "$(D kept)/config.xml"
	assert_output 1
}

@test "a second daemon on the same state directory is refused" {
	other=$(mktemp -d /tmp/hvfs-bats-mnt.XXXXXX)
	run timeout 10 "$HVFS_BIN" -f -c "$LXC_URI" "$other"
	assert_failure
	assert_output --partial "in use"
	rmdir "$other"
}
