#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Objects that appear, move and go behind the filesystem's back (the test
# driver's churn_ms knob stands in for another toolstack) give the same
# inotify events and events lines as a local mkdir, mv and rmdir.

load helpers

setup_file() {
	hvfs_start 'test:///default?churn_ms=300'
}

teardown_file() {
	hvfs_stop
}

@test "the driver's own create, rename and delete reach inotify watchers" {
	log=$BATS_TEST_TMPDIR/watch
	inotifywait -m -e create,delete,moved_from,moved_to --format '%f %e' "$MNT/domains" >"$log" 2>"$log.err" 3>&- &
	watcher=$!
	for _ in $(seq 100); do grep -q "Watches established" "$log.err" && break; sleep 0.05; done
	# The watch may start anywhere in a cycle: wait until each of the four
	# events has been seen, which a full cycle guarantees.
	for _ in $(seq 60); do
		grep -q "churn-a CREATE,ISDIR" "$log" && grep -q "churn-a MOVED_FROM,ISDIR" "$log" &&
			grep -q "churn-b MOVED_TO,ISDIR" "$log" && grep -q "churn-b DELETE,ISDIR" "$log" && break
		sleep 0.1
	done
	kill "$watcher"
	run cat "$log"
	assert_line "churn-a CREATE,ISDIR"
	assert_line "churn-a MOVED_FROM,ISDIR"
	assert_line "churn-b MOVED_TO,ISDIR"
	assert_line "churn-b DELETE,ISDIR"
}

@test "the driver's own create, rename and delete appear in events" {
	timeout 3 cat "$MNT/events" >"$BATS_TEST_TMPDIR/ev" || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/churn-a created$'
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/churn-a renamed domains/churn-b$'
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/churn-b deleted$'
}

# Lookups and the listing (always asked of the driver) agree, allowing the
# notifier its fraction of a millisecond to catch up with a change.
agree() {
	local listing again a b
	for _ in 1 2 3 4 5; do
		listing=$(ls "$MNT/domains" | grep churn || true)
		a=no b=no
		[ -d "$MNT/domains/churn-a" ] && a=yes
		[ -d "$MNT/domains/churn-b" ] && b=yes
		again=$(ls "$MNT/domains" | grep churn || true)
		if [ "$listing" = "$again" ] &&
			[ "$a" = "$(echo "$listing" | grep -qx churn-a && echo yes || echo no)" ] &&
			[ "$b" = "$(echo "$listing" | grep -qx churn-b && echo yes || echo no)" ]; then
			echo "${listing:-none}"
			return 0
		fi
		sleep 0.02
	done
	echo "lookups say churn-a=$a churn-b=$b, the listing says: $listing" >&2
	return 1
}

@test "lookups follow the driver's changes (no stale names in the kernel's cache)" {
	seen=""
	for _ in $(seq 60); do
		seen="$seen $(agree | tr '\n' ,)"
		sleep 0.05
	done
	# Each phase was seen: churn-a, churn-b, and neither.
	[[ "$seen" == *"churn-a,"* ]]
	[[ "$seen" == *"churn-b,"* ]]
	[[ "$seen" == *"none,"* ]]
	run ls "$MNT/domains"
	assert_line test
}
