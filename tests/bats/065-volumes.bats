#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# pools/NAME/volumes/VOL/: a dir pool's volumes are the files of its
# directory, checked on the real files with stat.

load helpers

setup_file() {
	hvfs_start 'test:///default'
	export DIR=$BATS_FILE_TMPDIR/pool
	mkdir "$MNT/pools/vp"
	write_file "$MNT/pools/vp/config.xml" <<-XML
		<pool type='dir'>
		  <name>vp</name>
		  <target>
		    <path>$DIR</path>
		  </target>
		</pool>
	XML
	echo build >"$MNT/pools/vp/control"
	echo start >"$MNT/pools/vp/control"
}

teardown_file() {
	hvfs_stop
}

V() { echo "$MNT/pools/vp/volumes/$1"; }

@test "build made the pool's directory; a new pool has no volumes" {
	[ -d "$DIR" ]
	run ls "$MNT/pools/vp/volumes"
	assert_success
	assert_output ""
}

@test "mkdir creates an empty raw file, mode 600" {
	mkdir "$(V empty)"
	run stat -c '%s %a %F' "$DIR/empty"
	assert_output "0 600 regular empty file"
	run ls "$(V empty)"
	assert_output "$(printf '%s\n' allocation capacity config.xml format path)"
	run cat "$(V empty)/capacity" "$(V empty)/allocation" "$(V empty)/format" "$(V empty)/path"
	assert_output "$(printf '0\n0\nraw\n%s' "$DIR/empty")"
	run ls "$MNT/pools/vp/volumes"
	assert_output --partial empty
}

@test "writing capacity resizes the file, sparse" {
	mkdir "$(V grow)"
	echo 1G >"$(V grow)/capacity"
	run stat -c %s "$DIR/grow"
	assert_output 1073741824
	run cat "$(V grow)/capacity"
	assert_output 1073741824
	# Sparse: nothing allocated for the new gigabyte.
	blocks=$(stat -c %b "$DIR/grow")
	[ $((blocks * 512)) -lt 1048576 ]
	run cat "$(V grow)/allocation"
	assert_output "$((blocks * 512))"
}

@test "capacity takes bytes and K/M/G/T suffixes" {
	mkdir "$(V sizes)"
	printf 4096 >"$(V sizes)/capacity"
	[ "$(stat -c %s "$DIR/sizes")" = 4096 ]
	echo 10M >"$(V sizes)/capacity"
	[ "$(stat -c %s "$DIR/sizes")" = 10485760 ]
	echo 2T >"$(V sizes)/capacity"
	[ "$(stat -c %s "$DIR/sizes")" = 2199023255552 ]
}

@test "shrinking is EINVAL and leaves the file as it was" {
	mkdir "$(V shrink)"
	echo 2M >"$(V shrink)/capacity"
	run bash -c "echo 1M > '$(V shrink)/capacity'"
	assert_failure
	assert_output --partial "Invalid argument"
	[ "$(stat -c %s "$DIR/shrink")" = 2097152 ]
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "shrinking would lose data"
}

@test "a malformed capacity is EINVAL" {
	mkdir "$(V bad)"
	for value in lots -1 1Q 18446744073709551616; do
		run bash -c "echo '$value' > '$(V bad)/capacity'"
		assert_failure
		assert_output --partial "Invalid argument"
	done
	[ "$(stat -c %s "$DIR/bad")" = 0 ]
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "capacity must be a number of bytes"
}

@test "config.xml applies capacity and shows the file's state, valid for libvirt" {
	mkdir "$(V fromxml)"
	write_file "$(V fromxml)/config.xml" <<-XML
		<volume type='file'>
		  <name>fromxml</name>
		  <capacity unit='M'>3</capacity>
		  <target>
		    <format type='raw'/>
		  </target>
		</volume>
	XML
	run stat -c %s "$DIR/fromxml"
	assert_output 3145728
	cp "$(V fromxml)/config.xml" "$BATS_TEST_TMPDIR/vol.xml"
	run virt-xml-validate "$BATS_TEST_TMPDIR/vol.xml" storagevol
	assert_success
	run cat "$(V fromxml)/config.xml"
	assert_output --partial "<capacity unit='bytes'>3145728</capacity>"
	assert_output --partial "<path>$DIR/fromxml</path>"
	assert_output --partial "<format type='raw'/>"
}

