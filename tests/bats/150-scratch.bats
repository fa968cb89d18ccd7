#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Scratch files (docs/paths.md, "Scratch files"): temporary files and directories in object
# directories, and renaming them over config.xml or an attribute.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

# errno_of PYTHON-STATEMENT: prints the errno name the statement raised, or OK.
errno_of() {
	python3 -c "
import errno, os, sys
try:
    $1
    print('OK')
except OSError as e:
    print(errno.errorcode[e.errno])
"
}

new_domain() { # name: a shut-off domain with defaults
	mkdir "$(D "$1")"
}

@test "a scratch file is created, listed, read, written and removed" {
	new_domain scr1
	printf 'hello\n' >"$(D scr1)/sedAbc123"
	run cat "$(D scr1)/sedAbc123"
	assert_output hello
	run ls -A "$(D scr1)"
	assert_line sedAbc123
	run stat -c '%s %F %U' "$(D scr1)/sedAbc123"
	assert_output '6 regular file root'
	printf 'more\n' >>"$(D scr1)/sedAbc123"
	run cat "$(D scr1)/sedAbc123"
	assert_output $'hello\nmore'
	rm "$(D scr1)/sedAbc123"
	run stat "$(D scr1)/sedAbc123"
	assert_failure
	run ls -A "$(D scr1)"
	refute_line sedAbc123
}

@test "scratch files take chmod, chown, utimens, fsync, truncate and xattrs" {
	new_domain scr2
	f="$(D scr2)/.ansible_tmp_x"
	: >"$f"
	chmod 0600 "$f"
	chown nobody:nogroup "$f"
	touch -d '2001-02-03 04:05:06 UTC' "$f"
	run stat -c '%a %U %G %Y' "$f"
	assert_output "600 nobody nogroup $(date -d '2001-02-03 04:05:06 UTC' +%s)"
	run errno_of "fd = os.open('$f', os.O_WRONLY); os.write(fd, b'abc'); os.fsync(fd); os.close(fd)"
	assert_output OK
	truncate -s 10 "$f"
	run stat -c %s "$f"
	assert_output 10
	run errno_of "os.setxattr('$f', 'user.tag', b'v1'); assert os.getxattr('$f', 'user.tag') == b'v1'; assert os.listxattr('$f') == ['user.tag']; os.removexattr('$f', 'user.tag'); assert os.listxattr('$f') == []"
	assert_output OK
	rm "$f"
}

@test "scratch directories: mkdir, files inside, rmdir only when empty" {
	new_domain scr3
	mkdir "$(D scr3)/cfg.tmp.lock"
	echo x >"$(D scr3)/cfg.tmp.lock/inner"
	run errno_of "os.rmdir('$(D scr3)/cfg.tmp.lock')"
	assert_output ENOTEMPTY
	rm "$(D scr3)/cfg.tmp.lock/inner"
	rmdir "$(D scr3)/cfg.tmp.lock"
	run ls -A "$(D scr3)"
	refute_output --partial lock
}

@test "scratch files are bounded in size (EFBIG) and count (ENOSPC)" {
	new_domain scr4
	run dd if=/dev/zero of="$(D scr4)/big" bs=1M count=2
	assert_failure
	assert_output --partial "File too large"
	rm -f "$(D scr4)/big"
	for i in $(seq 64); do : >"$(D scr4)/t$i"; done
	run errno_of "open('$(D scr4)/t65', 'w')"
	assert_output ENOSPC
	for i in $(seq 64); do rm "$(D scr4)/t$i"; done
	: >"$(D scr4)/t65"
	rm "$(D scr4)/t65"
}

@test "scratch files of the whole mount are bounded (64 MiB: ENOSPC)" {
	new_domain scr4a
	new_domain scr4b
	for i in $(seq 60); do head -c 1048576 /dev/zero >"$(D scr4a)/f$i"; done
	for i in $(seq 4); do head -c 1048576 /dev/zero >"$(D scr4b)/f$i"; done
	run errno_of "fd = os.open('$(D scr4b)/f5', os.O_CREAT | os.O_WRONLY); os.write(fd, b'x' * 1024)"
	assert_output ENOSPC
	rm "$(D scr4a)"/f*
	head -c 1048576 /dev/zero >"$(D scr4b)/f5"
	rm "$(D scr4b)"/f*
}

@test "scratch files are never objects and never special" {
	run errno_of "open('$MNT/domains/stray', 'w')"
	assert_output EACCES
	run errno_of "open('$MNT/stray', 'w')"
	assert_output EACCES
	run errno_of "os.mkdir('$(D test)/stats/x')"
	assert_output EPERM
	new_domain scr5
	echo x >"$(D scr5)/tmpobj"
	# Moving one into a collection would make an object: refused.
	run errno_of "os.rename('$(D scr5)/tmpobj', '$MNT/domains/tmpobj')"
	assert_output EXDEV
	run ls "$MNT/domains"
	refute_line tmpobj
	# An attribute's name is taken.
	run errno_of "os.open('$(D scr5)/state', os.O_CREAT | os.O_EXCL | os.O_WRONLY)"
	assert_output EEXIST
	rm "$(D scr5)/tmpobj"
}

