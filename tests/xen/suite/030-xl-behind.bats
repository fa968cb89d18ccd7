#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Domains xl creates, pauses and destroys behind hvfs's back show up in the
# tree, in inotify and in events.  The guest is created paused (xl create
# -p), so it costs no boot.

load helpers

setup_file() {
	xl destroy tiny 2>/dev/null || true
	hvfs_start
}

teardown_file() {
	xl destroy tiny 2>/dev/null || true
	hvfs_stop
}

teardown() {
	watch_stop
	events_stop
}

T() { echo "$MNT/domains/tiny"; }

@test "xl create behind hvfs's back: IN_CREATE in domains/ and a created line" {
	watch_start "$MNT/domains" create
	events_start
	xl create -p /guest/tiny.cfg
	watch_expect '^CREATE,ISDIR tiny$'
	events_expect ' domains/tiny created'
}

@test "the domain xl created has its id, uuid and memory from xl" {
	run cat "$(T)/id"
	assert_output "$(xl domid tiny)"
	run cat "$(T)/uuid"
	assert_output "$(xl list -v tiny | awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "UUID") c = i} NR == 2 {print $c}')"
	run cat "$(T)/memory"
	assert_output 131072
}

@test "a domain xl made is not persistent, and config.xml describes it" {
	run cat "$(T)/persistent"
	assert_output 0
	run cat "$(T)/config.xml"
	assert_output --partial '<name>tiny</name>'
	assert_output --partial "$(cat "$(T)/uuid")"
}

@test "the domain xl created paused is paused" {
	run cat "$(T)/state"
	assert_output paused
}

@test "xl unpause and xl pause behind hvfs's back show in state, with IN_MODIFY" {
	cat "$(T)/state" >/dev/null
	watch_start "$(T)" modify
	events_start
	xl unpause tiny
	wait_until 50 grep -qE '^(running|blocked)$' "$(T)/state"
	watch_expect '^MODIFY state$'
	events_expect ' domains/tiny resumed'
	xl pause tiny
	wait_for "$(T)/state" paused 50
	events_expect ' domains/tiny suspended'
}

@test "xl destroy behind hvfs's back: IN_DELETE in domains/ and a deleted line" {
	watch_start "$MNT/domains" delete
	events_start
	xl destroy tiny
	watch_expect '^DELETE,ISDIR tiny$'
	events_expect ' domains/tiny deleted'
	[ ! -e "$(T)" ]
}
