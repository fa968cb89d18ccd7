#!/usr/bin/env bats
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
	for _ in $(seq 60); do grep -q "churn-b DELETE,ISDIR" "$log" && grep -q "churn-a CREATE,ISDIR" "$log" && break; sleep 0.1; done
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

@test "lookups follow the driver's changes (no stale names in the kernel's cache)" {
	seen_a=0 seen_b=0 gone=0
	for _ in $(seq 60); do
		if [ -d "$MNT/domains/churn-a" ]; then
			seen_a=1
			[ ! -d "$MNT/domains/churn-b" ] || { echo "churn-a and churn-b at once" >&2; false; }
		fi
		if [ -d "$MNT/domains/churn-b" ]; then
			seen_b=1
			run cat "$MNT/domains/churn-b/state"
			[ "$status" -ne 0 ] || [ "$output" = shutoff ]
		fi
		[ -d "$MNT/domains/churn-a" ] || [ -d "$MNT/domains/churn-b" ] || gone=1
		sleep 0.05
	done
	[ "$seen_a" = 1 ] && [ "$seen_b" = 1 ] && [ "$gone" = 1 ]
	run ls "$MNT/domains"
	assert_line test
}
