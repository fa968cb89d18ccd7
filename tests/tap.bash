# SPDX-License-Identifier: LGPL-2.1-or-later
# Which planned TAP tests never reported, by number: sourced by
# tests/run.sh and tests/xen/report.sh, so that a test that did not run is
# a failure in every total, named by its own number.
#
# bats numbers every test in its plan, across files, and a file whose
# setup_file fails reports one line, "not ok K setup_file failed", under
# the number K of its first test; its other tests report nothing and the
# next file goes on from their numbers:
#   1..4
#   not ok 1 setup_file failed      <- a.bats: tests 1 and 2
#   ok 3 three                      <- b.bats
# so test 2 is missing, and so is every test of a run cut short.
#
#   tap_reset; while read line; do tap_see "$line"; done; tap_missing LABEL
# tap_missing prints one "not ok N - LABEL: ..." line per missing number
# and leaves their count in TAP_MISSING.

declare -A TAP_SEEN=() TAP_SETUP_FAILED=()
TAP_PLANNED=0
TAP_MISSING=0
TAP_PLAN_SEEN=0 # 1 once a plan line came: without one the suite never started

tap_reset() {
	TAP_SEEN=()
	TAP_SETUP_FAILED=()
	TAP_PLANNED=0
	TAP_MISSING=0
	TAP_PLAN_SEEN=0
}

# tap_see LINE: notes a result's number or the plan.
tap_see() {
	local line=${1%$'\r'} n
	case $line in
	"ok "[0-9]* | "not ok "[0-9]*)
		n=${line#not }
		n=${n#ok }
		n=${n%%[!0-9]*}
		n=$((10#$n))
		TAP_SEEN[$n]=1
		case $line in "not ok $n setup_file failed"*) TAP_SETUP_FAILED[$n]=1 ;; esac
		;;
	1..[0-9]*)
		n=${line#1..}
		n=${n%%[!0-9]*}
		TAP_PLANNED=$((10#$n))
		TAP_PLAN_SEEN=1
		;;
	esac
}

# tap_missing LABEL: a "not ok" line for each planned test with no result.
tap_missing() {
	local label=$1 n after=
	TAP_MISSING=0
	for ((n = 1; n <= TAP_PLANNED; n++)); do
		if [ -n "${TAP_SEEN[$n]:-}" ]; then
			after=
			[ -n "${TAP_SETUP_FAILED[$n]:-}" ] && after=$n
			continue
		fi
		TAP_MISSING=$((TAP_MISSING + 1))
		if [ -n "$after" ]; then
			echo "not ok $n - $label: test $n of $TAP_PLANNED did not run: the setup_file of its file failed (not ok $after)"
		else
			echo "not ok $n - $label: test $n of $TAP_PLANNED never reported"
		fi
	done
}
