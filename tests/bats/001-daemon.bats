#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The daemon itself: options, mounting, unmounting, stale mounts.

load helpers

teardown() {
	hvfs_stop
}

@test "--help describes the options" {
	run "$HVFS_BIN" --help
	assert_success
	assert_output --partial "usage:"
	assert_output --partial "--group NAME"
	assert_output --partial "test:///default"
}

@test "--version prints the version" {
	run "$HVFS_BIN" --version
	assert_success
	assert_output --regexp '^hvfs [0-9]+\.[0-9]+\.[0-9]+'
}

@test "no mount point is an error" {
	run "$HVFS_BIN" -f
	assert_failure
	assert_output --partial "no mount point"
}

@test "an unknown URI scheme is refused with a reason" {
	d=$(mktemp -d)
	run "$HVFS_BIN" -f -c 'nosuch:///x' "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "no driver for URI scheme 'nosuch'"
}

@test "an unknown test-driver knob is refused" {
	d=$(mktemp -d)
	run "$HVFS_BIN" -f -c 'test:///default?bogus=1' "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "bogus"
}

@test "an unknown log level is refused" {
	d=$(mktemp -d)
	run "$HVFS_BIN" -f --log-level=loud "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "unknown log level"
}

@test "a bad --cache-timeout is refused" {
	d=$(mktemp -d)
	run timeout 10 "$HVFS_BIN" -f --cache-timeout=soon "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "--cache-timeout takes seconds from 0 to 86400, not 'soon'"
}