@test "a bad config.xml is refused and changes nothing" {
	mkdir "$(V keep)"
	echo 1M >"$(V keep)/capacity"
	run write_file "$(V keep)/config.xml" <<<"<volume><name>other</name><capacity>5</capacity></volume>"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "does not match the directory 'keep'"
	run write_file "$(V keep)/config.xml" <<<"<volume><name>keep</name><capacity>"
	assert_failure
	assert_output --partial "Invalid argument"
	run write_file "$(V keep)/config.xml" <<<"<volume><name>keep</name><capacity unit='K'>1</capacity></volume>"
	assert_failure
	assert_output --partial "Invalid argument"
	run write_file "$(V keep)/config.xml" <<<"<volume><name>keep</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>"
	assert_failure
	assert_output --partial "Operation not supported"
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "cannot convert a raw volume to qcow2"
	[ "$(stat -c %s "$DIR/keep")" = 1048576 ]
}

@test "rmdir deletes the file" {
	mkdir "$(V gone)"
	[ -f "$DIR/gone" ]
	rmdir "$(V gone)"
	[ ! -e "$DIR/gone" ]
	run ls "$MNT/pools/vp/volumes"
	refute_output --partial gone
}

@test "rmdir is EBUSY while a running domain uses the volume" {
	mkdir "$(V disk)"
	mkdir "$MNT/domains/user"
	write_file "$MNT/domains/user/config.xml" <<-XML
		<domain type='test'>
		  <name>user</name>
		  <memory unit='MiB'>128</memory>
		  <os><type>hvm</type></os>
		  <devices>
		    <disk type='file' device='disk'>
		      <source file='$DIR/disk'/>
		      <target dev='vda' bus='virtio'/>
		    </disk>
		  </devices>
		</domain>
	XML
	# Shut off, it uses nothing.
	mkdir "$(V disk2)"
	echo start >"$MNT/domains/user/control"
	run rmdir "$(V disk)"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ -f "$DIR/disk" ]
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "in use by running domain 'user'"
	rmdir "$(V disk2)"
	echo destroy >"$MNT/domains/user/control"
	rmdir "$(V disk)"
	[ ! -e "$DIR/disk" ]
	rmdir "$MNT/domains/user"
}

@test "a file removed behind hvfs's back is no longer a volume, even by name" {
	truncate -s 1M "$DIR/gone"
	run cat "$(V gone)/capacity"
	assert_output 1048576
	rm "$DIR/gone"
	run stat "$(V gone)"
	assert_failure
	run ls "$MNT/pools/vp/volumes"
	refute_line gone
}

@test "files made behind hvfs's back are volumes after refresh, read from the file" {
	truncate -s 5M "$DIR/behind"
	echo refresh >"$MNT/pools/vp/control"
	run ls "$MNT/pools/vp/volumes"
	assert_output --partial behind
	run cat "$(V behind)/capacity"
	assert_output 5242880
	# A qcow2 image: format and virtual size come from its header.
	python3 -c '
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(b"QFI\xfb" + struct.pack(">IQIIQ", 3, 0, 0, 16, 20 << 30) + bytes(480))
' "$DIR/image.qcow2"
	run cat "$(V image.qcow2)/format" "$(V image.qcow2)/capacity"
	assert_output "$(printf 'qcow2\n%s' $((20 << 30)))"
	run cat "$(V image.qcow2)/config.xml"
	assert_output --partial "<format type='qcow2'/>"
	run bash -c "echo 30G > '$(V image.qcow2)/capacity'"
	assert_failure
	assert_output --partial "Operation not supported"
	rmdir "$(V behind)" "$(V image.qcow2)"
	[ ! -e "$DIR/behind" ]
	# What is not a volume: dot-files, bad names, directories, symlinks.
	touch "$DIR/.hidden" "$DIR/with space"
	mkdir "$DIR/subdir"
	ln -s /etc/passwd "$DIR/link"
	run ls "$MNT/pools/vp/volumes"
	refute_output --partial hidden
	refute_output --partial space
	refute_output --partial subdir
	refute_output --partial link
	run cat "$(V link)/capacity"
	assert_failure
	rm -r "$DIR/.hidden" "$DIR/with space" "$DIR/subdir" "$DIR/link"
}

