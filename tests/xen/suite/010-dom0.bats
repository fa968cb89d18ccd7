#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# xen:/// on a real hypervisor: the mount, host/, and Domain-0, checked
# against what xl and XenStore say.

load helpers

setup_file() {
	hvfs_start
}

teardown_file() {
	hvfs_stop
}

D0() { echo "$MNT/domains/Domain-0"; }

@test "xen:/// mounts and domains/ lists Domain-0" {
	run ls "$MNT/domains"
	assert_success
	assert_line Domain-0
}

@test "host/driver is xen and host/cpus is what xl info says" {
	run cat "$MNT/host/driver"
	assert_output xen
	run cat "$MNT/host/cpus"
	assert_output "$(xl info | awk '$1 == "nr_cpus" {print $3}')"
}

@test "Domain-0 has id 0 and is running" {
	run cat "$(D0)/id"
	assert_output 0
	run cat "$(D0)/state"
	assert_output --regexp '^(running|blocked)$'
}

@test "Domain-0's uuid is the one xl reports" {
	local want
	want=$(xl list -v 0 | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "UUID") c = i} NR == 2 {print $c}')
	[ -n "$want" ]
	run cat "$(D0)/uuid"
	assert_output "$want"
}

@test "Domain-0's vcpus and memory are what xl list says" {
	run cat "$(D0)/vcpus"
	assert_output "$(xl list 0 | awk 'NR == 2 {print $4}')"
	local mem_mib
	mem_mib=$(xl list 0 | awk 'NR == 2 {print $3}')
	run cat "$(D0)/memory"
	assert_success
	# xl rounds to MiB; memory is KiB.
	[ $((output / 1024)) -ge $((mem_mib - 1)) ] && [ $((output / 1024)) -le $((mem_mib + 1)) ] ||
		fail "memory $output KiB, xl list says $mem_mib MiB"
	local max
	max=$(cat "$(D0)/max_memory")
	[ "$max" -ge "$output" ] || fail "max_memory $max < memory $output"
}

@test "Domain-0's stats/cpu_time advances" {
	local t1 t2
	t1=$(cat "$(D0)/stats/cpu_time")
	[ "$t1" -gt 0 ]
	sleep 0.5
	t2=$(cat "$(D0)/stats/cpu_time")
	[ "$t2" -gt "$t1" ] || fail "cpu_time went from $t1 to $t2"
}

@test "Domain-0 cannot be destroyed: EBUSY, and last_error says why" {
	run bash -c "echo destroy > '$(D0)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D0)/last_error"
	assert_output --partial Domain-0
	xl list 0 >/dev/null
}

@test "Domain-0 cannot be shut down or rebooted: EBUSY" {
	local cmd
	for cmd in shutdown reboot; do
		run bash -c "echo $cmd > '$(D0)/control'"
		assert_failure
		assert_output --partial "Device or resource busy"
	done
	run xenstore-read /local/domain/0/control/shutdown
	refute_output --regexp 'poweroff|reboot'
}

@test "Domain-0 cannot be undefined: rmdir is EBUSY" {
	run rmdir "$(D0)"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ -d "$(D0)" ]
}

@test "an unknown command is EINVAL" {
	run bash -c "echo bogus > '$(D0)/control'"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D0)/last_error"
	assert_output --partial bogus
}

@test "a domain name hvfs does not know is ENOENT" {
	run cat "$MNT/domains/no-such-domain/state"
	assert_failure
	assert_output --partial "No such file or directory"
}
