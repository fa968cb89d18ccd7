#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# A guest hvfs defines and starts: mkdir + config.xml + start builds a real
# Xen domain (the harness's tiny PV guest) that xl lists and that boots.
# The guest keeps running for 045 and 050, which use it: booting takes tens
# of seconds under emulation.

load helpers

setup_file() {
	hvfs_start
}

teardown_file() {
	hvfs_stop
}

teardown() {
	events_stop
}

G() { echo "$MNT/domains/g1$1"; }

@test "mkdir defines a shut-off domain Xen does not run" {
	mkdir "$(G)"
	run cat "$(G /state)"
	assert_output shutoff
	run cat "$(G /id)"
	assert_output -- -1
	run xl list g1
	assert_failure
	run cat "$(G /persistent)"
	assert_output 1
}

@test "config.xml takes the guest's definition" {
	guest_xml g1 >"$(G /config.xml)"
	run cat "$(G /config.xml)"
	assert_output --partial '<kernel>/guest/vmlinuz</kernel>'
	assert_output --partial '<initrd>/guest/initrd</initrd>'
	run cat "$(G /max_memory)"
	assert_output 196608
	run cat "$(G /memory)"
	assert_output 131072
	run cat "$(G /max_vcpus)"
	assert_output 2
	run cat "$(G /vcpus)"
	assert_output 1
	run cat "$(G /os_type)"
	assert_output xen
}

@test "the definition is persisted under the state directory" {
	run grep -rl '<kernel>/guest/vmlinuz</kernel>' "$HVFS_STATE"
	assert_success
	[ -n "$output" ]
}

@test "a definition this driver cannot build (HVM) is refused, the old one stays" {
	guest_xml g1 | sed 's|<type>xen</type>|<type>hvm</type>|' >"$BATS_TEST_TMPDIR/hvm.xml"
	# The shell ignores close(2), where config.xml is applied: check the result.
	cat "$BATS_TEST_TMPDIR/hvm.xml" >"$(G /config.xml)" || true
	run cat "$(G /config.xml)"
	assert_output --partial '<type>xen</type>'
	run cat "$(G /last_error)"
	assert_output --partial xen
}

@test "start builds the guest: xl lists it with hvfs's id, and a started line" {
	events_start
	echo start >"$(G /control)"
	run xl list g1
	assert_success
	run cat "$(G /id)"
	assert_output "$(xl domid g1)"
	run cat "$(G /state)"
	assert_output --regexp '^(running|blocked)$'
	events_expect ' domains/g1 started'
}

@test "the guest boots: its console says so" {
	wait_booted g1 1 120
}

@test "the guest's uuid, memory and vcpus are what Xen has" {
	run cat "$(G /uuid)"
	assert_output "$(xl list -v g1 | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "UUID") c = i} NR == 2 {print $c}')"
	run xenstore-read "/local/domain/$(xl domid g1)/memory/target"
	assert_output 131072
	run xl list g1
	assert_line --regexp '^g1 +[0-9]+ +128 +1 '
}

@test "a running guest keeps the uuid Xen has (EBUSY); no other domain can take it (EEXIST)" {
	uuid=$(cat "$(G /uuid)")
	new=0b9c5e2d-3f4a-4b6c-8d7e-9f0a1b2c3d4e
	guest_xml g1 | sed "s|<name>g1</name>|&\n  <uuid>$new</uuid>|" >"$BATS_TEST_TMPDIR/g1.xml"
	# The shell ignores close(2), where config.xml is applied: check the result.
	cat "$BATS_TEST_TMPDIR/g1.xml" >"$(G /config.xml)" || true
	run cat "$(G /last_error)"
	assert_output "config.xml: domain 'g1' is active with UUID $uuid: a new UUID ($new) can be given only while it is shut off"
	run cat "$(G /config.xml)"
	refute_output --partial "$new"
	run cat "$(G /uuid)"
	assert_output "$uuid"
	mkdir "$MNT/domains/g9"
	guest_xml g9 | sed "s|<name>g9</name>|&\n  <uuid>$uuid</uuid>|" >"$BATS_TEST_TMPDIR/g9.xml"
	cat "$BATS_TEST_TMPDIR/g9.xml" >"$MNT/domains/g9/config.xml" || true
	run cat "$MNT/domains/g9/last_error"
	assert_output "config.xml: UUID $uuid is already used by domain 'g1'"
	rmdir "$MNT/domains/g9"
}
