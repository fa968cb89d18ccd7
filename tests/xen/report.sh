#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Turns what a Xen run left into TAP and one last line "xen: N passed,
# N failed"; exits non-zero unless something passed and nothing failed.
# usage: report.sh RESULTS SERIAL_LOG QEMU_STATUS TIMEOUT [QEMU_LOG]
#   RESULTS      what dom0 wrote to its second UART: the suite's TAP, and
#                "# hvfs-xen-suite: done rc=N" when test.sh finished
#   SERIAL_LOG   Xen's and dom0's console ("DOM0-INIT-UP" once dom0 runs)
#   QEMU_STATUS  run-xen.sh's exit status (124: killed after TIMEOUT s)
# Whatever did not happen is a failure with its reason: QEMU never booting
# dom0, dom0 dying or timing out before the suite ended, bats failing or
# running out of time, and each planned test that never reported (by its
# number: tests/tap.bash; the tests of a file whose setup_file failed too).
set -u
. "$(dirname "$0")/../tap.bash"
results=$1 serial=$2 qemu_rc=$3 timeout=$4 qemu_log=${5:-/dev/null}
passed=0 failed=0 done_seen=0 suite_rc=0 crashes=0
tap_reset

while IFS= read -r line; do
	line=${line%$'\r'}
	case $line in
	"ok "*) passed=$((passed + 1)) ;;
	"not ok "*) failed=$((failed + 1)) ;;
	"# hvfs-xen-suite: done rc="*) done_seen=1 suite_rc=${line##*rc=} ;;
	"# dom0 kernel: "*segfault* | "# dom0 kernel: "*"general protection"*) crashes=$((crashes + 1)) ;;
	esac
	tap_see "$line"
	printf '%s\n' "$line"
done < <(cat "$results" 2>/dev/null)
reported=$((passed + failed))

if ! grep -aq DOM0-INIT-UP "$serial" 2>/dev/null; then
	echo "not ok - xen: QEMU did not boot Xen and dom0 (exit $qemu_rc; $(tr '\n' ' ' <"$qemu_log"))"
	echo "# the end of $serial:"
	tail -15 "$serial" 2>/dev/null | sed 's/^/#   /'
	failed=$((failed + 1))
elif [ $done_seen = 0 ]; then
	why="dom0 crashed or powered off early"
	[ "$qemu_rc" = 124 ] && why="QEMU was stopped after $timeout s"
	echo "not ok - xen: the suite did not finish ($why, exit $qemu_rc); serial log $serial"
	tail -15 "$serial" | sed 's/^/#   /'
	failed=$((failed + 1))
elif [ "$suite_rc" = 124 ] || [ "$suite_rc" = 143 ]; then
	# busybox timeout(1) passes on the TERM it killed bats with: 143.
	echo "not ok - xen: the suite ran out of time in dom0 (HVFS_XEN_TIMEOUT=$timeout, minus 90 s)"
	failed=$((failed + 1))
elif [ "$suite_rc" != 0 ] && [ $failed -eq 0 ]; then
	echo "not ok - xen: bats exited $suite_rc in dom0 without reporting a failure"
	failed=$((failed + 1))
fi
if [ $reported -eq 0 ] && [ $failed -eq 0 ] && [ "$TAP_PLANNED" -eq 0 ]; then
	echo "not ok - xen: the suite reported no results"
	failed=$((failed + 1))
fi
# One failure per planned test that never reported, named by its number,
# so that every total counting "not ok" lines agrees with the last line.
tap_missing xen
failed=$((failed + TAP_MISSING))
# A program that crashed in dom0 fails whatever test it was part of; the
# count says how steady the emulated machine was (docs/testing-xen.md).
[ $crashes -gt 0 ] && echo "# xen: $crashes programs crashed in dom0 (the '# dom0 kernel:' lines above)"
echo "xen: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
