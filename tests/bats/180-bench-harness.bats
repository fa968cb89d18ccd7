#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# make bench's harness (bench/ops_latency.c) measures what it claims: one
# "median p99 samples" line per subject, in order, and a failing operation
# ends the run instead of being timed.  No timing is asserted.

load helpers

OPS=$HVFS_TOP/build/bench/ops_latency

setup() {
	DIR=$BATS_TEST_TMPDIR
	printf 'running\n' >"$DIR/a"
	printf 'paused\n' >"$DIR/b"
	mkdir -p "$DIR/list/x" "$DIR/list/y"
}

# lines OUTPUT COUNT SAMPLES: COUNT lines of "median p99 SAMPLES".
lines() {
	[ "$(printf '%s\n' "$1" | wc -l)" -eq "$2" ]
	! printf '%s\n' "$1" | grep -vqE "^[0-9]+\.[0-9] [0-9]+\.[0-9] $3\$"
}

@test "read, stat and list print one line per subject" {
	run "$OPS" read 50 "$DIR/a" "$DIR/b" /proc/sys/kernel/ostype
	assert_success
	lines "$output" 3 50
	run "$OPS" stat 20 "$DIR/a" "$DIR/b"
	assert_success
	lines "$output" 2 20
	run "$OPS" list 10 "$DIR/list"
	assert_success
	lines "$output" 1 10
}

@test "control alternates suspend and resume; replace writes the content back by rename" {
	run "$OPS" control 3 "$DIR/a"
	assert_success
	lines "$output" 1 3
	# An untimed round and three timed ones: suspend, resume, suspend, resume.
	[ "$(cat "$DIR/a")" = resume ]
	printf '<domain/>\n' >"$DIR/b"
	local ino=$(stat -c %i "$DIR/b")
	run "$OPS" replace 4 "$DIR/b"
	assert_success
	lines "$output" 1 4
	[ "$(cat "$DIR/b")" = "<domain/>" ]
	[ "$(stat -c %i "$DIR/b")" != "$ino" ] # replaced, not rewritten
	[ -z "$(find "$DIR" -name '.bench.*')" ]
}

@test "a process per sample for exec" {
	run "$OPS" exec 3 -- true
	assert_success
	lines "$output" 1 3
	run "$OPS" exec 2 -- false
	assert_failure
}

@test "a failing operation ends the run with the reason" {
	run "$OPS" read 5 "$DIR/a" "$DIR/missing"
	assert_failure
	assert_output --partial "open $DIR/missing: No such file or directory"
	run "$OPS" list 5 "$DIR/a"
	assert_failure
	run "$OPS" frobnicate 5 "$DIR/a"
	assert_failure
}
