#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# docs/paths.md, modes: root's mount; allow_other lets users read; only root (and --group
# members) write; the kernel enforces the modes ls -l shows.

load helpers

GROUP=hvfs-bats-ops

setup_file() {
	getent group "$GROUP" >/dev/null || groupadd --system "$GROUP"
}

teardown_file() {
	groupdel "$GROUP" 2>/dev/null || true
}

teardown() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

@test "modes: state files read-only, control write-only, tunables and config root-writable" {
	hvfs_start 'test:///default'
	run stat -c '%a %U %G' "$(D test)/state" "$(D test)/control" "$(D test)/config.xml" "$(D test)/memory" "$(D test)/last_error" "$(D test)"
	assert_output "$(printf '444 root root\n200 root root\n644 root root\n644 root root\n444 root root\n755 root root')"
}

@test "without allow_other other users cannot see the mount" {
	hvfs_start 'test:///default'
	run as_nobody cat "$(D test)/state"
	assert_failure
	assert_output --partial "Permission denied"
}

@test "with allow_other users read state and configuration" {
	hvfs_start 'test:///default' -o allow_other
	run as_nobody cat "$(D test)/state"
	assert_success
	assert_output running
	run as_nobody grep -c '<name>test</name>' "$(D test)/config.xml"
	assert_output 1
	run as_nobody ls "$MNT/domains"
	assert_output --partial test
}

@test "with allow_other users cannot write, define, undefine or rename" {
	hvfs_start 'test:///default' -o allow_other
	run as_nobody sh -c "echo suspend > '$(D test)/control'"
	assert_failure
	assert_output --partial "Permission denied"
	run as_nobody sh -c "echo 1 > '$(D test)/vcpus'"
	assert_failure
	run as_nobody mkdir "$(D evil)"
	assert_failure
	run as_nobody rmdir "$(D idle)"
	assert_failure
	run as_nobody mv "$(D idle)" "$(D idle2)"
	assert_failure
	run cat "$(D test)/state"
	assert_output running
	run cat "$(D idle)/state"
	assert_output shutoff
}

@test "--group: members may write control files and tunables, others may not" {
	hvfs_start 'test:///default' -o allow_other --group "$GROUP"
	gid=$(getent group "$GROUP" | cut -d: -f3)
	run stat -c '%a %G' "$(D test)/control" "$(D test)/memory" "$(D test)/state" "$MNT/domains"
	assert_output "$(printf "220 $GROUP\n664 $GROUP\n444 $GROUP\n775 $GROUP")"
	setpriv --reuid=nobody --regid=nogroup --groups="$gid" sh -c "echo suspend > '$(D test)/control'"
	run cat "$(D test)/state"
	assert_output paused
	setpriv --reuid=nobody --regid=nogroup --groups="$gid" mkdir "$(D ops1)"
	run cat "$(D ops1)/state"
	assert_output shutoff
	run as_nobody sh -c "echo resume > '$(D test)/control'"
	assert_failure
	echo resume >"$(D test)/control"
}