@test "attributes cannot be removed or renamed away; owner and mode stay" {
	run errno_of "os.unlink('$(D test)/state')"
	assert_output EPERM
	# Unlinking a writable one is the first half of install(1)'s
	# replacement: it succeeds, and the attribute stays, unchanged.
	before=$(cat "$(D test)/memory")
	rm "$(D test)/memory"
	run cat "$(D test)/memory"
	assert_output "$before"
	run errno_of "os.rename('$(D test)/config.xml', '$(D test)/config.xml~')"
	assert_output EPERM
	# Setting what already is succeeds (tools copy owner and mode around).
	chmod 0644 "$(D test)/config.xml"
	chown root:root "$(D test)/config.xml"
	run errno_of "os.chmod('$(D test)/config.xml', 0o600)"
	assert_output EPERM
	run errno_of "os.chown('$(D test)/config.xml', 65534, -1)"
	assert_output EPERM
	run errno_of "os.setxattr('$(D test)/config.xml', 'user.x', b'1')"
	assert_output ENOTSUP
}

@test "renaming a scratch file over config.xml applies it" {
	new_domain scr6
	sed 's|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>3</vcpu>|' "$(D scr6)/config.xml" >"$(D scr6)/.cfg.new"
	chmod 0600 "$(D scr6)/.cfg.new"
	mv "$(D scr6)/.cfg.new" "$(D scr6)/config.xml"
	run cat "$(D scr6)/vcpus"
	assert_output 3
	run grep -c '<vcpu>3</vcpu>' "$(D scr6)/config.xml"
	assert_output 1
	# The file under the name is the attribute again, not the scratch.
	run stat -c '%a %U' "$(D scr6)/config.xml"
	assert_output '644 root'
	run ls -A "$(D scr6)"
	refute_line .cfg.new
}

@test "an invalid replacement fails rename with EINVAL and keeps the old value" {
	new_domain scr7
	cp "$(D scr7)/config.xml" "$BATS_FILE_TMPDIR/scr7.xml"
	echo '<domain type="test"><name>scr7</name>' >"$(D scr7)/bad.xml"
	run errno_of "os.rename('$(D scr7)/bad.xml', '$(D scr7)/config.xml')"
	assert_output EINVAL
	cmp "$(D scr7)/config.xml" "$BATS_FILE_TMPDIR/scr7.xml"
	run cat "$(D scr7)/last_error"
	assert_output --partial 'rename over config.xml'
	grep -q 'rename over config.xml failed' "$HVFS_LOG"
	# The scratch file is still there for the tool to clean up.
	rm "$(D scr7)/bad.xml"
	# A schema violation fails the same way.
	sed 's|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>0</vcpu>|' "$(D scr7)/config.xml" >"$(D scr7)/zero.xml"
	run errno_of "os.rename('$(D scr7)/zero.xml', '$(D scr7)/config.xml')"
	assert_output EINVAL
	cmp "$(D scr7)/config.xml" "$BATS_FILE_TMPDIR/scr7.xml"
	rm "$(D scr7)/zero.xml"
}

@test "renaming over a writable attribute applies it; read-only ones refuse" {
	new_domain scr8
	echo 2 >"$(D scr8)/vcpus.tmp"
	mv "$(D scr8)/vcpus.tmp" "$(D scr8)/max_vcpus"
	run cat "$(D scr8)/max_vcpus"
	assert_output 2
	echo 64M >"$(D scr8)/mem.tmp"
	mv "$(D scr8)/mem.tmp" "$(D scr8)/memory"
	run cat "$(D scr8)/memory"
	assert_output 65536
	echo bogus >"$(D scr8)/mem.tmp"
	run errno_of "os.rename('$(D scr8)/mem.tmp', '$(D scr8)/memory')"
	assert_output EINVAL
	run cat "$(D scr8)/memory"
	assert_output 65536
	echo running >"$(D scr8)/state.tmp"
	run errno_of "os.rename('$(D scr8)/state.tmp', '$(D scr8)/state')"
	assert_output EACCES
	run cat "$(D scr8)/state"
	assert_output shutoff
	echo start >"$(D scr8)/ctl.tmp"
	mv "$(D scr8)/ctl.tmp" "$(D scr8)/control"
	run cat "$(D scr8)/state"
	assert_output running
	echo destroy >"$(D scr8)/control"
	rm -f "$(D scr8)"/*.tmp
}

@test "a file still open when renamed over an attribute keeps working" {
	new_domain scr9
	run python3 -c "
import os
d = '$(D scr9)'
fd = os.open(d + '/m.tmp', os.O_CREAT | os.O_WRONLY, 0o600)
os.write(fd, b'96M\n')
os.replace(d + '/m.tmp', d + '/memory')
os.write(fd, b'ignored\n')
os.close(fd)
print(open(d + '/memory').read().strip())
"
	assert_success
	assert_output 98304
}

@test "scratch files follow their object's rename and go with it" {
	new_domain scr10
	echo x >"$(D scr10)/keep.tmp"
	mv "$(D scr10)" "$(D scr11)"
	run cat "$(D scr11)/keep.tmp"
	assert_output x
	rmdir "$(D scr11)"
	new_domain scr11
	run stat "$(D scr11)/keep.tmp"
	assert_failure
	run ls -A "$(D scr11)"
	refute_line keep.tmp
}

@test "scratch files in host/, networks and pools too" {
	echo x >"$MNT/host/h.tmp"
	echo x >"$MNT/networks/default/n.tmp"
	echo x >"$MNT/pools/default-pool/p.tmp"
	rm "$MNT/host/h.tmp" "$MNT/networks/default/n.tmp" "$MNT/pools/default-pool/p.tmp"
}
