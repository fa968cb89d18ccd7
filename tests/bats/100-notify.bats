#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# docs/paths.md, change notification: every change, whatever its origin, reaches inotify watchers,
# poll(2)ers and readers of events; cached reads after a notification
# show the new value.

load helpers

setup_file() {
	hvfs_start 'test:///default?shutdown_delay_ms=1000'
}

teardown_file() {
	hvfs_stop
}

teardown() {
	watch_stop
}

D() { echo "$MNT/domains/$1"; }

# watch_start PATH...: inotifywait -m -r, one "PATH EVENTS" line per event.
watch_start() {
	WATCH_LOG=$BATS_TEST_TMPDIR/watch.log
	: >"$WATCH_LOG"
	inotifywait -m -r -e modify,attrib,create,delete,moved_from,moved_to --format '%w%f %e' "$@" \
		>"$WATCH_LOG" 2>"$WATCH_LOG.err" 3>&- &
	WATCH_PID=$!
	for _ in $(seq 100); do
		grep -q "Watches established" "$WATCH_LOG.err" && return 0
		sleep 0.05
	done
	cat "$WATCH_LOG.err" >&2
	return 1
}

watch_stop() {
	[ -n "${WATCH_PID:-}" ] || return 0
	kill "$WATCH_PID" 2>/dev/null || true
	wait "$WATCH_PID" 2>/dev/null || true
	WATCH_PID=
}

# wait_event REGEX [TENTHS]
wait_event() {
	wait_line "$WATCH_LOG" "$1" "${2:-50}"
}

# poll_start FILE pri|in: poll_wait in the background, once it is polling;
# sets pid, output in $BATS_TEST_TMPDIR/poll.
poll_start() {
	"$POLL_WAIT" "$1" "$2" 5000 >"$BATS_TEST_TMPDIR/poll" &
	pid=$!
	for _ in $(seq 50); do grep -q ready "$BATS_TEST_TMPDIR/poll" && break; sleep 0.05; done
}

@test "a write through the mount gives IN_MODIFY on the files whose value changed" {
	watch_start "$(D test)"
	echo suspend >"$(D test)/control"
	wait_event "domains/test/state MODIFY$"
	echo resume >"$(D test)/control"
	for _ in $(seq 50); do
		[ "$(grep -cE "domains/test/state MODIFY$" "$WATCH_LOG")" -ge 2 ] && break
		sleep 0.1
	done
	sleep 0.2 # anything extra would have arrived by now
	run grep -cE "domains/test/state MODIFY$" "$WATCH_LOG"
	assert_output 2
	# Files whose value did not change stay quiet; statistics are exempt.
	run grep -E "/(uuid|memory|vcpus|config.xml|os_type|stats/cpu_time) " "$WATCH_LOG"
	assert_failure
}

@test "a change the driver makes by itself (shutdown completing) gives IN_MODIFY" {
	echo start >"$(D idle)/control"
	watch_start "$(D idle)"
	echo shutdown >"$(D idle)/control"
	wait_event "domains/idle/state MODIFY$"
	# id changes only when the shutdown completes, on the driver's timer.
	wait_event "domains/idle/id MODIFY$" 50
	run cat "$(D idle)/state"
	assert_output shutoff
	run cat "$(D idle)/id"
	assert_output -- -1
}

@test "a watch on the file itself sees the driver's change" {
	echo start >"$(D idle)/control"
	watch_start "$(D idle)/state"
	echo shutdown >"$(D idle)/control"
	sleep 0.1
	: >"$WATCH_LOG"
	wait_event "state MODIFY$" 50
	run cat "$(D idle)/state"
	assert_output shutoff
}

