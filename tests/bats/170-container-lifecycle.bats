#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxc:///: real containers through the mount, checked independently in
# /proc and the cgroup filesystem.

load helpers
load 170-container-helpers

setup_file() {
	container_setup
}

teardown_file() {
	container_cleanup
}

teardown() {
	destroy_after_failure
}

@test "mkdir defines a shut-off lxc domain with a default definition" {
	mkdir "$(D plain)"
	run cat "$(D plain)/state"
	assert_output shutoff
	run cat "$(D plain)/id"
	assert_output -- -1
	run cat "$(D plain)/os_type"
	assert_output exe
	run cat "$(D plain)/config.xml"
	assert_output --partial "<domain type='lxc'>"
	assert_output --partial "<init>/sbin/init</init>"
	[ -f "$STATE_DIR/domains/plain" ]
	rmdir "$(D plain)"
	[ ! -e "$STATE_DIR/domains/plain" ]
}

@test "a definition that is not a container is EINVAL with the reason in last_error" {
	mkdir "$(D notlxc)"
	run write_file "$(D notlxc)/config.xml" <<'XML'
<domain type='kvm'><name>notlxc</name><memory>65536</memory><os><type>hvm</type></os></domain>
XML
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D notlxc)/last_error"
	assert_output --partial "type='lxc'"
	run write_file "$(D notlxc)/config.xml" <<'XML'
<domain type='lxc'><name>notlxc</name><memory>65536</memory><os><type>exe</type><init>bin/sh</init></os></domain>
XML
	assert_failure
	run cat "$(D notlxc)/last_error"
	assert_output --partial "absolute"
	rmdir "$(D notlxc)"
}

@test "start runs init as the domain's id, in the domain's cgroup, and stats are real" {
	define c1 "$(counter_script "$BATS_FILE_TMPDIR/c1.count")"
	echo start >"$(D c1)/control"
	run cat "$(D c1)/state"
	assert_output running
	id=$(cat "$(D c1)/id")
	[ "$id" -gt 1 ]
	# The host sees the process, running busybox ...
	run cat /proc/"$id"/cmdline
	assert_output --partial busybox
	# ... in the domain's cgroup in every hierarchy, listed there too.
	in_cgroup "$id" c1
	grep -qx "$id" "$(cg_file memory c1 cgroup.procs)"
	grep -qx "$id" "$(cg_file freezer c1 cgroup.procs)"
	# 64 MiB is the memory limit.
	run cat "$(cg_file memory c1 memory.limit_in_bytes)"
	assert_output $((64 * 1024 * 1024))
	wait_for_counter "$BATS_FILE_TMPDIR/c1.count"
	run cat "$(D c1)/stats/cpu_time"
	assert_output --regexp '^[1-9][0-9]*$'
	run cat "$(D c1)/stats/memory_rss"
	assert_output --regexp '^[1-9][0-9]*$'
}

wait_for_counter() {
	for _ in $(seq 50); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 never written" >&2
	return 1
}

