#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Bringing an object in from an exported definition (issue 13): mkdir
# NAME, then cp of what virsh dumpxml, virsh net-dumpxml, virsh
# pool-dumpxml or virt-install --print-xml printed.  mkdir gives the object
# a UUID nobody chose; the document's own UUID replaces it when no other
# object has it (docs/paths.md, "UUIDs").  The documents come from
# libvirt's own tools at test time (tests/data/exported/generate.sh), or
# from the copies committed next to that script where libvirt is absent.

load helpers

setup_file() {
	export EXPORTED=$BATS_FILE_TMPDIR/exported
	mkdir "$EXPORTED"
	if command -v virsh >/dev/null && command -v virt-install >/dev/null; then
		"$HVFS_TOP/tests/data/exported/generate.sh" "$EXPORTED"
	else
		cp "$HVFS_TOP"/tests/data/exported/*.xml "$EXPORTED/"
	fi
	# Persisted, so that the last test can mount the same host again.
	mkdir "$BATS_FILE_TMPDIR/host"
	export HOST_URI="test://$BATS_FILE_TMPDIR/host"
	hvfs_start "$HOST_URI"
}

teardown_file() {
	hvfs_stop
}

teardown() {
	if [ -n "${WATCH_PID:-}" ]; then
		kill "$WATCH_PID" 2>/dev/null || true
		wait "$WATCH_PID" 2>/dev/null || true
	fi
	if [ -n "${REMOUNTED:-}" ]; then
		hvfs_stop
	fi
}

VD1=virsh-dumpxml-vd1.xml
VI1=virt-install-vi1.xml
VNET1=virsh-net-dumpxml-vnet1.xml
VPOOL1=virsh-pool-dumpxml-vpool1.xml

# doc_uuid FILE: the first <uuid> of an exported document.
doc_uuid() {
	sed -n 's|.*<uuid>\([^<]*\)</uuid>.*|\1|p' "$1" | head -n 1
}

# bring_in DIR FILE: mkdir DIR, then cp FILE over its config.xml, as a user
# would; the document then reads back as written and the uuid file shows
# its UUID, not the one mkdir gave.
bring_in() {
	local dir=$1 file=$2 before
	mkdir "$dir"
	before=$(cat "$dir/uuid")
	cp "$file" "$dir/config.xml" || {
		cat "$dir/last_error" >&2
		return 1
	}
	cmp "$file" "$dir/config.xml"
	[ "$(cat "$dir/uuid")" = "$(doc_uuid "$file")" ] || {
		echo "uuid is $(cat "$dir/uuid"), the document says $(doc_uuid "$file")" >&2
		return 1
	}
	[ "$before" != "$(doc_uuid "$file")" ]
	[ ! -s "$dir/last_error" ]
}

@test "mkdir, then cp of virsh dumpxml: the domain takes the document's UUID" {
	bring_in "$MNT/domains/vd1" "$EXPORTED/$VD1"
	run cat "$MNT/domains/vd1/memory" "$MNT/domains/vd1/state"
	assert_output "$(printf '2097152\nshutoff')"
}

@test "mkdir, then cp of virt-install --print-xml: the domain takes the document's UUID" {
	bring_in "$MNT/domains/vi1" "$EXPORTED/$VI1"
}

@test "mkdir, then cp of virsh net-dumpxml: the network takes the document's UUID" {
	bring_in "$MNT/networks/vnet1" "$EXPORTED/$VNET1"
	run cat "$MNT/networks/vnet1/bridge"
	assert_output virbr9
}

@test "mkdir, then cp of virsh pool-dumpxml: the pool takes the document's UUID" {
	bring_in "$MNT/pools/vpool1" "$EXPORTED/$VPOOL1"
}

@test "a UUID another object has is EEXIST, and last_error names that object" {
	local kind name file owner
	for spec in "domains vd2 $VD1 domain vd1" "networks vnet2 $VNET1 network vnet1" \
		"pools vpool2 $VPOOL1 pool vpool1"; do
		read -r kind name file word owner <<<"$spec"
		mkdir "$MNT/$kind/$name"
		before=$(cat "$MNT/$kind/$name/uuid")
		# The same document under another name (and, for the network,
		# on another bridge): only the UUID is another object's.
		sed -e "0,/<name>$owner<\/name>/s//<name>$name<\/name>/" -e "s/virbr9/virbr8/" \
			"$EXPORTED/$file" >"$BATS_TEST_TMPDIR/$name.xml"
		run write_file "$MNT/$kind/$name/config.xml" <"$BATS_TEST_TMPDIR/$name.xml"
		assert_failure
		assert_output --partial "File exists"
		run cat "$MNT/$kind/$name/last_error"
		assert_output "config.xml: UUID $(doc_uuid "$EXPORTED/$file") is already used by $word '$owner'"
		run cat "$MNT/$kind/$name/uuid"
		assert_output "$before"
		rmdir "$MNT/$kind/$name"
	done
}

@test "while a domain or network is active its UUID stays (EBUSY); shut off, it changes" {
	local uuid=$(doc_uuid "$EXPORTED/$VD1") new=0b9c5e2d-3f4a-4b6c-8d7e-9f0a1b2c3d4e
	sed "s/$uuid/$new/" "$EXPORTED/$VD1" >"$BATS_TEST_TMPDIR/vd1-new.xml"
	echo start >"$MNT/domains/vd1/control"
	run write_file "$MNT/domains/vd1/config.xml" <"$BATS_TEST_TMPDIR/vd1-new.xml"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$MNT/domains/vd1/last_error"
	assert_output "config.xml: domain 'vd1' is active with UUID $uuid: a new UUID ($new) can be given only while it is shut off"
	run cat "$MNT/domains/vd1/uuid"
	assert_output "$uuid"
	cmp "$EXPORTED/$VD1" "$MNT/domains/vd1/config.xml"
	# The same document without a UUID change is fine while it runs.
	write_file "$MNT/domains/vd1/config.xml" <"$EXPORTED/$VD1"

	echo destroy >"$MNT/domains/vd1/control"
	write_file "$MNT/domains/vd1/config.xml" <"$BATS_TEST_TMPDIR/vd1-new.xml"
	run cat "$MNT/domains/vd1/uuid"
	assert_output "$new"
	# And back: the old UUID was given up, so it is free again.
	write_file "$MNT/domains/vd1/config.xml" <"$EXPORTED/$VD1"
	run cat "$MNT/domains/vd1/uuid"
	assert_output "$uuid"

	uuid=$(doc_uuid "$EXPORTED/$VNET1")
	sed "s/$uuid/$new/" "$EXPORTED/$VNET1" >"$BATS_TEST_TMPDIR/vnet1-new.xml"
	echo start >"$MNT/networks/vnet1/control"
	run write_file "$MNT/networks/vnet1/config.xml" <"$BATS_TEST_TMPDIR/vnet1-new.xml"
	assert_failure
	run cat "$MNT/networks/vnet1/last_error"
	assert_output "config.xml: network 'vnet1' is active with UUID $uuid: a new UUID ($new) can be given only while it is inactive"
	echo stop >"$MNT/networks/vnet1/control"
}

@test "mv keeps the UUID, and the UUID stays taken under the new name" {
	local uuid=$(doc_uuid "$EXPORTED/$VI1")
	mv "$MNT/domains/vi1" "$MNT/domains/vi1b"
	run cat "$MNT/domains/vi1b/uuid"
	assert_output "$uuid"
	mkdir "$MNT/domains/vi1"
	run write_file "$MNT/domains/vi1/config.xml" <"$EXPORTED/$VI1"
	assert_failure
	run cat "$MNT/domains/vi1/last_error"
	assert_output "config.xml: UUID $uuid is already used by domain 'vi1b'"
	rmdir "$MNT/domains/vi1"
	mv "$MNT/domains/vi1b" "$MNT/domains/vi1"
	run cat "$MNT/domains/vi1/uuid"
	assert_output "$uuid"
}

@test "a new UUID gives IN_MODIFY on the uuid file and a 'changed' line in events" {
	local new=7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
	mkdir "$MNT/pools/vpool3"
	sed -e "s/<name>vpool1</<name>vpool3</" -e "s/$(doc_uuid "$EXPORTED/$VPOOL1")/$new/" \
		"$EXPORTED/$VPOOL1" >"$BATS_TEST_TMPDIR/vpool3.xml"
	WATCH_LOG=$BATS_TEST_TMPDIR/watch.log
	inotifywait -m -e modify --format '%w%f %e' "$MNT/pools/vpool3" >"$WATCH_LOG" 2>"$WATCH_LOG.err" 3>&- &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -q "Watches established" "$WATCH_LOG.err" && break
		sleep 0.05
	done
	# An open reader of events sees every change made after the open.
	exec 5<"$MNT/events"
	cp "$BATS_TEST_TMPDIR/vpool3.xml" "$MNT/pools/vpool3/config.xml"
	local line found=
	while IFS= read -r -t 10 line <&5; do
		if [[ $line =~ ^[0-9]+\ [0-9]+\.[0-9]{6}\ pools/vpool3/uuid\ changed$ ]]; then
			found=1
			break
		fi
	done
	exec 5<&-
	[ -n "$found" ]
	for _ in $(seq 100); do
		grep -q "pools/vpool3/uuid MODIFY" "$WATCH_LOG" && break
		sleep 0.1
	done
	run grep -c "pools/vpool3/uuid MODIFY" "$WATCH_LOG"
	assert_output 1
	run cat "$MNT/pools/vpool3/uuid"
	assert_output "$new"
	rmdir "$MNT/pools/vpool3"
}

@test "the UUIDs the documents gave survive a remount of the persisted host" {
	hvfs_stop
	hvfs_start "$HOST_URI"
	REMOUNTED=1
	run cat "$MNT/domains/vd1/uuid" "$MNT/domains/vi1/uuid" "$MNT/networks/vnet1/uuid" "$MNT/pools/vpool1/uuid"
	assert_output "$(doc_uuid "$EXPORTED/$VD1")
$(doc_uuid "$EXPORTED/$VI1")
$(doc_uuid "$EXPORTED/$VNET1")
$(doc_uuid "$EXPORTED/$VPOOL1")"
	cmp "$EXPORTED/$VD1" "$MNT/domains/vd1/config.xml"
	cmp "$EXPORTED/$VI1" "$MNT/domains/vi1/config.xml"
	cmp "$EXPORTED/$VNET1" "$MNT/networks/vnet1/config.xml"
	cmp "$EXPORTED/$VPOOL1" "$MNT/pools/vpool1/config.xml"
	# Still theirs: another object cannot take them.
	mkdir "$MNT/domains/vd3"
	sed "s/<name>vd1</<name>vd3</" "$EXPORTED/$VD1" >"$BATS_TEST_TMPDIR/vd3.xml"
	run write_file "$MNT/domains/vd3/config.xml" <"$BATS_TEST_TMPDIR/vd3.xml"
	assert_failure
	run cat "$MNT/domains/vd3/last_error"
	assert_output "config.xml: UUID $(doc_uuid "$EXPORTED/$VD1") is already used by domain 'vd1'"
}
