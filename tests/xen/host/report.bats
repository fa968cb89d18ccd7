#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/xen/report.sh, which turns a Xen run into counts: a run that passes
# must say so, and every way a run can go wrong must count as a failure.
# Runs on the host, without QEMU, from crafted results and serial logs.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

REPORT=$BATS_TEST_DIRNAME/../report.sh

setup() {
	R=$BATS_TEST_TMPDIR/results
	S=$BATS_TEST_TMPDIR/serial
	Q=$BATS_TEST_TMPDIR/qemu
	printf 'Xen 4.17\r\nDOM0-INIT-UP uptime=11.0 hypervisor=xen\r\n' >"$S"
	: >"$Q"
}

@test "a run whose tests all passed passes, counting them" {
	printf '1..2\r\nok 1 a\r\nok 2 b\r\n# hvfs-xen-suite: done rc=0\r\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_success
	assert_line 'ok 1 a'
	assert_line 'xen: 2 passed, 0 failed'
}

@test "a failed test fails the run and is counted" {
	printf '1..2\nok 1 a\nnot ok 2 b\n# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'xen: 1 passed, 1 failed'
}

@test "QEMU that never booted dom0 is a failure with the reason" {
	: >"$R"
	echo "run-xen: qemu-system-x86_64 is not installed" >"$Q"
	: >"$S"
	run "$REPORT" "$R" "$S" 127 600 "$Q"
	assert_failure
	assert_line --partial 'not ok - xen: QEMU did not boot Xen and dom0 (exit 127; run-xen: qemu-system-x86_64 is not installed'
	assert_line 'xen: 0 passed, 1 failed'
}

@test "a dom0 that times out before the suite ends is a failure, and so is each missing test" {
	printf '1..3\nok 1 a\n' >"$R"
	run "$REPORT" "$R" "$S" 124 600 "$Q"
	assert_failure
	assert_line --partial 'the suite did not finish (QEMU was stopped after 600 s'
	assert_line 'not ok 2 - xen: test 2 of 3 never reported'
	assert_line 'not ok 3 - xen: test 3 of 3 never reported'
	assert_line 'xen: 1 passed, 3 failed'
}

@test "a dom0 that dies early is a failure" {
	printf '1..1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line --partial 'dom0 crashed or powered off early'
}

@test "a suite that ran out of time in dom0 is a failure even when all it reported passed" {
	printf '1..1\nok 1 a\n# hvfs-xen-suite: done rc=124\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line --partial 'the suite ran out of time in dom0'
	assert_line 'xen: 1 passed, 1 failed'
}

@test "busybox's timeout stopping bats (status 143) is a suite out of time" {
	printf '1..2\nok 1 a\n# hvfs-xen-suite: done rc=143\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line --partial 'the suite ran out of time in dom0'
	assert_line 'xen: 1 passed, 2 failed'
}

@test "bats failing without a failed test is a failure" {
	printf '# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'not ok - xen: bats exited 1 in dom0 without reporting a failure'
}

@test "a run that reported nothing is a failure" {
	printf '1..0\n# hvfs-xen-suite: done rc=0\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'not ok - xen: the suite reported no results'
	assert_line 'xen: 0 passed, 1 failed'
}

@test "the not-ok lines printed agree with the failure count" {
	printf '1..4\nok 1 a\nnot ok 2 b\n' >"$R"
	run "$REPORT" "$R" "$S" 124 600 "$Q"
	local not_ok
	not_ok=$(grep -c '^not ok ' <<<"$output")
	assert_line "xen: 1 passed, $not_ok failed"
}

@test "a missing test is named by its number, not by how many results came" {
	# Test 2 never reported; 3 and 4 did (a test that hung and was killed
	# with its output lost): the one to blame is 2, not 4.
	printf '1..4\nok 1 a\nnot ok 3 c\nok 4 d\n# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'not ok 2 - xen: test 2 of 4 never reported'
	refute_line --partial 'test 4 of 4'
	assert_line 'xen: 2 passed, 2 failed'
}

@test "each test of a file whose setup_file failed counts as failed" {
	# bats: a.bats (tests 1-3) fails in setup_file and says so once, as
	# test 1; b.bats goes on at 4.
	printf '1..5\nnot ok 1 setup_file failed\n# (from function `setup_file'"'"')\nok 4 d\nok 5 e\n# bats warning: Executed 3 instead of expected 5 tests\n# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'not ok 2 - xen: test 2 of 5 did not run: the setup_file of its file failed (not ok 1)'
	assert_line 'not ok 3 - xen: test 3 of 5 did not run: the setup_file of its file failed (not ok 1)'
	assert_line 'xen: 2 passed, 3 failed'
}

@test "a setup_file failure in the last file counts all its tests" {
	printf '1..3\nok 1 a\nnot ok 2 setup_file failed\n# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	assert_line 'not ok 3 - xen: test 3 of 3 did not run: the setup_file of its file failed (not ok 2)'
	assert_line 'xen: 1 passed, 2 failed'
}

@test "a failed teardown_file shares its number with the next test and hides none" {
	# bats numbers a teardown_file failure as the next test, which then
	# reports under the same number.
	printf '1..3\nok 1 a\nnot ok 2 teardown_file failed\nok 2 b\nok 3 c\n# hvfs-xen-suite: done rc=1\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_failure
	refute_line --partial 'never reported'
	assert_line 'xen: 3 passed, 1 failed'
}

@test "programs that crashed in dom0 are counted in a note" {
	printf '1..1\nok 1 a\n# dom0 kernel: [  319.92] awk[1834]: segfault at 8 ip 0000000000433f4b\n# hvfs-xen-suite: done rc=0\n' >"$R"
	run "$REPORT" "$R" "$S" 0 600 "$Q"
	assert_success
	assert_line "# xen: 1 programs crashed in dom0 (the '# dom0 kernel:' lines above)"
	assert_line 'xen: 1 passed, 0 failed'
}
