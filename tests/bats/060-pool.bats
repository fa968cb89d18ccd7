#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# pools/NAME/.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

P() { echo "$MNT/pools/$1"; }

@test "the demo pool default-pool is a running dir pool with sizes" {
	run cat "$(P default-pool)/state"
	assert_output running
	run cat "$(P default-pool)/type"
	assert_output dir
	cap=$(cat "$(P default-pool)/capacity")
	alloc=$(cat "$(P default-pool)/allocation")
	avail=$(cat "$(P default-pool)/available")
	[ "$cap" -gt 0 ]
	[ "$alloc" -le "$cap" ]
	[ "$avail" -le "$cap" ]
}

@test "pool lifecycle: stop, refresh refused, build, start, refresh" {
	echo stop >"$(P default-pool)/control"
	run cat "$(P default-pool)/state"
	assert_output inactive
	run bash -c "echo refresh > '$(P default-pool)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	echo build >"$(P default-pool)/control"
	echo start >"$(P default-pool)/control"
	run cat "$(P default-pool)/state"
	assert_output running
	echo refresh >"$(P default-pool)/control"
}

@test "delete is refused on a running pool" {
	run bash -c "echo delete > '$(P default-pool)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(P default-pool)/last_error"
	assert_output --partial "control: pool is active"
}

@test "an unknown pool command is EINVAL" {
	run bash -c "echo explode > '$(P default-pool)/control'"
	assert_failure
	assert_output --partial "Invalid argument"
}

@test "mkdir defines an inactive dir pool; rename and rmdir work while inactive" {
	mkdir "$(P scratch)"
	run cat "$(P scratch)/state"
	assert_output inactive
	run cat "$(P scratch)/type"
	assert_output dir
	mv "$(P scratch)" "$(P scratch2)"
	run grep -c '<name>scratch2</name>' "$(P scratch2)/config.xml"
	assert_output 1
	rmdir "$(P scratch2)"
	run ls "$MNT/pools"
	assert_output default-pool
}

@test "rmdir of a running pool is EBUSY" {
	run rmdir "$(P default-pool)"
	assert_failure
	assert_output --partial "Device or resource busy"
}
