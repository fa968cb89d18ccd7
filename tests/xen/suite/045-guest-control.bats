#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The running guest 040 started (or this file starts, if 040 failed),
# through a fresh mount: hvfs finds it again,
# pauses and unpauses it through the hypervisor, balloons its memory and
# plugs vCPUs through XenStore, and shows its PV device trees.

load helpers

setup_file() {
	hvfs_start
	# 040 left g1 running; if it did not, it is defined and started here.
	guest_up g1
	GID=$(xl domid g1)
	export GID
}

teardown_file() {
	xenstore-rm "/local/domain/$GID/device/vbd/51712" 2>/dev/null || true
	xenstore-rm "/local/domain/0/backend/vbd/$GID/51712" 2>/dev/null || true
	xenstore-rm "/local/domain/$GID/device/vif/0" 2>/dev/null || true
	xenstore-rm "/local/domain/0/backend/vif/$GID/0" 2>/dev/null || true
	hvfs_stop
}

teardown() {
	watch_stop
	events_stop
}

G() { echo "$MNT/domains/g1$1"; }

@test "a fresh mount finds the guest running with its id" {
	[ -n "$GID" ]
	run cat "$(G /id)"
	assert_output "$GID"
	run cat "$(G /state)"
	assert_output --regexp '^(running|blocked)$'
}

@test "suspend pauses the guest in the hypervisor, resume unpauses it" {
	echo suspend >"$(G /control)"
	run xl_flags g1
	assert_output --regexp '^..p'
	run cat "$(G /state)"
	assert_output paused
	echo resume >"$(G /control)"
	# Unpaused, and not shut down, crashed or dying: running (r), blocked
	# (b) or neither, which is a guest waiting for the one CPU dom0 is on.
	run xl_flags g1
	assert_output --regexp '^[r-][b-]----$'
	run cat "$(G /state)"
	assert_output --regexp '^(running|blocked)$'
}

@test "suspend of a paused guest is EBUSY" {
	echo suspend >"$(G /control)"
	run bash -c "echo suspend > '$(G /control)'"
	assert_failure
	assert_output --partial "Device or resource busy"
	echo resume >"$(G /control)"
}

@test "suspend and resume are lifecycle lines" {
	events_start
	echo suspend >"$(G /control)"
	echo resume >"$(G /control)"
	events_expect ' domains/g1 suspended'
	events_expect ' domains/g1 resumed'
}

@test "a memory write sets the balloon target in XenStore" {
	echo 98304 >"$(G /memory)"
	run xenstore-read "/local/domain/$GID/memory/target"
	assert_output 98304
	run cat "$(G /memory)"
	assert_output 98304
}

@test "memory above max_memory is EINVAL and the target stays" {
	run bash -c "echo 1048576 > '$(G /memory)'"
	assert_failure
	assert_output --partial "Invalid argument"
	run xenstore-read "/local/domain/$GID/memory/target"
	assert_output 98304
}

@test "memory/target written behind hvfs's back: memory reads it, IN_MODIFY" {
	cat "$(G /memory)" >/dev/null
	watch_start "$(G)" modify
	xenstore-write "/local/domain/$GID/memory/target" 131072
	watch_expect '^MODIFY memory$'
	run cat "$(G /memory)"
	assert_output 131072
}

# vcpus_up: how many of g1's vCPUs xl shows on a physical CPU.
vcpus_up() {
	xl vcpu-list g1 | awk 'NR > 1 && $4 ~ /^[0-9]+$/ {n++} END {print n + 0}'
}

@test "a vcpus write brings vCPU 1 up and takes it down again, as xl sees it" {
	run xenstore-read "/local/domain/$GID/cpu/1/availability"
	assert_output offline
	echo 2 >"$(G /vcpus)"
	run xenstore-read "/local/domain/$GID/cpu/1/availability"
	assert_output online
	# The guest brings the vCPU up when it sees it available (its
	# init onlines new CPUs once a second, as udev would).
	wait_for "$(G /vcpus)" 2 300
	run vcpus_up
	assert_output 2
	echo 1 >"$(G /vcpus)"
	run xenstore-read "/local/domain/$GID/cpu/1/availability"
	assert_output offline
	wait_for "$(G /vcpus)" 1 300
	run vcpus_up
	assert_output 1
}