@test "mkdir, mv and rmdir give IN_CREATE, IN_MOVED_* and IN_DELETE in domains/" {
	watch_start "$MNT/domains"
	mkdir "$(D nf1)"
	wait_event "domains/nf1 CREATE,ISDIR$"
	mv "$(D nf1)" "$(D nf2)"
	wait_event "domains/nf1 MOVED_FROM,ISDIR$"
	wait_event "domains/nf2 MOVED_TO,ISDIR$"
	rmdir "$(D nf2)"
	wait_event "domains/nf2 DELETE,ISDIR$"
}

@test "a failed write gives IN_MODIFY on last_error" {
	watch_start "$(D test)"
	run bash -c "echo bogus > '$(D test)/control'"
	assert_failure
	wait_event "domains/test/last_error MODIFY$"
}

@test "cached values are fresh after every change" {
	cat "$(D test)/state" "$(D test)/memory" >/dev/null
	echo suspend >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output paused
	echo resume >"$(D test)/control"
	run cat "$(D test)/state"
	assert_output running
	# The page cache must hold the resulting value, not the bytes written.
	echo 512M >"$(D test)/memory"
	run cat "$(D test)/memory"
	assert_output 524288
	run grep -c "<currentMemory unit=.KiB.>524288<" "$(D test)/config.xml"
	assert_output 1
}

@test "after the driver's notification a cached read shows the new value" {
	echo start >"$(D idle)/control"
	cat "$(D idle)/state" >/dev/null
	watch_start "$(D idle)"
	echo shutdown >"$(D idle)/control"
	wait_event "domains/idle/id MODIFY$" 50
	run cat "$(D idle)/state"
	assert_output shutoff
}

@test "poll(2) on an attribute wakes with POLLPRI|POLLERR on a write's change" {
	poll_start "$(D test)/state" pri
	echo suspend >"$(D test)/control"
	wait "$pid"
	echo resume >"$(D test)/control"
	run cat "$BATS_TEST_TMPDIR/poll"
	assert_line --index 1 --regexp "^revents .*POLLPRI POLLERR$"
	assert_line --index 2 paused
}

@test "poll(2) on an attribute wakes on the driver's own change" {
	echo start >"$(D idle)/control"
	echo shutdown >"$(D idle)/control"
	# Now in state shutdown; the driver completes it 1 s later by itself.
	"$POLL_WAIT" "$(D idle)/state" pri 5000 >"$BATS_TEST_TMPDIR/poll" &
	pid=$!
	wait "$pid"
	run cat "$BATS_TEST_TMPDIR/poll"
	assert_line --index 1 --regexp "POLLPRI"
	assert_line --index 2 shutoff
}

@test "poll(2) on an attribute that does not change times out" {
	run "$POLL_WAIT" "$(D test)/uuid" pri 300
	assert_line timeout
}

@test "events: one line per change, SEQ TIMESTAMP PATH EVENT [DETAIL], in order" {
	timeout 5 cat "$MNT/events" >"$BATS_TEST_TMPDIR/ev" &
	sleep 0.5 # the reader sees what happens after it opened
	echo suspend >"$(D test)/control"
	echo resume >"$(D test)/control"
	echo 2 >"$(D test)/vcpus" # unchanged: no event
	mkdir "$(D ev1)"
	rmdir "$(D ev1)"
	sleep 0.3
	kill %1 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp '^[0-9]+ [0-9]+\.[0-9]{6} domains/test suspended paused$'
	assert_line --regexp '^[0-9]+ [0-9]+\.[0-9]{6} domains/test/state changed$'
	assert_line --regexp '^[0-9]+ [0-9]+\.[0-9]{6} domains/test resumed unpaused$'
	assert_line --regexp '^[0-9]+ [0-9]+\.[0-9]{6} domains/ev1 created$'
	assert_line --regexp '^[0-9]+ [0-9]+\.[0-9]{6} domains/ev1 deleted$'
	refute_line --partial vcpus
	# Sequence numbers increase by one.
	run awk 'NR > 1 && $1 != prev + 1 { bad = 1 } { prev = $1 } END { exit bad }' "$BATS_TEST_TMPDIR/ev"
	assert_success
	run grep -n "suspended\|resumed\|created\|deleted" "$BATS_TEST_TMPDIR/ev"
	assert_line --index 0 --partial suspended
	assert_line --index 3 --partial deleted
}

