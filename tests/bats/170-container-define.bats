#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: a container brought in from an exported definition (issue 13):
# mkdir NAME, then cp of what virsh dumpxml printed.  The document's UUID
# replaces the one mkdir gave while the container is shut off, is kept in
# the state directory, and stays while it runs (docs/paths.md, "UUIDs").

load helpers
load 170-container-helpers

setup_file() {
	container_setup
	save_daemon
	export EXPORTED=$BATS_FILE_TMPDIR/exported
	mkdir "$EXPORTED"
	if command -v virsh >/dev/null && command -v virt-install >/dev/null; then
		"$HVFS_TOP/tests/data/exported/generate.sh" "$EXPORTED"
	else
		cp "$HVFS_TOP"/tests/data/exported/*.xml "$EXPORTED/"
	fi
}

setup() {
	load_daemon
}

teardown() {
	destroy_after_failure
}

teardown_file() {
	load_daemon
	container_cleanup
}

BOX=virsh-dumpxml-lxc-box1.xml

doc_uuid() {
	sed -n 's|.*<uuid>\([^<]*\)</uuid>.*|\1|p' "$1" | head -n 1
}

@test "mkdir, then cp of virsh dumpxml: the container takes the document's UUID" {
	mkdir "$(D box1)"
	before=$(cat "$(D box1)/uuid")
	cp "$EXPORTED/$BOX" "$(D box1)/config.xml"
	cmp "$EXPORTED/$BOX" "$(D box1)/config.xml"
	run cat "$(D box1)/uuid"
	assert_output "$(doc_uuid "$EXPORTED/$BOX")"
	[ "$before" != "$(doc_uuid "$EXPORTED/$BOX")" ]
	# The state directory keeps it with the definition.
	run record_field box1 uuid
	assert_output "$(doc_uuid "$EXPORTED/$BOX")"
}

@test "a UUID another container has is EEXIST, and last_error names that container" {
	mkdir "$(D box2)"
	before=$(cat "$(D box2)/uuid")
	sed "s/<name>box1</<name>box2</" "$EXPORTED/$BOX" >"$BATS_TEST_TMPDIR/box2.xml"
	run write_file "$(D box2)/config.xml" <"$BATS_TEST_TMPDIR/box2.xml"
	assert_failure
	assert_output --partial "File exists"
	run cat "$(D box2)/last_error"
	assert_output "config.xml: UUID $(doc_uuid "$EXPORTED/$BOX") is already used by domain 'box1'"
	run cat "$(D box2)/uuid"
	assert_output "$before"
	rmdir "$(D box2)"
}

@test "a running container keeps its UUID (EBUSY); shut off, it takes the new one" {
	local uuid=$(doc_uuid "$EXPORTED/$BOX") new=2f4e6a8c-1b3d-4e5f-8a7b-9c0d1e2f3a4b
	sed "s/$uuid/$new/" "$EXPORTED/$BOX" >"$BATS_TEST_TMPDIR/box1-new.xml"
	echo start >"$(D box1)/control"
	run write_file "$(D box1)/config.xml" <"$BATS_TEST_TMPDIR/box1-new.xml"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D box1)/last_error"
	assert_output "config.xml: domain 'box1' is active with UUID $uuid: a new UUID ($new) can be given only while it is shut off"
	run echo "$(cat "$(D box1)/uuid")
$(record_field box1 uuid)"
	assert_output "$uuid
$uuid"
	echo destroy >"$(D box1)/control"
	write_file "$(D box1)/config.xml" <"$BATS_TEST_TMPDIR/box1-new.xml"
	run echo "$(cat "$(D box1)/uuid")
$(record_field box1 uuid)"
	assert_output "$new
$new"
	# The old one was given up: free for another container.
	mkdir "$(D box3)"
	sed "s/<name>box1</<name>box3</" "$EXPORTED/$BOX" >"$BATS_FILE_TMPDIR/box3.xml"
	write_file "$(D box3)/config.xml" <"$BATS_FILE_TMPDIR/box3.xml"
	run cat "$(D box3)/uuid"
	assert_output "$uuid"
}

@test "the UUIDs survive a restart of hvfs, and mv keeps them" {
	local new=2f4e6a8c-1b3d-4e5f-8a7b-9c0d1e2f3a4b uuid=$(doc_uuid "$EXPORTED/$BOX")
	hvfs_stop
	hvfs_start "$LXC_URI"
	save_daemon
	run cat "$(D box1)/uuid" "$(D box3)/uuid"
	assert_output "$new
$uuid"
	mv "$(D box3)" "$(D box4)"
	run echo "$(cat "$(D box4)/uuid")
$(record_field box4 uuid)"
	assert_output "$uuid
$uuid"
	mkdir "$(D box3)"
	run write_file "$(D box3)/config.xml" <"$BATS_FILE_TMPDIR/box3.xml"
	assert_failure
	run cat "$(D box3)/last_error"
	assert_output "config.xml: UUID $uuid is already used by domain 'box4'"
}

@test "a state directory written before records is moved into them when hvfs starts" {
	local uuid1=6a1c2b3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d uuid2=7b2d3c4e-5f60-4b7c-8d9e-0f1a2b3c4d5e
	local before
	before=$(cat "$(D box4)/config.xml")
	hvfs_stop
	# NAME.xml, NAME.uuid and NAME.autostart, as hvfs wrote them before.
	sed "s/<name>box1</<name>old1</; /<uuid>/d" "$EXPORTED/$BOX" >"$BATS_TEST_TMPDIR/old1.xml"
	cp "$BATS_TEST_TMPDIR/old1.xml" "$STATE_DIR/old1.xml"
	echo "$uuid1" >"$STATE_DIR/old1.uuid"
	sed "s/<name>box1</<name>old2</; /<uuid>/d" "$EXPORTED/$BOX" >"$STATE_DIR/old2.xml"
	echo "$uuid2" >"$STATE_DIR/old2.uuid"
	echo 1 >"$STATE_DIR/old2.autostart"
	# A move that crashed half-way: box4's record is there, an old copy too.
	echo "<domain type='lxc'><name>box4</name></domain>" >"$STATE_DIR/box4.xml"
	hvfs_start "$LXC_URI"
	save_daemon
	run cat "$(D old1)/uuid" "$(D old2)/uuid" "$(D old1)/autostart" "$(D old2)/autostart"
	assert_output "$(printf '%s\n%s\n0\n1' "$uuid1" "$uuid2")"
	run echo "$(record_field old1 uuid) $(record_field old1 autostart) $(record_field old2 autostart)"
	assert_output "$uuid1 0 1"
	# The text is the old file's, byte for byte.
	sed '1,/^$/d' "$STATE_DIR/domains/old1" | cmp - "$BATS_TEST_TMPDIR/old1.xml"
	run ls "$STATE_DIR"
	refute_output --regexp '\.(xml|uuid|autostart)$'
	run cat "$(D box4)/config.xml"
	assert_output "$before"
	echo destroy >"$(D old2)/control" 2>/dev/null || true
}
