#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# test:///PATH: one file per object, written atomically; states, ids and
# autostart come back on the next mount; kill -9 loses nothing acknowledged.

load helpers

setup() {
	STATE=$(mktemp -d "$BATS_TEST_TMPDIR/state.XXXXXX")
}

teardown() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

@test "an empty state directory is seeded with the demo host" {
	hvfs_start "test://$STATE"
	run cat "$(D test)/state"
	assert_output running
	run ls "$MNT/networks" "$MNT/pools"
	assert_output --partial default-pool
	[ -n "$(ls "$STATE")" ]
}

@test "a percent-encoded path names the directory it decodes to" {
	mkdir "$STATE/hv fs"
	hvfs_start "test://$STATE/hv%20fs"
	mkdir "$(D spaced)"
	[ -n "$(ls "$STATE/hv fs")" ]
	[ ! -e "$STATE/hv%20fs" ]
	run grep -rl "<name>spaced</name>" "$STATE/hv fs"
	assert_success
}

@test "definitions, states, ids and tunables survive a remount" {
	hvfs_start "test://$STATE"
	mkdir "$(D web1)"
	uuid=$(cat "$(D web1)/uuid")
	echo 2 >"$(D web1)/max_vcpus"
	echo start >"$(D web1)/control"
	echo suspend >"$(D web1)/control"
	id=$(cat "$(D web1)/id")
	echo 524288 >"$(D test)/memory"
	mkdir "$MNT/networks/lab"
	hvfs_stop
	hvfs_start "test://$STATE"
	run cat "$(D web1)/uuid"
	assert_output "$uuid"
	run cat "$(D web1)/state"
	assert_output paused
	run cat "$(D web1)/id"
	assert_output "$id"
	run cat "$(D web1)/max_vcpus"
	assert_output 2
	run cat "$(D test)/memory"
	assert_output 524288
	run cat "$MNT/networks/lab/state"
	assert_output inactive
}

@test "config.xml reads back what was written, after a remount too" {
	hvfs_start "test://$STATE"
	mkdir "$(D keep)"
	cat >"$BATS_TEST_TMPDIR/keep.xml" <<'XML'
<domain type='test'>
  <!-- hand-written -->
  <name>keep</name>
  <uuid>UUID</uuid>
  <memory unit='KiB'>131072</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
</domain>
XML
	sed -i "s|UUID|$(cat "$(D keep)/uuid")|" "$BATS_TEST_TMPDIR/keep.xml"
	cp "$BATS_TEST_TMPDIR/keep.xml" "$(D keep)/config.xml"
	cmp "$BATS_TEST_TMPDIR/keep.xml" "$(D keep)/config.xml"
	hvfs_stop
	hvfs_start "test://$STATE"
	cmp "$BATS_TEST_TMPDIR/keep.xml" "$(D keep)/config.xml"
}

@test "undefine and rename persist" {
	hvfs_start "test://$STATE"
	mkdir "$(D gone)" "$(D before)"
	rmdir "$(D gone)"
	mv "$(D before)" "$(D after)"
	hvfs_stop
	hvfs_start "test://$STATE"
	run ls "$MNT/domains"
	refute_output --partial gone
	refute_output --partial before
	assert_output --partial after
}

@test "autostart starts a shut-off domain on the next mount" {
	hvfs_start "test://$STATE"
	echo 1 >"$(D idle)/autostart"
	hvfs_stop
	hvfs_start "test://$STATE"
	run cat "$(D idle)/state"
	assert_output running
	run cat "$(D idle)/autostart"
	assert_output 1
}

