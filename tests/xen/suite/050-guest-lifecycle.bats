#!/usr/bin/env bats
# The guest's life through hvfs and behind its back: reboot, shutdown by
# the PV protocol, a shutdown xl asks for, the destroy fallback for a guest
# that ignores shutdown, destroy, and undefining it.  040 started g1 and
# it has booted once.

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
	old=$(cat "$(G /id)")
	boots=$(markers g1)
	events_start
	echo reboot >"$(G /control)"
	wait_until 900 running_again "$old"
	wait_booted g1 $((boots + 1)) 120
	events_expect ' domains/g1 started'
}

@test "shutdown powers the guest off through the PV protocol" {
	wait_booted g1 2 120
	events_start
	echo shutdown >"$(G /control)"
	wait_for "$(G /state)" shutoff 600
	run cat "$(G /id)"
	assert_output -- -1
	run xl list g1
	assert_failure
	# The guest's init went down by itself: no fallback destroy was needed.
	grep -q GUEST-GOING-DOWN "$CONSOLE_LOGS/guest-g1.log"
	events_expect ' domains/g1 shutdown requested'
	events_expect ' domains/g1 stopped'
}

@test "a shutdown xl asks for behind hvfs's back: state shutoff, IN_MODIFY, a stopped line" {
	local boots
	boots=$(markers g1)
	echo start >"$(G /control)"
	wait_booted g1 $((boots + 1)) 120
	cat "$(G /state)" >/dev/null
	watch_start "$(G)" modify
	events_start
	xl shutdown g1
	wait_for "$(G /state)" shutoff 600
	watch_expect '^MODIFY state$'
	events_expect ' domains/g1 stopped'
	run xl list g1
	assert_failure
}

@test "a guest that ignores shutdown is destroyed when the timeout passes" {
	echo start >"$(G /control)"
	# Asked at once, and paused behind hvfs's back right after: a guest
	# that has not even booted cannot answer control/shutdown.
	echo shutdown >"$(G /control)"
	xl pause g1
	run cat "$(G /state)"
	refute_output shutoff
	wait_for "$(G /state)" shutoff 200
	run xl list g1
	assert_failure
}

@test "destroy stops a running guest at once" {
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
	echo start >"$(G /control)"
	local old
	old=$(cat "$(G /id)")
	echo reset >"$(G /control)"
	running_again "$old"
	echo destroy >"$(G /control)"
}

@test "rmdir of a running guest is EBUSY; once shut off it undefines it" {
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
