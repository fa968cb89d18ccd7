#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# qemu:///system: a real guest under TCG, from its definition to QEMU's
# command line, through every lifecycle command and its QMP counterpart,
# checked from outside hvfs: QEMU's second monitor, /proc, the console.

load helpers
load 176-qemu-helpers

setup_file() {
	qemu_setup "shutdown_timeout_ms=4000"
	truncate -s 8M "$BATS_FILE_TMPDIR/raw.img"
	if command -v qemu-img >/dev/null; then
		qemu-img create -q -f qcow2 "$BATS_FILE_TMPDIR/disk.qcow2" 16M
	fi
}

setup() {
	load_daemon
}

teardown_file() {
	qemu_cleanup
}

@test "qemu:///system serves a QEMU host" {
	run cat "$MNT/host/hypervisor_version"
	assert_output --regexp '^qemu '
	run grep -c "<domain type='qemu'/>" "$MNT/host/capabilities.xml"
	assert_output 1
	run cat "$MNT/host/cpus"
	assert_output "$(nproc)"
}

@test "a definition that is not a QEMU guest is refused" {
	mkdir "$(D other)"
	run write_file "$(D other)/config.xml" <<'XML'
<domain type='lxc'><name>other</name><memory>65536</memory><os><type>exe</type><init>/bin/sh</init></os></domain>
XML
	assert_failure
	run cat "$(D other)/last_error"
	assert_output --partial "the qemu driver runs type 'qemu' or 'kvm'"
	rmdir "$(D other)"
}

@test "type kvm without a usable /dev/kvm: start is EOPNOTSUPP and says why" {
	[ -e /dev/kvm ] && skip "this host has /dev/kvm"
	guest_define kvm1
	sed -i "s/type='qemu'/type='kvm'/" "$(D kvm1)/config.xml"
	run cat "$(D kvm1)/config.xml"
	assert_output --partial "<domain type='kvm'>"
	run bash -c "echo start > '$(D kvm1)/control'"
	assert_failure
	assert_output --partial "Operation not supported"
	run cat "$(D kvm1)/last_error"
	assert_output --partial "/dev/kvm"
	run cat "$(D kvm1)/state"
	assert_output shutoff
	rmdir "$(D kvm1)"
}

