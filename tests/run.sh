#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs the test suites and ends with one line "N passed, N failed".
#   tests/run.sh           everything: unit (+valgrind), the build on machines that lack
#                          packages (tests/build), bats, bats on the sanitizer build,
#                          and the suite inside a real Xen dom0 under QEMU (tests/xen)
#   tests/run.sh unit|build|bats|san|xen
# Exits non-zero when anything failed, so make check and CI fail loudly.
set -u
cd "$(dirname "$0")/.."
. tests/tap.bash
what=${1:-all}
passed=0
failed=0
failures=()

# count_tap NAME < TAP: adds the TAP results to the totals and echoes them.
# A planned test that never reported is a failure too (tests/tap.bash):
# bats reports a failed setup_file once, under its file's first test, and
# runs none of the file's other tests.
count_tap() {
	local name=$1 line
	tap_reset
	while IFS= read -r line; do
		printf '%s\n' "$line"
		tap_see "$line"
		case $line in
		"ok "*) passed=$((passed + 1)) ;;
		"not ok "*) failed=$((failed + 1)); failures+=("$name: $line") ;;
		esac
	done
	while IFS= read -r line; do
		printf '%s\n' "$line"
		failed=$((failed + 1)); failures+=("$name: $line")
	done < <(tap_missing "$name")
	# No plan at all: the suite never started (a directory that is not
	# there, bats that cannot load it).  That is a failure, never 0 of 0.
	if [ "$TAP_PLAN_SEEN" -eq 0 ]; then
		echo "not ok - $name: no TAP plan: the suite did not run"
		failed=$((failed + 1)); failures+=("$name: no TAP plan: the suite did not run")
	fi
}

run_unit() {
	local t rc
	echo "== unit tests"
	for t in build/unit/test_*; do
		[ -x "$t" ] || continue
		"$t" tests/data >/tmp/hvfs-unit.$$ 2>&1
		rc=$?
		count_tap "$(basename "$t")" </tmp/hvfs-unit.$$
		# A crash mid-run prints no "not ok": the exit status still counts.
		if [ $rc -ne 0 ] && ! grep -q '^not ok' /tmp/hvfs-unit.$$; then
			failed=$((failed + 1)); failures+=("$(basename "$t"): exited $rc")
		fi
	done
	if command -v valgrind >/dev/null; then
		echo "== unit tests under valgrind (leaks and memory errors)"
		for t in build/unit/test_*; do
			[ -x "$t" ] || continue
			valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
				--error-exitcode=99 "$t" tests/data >/tmp/hvfs-valgrind.$$ 2>&1
			rc=$?
			if [ $rc -eq 0 ]; then
				passed=$((passed + 1)); echo "ok - valgrind clean: $(basename "$t")"
			else
				failed=$((failed + 1)); failures+=("valgrind: $(basename "$t") (exit $rc)")
				echo "not ok - valgrind: $(basename "$t") exit $rc"; grep -E '==[0-9]+==' /tmp/hvfs-valgrind.$$ | head -40
			fi
		done
		rm -f /tmp/hvfs-valgrind.$$
	fi
	rm -f /tmp/hvfs-unit.$$
}

run_bats() {
	local label=$1 bin=$2
	echo "== bats ($label: $bin)"
	if [ ! -x "$bin" ]; then
		failed=$((failed + 1)); failures+=("$label: $bin was not built"); return
	fi
	local suites=(tests/bats)
	# The QEMU suites boot real guests under TCG (about 3 minutes): they
	# run once, with the sanitizer build, which checks both at a time.
	[ "$label" = plain ] && suites=($(ls tests/bats/*.bats | grep -v '/176-qemu-'))
	count_tap "bats/$label" < <(HVFS_BIN=$PWD/$bin bats --tap "${suites[@]}" 2>&1)
}

# Builds of its own (make run on a machine without the packages, a build
# without the optional backends): once, whichever binary the bats runs test.
run_build() {
	echo "== the build on machines that lack packages (tests/build)"
	count_tap build < <(bats --tap tests/build 2>&1)
}

# The Xen stage counts like the others; tests/xen/run.sh turns a machine
# that cannot boot QEMU, or a dom0 that never finishes, into "not ok" lines.
run_xen() {
	echo "== xen: the harness's own tests (tests/xen/host)"
	count_tap xen/host < <(bats --tap tests/xen/host 2>&1)
	echo "== xen (build/hvfs inside dom0 of a real Xen 4.17 host under QEMU)"
	count_tap xen < <(tests/xen/run.sh "$PWD/build/hvfs" 2>&1)
}

case $what in
unit) run_unit ;;
build) run_build ;;
bats) run_bats plain build/hvfs ;;
san) run_bats sanitizers build/san/hvfs ;;
xen) run_xen ;;
all)
	run_unit
	run_build
	run_bats plain build/hvfs
	run_bats sanitizers build/san/hvfs
	run_xen
	;;
*) echo "usage: $0 [unit|build|bats|san|xen|all]" >&2; exit 2 ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "FAILED:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