@test "--cache-timeout=0: every stat asks the daemon" {
	hvfs_start 'test:///default' -d --cache-timeout=0
	ino=$(stat -c %i "$MNT/domains/test/state")
	before=$(grep -acE "opcode: GETATTR \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true)
	for _ in 1 2 3; do stat "$MNT/domains/test/state" >/dev/null; done
	after=$(grep -acE "opcode: GETATTR \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true)
	hvfs_stop
	[ "$after" -ge $((before + 3)) ]
}

@test "by default the kernel keeps attributes: a second stat is not asked" {
	hvfs_start 'test:///default' -d
	stat "$MNT/domains/test/state" >/dev/null
	ino=$(stat -c %i "$MNT/domains/test/state")
	before=$(grep -acE "opcode: (GETATTR|LOOKUP) \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true)
	for _ in 1 2 3; do stat "$MNT/domains/test/state" >/dev/null; done
	after=$(grep -acE "opcode: (GETATTR|LOOKUP) \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true)
	hvfs_stop
	[ "$after" -eq "$before" ]
}

@test "the root shows host, domains, networks, pools, events and metrics" {
	hvfs_start 'test:///default'
	run ls "$MNT"
	assert_success
	assert_output "$(printf 'domains\nevents\nhost\nmetrics\nnetworks\npools')"
	run stat -c '%U %a %F' "$MNT/domains"
	assert_output "root 755 directory"
	# xenstore/ is the xen driver's alone: not even a lookup finds it here.
	run stat "$MNT/xenstore"
	assert_failure
	assert_output --partial "No such file or directory"
}

@test "fusermount3 -u ends the daemon with status 0" {
	hvfs_start 'test:///default'
	fusermount3 -u "$MNT"
	for _ in $(seq 200); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	run cat "$HVFS_STATUS"
	assert_output 0
}

@test "SIGTERM unmounts cleanly" {
	hvfs_start 'test:///default'
	kill -TERM "$(hvfs_daemon_pid)"
	for _ in $(seq 200); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	run cat "$HVFS_STATUS"
	assert_output 0
	run mountpoint -q "$MNT"
	assert_failure
}

@test "SIGINT unmounts cleanly" {
	# A shell without job control (make check started in the background,
	# a script) starts its background jobs with SIGINT ignored, and libfuse
	# leaves an ignored SIGINT alone: start the daemon as a terminal would,
	# with SIGINT at its default.
	printf '#!/bin/sh\nexec env --default-signal=INT "%s" "$@"\n' "$HVFS_BIN" >"$BATS_TEST_TMPDIR/hvfs"
	chmod +x "$BATS_TEST_TMPDIR/hvfs"
	HVFS_BIN=$BATS_TEST_TMPDIR/hvfs hvfs_start 'test:///default'
	kill -INT "$(hvfs_daemon_pid)"
	for _ in $(seq 200); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	run cat "$HVFS_STATUS"
	assert_output 0
	run mountpoint -q "$MNT"
	assert_failure
}

@test "a stale mount from a killed daemon is reported clearly" {
	hvfs_start 'test:///default'
	kill -KILL "$(hvfs_daemon_pid)"
	for _ in $(seq 200); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	run timeout 10 "$HVFS_BIN" -f "$MNT"
	assert_failure
	assert_output --partial "stale mount"
	assert_output --partial "fusermount3 -u $MNT"
	fusermount3 -u "$MNT"
	MNT=""
}

@test "mount(8) shows the URI as the source and fuse.hvfs as the type" {
	hvfs_start 'test:///default'
	run findmnt -n -o SOURCE,FSTYPE "$MNT"
	assert_output "test:///default fuse.hvfs"
}

@test "a URI given as the first argument works (mount -t fuse.hvfs form)" {
	MNT=$(mktemp -d)
	HVFS_LOG=$(mktemp)
	HVFS_STATUS=$HVFS_LOG.status
	(
		rc=0
		"$HVFS_BIN" 'test:///default' "$MNT" -f >>"$HVFS_LOG" 2>&1 3>&- || rc=$?
		echo "$rc" >"$HVFS_STATUS"
	) 3>&- &
	for _ in $(seq 100); do [ -d "$MNT/domains" ] && break; sleep 0.05; done
	run cat "$MNT/host/uri"
	assert_output "test:///default"
}

@test "unknown paths are ENOENT" {
	hvfs_start 'test:///default'
	run cat "$MNT/nosuch"
	assert_failure
	assert_output --partial "No such file or directory"
	run cat "$MNT/domains/nosuch/state"
	assert_output --partial "No such file or directory"
	run cat "$MNT/domains/test/nosuch"
	assert_output --partial "No such file or directory"
}

@test "names that are not object names are never found" {
	hvfs_start 'test:///default'
	run stat "$MNT/domains/..test"
	assert_failure
	run stat "$MNT/domains/-x"
	assert_failure
	run ls "$MNT/domains/../host/cpus"
	assert_success
}

@test "without -f: returns once mounted, keeps its threads, exits on unmount" {
	MNT=$(mktemp -d /tmp/hvfs-bats-mnt.XXXXXX)
	run "$HVFS_BIN" -c 'test:///default?shutdown_delay_ms=200' "$MNT"
	assert_success
	# Mounted when the command returns.
	run cat "$MNT/domains/test/state"
	assert_output running
	pid=$(pgrep -f -- " $MNT$")
	[ -n "$pid" ]
	# The driver's timer thread survived daemonizing: shutdown completes.
	echo shutdown >"$MNT/domains/test/control"
	wait_for "$MNT/domains/test/state" shutoff 30
	fusermount3 -u "$MNT"
	timeout 10 bash -c "while kill -0 $pid 2>/dev/null; do sleep 0.05; done"
	rmdir "$MNT"
	MNT=""
}

@test "without -f: a bad URI fails the command itself" {
	d=$(mktemp -d)
	run "$HVFS_BIN" -c 'nosuch:///' "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "no driver for URI scheme"
}

@test "long options take their value with = or as the next argument" {
	hvfs_start 'test:///default' --log-level=warning --group=root
	run stat -c %G "$MNT/domains/test/control"
	assert_output root
	run grep -c "hvfs info:" "$HVFS_LOG"
	assert_output 0
	hvfs_stop
	MNT=$(mktemp -d /tmp/hvfs-bats-mnt.XXXXXX)
	run timeout 10 "$HVFS_BIN" -f --log-level debug --connect=test:///default --group nosuchgroup "$MNT"
	rmdir "$MNT"
	MNT=""
	assert_failure
	assert_output --partial "no such group 'nosuchgroup'"
}

@test "the suite's hvfs_stop: a mount that stays busy gets the daemon stopped, not waited for" {
	hvfs_start 'test:///default'
	local daemon holder
	daemon=$(hvfs_daemon_pid)
	# A process whose working directory is in the mount keeps it busy.
	(cd "$MNT/domains" && exec sleep 600) 3>&- </dev/null >/dev/null 2>&1 &
	holder=$!
	HVFS_UNMOUNT_CEILING=2 run hvfs_stop
	kill "$holder" 2>/dev/null || true
	assert_failure
	assert_output --partial "the mount stayed busy for 2 s"
	! kill -0 "$daemon" 2>/dev/null
	! mountpoint -q "$MNT"
	MNT=""
}
