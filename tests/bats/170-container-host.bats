#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: host/ shows this machine; networks and pools are not the
# container driver's.

load helpers
load 170-container-helpers

setup_file() {
	container_setup
}

teardown_file() {
	container_cleanup
}

@test "host/ shows the real host" {
	run cat "$MNT/host/hostname"
	assert_output "$(hostname)"
	run cat "$MNT/host/cpus"
	assert_output "$(nproc)"
	run cat "$MNT/host/memory"
	assert_output "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
	run cat "$MNT/host/hypervisor_version"
	assert_output "linux $(uname -r)"
	run cat "$MNT/host/driver"
	assert_output container
	model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
	[ -z "$model" ] || [ "$(cat "$MNT/host/cpu_model")" = "$model" ]
	free=$(cat "$MNT/host/free_memory")
	[ "$free" -gt 0 ] && [ "$free" -le "$(cat "$MNT/host/memory")" ]
}

@test "host/capabilities.xml offers lxc domains running programs" {
	run cat "$MNT/host/capabilities.xml"
	assert_output --partial "<domain type='lxc'/>"
	assert_output --partial "<os_type>exe</os_type>"
	assert_output --partial "<arch>$(uname -m)</arch>"
	if command -v xmllint >/dev/null; then
		xmllint --noout --relaxng "$HVFS_TOP/schema/capabilities.rng" "$MNT/host/capabilities.xml"
	fi
}

@test "host/devices/ is this machine's sysfs tree" {
	[ -d "$MNT/host/devices/computer" ]
	for dev in /sys/class/net/*; do
		name=$(basename "$dev")
		[ "$name" = lo ] && continue
		[ -e "$dev/device" ] || continue # virtual interfaces have no device
		run bash -c "ls -R '$MNT/host/devices' | grep -c '^net_${name//[^A-Za-z0-9]/_}_'"
		assert_success
		return 0
	done
	skip "no physical network interface on this host"
}

@test "networks and pools: the container driver has none, and cannot make them" {
	run ls "$MNT/networks"
	assert_success
	assert_output ""
	run mkdir "$MNT/networks/n1"
	assert_failure
	assert_output --partial "not supported"
	run mkdir "$MNT/pools/p1"
	assert_failure
}

@test "a bad knob in the URI is refused at mount time with the reason" {
	other=$(mktemp -d /tmp/hvfs-bats-mnt.XXXXXX)
	run timeout 10 "$HVFS_BIN" -f -c "lxc:///?cgroup_parent=../escape" "$other"
	assert_failure
	assert_output --partial "cgroup_parent"
	run timeout 10 "$HVFS_BIN" -f -c "lxc:///?bogus=1" "$other"
	assert_failure
	assert_output --partial "unknown option 'bogus'"
	run timeout 10 "$HVFS_BIN" -f -c "lxc:///?state_dir=relative" "$other"
	assert_failure
	assert_output --partial "absolute"
	rmdir "$other"
}
