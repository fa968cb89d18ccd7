#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# xenstored dies under a running hvfs: what needs XenStore fails with EIO
# and the reason, everything else keeps answering, and nothing hangs (every
# access is under timeout(1)).  Last in the suite: xenstored cannot be
# brought back with its state.

load helpers

setup_file() {
	hvfs_start
	D0_MEMORY=$(cat "$MNT/domains/Domain-0/memory")
	export D0_MEMORY
	kill "$(cat /run/xenstored.pid)"
	wait_until 50 xenstored_gone
}

teardown_file() {
	hvfs_stop
}

xenstored_gone() {
	! kill -0 "$(cat /run/xenstored.pid)" 2>/dev/null
}

D0() { echo "$MNT/domains/Domain-0$1"; }

@test "with xenstored gone, reading a XenStore value is EIO, not a hang" {
	run timeout 20 cat "$MNT/xenstore/local/domain/0/name"
	assert_failure
	assert_output --partial "Input/output error"
}

@test "with xenstored gone, a memory write is EIO and last_error names XenStore" {
	[ -n "$D0_MEMORY" ]
	run timeout 20 bash -c "echo $D0_MEMORY > '$(D0 /memory)'"
	assert_failure
	assert_output --partial "Input/output error"
	run timeout 20 cat "$(D0 /last_error)"
	assert_success
	assert_output --regexp '[Xx]en[Ss]tore|xenstored'
}

@test "with xenstored gone, the mount still answers from the hypervisor" {
	run timeout 20 ls "$MNT/domains"
	assert_success
	assert_line Domain-0
	run timeout 20 cat "$(D0 /state)"
	assert_success
	assert_output --regexp '^(running|blocked)$'
	run timeout 20 cat "$MNT/host/driver"
	assert_output xen
}

@test "with xenstored gone, hvfs still unmounts and exits 0" {
	# hvfs_stop's waits are bounded; it kills a daemon that does not exit.
	run hvfs_stop
	assert_success
}
