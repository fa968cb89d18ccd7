#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The test driver's knobs through the mount: scale and fault injection.

load helpers

teardown() {
	hvfs_stop
}

@test "domains=10000 mounts and stays responsive" {
	hvfs_start 'test:///default?domains=10000'
	run bash -c "ls '$MNT/domains' | wc -l"
	assert_output 10002
	run cat "$MNT/domains/dom-05001/state"
	assert_output shutoff
	run cat "$MNT/domains/dom-00010/state"
	assert_output running
	echo start >"$MNT/domains/dom-05001/control"
	run cat "$MNT/domains/dom-05001/state"
	assert_output running
}

@test "fail=OP makes that operation fail with EIO and says so" {
	hvfs_start 'test:///default?fail=domain_control,domain_set_memory'
	run bash -c "echo suspend > '$MNT/domains/test/control'"
	assert_failure
	assert_output --partial "Input/output error"
	run cat "$MNT/domains/test/last_error"
	assert_output --partial "injected fault in domain_control"
	run bash -c "echo 1024 > '$MNT/domains/test/memory'"
	assert_failure
	# Other operations still work, and nothing was half-applied.
	run cat "$MNT/domains/test/state"
	assert_output running
	echo 2 >"$MNT/domains/test/vcpus"
	run grep -c "injected fault" "$HVFS_LOG"
	[ "$output" -ge 2 ]
}

@test "make install puts the binary, schemas, man page and unit under DESTDIR" {
	dest=$BATS_TEST_TMPDIR/dest
	run make -C "$HVFS_TOP" -s install DESTDIR="$dest" PREFIX=/usr
	assert_success
	[ -x "$dest/usr/bin/hvfs" ]
	[ -f "$dest/usr/share/hvfs/schema/domain.rng" ]
	[ -f "$dest/usr/share/man/man1/hvfs.1" ]
	run grep -c "ExecStart=/usr/bin/hvfs" "$dest/usr/lib/systemd/system/hvfs.service"
	assert_output 1
	xmllint --noout --relaxng "$dest/usr/share/hvfs/schema/domain.rng" "$HVFS_TOP/tests/data/domain/minimal.xml"
}