@test "init is pid 1 of its own pid namespace, has the domain's hostname and no hvfs mount" {
	define ns "echo \$\$ &gt; $BATS_FILE_TMPDIR/ns.pid; grep -c fuse.hvfs /proc/self/mountinfo &gt; $BATS_FILE_TMPDIR/ns.hvfs; hostname &gt; $BATS_FILE_TMPDIR/ns.host; exec sleep 60"
	host_before=$(hostname)
	echo start >"$(D ns)/control"
	wait_for_counter "$BATS_FILE_TMPDIR/ns.host"
	run cat "$BATS_FILE_TMPDIR/ns.pid"
	assert_output 1
	run cat "$BATS_FILE_TMPDIR/ns.host"
	assert_output ns
	# The host's hvfs mounts are not in the container's mount table.
	run cat "$BATS_FILE_TMPDIR/ns.hvfs"
	assert_output 0
	grep -q fuse.hvfs /proc/self/mountinfo
	[ "$(hostname)" = "$host_before" ]
	id=$(cat "$(D ns)/id")
	# Independently: its namespaces are not ours.
	[ "$(readlink /proc/"$id"/ns/uts)" != "$(readlink /proc/self/ns/uts)" ]
	[ "$(readlink /proc/"$id"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	[ "$(readlink /proc/"$id"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
	[ "$(readlink /proc/"$id"/ns/ipc)" != "$(readlink /proc/self/ns/ipc)" ]
	# Without an <interface> it shares the host's network (as libvirt).
	[ "$(readlink /proc/"$id"/ns/net)" = "$(readlink /proc/self/ns/net)" ]
	echo destroy >"$(D ns)/control"
}

@test "an <interface> gives the container its own network namespace" {
	define net "exec sleep 60" 64 "<devices><interface type='network'><source network='default'/></interface></devices>"
	echo start >"$(D net)/control"
	id=$(cat "$(D net)/id")
	[ "$(readlink /proc/"$id"/ns/net)" != "$(readlink /proc/self/ns/net)" ]
	echo destroy >"$(D net)/control"
}

@test "suspend freezes the cgroup: the counter stops; resume lets it go on" {
	echo suspend >"$(D c1)/control"
	run cat "$(D c1)/state"
	assert_output paused
	run cat "$(cg_file freezer c1 freezer.state)"
	assert_output FROZEN
	a=$(cat "$BATS_FILE_TMPDIR/c1.count")
	sleep 0.4
	b=$(cat "$BATS_FILE_TMPDIR/c1.count")
	[ "$a" = "$b" ]
	echo resume >"$(D c1)/control"
	run cat "$(D c1)/state"
	assert_output running
	sleep 0.4
	c=$(cat "$BATS_FILE_TMPDIR/c1.count")
	[ "$c" -gt "$b" ]
}

@test "memory and vcpus apply live to the cgroup and the definition" {
	echo 32768 >"$(D c1)/memory"
	run cat "$(cg_file memory c1 memory.limit_in_bytes)"
	assert_output $((32 * 1024 * 1024))
	run cat "$(D c1)/memory"
	assert_output 32768
	grep -q "<currentMemory" "$(D c1)/config.xml"
	echo 1 >"$(D c1)/vcpus"
	run cat "$(cg_file cpu c1 cpu.cfs_quota_us)"
	assert_output 100000
	echo 2 >"$(D c1)/vcpus"
	run cat "$(cg_file cpu c1 cpu.cfs_quota_us)"
	assert_output 200000
	run bash -c "echo 3 > '$(D c1)/vcpus'"
	assert_failure
	run bash -c "echo 1 > '$(D c1)/max_vcpus'"
	assert_failure
	assert_output --partial "busy"
}

@test "a new config.xml of a running domain applies memory live; its maxima are EBUSY" {
	grep -q "<currentMemory" "$(D c1)/config.xml"
	sed -E 's|<currentMemory[^>]*>[0-9]+</currentMemory>|<currentMemory unit="MiB">48</currentMemory>|;
		s|<vcpu[^>]*>2</vcpu>|<vcpu current="1">2</vcpu>|' "$(D c1)/config.xml" >"$BATS_TEST_TMPDIR/c1.xml"
	write_file "$(D c1)/config.xml" <"$BATS_TEST_TMPDIR/c1.xml"
	run cat "$(cg_file memory c1 memory.limit_in_bytes)"
	assert_output $((48 * 1024 * 1024))
	run cat "$(cg_file cpu c1 cpu.cfs_quota_us)"
	assert_output 100000
	run cat "$(D c1)/vcpus"
	assert_output 1
	sed 's|<vcpu current="1">2</vcpu>|<vcpu>4</vcpu>|' "$BATS_TEST_TMPDIR/c1.xml" >"$BATS_TEST_TMPDIR/c1b.xml"
	run write_file "$(D c1)/config.xml" <"$BATS_TEST_TMPDIR/c1b.xml"
	assert_failure
	assert_output --partial "busy"
	run cat "$(D c1)/max_vcpus"
	assert_output 2
}

@test "undefine and rename of a running domain are EBUSY" {
	run rmdir "$(D c1)"
	assert_failure
	assert_output --partial "busy"
	run mv "$(D c1)" "$(D c1b)"
	assert_failure
}

@test "shutdown: an init that handles SIGTERM exits and the domain is shut off" {
	id=$(cat "$(D c1)/id")
	echo shutdown >"$(D c1)/control"
	wait_for "$(D c1)/state" shutoff 30
	run cat "$(D c1)/id"
	assert_output -- -1
	[ ! -e /proc/"$id" ]
	no_process_left c1
	[ ! -e "$STATE_DIR/c1.run" ]
}

@test "shutdown: an init that ignores it is killed after shutdown_timeout_ms" {
	define deaf "exec sleep 60"
	echo start >"$(D deaf)/control"
	id=$(cat "$(D deaf)/id")
	echo shutdown >"$(D deaf)/control"
	run cat "$(D deaf)/state"
	assert_output shutdown
	wait_for "$(D deaf)/state" shutoff 40
	[ ! -e /proc/"$id" ]
}

@test "destroy kills every process of the container, not just init" {
	define tree "busybox sleep 60 &amp; busybox sleep 60 &amp; exec busybox sleep 60"
	echo start >"$(D tree)/control"
	for _ in $(seq 50); do
		[ "$(wc -l <"$(cg_file memory tree cgroup.procs)")" -ge 3 ] && break
		sleep 0.1
	done
	pids=$(cat "$(cg_file memory tree cgroup.procs)")
	[ "$(echo "$pids" | wc -l)" -ge 3 ]
	echo destroy >"$(D tree)/control"
	run cat "$(D tree)/state"
	assert_output shutoff
	for p in $pids; do [ ! -e /proc/"$p" ] || [ "$(awk '{print $3}' /proc/"$p"/stat)" = Z ]; done
	no_process_left tree
}

@test "destroy of a paused container leaves nothing behind" {
	define frozen "exec sleep 60"
	echo start >"$(D frozen)/control"
	id=$(cat "$(D frozen)/id")
	echo suspend >"$(D frozen)/control"
	echo destroy >"$(D frozen)/control"
	run cat "$(D frozen)/state"
	assert_output shutoff
	[ ! -e /proc/"$id" ]
	no_process_left frozen
}

@test "reboot restarts init with a new pid" {
	define boot "exec sleep 60"
	echo start >"$(D boot)/control"
	old=$(cat "$(D boot)/id")
	echo reboot >"$(D boot)/control"
	run cat "$(D boot)/state"
	assert_output running
	new=$(cat "$(D boot)/id")
	[ "$new" != "$old" ]
	[ ! -e /proc/"$old" ]
	in_cgroup "$new" boot
	echo destroy >"$(D boot)/control"
}

@test "init exiting by itself: shutoff, seen by inotify and events" {
	define quick "sleep 0.5; exit 3"
	inotifywait -t 60 -e modify "$(D quick)/state" >"$BATS_TEST_TMPDIR/inotify" 2>&1 &
	watcher=$!
	inotify_ready "$BATS_TEST_TMPDIR/inotify"
	events_reader "$BATS_TEST_TMPDIR/ev"
	echo start >"$(D quick)/control"
	wait_for "$(D quick)/state" shutoff 400
	wait "$watcher"
	run cat "$BATS_TEST_TMPDIR/inotify"
	assert_output --partial MODIFY
	events_wait "$BATS_TEST_TMPDIR/ev" 'domains/quick stopped shutdown$'
	kill "$EVENTS_READER" 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/quick started booted$'
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/quick stopped shutdown$'
	grep -q "init exited with status 3" "$HVFS_LOG"
	no_process_left quick
}

@test "init killed by a signal: crashed" {
	define victim "exec sleep 60"
	echo start >"$(D victim)/control"
	# The init of a pid namespace takes only SIGKILL from outside.
	kill -KILL "$(cat "$(D victim)/id")"
	wait_for "$(D victim)/state" crashed 40
	[ -e "$STATE_DIR/victim.crashed" ]
	# A crashed domain starts again.
	echo start >"$(D victim)/control"
	run cat "$(D victim)/state"
	assert_output running
	[ ! -e "$STATE_DIR/victim.crashed" ]
	echo destroy >"$(D victim)/control"
}

@test "memory past the limit: the OOM killer ends init and the domain is crashed" {
	mkdir "$(D hog)"
	write_file "$(D hog)/config.xml" <<'XML'
<domain type='lxc'>
  <name>hog</name>
  <memory unit='MiB'>16</memory>
  <os>
    <type>exe</type>
    <init>/bin/busybox</init>
    <initarg>dd</initarg>
    <initarg>if=/dev/zero</initarg>
    <initarg>of=/dev/null</initarg>
    <initarg>bs=64M</initarg>
    <initarg>count=4</initarg>
  </os>
</domain>
XML
	events_reader "$BATS_TEST_TMPDIR/ev"
	echo start >"$(D hog)/control" || true # it may be gone before the reply
	wait_for "$(D hog)/state" crashed 400
	events_wait "$BATS_TEST_TMPDIR/ev" 'domains/hog stopped oom-killed$'
	kill "$EVENTS_READER" 2>/dev/null || true
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp 'domains/hog stopped oom-killed$'
	grep -q "OOM killer" "$HVFS_LOG"
}

@test "start makes the cgroup parent again when it was removed" {
	[ -z "$(ls "$STATE_DIR"/*.run 2>/dev/null)" ] || skip "a container still runs"
	for d in $(cg_parent_dirs); do rmdir "$d"; done
	[ -z "$(cg_parent_dirs)" ]
	define again "exec sleep 60"
	echo start >"$(D again)/control"
	in_cgroup "$(cat "$(D again)/id")" again
	echo destroy >"$(D again)/control"
}

@test "a program that does not exist fails start with ENOENT and leaves nothing" {
	mkdir "$(D nope)"
	write_file "$(D nope)/config.xml" <<'XML'
<domain type='lxc'><name>nope</name><memory unit='MiB'>32</memory><os><type>exe</type><init>/no/such/init</init></os></domain>
XML
	run bash -c "echo start > '$(D nope)/control'"
	assert_failure
	assert_output --partial "No such file"
	run cat "$(D nope)/state"
	assert_output shutoff
	run cat "$(D nope)/last_error"
	assert_output --partial "/no/such/init"
	no_process_left nope
}
