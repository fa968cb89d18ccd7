#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# A stat of a domain's file costs the same with 1 guest as with 20
# (docs/xen.md, "Lookups"): hvfs finds the name in its watch thread's
# snapshot and reads that one domain, never the whole list.  The daemon
# runs with --cache-timeout 0, so that every stat reaches it, and logs
# (debug) each read of the whole list made to find one domain: the check
# counts those.  The times are printed beside, not asserted (make bench
# measures speed).  The guests are made paused (xl create -p), small: they
# cost memory, not boots.

load helpers

GUESTS=20

destroy_many() {
	local i
	for i in $(seq 1 $GUESTS); do
		xl destroy "many$i" 2>/dev/null || true
	done
}

setup_file() {
	destroy_many
	HVFS_ARGS="--cache-timeout 0" hvfs_start
}

teardown_file() {
	destroy_many
	hvfs_stop
}

# create_many FROM TO: guests manyFROM..manyTO, paused, those not there yet;
# waits until hvfs shows the last.  Each test makes what it needs, so that
# one that failed leaves the next able to run.
create_many() {
	local i
	for i in $(seq "$1" "$2"); do
		xl list "many$i" >/dev/null 2>&1 && continue
		xl create -q -p /guest/tiny.cfg "name=\"many$i\"" "memory=80" || return 1
	done
	wait_until 600 test -d "$MNT/domains/many$2"
}

full_reads() {
	grep -c "reading every domain to find" "$HVFS_LOG" || true
}

# stat_us FILE N: N stats of FILE by the shell itself (no fork each), in
# microseconds per stat.
stat_us() {
	local file=$1 n=$2 i start end
	start=${EPOCHREALTIME/./}
	for ((i = 0; i < n; i++)); do
		[ -s "$file" ] || return 1
	done
	end=${EPOCHREALTIME/./}
	echo $(((end - start) / n))
}

# check_stats: 100 stats of two guests' files, none of which may read the
# whole domain list; prints the time per stat.
check_stats() {
	local before us
	before=$(full_reads)
	us=$(stat_us "$MNT/domains/many1/state" 100)
	stat_us "$MNT/domains/many$1/memory" 20 >/dev/null
	[ "$(full_reads)" = "$before" ] || {
		echo "stats read the whole domain list $(($(full_reads) - before)) times" >&2
		return 1
	}
	echo "$us"
}

@test "1 guest: a stat of a domain file reads that domain only" {
	create_many 1 1
	run check_stats 1
	assert_success
	echo "$output" >"$BATS_FILE_TMPDIR/one"
}

# Made in two steps, each well within a test's time even on a busy host
# (a guest takes about 10 s to build under emulation).
@test "guests 2 to 10 are made" {
	create_many 2 10
}

@test "guests 11 to $GUESTS are made" {
	create_many 11 $GUESTS
	run ls "$MNT/domains"
	assert_output --partial "many$GUESTS"
}

@test "$GUESTS guests: a stat of a domain file still reads that domain only" {
	create_many 1 $GUESTS
	run check_stats $GUESTS
	assert_success
	echo "# stat of domains/NAME/state (uncached): 1 guest $(cat "$BATS_FILE_TMPDIR/one" 2>/dev/null || echo ?) us, $GUESTS guests $output us" >&3
}