@test "start: QEMU runs the definition, every device at the address devices/ shows" {
	local disks="<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$BATS_FILE_TMPDIR/raw.img'/><target dev='vda' bus='virtio'/></disk>"
	if [ -f "$BATS_FILE_TMPDIR/disk.qcow2" ]; then
		disks="$disks<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$BATS_FILE_TMPDIR/disk.qcow2'/><target dev='vdb' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x0'/></disk>"
	fi
	guest_define g1 "" "$disks<interface type='user'><model type='virtio'/></interface>" 256 192
	run cat "$(D g1)/state"
	assert_output shutoff
	# A shut-off domain already shows the addresses its devices will get.
	run cat "$(D g1)/devices/disk/vda/address"
	assert_output "pci 0000:00:02.0"
	events_reader "$BATS_FILE_TMPDIR/ev.start"
	echo start >"$(D g1)/control"
	events_wait "$BATS_FILE_TMPDIR/ev.start" 'domains/g1 started booted$'
	run cat "$(D g1)/state"
	assert_output running
	pid=$(qemu_pid g1)
	[ "$(cat "$(D g1)/id")" = "$pid" ]
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$(command -v qemu-system-x86_64)")" ]
	cmdline=$(tr '\0' '\n' <"/proc/$pid/cmdline")
	grep -qx -- "-S" <<<"$cmdline"
	grep -qx -- "size=262144k" <<<"$cmdline"
	grep -qx -- "$GUEST/vmlinuz" <<<"$cmdline"
	grep -qx -- "guest=g1" <<<"$cmdline"
	# Each device's address on the command line is the one devices/ shows.
	for dev in disk/vda interface/0 memballoon/0 ${disks:+$([ -f "$BATS_FILE_TMPDIR/disk.qcow2" ] && echo disk/vdb)}; do
		addr=$(cat "$(D g1)/devices/$dev/address")
		[[ $addr =~ ^pci\ 0000:00:([0-9a-f]{2})\.0$ ]]
		slot=$((16#${BASH_REMATCH[1]}))
		grep -q "addr=0x$(printf %x "$slot")\b" <<<"$cmdline" || {
			echo "$dev at $addr is not on the command line:" >&2
			echo "$cmdline" >&2
			false
		}
	done
	if [ -f "$BATS_FILE_TMPDIR/disk.qcow2" ]; then
		run cat "$(D g1)/devices/disk/vdb/address"
		assert_output "pci 0000:00:07.0"
		grep -q '"driver": *"qcow2"' <<<"$cmdline"
	fi
	# QEMU itself says the guest runs, and the guest says what it got.
	run qmp_status g1
	assert_output running
	guest_ready g1
	run grep -E '^HVFS-DISKS' "$(console g1)"
	assert_output --partial vda
	run grep -E '^HVFS-NETS' "$(console g1)"
	assert_output --partial eth0
	# The kernel read vda's partition table: query-blockstats counted it.
	[ "$(cat "$(D g1)/devices/disk/vda/rd_bytes")" -gt 0 ]
	[ "$(cat "$(D g1)/devices/disk/vda/rd_operations")" -gt 0 ]
}

@test "suspend and resume are QMP stop and cont" {
	events_reader "$BATS_FILE_TMPDIR/ev.pause"
	echo suspend >"$(D g1)/control"
	run cat "$(D g1)/state"
	assert_output paused
	run qmp_status g1
	assert_output paused
	echo resume >"$(D g1)/control"
	run qmp_status g1
	assert_output running
	events_wait "$BATS_FILE_TMPDIR/ev.pause" 'domains/g1 resumed unpaused$'
	# Once each: QEMU's own STOP and RESUME are not reported a second time.
	run grep -cE 'domains/g1 (suspended|resumed) ' "$BATS_FILE_TMPDIR/ev.pause"
	assert_output 2
}

@test "a QMP stop by another tool shows as paused, with its event and IN_MODIFY" {
	inotifywait -m -e modify "$(D g1)/state" >"$BATS_FILE_TMPDIR/inotify" 2>"$BATS_FILE_TMPDIR/inotify.err" &
	watcher=$!
	inotify_ready "$BATS_FILE_TMPDIR/inotify.err"
	events_reader "$BATS_FILE_TMPDIR/ev.other"
	qmp g1 stop
	events_wait "$BATS_FILE_TMPDIR/ev.other" 'domains/g1 suspended paused$'
	run cat "$(D g1)/state"
	assert_output paused
	wait_line "$BATS_FILE_TMPDIR/inotify" 'MODIFY'
	qmp g1 cont
	events_wait "$BATS_FILE_TMPDIR/ev.other" 'domains/g1 resumed unpaused$'
	kill "$watcher"
	run cat "$(D g1)/state"
	assert_output running
}

@test "memory sets the balloon's target and reads its actual size, which the guest sees" {
	wait_for "$(D g1)/memory" 196608 600
	before=$(grep -E '^HVFS-MEMTOTAL' "$(console g1)" | tail -1 | tr -d '\r' | cut -d' ' -f2)
	events_reader "$BATS_FILE_TMPDIR/ev.mem"
	echo 131072 >"$(D g1)/memory"
	# The target is in the definition at once; memory follows the balloon.
	run grep -c "<currentMemory unit='KiB'>131072</currentMemory>" "$(D g1)/config.xml"
	assert_output 1
	events_wait "$BATS_FILE_TMPDIR/ev.mem" 'domains/g1/memory changed$'
	wait_for "$(D g1)/memory" 131072 600
	run qmp g1 query-balloon
	assert_output '{"actual": 134217728}'
	# The guest's MemTotal drops below the new size: the balloon holds the
	# rest (lines end in CR LF).  At 192 MiB it was above 128 MiB.
	[ "$before" -gt 131072 ]
	for _ in $(seq 600); do
		after=$(grep -E '^HVFS-MEMTOTAL' "$(console g1)" | tail -1 | tr -d '\r' | cut -d' ' -f2)
		[ "$after" -lt 131072 ] && break
		sleep 0.1
	done
	[ "$after" -lt 131072 ]
}

@test "vcpus of a running guest: EOPNOTSUPP, which last_error explains" {
	run bash -c "echo 2 > '$(D g1)/vcpus'"
	assert_failure
	run cat "$(D g1)/last_error"
	assert_output --partial "hot-plug"
	run cat "$(D g1)/vcpus"
	assert_output 1
}

@test "reset is system_reset: the guest boots again, QEMU stays" {
	pid=$(qemu_pid g1)
	events_reader "$BATS_FILE_TMPDIR/ev.reset"
	echo reset >"$(D g1)/control"
	events_wait "$BATS_FILE_TMPDIR/ev.reset" 'domains/g1 started reset$'
	guest_ready g1 2
	[ "$(qemu_pid g1)" = "$pid" ]
	run cat "$(D g1)/state"
	assert_output running
	run grep -c 'domains/g1 started' "$BATS_FILE_TMPDIR/ev.reset"
	assert_output 1
}

@test "reboot asks the guest (ctrl-alt-del), which reboots itself" {
	pid=$(qemu_pid g1)
	events_reader "$BATS_FILE_TMPDIR/ev.reboot"
	echo reboot >"$(D g1)/control"
	console_wait g1 '^HVFS-GUEST-DOWN' 1
	events_wait "$BATS_FILE_TMPDIR/ev.reboot" 'domains/g1 started rebooted$'
	guest_ready g1 3
	[ "$(qemu_pid g1)" = "$pid" ]
}

@test "shutdown is the ACPI power button: the guest powers off and QEMU goes" {
	pid=$(qemu_pid g1)
	events_reader "$BATS_FILE_TMPDIR/ev.shutdown"
	echo shutdown >"$(D g1)/control"
	run cat "$(D g1)/state"
	assert_output shutdown
	events_wait "$BATS_FILE_TMPDIR/ev.shutdown" 'domains/g1 stopped shutdown$'
	run cat "$(D g1)/state"
	assert_output shutoff
	process_gone "$pid"
	console_wait g1 '^HVFS-GUEST-DOWN' 2
	run cat "$(D g1)/qemu/last_exit"
	assert_output "the guest powered off"
	run cat "$(D g1)/qemu/pid"
	assert_output ""
	[ ! -e "$STATE_DIR/run/g1.qmp" ]
}

@test "a guest that ignores the power button is killed at shutdown_timeout_ms" {
	guest_define deaf "hvfs.noacpid"
	echo start >"$(D deaf)/control"
	guest_ready deaf
	pid=$(qemu_pid deaf)
	events_reader "$BATS_FILE_TMPDIR/ev.deaf"
	echo shutdown >"$(D deaf)/control"
	events_wait "$BATS_FILE_TMPDIR/ev.deaf" 'domains/deaf stopped destroyed$'
	process_gone "$pid"
	run cat "$(D deaf)/state"
	assert_output shutoff
	run cat "$(D deaf)/qemu/last_exit"
	assert_output --partial "did not shut down in time"
}

@test "a guest that panics is crashed: pvpanic's GUEST_PANICKED" {
	guest_define panic1 "hvfs.panic"
	events_reader "$BATS_FILE_TMPDIR/ev.panic"
	echo start >"$(D panic1)/control"
	events_wait "$BATS_FILE_TMPDIR/ev.panic" 'domains/panic1 crashed panicked$'
	events_wait "$BATS_FILE_TMPDIR/ev.panic" 'domains/panic1 stopped crashed$'
	run cat "$(D panic1)/state"
	assert_output crashed
	run cat "$(D panic1)/qemu/last_exit"
	assert_output "the guest panicked"
	console_wait panic1 '^HVFS-GUEST-PANICKING'
	# Crashed is not running: it starts again.
	echo start >"$(D panic1)/control"
	run cat "$(D panic1)/state"
	assert_output running
	echo destroy >"$(D panic1)/control"
}

@test "QEMU killed with SIGKILL: crashed, and last_exit names the signal" {
	guest_define k1
	echo start >"$(D k1)/control"
	pid=$(qemu_pid k1)
	events_reader "$BATS_FILE_TMPDIR/ev.kill"
	kill -KILL "$pid"
	events_wait "$BATS_FILE_TMPDIR/ev.kill" 'domains/k1 stopped crashed$'
	run cat "$(D k1)/state"
	assert_output crashed
	run cat "$(D k1)/qemu/last_exit"
	assert_output "QEMU was killed by signal 9 (Killed)"
	process_gone "$pid"
}

@test "destroy ends QEMU at once, whatever the guest does" {
	echo start >"$(D k1)/control"
	pid=$(qemu_pid k1)
	events_reader "$BATS_FILE_TMPDIR/ev.destroy"
	echo destroy >"$(D k1)/control"
	run cat "$(D k1)/state"
	assert_output shutoff
	process_gone "$pid"
	events_wait "$BATS_FILE_TMPDIR/ev.destroy" 'domains/k1 stopped destroyed$'
	run cat "$(D k1)/qemu/last_exit"
	assert_output destroyed
}

@test "a running guest cannot be undefined or renamed; its maxima are fixed" {
	echo start >"$(D k1)/control"
	run rmdir "$(D k1)"
	assert_failure
	run mv "$(D k1)" "$(D k2)"
	assert_failure
	run bash -c "echo 4 > '$(D k1)/max_vcpus'"
	assert_failure
	echo destroy >"$(D k1)/control"
	mv "$(D k1)" "$(D k2)"
	rmdir "$(D k2)"
	[ ! -e "$STATE_DIR/domains/k2" ]
}

@test "stats: the QEMU process's CPU time and resident memory" {
	echo start >"$(D deaf)/control"
	pid=$(qemu_pid deaf)
	guest_ready deaf 2
	cpu=$(cat "$(D deaf)/stats/cpu_time")
	[ "$cpu" -gt 0 ]
	rss=$(cat "$(D deaf)/stats/memory_rss")
	proc_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	# The same process: within a few MiB of each other.
	[ $((rss > proc_rss ? rss - proc_rss : proc_rss - rss)) -lt 16384 ]
	echo destroy >"$(D deaf)/control"
}
