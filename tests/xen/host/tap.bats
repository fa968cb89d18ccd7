#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/tap.bash, with which tests/run.sh and tests/xen/report.sh count a
# planned test that never reported as failed: checked against what this
# machine's bats really prints when a file's setup_file fails.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

TAP=$BATS_TEST_DIRNAME/../../tap.bash

# clean CMD...: CMD without this bats's variables and PATH (which leads
# to its libexec), which a bats inside would take for its own.
clean() {
	env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$HOME" TMPDIR="${TMPDIR:-/tmp}" "$@" 3>&-
}

# count FILE...: the files' TAP through tap.bash: "seen N missing M" and
# the missing lines.
count() {
	(
		. "$TAP"
		tap_reset
		while IFS= read -r line; do tap_see "$line"; done < <(clean bats --tap "$@" 2>&1)
		tap_missing label >"$BATS_TEST_TMPDIR/missing"
		echo "planned $TAP_PLANNED missing $TAP_MISSING"
		cat "$BATS_TEST_TMPDIR/missing"
	)
}

setup() {
	D=$BATS_TEST_TMPDIR/suite
	mkdir -p "$D"
	# printf, not a here-document: this file's own bats would rewrite a
	# line that starts with @test.
	printf '%s\n' 'setup_file() { false; }' '@test "a1" { true; }' '@test "a2" { true; }' \
		'@test "a3" { true; }' >"$D/a.bats"
	printf '%s\n' '@test "b1" { true; }' >"$D/b.bats"
}

@test "bats's failed setup_file: the file's other tests are each one missing" {
	run count "$D/a.bats" "$D/b.bats"
	assert_line 'planned 4 missing 2'
	assert_line 'not ok 2 - label: test 2 of 4 did not run: the setup_file of its file failed (not ok 1)'
	assert_line 'not ok 3 - label: test 3 of 4 did not run: the setup_file of its file failed (not ok 1)'
}

@test "a run where every test reported has nothing missing" {
	run count "$D/b.bats"
	assert_output 'planned 1 missing 0'
}

@test "tests/run.sh counts the missing tests as failures" {
	# A copy of run.sh in a tree whose bats suite is the two files above.
	local top=$BATS_TEST_DIRNAME/../../.. T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/tests/bats" "$T/build"
	cp "$top/tests/run.sh" "$top/tests/tap.bash" "$T/tests/"
	cp "$D"/*.bats "$T/tests/bats/"
	printf '#!/bin/sh\n' >"$T/build/hvfs"
	chmod +x "$T/build/hvfs"
	run clean "$T/tests/run.sh" bats
	assert_failure
	assert_line --partial 'bats/plain: test 3 of 4 did not run'
	assert_line '1 passed, 3 failed'
}

@test "tests/run.sh fails a suite that never started, rather than count 0 of 0" {
	# A tree whose tests/build/ is missing: bats prints no plan at all.
	local top=$BATS_TEST_DIRNAME/../../.. T=$BATS_TEST_TMPDIR/tree
	mkdir -p "$T/tests"
	cp "$top/tests/run.sh" "$top/tests/tap.bash" "$T/tests/"
	run clean "$T/tests/run.sh" build
	assert_failure
	assert_line --partial 'build: no TAP plan: the suite did not run'
	assert_line '0 passed, 1 failed'
}
