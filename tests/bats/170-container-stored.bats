#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: libvirt's schemas judge what is written, not what hvfs stored
# itself.  A container whose stored definition a newer libvirt schema would
# refuse must still be found after a restart (docs/paths.md, "config.xml and
# libvirt").  The "upgrade" is HVFS_LIBVIRT_SCHEMAS pointing at schemas that
# refuse every document.

load helpers
load 170-container-helpers

setup_file() {
	container_setup
	export STRICT=$BATS_FILE_TMPDIR/schemas
	mkdir "$STRICT"
	for f in domain network storagepool; do
		cat >"$STRICT/$f.rng" <<-RNG
			<grammar xmlns="http://relaxng.org/ns/structure/1.0">
			  <start><element name="nothing-is-accepted"><empty/></element></start>
			</grammar>
		RNG
	done
}

# The test mounts a daemon of its own: stopped here, in the test's shell.
teardown() {
	hvfs_stop
}

teardown_file() {
	container_cleanup
}

@test "a stored container is found after libvirt's schema changed; what is written meets the new one" {
	mkdir "$(D kept)"
	uuid=$(cat "$(D kept)/uuid")
	cp "$(D kept)/config.xml" "$BATS_TEST_TMPDIR/kept.xml"
	hvfs_stop
	MNT=
	HVFS_LIBVIRT_SCHEMAS=$STRICT hvfs_start "$LXC_URI"
	run ls "$MNT/domains"
	assert_output --partial kept
	run cat "$(D kept)/uuid"
	assert_output "$uuid"
	run sh -c "cat '$BATS_TEST_TMPDIR/kept.xml' >'$(D kept)/config.xml'"
	assert_failure
	run cat "$(D kept)/last_error"
	assert_output --partial "libvirt's schema domain.rng"
}
