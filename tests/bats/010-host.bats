#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# host/: the node's attributes.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

@test "host lists its attributes" {
	run ls "$MNT/host"
	assert_output "$(printf 'capabilities.xml\ncpu_model\ncpus\ndevices\ndriver\nfree_memory\nhostname\nhypervisor_version\nmemory\nuri')"
}

@test "host attributes hold the demo host's values" {
	run cat "$MNT/host/hostname"
	assert_output hvfs-test
	run cat "$MNT/host/driver"
	assert_output test
	run cat "$MNT/host/uri"
	assert_output test:///default
	run cat "$MNT/host/cpus"
	assert_output 16
	run cat "$MNT/host/memory"
	assert_output 16777216
}

@test "free_memory is below memory by what running domains use" {
	mem=$(cat "$MNT/host/memory")
	free=$(cat "$MNT/host/free_memory")
	[ "$free" -lt "$mem" ]
	echo start >"$MNT/domains/idle/control"
	free2=$(cat "$MNT/host/free_memory")
	echo destroy >"$MNT/domains/idle/control"
	[ "$free2" -lt "$free" ]
}

@test "capabilities.xml names the test domain type" {
	run cat "$MNT/host/capabilities.xml"
	assert_output --partial "<capabilities>"
	assert_output --partial "<domain type='test'/>"
	xmllint --noout "$MNT/host/capabilities.xml"
}

@test "host files are read-only" {
	run stat -c %a "$MNT/host/hostname"
	assert_output 444
	run bash -c "echo x > '$MNT/host/hostname'"
	assert_failure
}
