#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tunables: memory, vcpus, max_*, autostart; and their reflection in config.xml.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

@test "attribute files are newline-terminated single values with a real size" {
	run cat "$(D test)/vcpus"
	assert_output 2
	[ "$(stat -c %s "$(D test)/vcpus")" -eq 2 ]
	[ "$(stat -c %s "$(D test)/state")" -eq 8 ]
	[ "$(tail -c1 "$(D test)/uuid" | od -An -c | tr -d ' ')" = '\n' ]
}

@test "memory is live-tunable within max_memory" {
	max=$(cat "$(D test)/max_memory")
	echo 1048576 >"$(D test)/memory"
	run cat "$(D test)/memory"
	assert_output 1048576
	run bash -c "echo $((max + 1)) > '$(D test)/memory'"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D test)/last_error"
	assert_output --partial "max_memory"
	run cat "$(D test)/memory"
	assert_output 1048576
}

@test "memory accepts a size with a suffix" {
	echo 512M >"$(D test)/memory"
	run cat "$(D test)/memory"
	assert_output 524288
}

@test "a malformed number is EINVAL with the reason" {
	run bash -c "echo 12abc > '$(D test)/memory'"
	assert_failure
	assert_output --partial "Invalid argument"
	run bash -c "echo -5 > '$(D test)/vcpus'"
	assert_failure
	run cat "$(D test)/last_error"
	assert_output --partial "vcpus"
}

@test "vcpus is live-tunable within max_vcpus" {
	echo 1 >"$(D test)/vcpus"
	run cat "$(D test)/vcpus"
	assert_output 1
	run bash -c "echo 3 > '$(D test)/vcpus'"
	assert_failure
	run bash -c "echo 0 > '$(D test)/vcpus'"
	assert_failure
	echo 2 >"$(D test)/vcpus"
}

@test "max_memory and max_vcpus are EBUSY while running" {
	run bash -c "echo 4 > '$(D test)/max_vcpus'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run bash -c "echo 16777216 > '$(D test)/max_memory'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D test)/last_error"
	assert_output --partial "shut off"
}

@test "max_vcpus is writable while shut off and shows in config.xml" {
	echo 4 >"$(D idle)/max_vcpus"
	run cat "$(D idle)/max_vcpus"
	assert_output 4
	run grep -E '<vcpu[^>]*>4</vcpu>' "$(D idle)/config.xml"
	assert_success
}

@test "a memory write is reflected in config.xml" {
	echo 786432 >"$(D test)/memory"
	run grep -E "<currentMemory unit=.KiB.>786432</currentMemory>" "$(D test)/config.xml"
	assert_success
}

@test "a config.xml write is reflected in the attributes" {
	sed -e 's|<vcpu[^>]*>[0-9]*</vcpu>|<vcpu>3</vcpu>|' "$(D idle)/config.xml" >"$BATS_TEST_TMPDIR/idle.xml"
	cat "$BATS_TEST_TMPDIR/idle.xml" >"$(D idle)/config.xml"
	run cat "$(D idle)/max_vcpus"
	assert_output 3
	run cat "$(D idle)/vcpus"
	assert_output 3
}

@test "autostart takes 0 and 1 and nothing else" {
	echo 1 >"$(D idle)/autostart"
	run cat "$(D idle)/autostart"
	assert_output 1
	echo 0 >"$(D idle)/autostart"
	run cat "$(D idle)/autostart"
	assert_output 0
	run bash -c "echo maybe > '$(D idle)/autostart'"
	assert_failure
	assert_output --partial "Invalid argument"
}

@test "uuid, os_type and persistent are shown" {
	run cat "$(D test)/uuid"
	assert_output --regexp '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
	run cat "$(D test)/os_type"
	assert_output hvm
	run cat "$(D test)/persistent"
	assert_output 1
}

@test "an oversized attribute write is EFBIG" {
	run bash -c "head -c 5000 /dev/zero | tr '\\0' 1 > '$(D test)/memory'"
	assert_failure
	assert_output --partial "File too large"
	run cat "$(D test)/last_error"
	assert_output --partial "larger than 4096"
}

@test "dd conv=notrunc edits the value in place" {
	echo 2 >"$(D test)/vcpus"
	printf 1 | dd of="$(D test)/vcpus" conv=notrunc status=none
	run cat "$(D test)/vcpus"
	assert_output 1
	echo 2 >"$(D test)/vcpus"
}

@test "one open reads one consistent snapshot" {
	run python3 - "$(D test)/config.xml" "$(D test)/memory" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
first = os.read(fd, 10)
with open(sys.argv[2], "w") as f:
    f.write("655360\n")
rest = b""
while True:
    chunk = os.read(fd, 4096)
    if not chunk:
        break
    rest += chunk
doc = first + rest
assert b"655360" not in doc, "snapshot changed mid-read"
print("consistent")
PY
	assert_success
	assert_output consistent
	run grep -c 655360 "$(D test)/config.xml"
	assert_output 1
}

@test "cat, busybox cat, cp and sendfile readers get the whole value" {
	want=$(cat "$(D test)/config.xml")
	[ "$(busybox cat "$(D test)/config.xml")" = "$want" ]
	cp "$(D test)/config.xml" "$BATS_TEST_TMPDIR/copy.xml"
	[ "$(cat "$BATS_TEST_TMPDIR/copy.xml")" = "$want" ]
	run python3 -c "
import os, sys
src = os.open(sys.argv[1], os.O_RDONLY)
dst = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
n = os.sendfile(dst, src, 0, os.fstat(src).st_size)
print(n)" "$(D test)/config.xml" "$BATS_TEST_TMPDIR/sent.xml"
	assert_success
	[ "$(cat "$BATS_TEST_TMPDIR/sent.xml")" = "$want" ]
}

@test "the test driver places no domain in a cgroup: no cgroup/ directory" {
	run ls "$(D test)"
	refute_line cgroup
	assert_line devices
	[ ! -e "$(D test)/cgroup" ]
	run stat "$(D test)/cgroup/cpu_weight"
	assert_failure
	assert_output --partial "No such file or directory"
}
