#!/usr/bin/env bats
# xen:/// on a real hypervisor: the mount, host/, and Domain-0.

load helpers

setup_file() {
	hvfs_start
}

teardown_file() {
	hvfs_stop
}

D0() { echo "$MNT/domains/Domain-0"; }

@test "xen:/// mounts and domains/ lists Domain-0" {
	run ls "$MNT/domains"
	assert_success
	assert_line Domain-0
}
