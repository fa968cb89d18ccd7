#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest's life through hvfs and behind its back: reboot, shutdown by
# the PV protocol, a shutdown xl asks for, the destroy fallback for a guest
# that ignores shutdown, destroy, and undefining it.  040 started g1; each
# test still makes sure of the state it starts from (guest_up, guest_off in
# helpers.bash), so that one that failed halfway fails alone.

load helpers

setup_file() {
	# A short fallback, so that the test of it does not wait 30 s.
	hvfs_start "$XEN_URI&shutdown_timeout_ms=5000"
}

teardown_file() {
	xl destroy g1 2>/dev/null || true
	hvfs_stop
}

teardown() {
	watch_stop
	events_stop
}

G() { echo "$MNT/domains/g1$1"; }

# running_again OLD_ID: g1 runs under an id other than OLD_ID.
running_again() {
	local id
	id=$(cat "$(G /id)") && [ "$id" != "$1" ] && [ "$id" != -1 ] &&
		grep -qE '^(running|blocked)$' "$(G /state)" && [ "$(xl domid g1 2>/dev/null)" = "$id" ]
}

@test "reboot: the guest goes down and boots again under a new id" {
	local old boots
	guest_up g1
	old=$(cat "$(G /id)")
	boots=$(markers g1)
	events_start
	echo reboot >"$(G /control)"
	wait_until 900 running_again "$old"
	wait_booted g1 $((boots + 1)) 240
	events_expect ' domains/g1 started'
}

# going_down NAME: how many times NAME's console said its init went down.
going_down() {
	grep -c GUEST-GOING-DOWN "$CONSOLE_LOGS/guest-$1.log" 2>/dev/null || echo 0
}

@test "shutdown powers the guest off through the PV protocol" {
	local downs
	guest_up g1
	downs=$(going_down g1)
	events_start
	echo shutdown >"$(G /control)"
	wait_for "$(G /state)" shutoff 600
	# A powered-off guest reads shutoff as soon as Xen says so; hvfs then
	# cleans it up, and "stopped" says it is gone.
	events_expect ' domains/g1 shutdown requested'
	events_expect ' domains/g1 stopped' 300
	run cat "$(G /id)"
	assert_output -- -1
	run xl list g1
	assert_failure
	# The guest's init went down by itself: no fallback destroy was needed.
	[ "$(going_down g1)" -gt "$downs" ]
}

@test "a shutdown xl asks for behind hvfs's back: state shutoff, IN_MODIFY, a stopped line" {
	# A guest asked before it has booted may not answer (nothing in it
	# handles the request yet): it is started and waited for first.
	guest_off g1
	guest_up g1
	cat "$(G /state)" >/dev/null
	watch_start "$(G)" modify
	events_start
	# xl waits (up to 60 s) for the guest to acknowledge the request.
	timeout 120 xl shutdown g1
	wait_for "$(G /state)" shutoff 600
	watch_expect '^MODIFY state$'
	events_expect ' domains/g1 stopped' 300
	run xl list g1
	assert_failure
}

@test "a guest that ignores shutdown is destroyed when the timeout passes" {
	guest_off g1
	echo start >"$(G /control)"
	# Asked at once, and paused behind hvfs's back right after: a guest
	# that has not even booted cannot answer control/shutdown.
	echo shutdown >"$(G /control)"
	xl pause g1
	run cat "$(G /state)"
	refute_output shutoff
	wait_for "$(G /state)" shutoff 200
	wait_until 300 guest_gone g1
	run xl list g1
	assert_failure
}

@test "destroy stops a running guest at once" {
	guest_off g1
	echo start >"$(G /control)"
	run xl list g1
	assert_success
	echo destroy >"$(G /control)"
	run xl list g1
	assert_failure
	run cat "$(G /state)"
	assert_output shutoff
	run cat "$(G /id)"
	assert_output -- -1
}

@test "reset destroys the guest and starts it again under a new id" {
	guest_off g1
	echo start >"$(G /control)"
	local old
	old=$(cat "$(G /id)")
	echo reset >"$(G /control)"
	running_again "$old"
	echo destroy >"$(G /control)"
}

@test "rmdir of a running guest is EBUSY; once shut off it undefines it" {
	guest_off g1
	echo start >"$(G /control)"
	run rmdir "$(G)"
	assert_failure
	assert_output --partial "Device or resource busy"
	echo destroy >"$(G /control)"
	watch_start "$MNT/domains" delete
	rmdir "$(G)"
	watch_expect '^DELETE,ISDIR g1$'
	run grep -rl '<name>g1</name>' "$HVFS_STATE"
	refute_output
}
