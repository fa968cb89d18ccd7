#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# build/bin/cgroupctl, the inspection tool, on a container's cgroup.

load helpers
load 170-container-helpers

CGCTL=$HVFS_TOP/build/bin/cgroupctl

setup_file() {
	container_setup
}

teardown_file() {
	container_cleanup
}

@test "cgroupctl layout names the host's mode and controllers" {
	run "$CGCTL" layout
	assert_success
	assert_line --regexp '^mode (v1|v2|hybrid)$'
	if [ -d /sys/fs/cgroup/memory ]; then
		assert_line "memory v1 /sys/fs/cgroup/memory"
	fi
}

@test "cgroupctl procs and show see a running container as the cgroup files do" {
	define seen "exec sleep 60" 48
	echo start >"$(D seen)/control"
	id=$(cat "$(D seen)/id")
	run "$CGCTL" procs "$CG_PARENT/seen"
	assert_success
	assert_output "$id"
	run "$CGCTL" show "$CG_PARENT/seen"
	assert_success
	assert_line "memory_limit $((48 * 1024 * 1024))"
	assert_line "cpu_quota_us 200000"
	assert_line "oom_kills 0"
	assert_line "frozen 0"
	echo suspend >"$(D seen)/control"
	run "$CGCTL" show "$CG_PARENT/seen"
	assert_line "frozen 1"
	echo destroy >"$(D seen)/control"
}

@test "cgroupctl on a group that does not exist fails, creating nothing" {
	run "$CGCTL" show "$CG_PARENT/none"
	assert_failure 1
	assert_output --partial "does not exist"
	for d in $(cg_parent_dirs); do [ ! -e "$d/none" ]; done
	run "$CGCTL" bogus
	assert_failure 2
	assert_output --partial usage
}