@test "events: the driver's own changes appear (shutdown completing)" {
	echo start >"$(D idle)/control"
	timeout 5 cat "$MNT/events" >"$BATS_TEST_TMPDIR/ev" &
	sleep 0.5 # the reader sees what happens after it opened
	echo shutdown >"$(D idle)/control"
	for _ in $(seq 50); do grep -q "stopped" "$BATS_TEST_TMPDIR/ev" && break; sleep 0.1; done
	sleep 0.1
	kill %1 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp 'domains/idle shutdown requested$'
	assert_line --regexp 'domains/idle stopped shutdown$'
	assert_line --regexp 'domains/idle/id changed$'
}

@test "events: each reader sees what happened after it opened" {
	run python3 - "$MNT/events" "$(D test)/control" <<'PY'
import os, sys
events, control = sys.argv[1], sys.argv[2]
def command(word):
    fd = os.open(control, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, word.encode() + b"\n")
    os.close(fd)
a = os.open(events, os.O_RDONLY | os.O_NONBLOCK)
command("suspend")
b = os.open(events, os.O_RDONLY | os.O_NONBLOCK)
command("resume")
def lines(fd):
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return out.decode().splitlines()
        if not chunk:
            return out.decode().splitlines()
        out += chunk
la, lb = lines(a), lines(b)
assert any("suspended" in l for l in la), la
assert not any("suspended" in l for l in lb), lb
assert any("resumed" in l for l in lb), lb
print("ok", len(la), len(lb))
PY
	assert_success
	assert_output --regexp '^ok [0-9]+ [0-9]+$'
}

@test "events: O_NONBLOCK with nothing to read is EAGAIN; a blocking read waits" {
	run python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
try:
    os.read(fd, 4096)
except BlockingIOError:
    print("EAGAIN")' "$MNT/events"
	assert_output EAGAIN
	timeout 5 head -n 1 "$MNT/events" >"$BATS_TEST_TMPDIR/first" &
	pid=$!
	sleep 0.3
	echo suspend >"$(D test)/control"
	wait "$pid"
	echo resume >"$(D test)/control"
	run cat "$BATS_TEST_TMPDIR/first"
	assert_output --regexp 'domains/test suspended paused$'
}

@test "poll(2) on events wakes with POLLIN" {
	poll_start "$MNT/events" in
	echo suspend >"$(D test)/control"
	wait "$pid"
	echo resume >"$(D test)/control"
	run cat "$BATS_TEST_TMPDIR/poll"
	assert_line --index 1 "revents POLLIN"
	assert_line --regexp 'domains/test suspended paused$'
}

@test "events: a reader that falls behind the ring gets an overflow line and continues" {
	run python3 - "$MNT/events" "$(D test)/control" <<'PY'
import os, sys
events, control = sys.argv[1], sys.argv[2]
slow = os.open(events, os.O_RDONLY | os.O_NONBLOCK)
for i in range(2200):   # 2 lines per command: > 4096 events
    fd = os.open(control, os.O_WRONLY | os.O_TRUNC)
    os.write(fd, b"suspend\n" if i % 2 == 0 else b"resume\n")
    os.close(fd)
data = b""
while True:
    try:
        chunk = os.read(slow, 65536)
    except BlockingIOError:
        break
    data += chunk
lines = data.decode().splitlines()
first = lines[0].split()
assert first[2:] == ["/", "overflow"], lines[0]
seqs = [int(l.split()[0]) for l in lines[1:]]
assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "gap after overflow"
assert int(first[0]) < seqs[0], (first, seqs[0])
assert len(seqs) == 4096, len(seqs)
print("ok")
PY
	assert_success
	assert_output ok
	# The daemon and other readers were never held up.
	run cat "$(D test)/state"
	assert_output running
}