@test "kill -9 during a burst of writes loses nothing acknowledged and tears no file" {
	hvfs_start "test://$STATE"
	log=$BATS_TEST_TMPDIR/acked
	: >"$log"
	# Define domains and set memory as fast as possible; record each
	# acknowledged write; kill the daemon in the middle.
	(
		for i in $(seq 1 400); do
			mkdir "$(D burst$i)" 2>/dev/null || break
			echo "burst$i" >>"$log"
			echo "$((65536 + i))" >"$(D test)/memory" 2>/dev/null || break
			echo "memory $((65536 + i))" >>"$log"
		done
	) &
	writer=$!
	sleep 0.5
	kill -KILL "$(hvfs_daemon_pid)"
	wait "$writer" || true
	for _ in $(seq 100); do [ -f "$HVFS_STATUS" ] && break; sleep 0.05; done
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	[ "$(grep -c burst "$log")" -gt 0 ]
	# No temp file is taken for an object, and every object file parses.
	hvfs_start "test://$STATE"
	for name in $(grep '^burst' "$log"); do
		run cat "$(D "$name")/state"
		assert_output shutoff
	done
	last=$(grep '^memory' "$log" | tail -1 | cut -d' ' -f2)
	run cat "$(D test)/memory"
	# The write in flight when the daemon died may or may not have landed.
	[ "$output" -ge "$last" ] && [ "$output" -le "$((last + 1))" ]
	! grep -q "hvfs error:" "$HVFS_LOG"
}

@test "scratch files are never persisted and are gone after a remount" {
	hvfs_start "test://$STATE"
	echo '<half' >"$(D test)/sedXYZ123"
	mkdir "$(D test)/cfg.lock"
	run grep -rl -e sedXYZ123 -e '<half' -e cfg.lock "$STATE"
	assert_failure
	run find "$STATE" -name 'sedXYZ*' -o -name 'cfg.lock'
	assert_output ''
	hvfs_stop
	hvfs_start "test://$STATE"
	run ls -A "$(D test)"
	refute_line sedXYZ123
	refute_line cfg.lock
	run cat "$(D test)/state"
	assert_output running
}

@test "objects written without a uuid keep theirs across a remount, and their text" {
	hvfs_start "test://$STATE"
	mkdir "$MNT/networks/nouuid" "$(D nouuid)"
	net_uuid=$(cat "$MNT/networks/nouuid/uuid")
	dom_uuid=$(cat "$(D nouuid)/uuid")
	printf "<network>\n  <name>nouuid</name>\n</network>\n" >"$BATS_TEST_TMPDIR/net.xml"
	sed '/<uuid>/d' "$(D nouuid)/config.xml" >"$BATS_TEST_TMPDIR/dom.xml"
	cp "$BATS_TEST_TMPDIR/net.xml" "$MNT/networks/nouuid/config.xml"
	cp "$BATS_TEST_TMPDIR/dom.xml" "$(D nouuid)/config.xml"
	hvfs_stop
	hvfs_start "test://$STATE"
	cmp "$BATS_TEST_TMPDIR/net.xml" "$MNT/networks/nouuid/config.xml"
	cmp "$BATS_TEST_TMPDIR/dom.xml" "$(D nouuid)/config.xml"
	run cat "$MNT/networks/nouuid/uuid" "$(D nouuid)/uuid"
	assert_output "$net_uuid
$dom_uuid"
}

@test "device addresses and MACs survive a remount, attached or allocated" {
	hvfs_start "test://$STATE"
	mkdir "$(D dev1)"
	printf "<disk type='file' device='disk'>\n  <source file='/x.img'/>\n  <target dev='vdb' bus='virtio'/>\n</disk>\n" |
		write_file "$(D dev1)/devices/attach"
	# An interface written without a MAC or an address: allocated, kept
	# outside the user's text.
	sed "s|</devices>|<interface type='network'><source network='default'/></interface></devices>|" \
		"$(D dev1)/config.xml" >"$BATS_TEST_TMPDIR/dev1.xml"
	write_file "$(D dev1)/config.xml" <"$BATS_TEST_TMPDIR/dev1.xml"
	disk=$(cat "$(D dev1)/devices/disk/vdb/address")
	addr=$(cat "$(D dev1)/devices/interface/0/address")
	mac=$(cat "$(D dev1)/devices/interface/0/mac")
	[ -n "$disk" ] && [ -n "$addr" ] && [ -n "$mac" ]
	hvfs_stop
	hvfs_start "test://$STATE"
	run cat "$(D dev1)/devices/disk/vdb/address" "$(D dev1)/devices/interface/0/address" \
		"$(D dev1)/devices/interface/0/mac"
	assert_output "$disk
$addr
$mac"
	cmp "$BATS_TEST_TMPDIR/dev1.xml" "$(D dev1)/config.xml"
}