@test "vcpus above max_vcpus is EINVAL" {
	run bash -c "echo 3 > '$(G /vcpus)'"
	assert_failure
	assert_output --partial "Invalid argument"
}

@test "the guest's stats/cpu_time is the CPU time xl reports" {
	# An idle guest uses no CPU for seconds at a time: compare with xl
	# (seconds, one decimal) instead of waiting for it to advance.
	local ns xl_s
	ns=$(cat "$(G /stats/cpu_time)")
	xl_s=$(xl list g1 | awk 'NR == 2 {print $6}')
	[ "$ns" -gt 0 ]
	awk -v ns="$ns" -v s="$xl_s" 'BEGIN {d = ns / 1e9 - s; exit !(d > -1 && d < 1)}' ||
		fail "cpu_time $ns ns, xl list says $xl_s s"
}

# A vbd as a toolstack would leave it in XenStore: the guest's frontend and
# dom0's backend, each with its XenbusState (4 = Connected, 2 = InitWait).
write_vbd() {
	local fe=/local/domain/$GID/device/vbd/51712 be=/local/domain/0/backend/vbd/$GID/51712
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$GID" "$be/state" 2 \
		"$be/params" /dev/null "$be/mode" r "$be/dev" xvda
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 4
}

@test "a vbd in XenStore is devices/vbd/DEVID with its backend and states by name" {
	write_vbd
	wait_until 50 test -d "$(G /devices/vbd/51712)"
	local d
	d=$(G /devices/vbd/51712)
	run cat "$d/backend"
	assert_output "/local/domain/0/backend/vbd/$GID/51712"
	run cat "$d/backend_id"
	assert_output 0
	run cat "$d/backend_domain"
	assert_output Domain-0
	run cat "$d/state"
	assert_output Connected
	run cat "$d/backend_state"
	assert_output InitWait
	run cat "$d/dev"
	assert_output xvda
}

@test "a frontend state change behind hvfs's back shows by name, with IN_MODIFY" {
	local d
	d=$(G /devices/vbd/51712)
	cat "$d/state" >/dev/null
	watch_start "$d" modify
	xenstore-write "/local/domain/$GID/device/vbd/51712/state" 5
	watch_expect '^MODIFY state$'
	run cat "$d/state"
	assert_output Closing
	xenstore-write "/local/domain/0/backend/vbd/$GID/51712/state" 6
	wait_for "$d/backend_state" Closed 50
}

@test "a vif in XenStore is devices/vif/DEVID with its mac" {
	local fe=/local/domain/$GID/device/vif/0 be=/local/domain/0/backend/vif/$GID/0
	xenstore-write "$be/frontend" "$fe" "$be/frontend-id" "$GID" "$be/state" 4 \
		"$be/mac" 00:16:3e:00:00:01 "$be/bridge" xenbr0
	xenstore-write "$fe/backend" "$be" "$fe/backend-id" 0 "$fe/state" 1 "$fe/mac" 00:16:3e:00:00:01
	wait_until 50 test -d "$(G /devices/vif/0)"
	run cat "$(G /devices/vif/0/mac)"
	assert_output 00:16:3e:00:00:01
	run cat "$(G /devices/vif/0/state)"
	assert_output Initialising
	run cat "$(G /devices/vif/0/backend_state)"
	assert_output Connected
}

@test "a device removed from XenStore is gone from devices/, with IN_DELETE" {
	ls "$(G /devices/vbd)" >/dev/null
	watch_start "$(G /devices/vbd)" delete
	xenstore-rm "/local/domain/$GID/device/vbd/51712"
	xenstore-rm "/local/domain/0/backend/vbd/$GID/51712"
	watch_expect '^DELETE,ISDIR 51712$'
	[ ! -e "$(G /devices/vbd/51712)" ]
}
