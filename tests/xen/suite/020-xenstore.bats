#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# xenstore/: XenStore itself as a directory tree, read and written through
# the mount and checked with the xenstore-* tools, and changes made behind
# hvfs's back seen by cat, inotify and events.  Values are written to leaf
# nodes (hvfs-test) and children under a node with none (hvfs-dir), so no
# test depends on how a node with both a value and children shows.

load helpers

setup_file() {
	hvfs_start
}

teardown_file() {
	hvfs_stop
	xenstore-rm /local/domain/0/hvfs-test 2>/dev/null || true
	xenstore-rm /local/domain/0/hvfs-dir 2>/dev/null || true
}

teardown() {
	watch_stop
	events_stop
}

X() { echo "$MNT/xenstore$1"; }

@test "xenstore/local/domain/0/name reads Domain-0" {
	run cat "$(X /local/domain/0/name)"
	assert_success
	assert_output Domain-0
}

@test "xenstore/local/domain lists the domains' ids" {
	run ls "$(X /local/domain)"
	assert_success
	assert_line 0
}

@test "a value written through hvfs is what xenstore-read reads" {
	xenstore-rm /local/domain/0/hvfs-test 2>/dev/null || true
	echo bar >"$(X /local/domain/0/hvfs-test)"
	run xenstore-read /local/domain/0/hvfs-test
	assert_success
	assert_output bar
	echo baz >"$(X /local/domain/0/hvfs-test)"
	run xenstore-read /local/domain/0/hvfs-test
	assert_output baz
}

@test "a value xenstore-write wrote behind hvfs's back is what cat reads" {
	xenstore-write /local/domain/0/hvfs-test one
	run cat "$(X /local/domain/0/hvfs-test)"
	assert_output one
	# The kernel has the old value cached now: it must be dropped.
	xenstore-write /local/domain/0/hvfs-test two
	wait_for "$(X /local/domain/0/hvfs-test)" two 30
}

@test "xenstore-write behind hvfs's back is IN_MODIFY on the file" {
	xenstore-write /local/domain/0/hvfs-test before
	cat "$(X /local/domain/0/hvfs-test)" >/dev/null
	watch_start "$(X /local/domain/0)" modify
	xenstore-write /local/domain/0/hvfs-test after
	watch_expect '^MODIFY hvfs-test$'
}

@test "a node xenstore-write creates behind hvfs's back is IN_CREATE in its directory" {
	xenstore-rm /local/domain/0/hvfs-dir/new 2>/dev/null || true
	xenstore-write /local/domain/0/hvfs-dir/keep x
	ls "$(X /local/domain/0/hvfs-dir)" >/dev/null
	watch_start "$(X /local/domain/0/hvfs-dir)" create,delete
	xenstore-write /local/domain/0/hvfs-dir/new 1
	watch_expect '^CREATE(,ISDIR)? new$'
	xenstore-rm /local/domain/0/hvfs-dir/new
	watch_expect '^DELETE(,ISDIR)? new$'
	run cat "$(X /local/domain/0/hvfs-dir/new)"
	assert_failure
	assert_output --partial "No such file or directory"
}

@test "xenstore-write behind hvfs's back is an events line" {
	xenstore-write /local/domain/0/hvfs-dir/ev 1
	events_start
	xenstore-write /local/domain/0/hvfs-dir/ev 2
	events_expect ' xenstore/local/domain/0/hvfs-dir/ev (changed|created)'
}

@test "xenstore-rm behind hvfs's back: the file is gone" {
	xenstore-write /local/domain/0/hvfs-dir/gone 1
	cat "$(X /local/domain/0/hvfs-dir/gone)" >/dev/null
	xenstore-rm /local/domain/0/hvfs-dir/gone
	wait_until 30 test ! -e "$(X /local/domain/0/hvfs-dir/gone)"
}

@test "rm through hvfs removes the XenStore node" {
	xenstore-write /local/domain/0/hvfs-dir/byrm 1
	rm "$(X /local/domain/0/hvfs-dir/byrm)"
	run xenstore-exists /local/domain/0/hvfs-dir/byrm
	assert_failure
}

@test "mkdir makes an empty XenStore node; it shows as a file, rm removes it" {
	mkdir "$(X /local/domain/0/hvfs-dir/made)"
	run xenstore-read /local/domain/0/hvfs-dir/made
	assert_success
	assert_output ""
	[ -f "$(X /local/domain/0/hvfs-dir/made)" ]
	rm "$(X /local/domain/0/hvfs-dir/made)"
	run xenstore-exists /local/domain/0/hvfs-dir/made
	assert_failure
}
