#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Issue 4: the real tools people edit files with, against the mount.  Each
# must change the value through its own way of writing (in place, or a
# temporary file renamed over the target), leave no scratch file behind,
# and, run twice, report no change the second time.

load helpers

setup_file() {
	hvfs_start 'test:///default'
	ansible_env
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

# The files of a domain directory that are not its attributes.
strays() {
	comm -13 <(printf '%s\n' autostart config.xml control devices id last_error max_memory max_vcpus \
		memory os_type persistent state stats uuid vcpus | sort) <(ls -A "$1" | sort)
}

# with_vcpus FILE N: FILE's domain XML with <vcpu> N.
with_vcpus() {
	sed "s|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>$2</vcpu>|" "$1"
}

@test "sed -i on config.xml and on an attribute" {
	mkdir "$(D sed1)"
	sed -i "s|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>3</vcpu>|" "$(D sed1)/config.xml"
	run cat "$(D sed1)/max_vcpus"
	assert_output 3
	sed -i 's/.*/64M/' "$(D sed1)/memory"
	run cat "$(D sed1)/memory"
	assert_output 65536
	run strays "$(D sed1)"
	assert_output ''
	# An edit that breaks the document fails, and changes nothing.
	cp "$(D sed1)/config.xml" "$BATS_FILE_TMPDIR/sed1.xml"
	run sed -i 's|</domain>||' "$(D sed1)/config.xml"
	assert_failure
	assert_output --partial "Invalid argument"
	cmp "$(D sed1)/config.xml" "$BATS_FILE_TMPDIR/sed1.xml"
	run cat "$(D sed1)/last_error"
	assert_output --partial "rename over config.xml"
	# sed leaves its temporary file when the rename fails; the user removes it.
	rm -f "$(D sed1)"/sed??????
}

@test "ansible copy: changed, then ok; an invalid XML fails and keeps the old config" {
	mkdir "$(D ans1)"
	with_vcpus "$(D ans1)/config.xml" 2 >"$BATS_FILE_TMPDIR/ans1.xml"
	run ansible localhost -c local -m copy -a "src=$BATS_FILE_TMPDIR/ans1.xml dest=$(D ans1)/config.xml"
	assert_success
	assert_output --partial '"changed": true'
	run cat "$(D ans1)/max_vcpus"
	assert_output 2
	run ansible localhost -c local -m copy -a "src=$BATS_FILE_TMPDIR/ans1.xml dest=$(D ans1)/config.xml"
	assert_success
	assert_output --partial '"changed": false'
	run strays "$(D ans1)"
	assert_output ''
	echo '<domain type="test"><name>ans1</name></domain' >"$BATS_FILE_TMPDIR/bad.xml"
	run ansible localhost -c local -m copy -a "src=$BATS_FILE_TMPDIR/bad.xml dest=$(D ans1)/config.xml"
	assert_failure
	assert_output --partial 'FAILED'
	assert_output --partial 'Invalid argument'
	cmp "$(D ans1)/config.xml" "$BATS_FILE_TMPDIR/ans1.xml"
	run cat "$(D ans1)/last_error"
	assert_output --partial "rename over config.xml"
	run strays "$(D ans1)"
	assert_output ''
}

@test "ansible template and lineinfile: changed, then ok" {
	mkdir "$(D ans2)"
	sed "s|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>{{ n }}</vcpu>|" "$(D ans2)/config.xml" >"$BATS_FILE_TMPDIR/ans2.j2"
	run ansible localhost -c local -m template -e n=3 -a "src=$BATS_FILE_TMPDIR/ans2.j2 dest=$(D ans2)/config.xml"
	assert_success
	assert_output --partial '"changed": true'
	run cat "$(D ans2)/max_vcpus"
	assert_output 3
	run ansible localhost -c local -m template -e n=3 -a "src=$BATS_FILE_TMPDIR/ans2.j2 dest=$(D ans2)/config.xml"
	assert_output --partial '"changed": false'
	run ansible localhost -c local -m lineinfile -a "path=$(D ans2)/config.xml regexp='<vcpu' line='  <vcpu>4</vcpu>'"
	assert_success
	assert_output --partial '"changed": true'
	run cat "$(D ans2)/max_vcpus"
	assert_output 4
	run ansible localhost -c local -m lineinfile -a "path=$(D ans2)/config.xml regexp='<vcpu' line='  <vcpu>4</vcpu>'"
	assert_output --partial '"changed": false'
	# An attribute too.
	run ansible localhost -c local -m copy -a "content='128M\n' dest=$(D ans2)/memory"
	assert_success
	run cat "$(D ans2)/memory"
	assert_output 131072
	run strays "$(D ans2)"
	assert_output ''
}

@test "puppet apply file: changed, then unchanged; invalid content fails" {
	mkdir "$(D pup1)"
	with_vcpus "$(D pup1)/config.xml" 2 >"$BATS_FILE_TMPDIR/pup1.xml"
	manifest="file { '$(D pup1)/config.xml': content => file('$BATS_FILE_TMPDIR/pup1.xml') }"
	# --detailed-exitcodes: 2 = changes applied, 0 = nothing to do.
	run puppet apply --color=false --detailed-exitcodes -e "$manifest"
	assert_equal "$status" 2
	assert_output --partial 'content changed'
	run cat "$(D pup1)/max_vcpus"
	assert_output 2
	run puppet apply --color=false --detailed-exitcodes -e "$manifest"
	assert_equal "$status" 0
	refute_output --partial 'content changed'
	run puppet apply --color=false --detailed-exitcodes \
		-e "file { '$(D pup1)/config.xml': content => '<domain/>' }"
	assert_equal "$status" 4
	cmp "$(D pup1)/config.xml" "$BATS_FILE_TMPDIR/pup1.xml"
	run strays "$(D pup1)"
	assert_output ''
}

@test "vim -es edits and saves config.xml" {
	mkdir "$(D vim1)"
	vim -es -c '%s/<vcpu\([^>]*\)>[0-9]*</<vcpu\1>3</' -c wq "$(D vim1)/config.xml"
	run cat "$(D vim1)/max_vcpus"
	assert_output 3
	# Not vi-compatible, with backups: still a clean save.
	vim -N -es -c 'set backup writebackup backupcopy=auto' \
		-c '%s/<vcpu\([^>]*\)>[0-9]*</<vcpu\1>2</' -c wq "$(D vim1)/config.xml"
	run cat "$(D vim1)/max_vcpus"
	assert_output 2
	run strays "$(D vim1)"
	assert_output ''
}

@test "python tempfile + os.replace on config.xml and on an attribute" {
	mkdir "$(D py1)"
	run python3 - "$(D py1)" <<'PY'
import os, sys, tempfile
d = sys.argv[1]
xml = open(d + '/config.xml').read()
import re
xml = re.sub(r'<vcpu[^>]*>\d+</vcpu>', '<vcpu>3</vcpu>', xml)
with tempfile.NamedTemporaryFile('w', dir=d, delete=False) as f:
    f.write(xml)
    f.flush()
    os.fsync(f.fileno())
os.replace(f.name, d + '/config.xml')
with tempfile.NamedTemporaryFile('w', dir=d, delete=False, prefix='.mem') as f:
    f.write('64M\n')
os.replace(f.name, d + '/memory')
print(open(d + '/max_vcpus').read().strip(), open(d + '/memory').read().strip())
PY
	assert_success
	assert_output '3 65536'
	run strays "$(D py1)"
	assert_output ''
}

@test "cp, install, tee and dd conv=notrunc" {
	mkdir "$(D cp1)"
	with_vcpus "$(D cp1)/config.xml" 2 >"$BATS_FILE_TMPDIR/cp1.xml"
	cp "$BATS_FILE_TMPDIR/cp1.xml" "$(D cp1)/config.xml"
	run cat "$(D cp1)/max_vcpus"
	assert_output 2
	with_vcpus "$(D cp1)/config.xml" 3 >"$BATS_FILE_TMPDIR/cp1.xml"
	install -m 0644 "$BATS_FILE_TMPDIR/cp1.xml" "$(D cp1)/config.xml"
	run cat "$(D cp1)/max_vcpus"
	assert_output 3
	echo 4 >"$BATS_FILE_TMPDIR/four"
	install "$BATS_FILE_TMPDIR/four" "$(D cp1)/max_vcpus"
	run cat "$(D cp1)/max_vcpus"
	assert_output 4
	echo 2 | tee "$(D cp1)/vcpus"
	run cat "$(D cp1)/vcpus"
	assert_output 2
	printf 3 | dd of="$(D cp1)/vcpus" conv=notrunc status=none
	run cat "$(D cp1)/vcpus"
	assert_output 3
	run strays "$(D cp1)"
	assert_output ''
	# A failing cp reports the error, and the value stays.
	echo bogus >"$BATS_FILE_TMPDIR/bogus"
	run cp "$BATS_FILE_TMPDIR/bogus" "$(D cp1)/vcpus"
	assert_failure
	run cat "$(D cp1)/vcpus"
	assert_output 3
}