@test "the pool's sizes are the filesystem's" {
	echo refresh >"$MNT/pools/vp/control"
	read -r blocks bsize bfree bavail < <(stat -f -c '%b %S %f %a' "$DIR")
	run cat "$MNT/pools/vp/capacity"
	assert_output $((blocks * bsize))
	# Others write to the same filesystem: allow 256 MiB of drift.
	avail=$(cat "$MNT/pools/vp/available")
	alloc=$(cat "$MNT/pools/vp/allocation")
	diff=$((avail - bavail * bsize))
	[ ${diff#-} -lt $((256 << 20)) ]
	diff=$((alloc - (blocks - bfree) * bsize))
	[ ${diff#-} -lt $((256 << 20)) ]
}

@test "bad volume names are EINVAL" {
	for name in .hidden -dash "$(printf 'x%.0s' $(seq 65))"; do
		run mkdir "$(V "$name")"
		assert_failure
		assert_output --partial "Invalid argument"
	done
	run cat "$MNT/pools/vp/last_error"
	assert_output --partial "invalid name"
}

@test "mkdir of an existing volume is EEXIST; volumes cannot be renamed" {
	mkdir "$(V twice)"
	run mkdir "$(V twice)"
	assert_failure
	assert_output --partial "File exists"
	run mv "$(V twice)" "$(V renamed)"
	assert_failure
	assert_output --partial "Operation not permitted"
	[ -f "$DIR/twice" ]
	run touch "$MNT/pools/vp/volumes/file"
	assert_failure
	assert_output --partial "Permission denied"
	[ ! -e "$DIR/file" ]
}

@test "sed -i on a volume's config.xml grows it (atomic replacement)" {
	mkdir "$(V edited)"
	sed -i "s|<capacity unit='bytes'>0</capacity>|<capacity unit='bytes'>8192</capacity>|" "$(V edited)/config.xml"
	[ "$(stat -c %s "$DIR/edited")" = 8192 ]
	run ls -A "$(V edited)"
	assert_output "$(printf '%s\n' allocation capacity config.xml format path)"
}

@test "the simulated demo pool has no volumes and refuses them" {
	run ls "$MNT/pools/default-pool/volumes"
	assert_success
	assert_output ""
	run mkdir "$MNT/pools/default-pool/volumes/x"
	assert_failure
	assert_output --partial "Operation not supported"
	run cat "$MNT/pools/default-pool/last_error"
	assert_output --partial "simulated"
}

@test "a stopped pool lists no volumes and refuses changes; delete keeps a non-empty directory" {
	echo stop >"$MNT/pools/vp/control"
	run ls "$MNT/pools/vp/volumes"
	assert_output ""
	run mkdir "$(V nope)"
	assert_failure
	assert_output --partial "Device or resource busy"
	run bash -c "echo delete > '$MNT/pools/vp/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ -f "$DIR/empty" ]
	echo start >"$MNT/pools/vp/control"
	run ls "$MNT/pools/vp/volumes"
	assert_output --partial empty
}

@test "delete removes the directory of an empty, stopped pool" {
	for v in "$DIR"/*; do rmdir "$(V "$(basename "$v")")"; done
	[ -z "$(ls -A "$DIR")" ]
	echo stop >"$MNT/pools/vp/control"
	echo delete >"$MNT/pools/vp/control"
	[ ! -e "$DIR" ]
}
