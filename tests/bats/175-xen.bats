#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Xen driver on a host without Xen (the real-Xen suite runs in dom0,
# `make check-xen`): xen:/// must refuse to mount with EIO's reason, and
# its URI knobs are checked before anything touches the hypervisor.

load helpers

no_xen() {
	[ -e /proc/xen/capabilities ] || [ -e /dev/xen/privcmd ]
}

@test "xen:/// without a hypervisor fails to mount and says why" {
	no_xen && skip "this host runs Xen"
	d=$(mktemp -d)
	run timeout 10 "$HVFS_BIN" -f -c 'xen:///' "$d"
	mountpoint -q "$d" && fusermount3 -u "$d"
	rmdir "$d"
	assert_failure
	assert_output --partial "no Xen hypervisor here"
	refute_output --partial "Sanitizer"
}

@test "xen:/// refuses unknown knobs and a relative state_dir" {
	d=$(mktemp -d)
	run timeout 10 "$HVFS_BIN" -f -c 'xen:///?nosuch=1' "$d"
	assert_failure
	assert_output --partial "unknown option 'nosuch'"
	run timeout 10 "$HVFS_BIN" -f -c 'xen:///?state_dir=relative/dir' "$d"
	assert_failure
	assert_output --partial "must be an absolute path"
	run timeout 10 "$HVFS_BIN" -f -c 'xen:///?shutdown_timeout_ms=soon' "$d"
	assert_failure
	assert_output --partial "shutdown_timeout_ms=soon"
	run timeout 10 "$HVFS_BIN" -f -c 'xen:///some/path' "$d"
	assert_failure
	assert_output --partial "path must be empty"
	rmdir "$d"
}
