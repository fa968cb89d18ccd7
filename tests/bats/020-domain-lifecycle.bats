#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# domains/NAME/control and state: the libvirt lifecycle through the files.

load helpers

setup_file() {
	hvfs_start 'test:///default?shutdown_delay_ms=300'
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

@test "the demo domain test is running with an id" {
	run cat "$(D test)/state"
	assert_output running
	run cat "$(D test)/id"
	assert_output --regexp '^[1-9][0-9]*$'
}

@test "the demo shut-off domain has id -1" {
	run cat "$(D idle)/state"
	assert_output shutoff
	run cat "$(D idle)/id"
	assert_output -- -1
}

@test "suspend then resume" {
	echo suspend >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output paused
	echo resume >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output running
}

@test "suspending a paused domain is EBUSY and last_error says why" {
	echo suspend >"$(D test)/control"
	run bash -c "echo suspend > '$(D test)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D test)/last_error"
	assert_output --partial "paused"
	echo resume >"$(D test)/control"
}

@test "a bogus command is EINVAL and last_error explains" {
	run bash -c "echo bogus > '$(D test)/control'"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D test)/last_error"
	assert_output --partial "unknown command 'bogus'"
	run cat "$(D test)/state"
	assert_output running
}

@test "a command needing a running domain is EBUSY on a shut-off one" {
	run bash -c "echo suspend > '$(D idle)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D idle)/last_error"
	assert_output --partial "not running"
}

@test "start gives a shut-off domain an id, destroy takes it away at once" {
	echo start >"$(D idle)/control"
	run cat "$(D idle)/state"
	assert_output running
	run cat "$(D idle)/id"
	assert_output --regexp '^[1-9][0-9]*$'
	echo destroy >"$(D idle)/control"
	run cat "$(D idle)/state"
	assert_output shutoff
	run cat "$(D idle)/id"
	assert_output -- -1
}

@test "starting a running domain is EBUSY" {
	run bash -c "echo start > '$(D test)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
}

@test "shutdown passes through state shutdown and completes by itself" {
	echo start >"$(D idle)/control"
	echo shutdown >"$(D idle)/control"
	run cat "$(D idle)/state"
	assert_output shutdown
	wait_for "$(D idle)/state" shutoff 50
}

@test "reboot and reset keep a domain running" {
	echo reboot >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output running
	echo reset >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output running
}

@test "a command without a trailing newline is applied at close" {
	printf suspend >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output paused
	printf resume >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output running
}

@test "a command split across two write(2) calls is applied whole" {
	python3 - "$(D test)/control" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"susp")
os.write(fd, b"end")
os.close(fd)
PY
	run cat "$(D test)/state"
	assert_output paused
	echo resume >"$(D test)/control"
}

@test "an invalid command without newline fails close(2)" {
	run python3 - "$(D test)/control" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"explode")
try:
    os.close(fd)
except OSError as e:
    print("close:", e.strerror)
    sys.exit(1)
PY
	assert_failure
	assert_output "close: Invalid argument"
}

@test "tee and dd write control files" {
	echo suspend | tee "$(D test)/control" >/dev/null
	run cat "$(D test)/state"
	assert_output paused
	echo resume | dd of="$(D test)/control" status=none
	run cat "$(D test)/state"
	assert_output running
}

@test "stats/cpu_time advances while the domain runs" {
	a=$(cat "$(D test)/stats/cpu_time")
	sleep 0.3
	b=$(cat "$(D test)/stats/cpu_time")
	[ "$b" -gt "$a" ]
}

@test "stats/cpu_time stands still while the domain is paused" {
	echo suspend >"$(D test)/control"
	a=$(cat "$(D test)/stats/cpu_time")
	sleep 0.3
	b=$(cat "$(D test)/stats/cpu_time")
	echo resume >"$(D test)/control"
	[ "$b" -eq "$a" ]
}

@test "control is write-only and state read-only, even for root" {
	run cat "$(D test)/control"
	assert_failure
	assert_output --partial "Permission denied"
	run bash -c "echo running > '$(D test)/state'"
	assert_failure
	assert_output --partial "Permission denied"
}
