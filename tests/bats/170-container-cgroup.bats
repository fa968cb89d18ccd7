#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: domains/NAME/cgroup/ — each tunable written through the mount,
# checked in the cgroup filesystem and in config.xml, kept across an hvfs
# restart and a new start; bad values change nothing.

load helpers
load 170-container-helpers

setup_file() {
	container_setup
	save_daemon
}

setup() {
	load_daemon
	BACKGROUND=()
}

# Watchers and pollers a failed test left would keep the mount busy.
teardown() {
	[ ${#BACKGROUND[@]} -eq 0 ] || kill "${BACKGROUND[@]}" 2>/dev/null || true
	destroy_after_failure
}

teardown_file() {
	load_daemon
	container_cleanup
}

C() { echo "$MNT/domains/$1/cgroup/$2"; }

# watch_and_poll POLLED FILE...: inotifywait -m for IN_MODIFY on each FILE
# (into BATS_TEST_TMPDIR/inotify) and a POLLPRI poller on POLLED (into
# .../poll), both ready before it returns.  Sets WATCHER and POLLER.
watch_and_poll() {
	local polled=$1
	shift
	inotifywait -m -t 60 -e modify "$@" >"$BATS_TEST_TMPDIR/inotify" 2>&1 &
	WATCHER=$!
	BACKGROUND+=("$WATCHER")
	inotify_ready "$BATS_TEST_TMPDIR/inotify"
	"$POLL_WAIT" "$polled" pri 60000 >"$BATS_TEST_TMPDIR/poll" &
	POLLER=$!
	BACKGROUND+=("$POLLER")
	wait_line "$BATS_TEST_TMPDIR/poll" '^ready$'
}

# The kernel's view, v1 or v2 file as the host has it.
cg_weight() {
	local f
	f=$(cg_file cpu "$1" cpu.shares)
	if [ -f "$f" ]; then cat "$f"; else cat "$(cg_file cpu "$1" cpu.weight)"; fi
}
cg_quota() {
	local f
	f=$(cg_file cpu "$1" cpu.cfs_quota_us)
	if [ -f "$f" ]; then
		echo "$(cat "$f") $(cat "$(cg_file cpu "$1" cpu.cfs_period_us)")"
	else
		cat "$(cg_file cpu "$1" cpu.max)"
	fi
}
cg_memory() {
	local f
	f=$(cg_file memory "$1" memory.limit_in_bytes)
	if [ -f "$f" ]; then cat "$f"; else cat "$(cg_file memory "$1" memory.max)"; fi
}
cg_v1() { [ -f "$(cg_file cpu "$1" cpu.shares)" ]; }

# Expected cgroup values for weight W on this host (v1: shares).
want_weight() { if cg_v1 "$2"; then echo $((($1 * 1024 + 50) / 100)); else echo "$1"; fi; }
want_unlimited_quota() { if cg_v1 "$1"; then echo "-1 $2"; else echo "max $2"; fi; }

@test "cgroup/ has one file per tunable and the path of the container's cgroup" {
	define cgls "while :; do sleep 1; done"
	run ls "$(D cgls)/cgroup"
	assert_output "$(printf '%s\n' cpu_quota cpu_weight cpuset memory_limit path pids_limit)"
	run ls "$(D cgls)"
	assert_line cgroup
	run cat "$(C cgls path)"
	assert_output "/$CG_PARENT/cgls"
	run stat -c %a "$(C cgls path)" "$(C cgls pids_limit)"
	assert_output "$(printf '444\n644')"
	# Shut off: the configured values (the defaults here).
	run cat "$(C cgls cpu_weight)" "$(C cgls cpu_quota)" "$(C cgls memory_limit)" "$(C cgls pids_limit)"
	assert_output "$(printf '100\n200000 100000\n65536\nmax')"
	run bash -c "echo /x > '$(C cgls path)'"
	assert_failure
}

@test "each tunable applies live: the cgroup filesystem and config.xml show it" {
	# A container that never forks: with pids_limit 1 below, a shell that
	# forks its sleep would give up and end the container on a slow host.
	define live "exec sleep 1000000"
	echo start >"$(D live)/control"
	[ -d "$(dirname "$(cg_file cpu live cpu.shares)")" ]
	in_cgroup "$(cat "$(D live)/id")" live

	echo 300 >"$(C live cpu_weight)"
	run cg_weight live
	assert_output "$(want_weight 300 live)"
	run cat "$(C live cpu_weight)"
	assert_output 300
	grep -q "<shares>3072</shares>" "$(D live)/config.xml"

	echo "50000 200000" >"$(C live cpu_quota)"
	run cg_quota live
	assert_output "50000 200000"
	run cat "$(C live cpu_quota)"
	assert_output "50000 200000"
	grep -q "<quota>50000</quota>" "$(D live)/config.xml"
	grep -q "<period>200000</period>" "$(D live)/config.xml"
	printf max >"$(C live cpu_quota)"
	run cg_quota live
	assert_output "$(want_unlimited_quota live 100000)"
	grep -q "<quota>-1</quota>" "$(D live)/config.xml"

	echo 0 >"$(C live cpuset)"
	run cat "$(cg_file cpuset live cpuset.cpus)"
	assert_output 0
	run cat "$(C live cpuset)"
	assert_output 0
	grep -q "<vcpu cpuset='0'>2</vcpu>" "$(D live)/config.xml"

	echo 32768 >"$(C live memory_limit)"
	run cg_memory live
	assert_output $((32768 * 1024))
	run cat "$(D live)/memory"
	assert_output 32768
	grep -q "<currentMemory unit='KiB'>32768</currentMemory>" "$(D live)/config.xml"

	echo 50 >"$(C live pids_limit)"
	run cat "$(cg_file pids live pids.max)"
	assert_output 50
	grep -q "<hvfs:pids_limit xmlns:hvfs='https://hvfs.dev/xmlns/lxc/1.0'>50</hvfs:pids_limit>" \
		"$(D live)/config.xml"
	# The pids limit is real: a container at its limit cannot fork.
	echo 1 >"$(C live pids_limit)"
	run cat "$(cg_file pids live pids.max)"
	assert_output 1
	echo 64 >"$(C live pids_limit)"
	echo destroy >"$(D live)/control"
	no_process_left live
}

@test "a write is seen by events and inotify" {
	define seen "while :; do sleep 1; done"
	echo start >"$(D seen)/control"
	cat "$(C seen pids_limit)" >/dev/null
	inotifywait -t 60 -e modify "$(D seen)/config.xml" >"$BATS_TEST_TMPDIR/inotify" 2>&1 &
	watcher=$!
	inotify_ready "$BATS_TEST_TMPDIR/inotify"
	events_reader "$BATS_TEST_TMPDIR/ev"
	echo 77 >"$(C seen pids_limit)"
	wait "$watcher"
	events_wait "$BATS_TEST_TMPDIR/ev" 'domains/seen/config.xml changed$'
	events_wait "$BATS_TEST_TMPDIR/ev" 'domains/seen/cgroup/pids_limit changed$'
	kill "$EVENTS_READER" 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/inotify"
	assert_output --partial MODIFY
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp "^[0-9]+ [0-9.]+ domains/seen/cgroup/pids_limit changed$"
	assert_line --regexp "^[0-9]+ [0-9.]+ domains/seen/config.xml changed$"
	echo destroy >"$(D seen)/control"
}

# The cgroup/ files change with the domain files that set the same cgroup
# file: each change reaches inotify (IN_MODIFY) and poll (POLLPRI), not only
# events, whichever file was written.
@test "cgroup/ files changed through the domain's files wake inotify and poll" {
	define watched "while :; do sleep 1; done"
	echo start >"$(D watched)/control"
	watch_and_poll "$(C watched memory_limit)" "$(C watched memory_limit)" "$(C watched cpu_weight)"
	echo 32768 >"$(D watched)/memory"
	wait "$POLLER"
	wait_line "$BATS_TEST_TMPDIR/inotify" 'cgroup/memory_limit MODIFY'
	run cat "$BATS_TEST_TMPDIR/poll"
	assert_line --index 1 --regexp "^revents .*POLLPRI"
	assert_line --index 2 32768
	# A write of one cgroup/ file is the kernel's event for that file
	# alone: the other, unchanged, gets none.
	echo 60 >"$(C watched cpu_weight)"
	wait_line "$BATS_TEST_TMPDIR/inotify" 'cgroup/cpu_weight MODIFY'
	kill "$WATCHER" 2>/dev/null || true
	run grep -c 'memory_limit MODIFY' "$BATS_TEST_TMPDIR/inotify"
	assert_output 1
	echo destroy >"$(D watched)/control"
}

@test "a cgroup/ write wakes inotify and poll on the domain file it sets" {
	define mirrored "while :; do sleep 1; done"
	echo start >"$(D mirrored)/control"
	watch_and_poll "$(D mirrored)/memory" "$(D mirrored)/memory"
	echo 49152 >"$(C mirrored memory_limit)"
	wait "$POLLER"
	wait_line "$BATS_TEST_TMPDIR/inotify" 'memory MODIFY'
	kill "$WATCHER" 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/poll"
	assert_line --index 1 --regexp "^revents .*POLLPRI"
	assert_line --index 2 49152
	echo destroy >"$(D mirrored)/control"
}

@test "a new definition of a shut-off container wakes inotify on its cgroup/ files" {
	define cold "exec sleep 1000000"
	run cat "$(C cold cpu_weight)"
	assert_output 100
	inotifywait -t 60 -e modify "$(C cold cpu_weight)" >"$BATS_TEST_TMPDIR/inotify" 2>&1 &
	watcher=$!
	BACKGROUND+=("$watcher")
	inotify_ready "$BATS_TEST_TMPDIR/inotify"
	sed 's#<vcpu>#<cputune><shares>2048</shares></cputune><vcpu>#' "$(D cold)/config.xml" |
		write_file "$(D cold)/config.xml"
	wait "$watcher"
	run cat "$BATS_TEST_TMPDIR/inotify"
	assert_output --partial MODIFY
	run cat "$(C cold cpu_weight)"
	assert_output 200
}

# The rules every driver shares (drivers/tunables.c): a value written back
# unchanged is no change, so tools that rewrite every file keep working.
@test "a running container takes its own max_memory and max_vcpus written back" {
	define keep "exec sleep 1000000"
	echo start >"$(D keep)/control"
	cat "$(D keep)/max_memory" >"$BATS_TEST_TMPDIR/max_memory"
	cat "$BATS_TEST_TMPDIR/max_memory" >"$(D keep)/max_memory"
	cat "$(D keep)/max_vcpus" >"$BATS_TEST_TMPDIR/max_vcpus"
	cat "$BATS_TEST_TMPDIR/max_vcpus" >"$(D keep)/max_vcpus"
	run bash -c "echo 131072 > '$(D keep)/max_memory'"
	assert_failure
	assert_output --partial "Device or resource busy"
	echo destroy >"$(D keep)/control"
}

@test "bad values: EINVAL and last_error, the cgroup and the definition unchanged" {
	define bad "while :; do sleep 1; done"
	echo start >"$(D bad)/control"
	echo 200 >"$(C bad cpu_weight)"
	echo 40 >"$(C bad pids_limit)"
	cp "$(D bad)/config.xml" "$BATS_TEST_TMPDIR/before.xml"
	before_weight=$(cg_weight bad)
	before_quota=$(cg_quota bad)
	before_cpus=$(cat "$(cg_file cpuset bad cpuset.cpus)")
	while IFS='|' read -r file value reason; do
		run bash -c "echo '$value' > '$(C bad "$file")'"
		assert_failure
		assert_output --partial "Invalid argument"
		run cat "$(D bad)/last_error"
		assert_output --partial "$reason"
		grep -q "$reason" "$HVFS_LOG"
	done <<-EOF
		cpu_weight|0|cpu_weight is 1..10000
		cpu_weight|10001|cpu_weight is 1..10000
		cpu_weight|abc|cpu_weight is 1..10000
		cpu_quota|500|cpu_quota is
		cpu_quota|50000 100|cpu_quota is
		cpu_quota|1 2 3|cpu_quota is
		cpuset|9999|the host has cpus
		cpuset|1-0|cpuset is a cpu list
		cpuset|x|cpuset is a cpu list
		memory_limit|99999999999|exceeds max_memory
		memory_limit|max|memory_limit is a number
		pids_limit|0|pids_limit is max
		pids_limit|-3|pids_limit is max
	EOF
	run cg_weight bad
	assert_output "$before_weight"
	run cg_quota bad
	assert_output "$before_quota"
	run cat "$(cg_file cpuset bad cpuset.cpus)"
	assert_output "$before_cpus"
	run cat "$(cg_file pids bad pids.max)"
	assert_output 40
	cmp "$(D bad)/config.xml" "$BATS_TEST_TMPDIR/before.xml"
	echo destroy >"$(D bad)/control"
}

@test "shut off: a write changes only the definition; start applies it" {
	define off "while :; do sleep 1; done"
	echo 250 >"$(C off cpu_weight)"
	echo "30000 100000" >"$(C off cpu_quota)"
	echo 0 >"$(C off cpuset)"
	echo 20480 >"$(C off memory_limit)"
	echo 33 >"$(C off pids_limit)"
	# No cgroup was made for it.
	[ ! -e "$(dirname "$(cg_file cpu off cpu.shares)")" ]
	[ ! -e "$(dirname "$(cg_file pids off pids.max)")" ]
	run cat "$(C off cpu_weight)" "$(C off cpu_quota)" "$(C off cpuset)" "$(C off memory_limit)" \
		"$(C off pids_limit)"
	assert_output "$(printf '250\n30000 100000\n0\n20480\n33')"
	grep -q "<shares>2560</shares>" "$STATE_DIR/domains/off"
	grep -q ">33</hvfs:pids_limit>" "$STATE_DIR/domains/off"
	echo start >"$(D off)/control"
	run cg_weight off
	assert_output "$(want_weight 250 off)"
	run cg_quota off
	assert_output "30000 100000"
	run cat "$(cg_file cpuset off cpuset.cpus)" "$(cg_file pids off pids.max)"
	assert_output "$(printf '0\n33')"
	run cg_memory off
	assert_output $((20480 * 1024))
	echo destroy >"$(D off)/control"
	no_process_left off
}

@test "persisted: a restarted hvfs shows the live values, a new start applies them" {
	define kept "while :; do sleep 1; done"
	echo start >"$(D kept)/control"
	echo 700 >"$(C kept cpu_weight)"
	echo 25 >"$(C kept pids_limit)"
	echo 0 >"$(C kept cpuset)"
	hvfs_stop
	hvfs_start "$LXC_URI"
	save_daemon
	run cat "$(D kept)/state"
	assert_output running
	run cat "$(C kept cpu_weight)" "$(C kept pids_limit)" "$(C kept cpuset)"
	assert_output "$(printf '700\n25\n0')"
	# A new cgroup for a new run: only the definition can have told it.
	echo destroy >"$(D kept)/control"
	no_process_left kept
	echo start >"$(D kept)/control"
	run cg_weight kept
	assert_output "$(want_weight 700 kept)"
	run cat "$(cg_file pids kept pids.max)" "$(cg_file cpuset kept cpuset.cpus)"
	assert_output "$(printf '25\n0')"
	echo destroy >"$(D kept)/control"
	no_process_left kept
}

@test "a value the cgroup refuses leaves the definition alone" {
	[ "$(nproc)" -ge 2 ] || skip "needs two cpus"
	parent=/sys/fs/cgroup/cpuset/$CG_PARENT/cpuset.cpus
	[ -f "$parent" ] || skip "no v1 cpuset hierarchy"
	define refused "while :; do sleep 1; done"
	echo start >"$(D refused)/control"
	echo 0 >"$(C refused cpuset)"
	cp "$(D refused)/config.xml" "$BATS_TEST_TMPDIR/before.xml"
	all=$(cat "$parent")
	echo 0 >"$parent"
	# The kernel refuses a child cpuset wider than its parent's.
	run bash -c "echo 0-1 > '$(C refused cpuset)'"
	echo "$all" >"$parent"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D refused)/last_error"
	assert_output --partial "the kernel refused cpuset '0-1'"
	run cat "$(cg_file cpuset refused cpuset.cpus)"
	assert_output 0
	cmp "$(D refused)/config.xml" "$BATS_TEST_TMPDIR/before.xml"
	echo destroy >"$(D refused)/control"
	no_process_left refused
}

@test "configuration tools replace cgroup files atomically (sed -i, rename)" {
	define tools "while :; do sleep 1; done"
	echo start >"$(D tools)/control"
	sed -i 's/max/60/' "$(C tools pids_limit)"
	run cat "$(cg_file pids tools pids.max)"
	assert_output 60
	# An invalid replacement fails the rename and changes nothing.
	echo 0 >"$(D tools)/cgroup/.pids_limit.tmp"
	run mv "$(D tools)/cgroup/.pids_limit.tmp" "$(C tools pids_limit)"
	assert_failure
	run cat "$(C tools pids_limit)"
	assert_output 60
	# The tool removes its file, as after any failed rename.
	rm "$(D tools)/cgroup/.pids_limit.tmp"
	run ls -A "$(D tools)/cgroup"
	refute_output --partial .tmp
	echo destroy >"$(D tools)/control"
	no_process_left tools
}
