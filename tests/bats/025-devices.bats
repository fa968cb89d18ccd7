#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# domains/NAME/devices/ (issue 5): the device tree, attach and detach, hot
# and cold, address allocation (clashes, exhaustion, persistence), link_state,
# DHCP leases with start and stop, and their change notification.

load helpers

setup_file() {
	hvfs_start 'test:///default?shutdown_delay_ms=100'
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

disk_xml() { # dev [extra elements]
	printf "<disk type='file' device='disk'>\n  <source file='/var/lib/hvfs/%s.img'/>\n  <target dev='%s' bus='virtio'/>\n%s</disk>\n" \
		"$1" "$1" "${2:-}"
}

iface_xml() { # [extra elements]
	printf "<interface type='network'>\n  <source network='default'/>\n  <model type='virtio'/>\n%s</interface>\n" "${1:-}"
}

# attach DOMAIN: stdin into devices/attach, reporting a failed close(2).
attach() {
	write_file "$(D "$1")/devices/attach"
}

@test "the demo domain shows its devices, one directory per class and device" {
	run ls "$(D test)/devices"
	assert_output "$(printf 'attach\nconsole\ndisk\ninterface')"
	run cat "$(D test)/devices/disk/vda/bus" "$(D test)/devices/disk/vda/address"
	assert_output "$(printf 'virtio\npci 0000:00:01.0')"
	run cat "$(D test)/devices/interface/0/network" "$(D test)/devices/interface/0/model"
	assert_output "$(printf 'default\nvirtio')"
	run cat "$(D test)/devices/interface/0/mac"
	assert_output --regexp '^52:54:00(:[0-9a-f]{2}){3}$'
}

@test "cold-plug: a disk attached to a shut-off domain gets the first free PCI slot" {
	mkdir "$(D cold)"
	disk_xml vdb | attach cold
	run cat "$(D cold)/devices/disk/vdb/address" "$(D cold)/devices/disk/vdb/source"
	assert_output "$(printf 'pci 0000:00:01.0\n/var/lib/hvfs/vdb.img')"
	run grep -c "<target dev='vdb'" "$(D cold)/config.xml"
	assert_output 1
	# The stored definition carries the address it was given.
	run grep -c "slot='0x01'" "$(D cold)/config.xml"
	assert_output 1
	run cat "$(D cold)/state"
	assert_output shutoff
}

@test "hot-plug: an interface attached to a running domain gets a MAC, a slot and a lease" {
	mkdir "$(D hot)"
	echo start >"$(D hot)/control"
	iface_xml | attach hot
	run cat "$(D hot)/devices/interface/0/address"
	assert_output 'pci 0000:00:01.0'
	mac=$(cat "$(D hot)/devices/interface/0/mac")
	[[ $mac =~ ^52:54:00(:[0-9a-f]{2}){3}$ ]]
	ip=$(cat "$(D hot)/devices/interface/0/ip")
	[[ $ip =~ ^192\.168\.122\.[0-9]+$ ]]
	run grep -c " $mac $ip hot$" "$MNT/networks/default/leases"
	assert_output 1
	run cat "$(D hot)/state"
	assert_output running
}

@test "rmdir detaches a device and releases its address" {
	mkdir "$(D det)"
	disk_xml vdb | attach det
	disk_xml vdc | attach det
	run cat "$(D det)/devices/disk/vdc/address"
	assert_output 'pci 0000:00:02.0'
	rmdir "$(D det)/devices/disk/vdb"
	run ls "$(D det)/devices/disk"
	assert_output vdc
	run grep -c "vdb" "$(D det)/config.xml"
	assert_output 0
	# The freed slot is the first free one again.
	disk_xml vdd | attach det
	run cat "$(D det)/devices/disk/vdd/address"
	assert_output 'pci 0000:00:01.0'
	run rmdir "$(D det)/devices/disk/nope"
	assert_failure
}

@test "a duplicate target is EEXIST, a taken address EBUSY naming the holder, bad XML EINVAL" {
	mkdir "$(D clash)"
	disk_xml vdb | attach clash
	run attach clash < <(disk_xml vdb)
	assert_failure
	assert_output --partial 'File exists'
	run attach clash < <(disk_xml vdc "  <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>"$'\n')
	assert_failure
	assert_output --partial 'Device or resource busy'
	run cat "$(D clash)/last_error"
	assert_output --partial '0000:00:01.0 is given twice in domain clash: to disk vdb and to disk vdc'
	# A MAC is unique across the host: the demo domain's is taken.
	mac=$(cat "$(D test)/devices/interface/0/mac")
	run attach clash < <(iface_xml "  <mac address='$mac'/>"$'\n')
	assert_failure
	assert_output --partial 'Device or resource busy'
	run cat "$(D clash)/last_error"
	assert_output --partial 'domain test'
	run attach clash <<<'<disk type="file"><target dev="vdz"/>'
	assert_failure
	assert_output --partial 'Invalid argument'
	run ls "$(D clash)/devices/disk"
	assert_output vdb
	grep -q 'attach failed' "$HVFS_LOG"
}

@test "a full PCI bus is ENOSPC" {
	mkdir "$(D full)"
	local i
	for i in $(seq 31); do
		disk_xml "vd$(printf "\\x$(printf %x $((97 + (i - 1) / 26)))")$(printf "\\x$(printf %x $((97 + (i - 1) % 26)))")" |
			attach full
	done
	run ls "$(D full)/devices/disk"
	assert_equal "$(echo "$output" | wc -l)" 31
	run attach full < <(disk_xml vdzz)
	assert_failure
	assert_output --partial 'No space left on device'
	run cat "$(D full)/last_error"
	assert_output --partial 'no free pci address'
}

@test "link_state is live-tunable, and only up or down" {
	run cat "$(D test)/devices/interface/0/link_state"
	assert_output up
	echo down >"$(D test)/devices/interface/0/link_state"
	run cat "$(D test)/devices/interface/0/link_state"
	assert_output down
	run grep -c "<link state='down'/>" "$(D test)/config.xml"
	assert_output 1
	run bash -c "echo sideways > '$(D test)/devices/interface/0/link_state'"
	assert_failure
	assert_output --partial 'Invalid argument'
	echo up >"$(D test)/devices/interface/0/link_state"
	run cat "$(D test)/devices/interface/0/link_state"
	assert_output up
}

@test "a device file is replaced atomically by configuration tools (sed -i)" {
	sed -i 's/up/down/' "$(D test)/devices/interface/0/link_state"
	run cat "$(D test)/devices/interface/0/link_state"
	assert_output down
	run grep -c "<link state='down'/>" "$(D test)/config.xml"
	assert_output 1
	sed -i 's/down/up/' "$(D test)/devices/interface/0/link_state"
	run cat "$(D test)/devices/interface/0/link_state"
	assert_output up
	run ls -A "$(D test)/devices/interface/0"
	refute_output --partial sed
}

@test "a lease appears when the domain starts and goes when it stops" {
	mkdir "$(D lease)"
	iface_xml | attach lease
	mac=$(cat "$(D lease)/devices/interface/0/mac")
	run cat "$(D lease)/devices/interface/0/ip"
	assert_output ''
	run grep -c " $mac " "$MNT/networks/default/leases"
	assert_output 0
	echo start >"$(D lease)/control"
	ip=$(cat "$(D lease)/devices/interface/0/ip")
	[[ $ip =~ ^192\.168\.122\.[0-9]+$ ]]
	run grep -E "^[0-9]+ $mac $ip lease$" "$MNT/networks/default/leases"
	assert_success
	# metrics counts the same leases.
	run grep '^hvfs_network_leases{network="default"} ' "$MNT/metrics"
	assert_output "hvfs_network_leases{network=\"default\"} $(wc -l <"$MNT/networks/default/leases")"
	echo destroy >"$(D lease)/control"
	run cat "$(D lease)/devices/interface/0/ip"
	assert_output ''
	run grep -c " $mac " "$MNT/networks/default/leases"
	assert_output 0
	# The same MAC gets the same address back.
	echo start >"$(D lease)/control"
	run cat "$(D lease)/devices/interface/0/ip"
	assert_output "$ip"
	echo destroy >"$(D lease)/control"
}

@test "attach and detach reach inotify watchers and events" {
	mkdir "$(D watched)"
	disk_xml vda | attach watched
	log=$BATS_TEST_TMPDIR/watch
	inotifywait -m -r -e create,delete,modify --format '%w%f %e' "$(D watched)/devices" >"$log" 2>"$log.err" 3>&- &
	watcher=$!
	for _ in $(seq 100); do grep -q "Watches established" "$log.err" && break; sleep 0.05; done
	# A reader of events sees what happens after it opened.
	events_reader "$BATS_TEST_TMPDIR/ev"
	disk_xml vdb | attach watched
	rmdir "$(D watched)/devices/disk/vdb"
	for _ in $(seq 300); do grep -q "vdb DELETE" "$log" && break; sleep 0.1; done
	for _ in $(seq 300); do grep -q "vdb deleted" "$BATS_TEST_TMPDIR/ev" && break; sleep 0.1; done
	kill "$watcher" "$EVENTS_READER"
	run cat "$log"
	assert_line --regexp '/devices/disk/vdb CREATE,ISDIR$'
	assert_line --regexp '/devices/disk/vdb DELETE,ISDIR$'
	run cat "$BATS_TEST_TMPDIR/ev"
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/watched/devices/disk/vdb created$'
	assert_line --regexp '^[0-9]+ [0-9.]+ domains/watched/devices/disk/vdb deleted$'
}

@test "a lease change gives IN_MODIFY on the interface's ip only" {
	mkdir "$(D lw)"
	iface_xml | attach lw
	cat "$(D lw)/devices/interface/0/ip" "$(D lw)/devices/interface/0/mac" >/dev/null
	log=$BATS_TEST_TMPDIR/watch
	inotifywait -m -e modify --format '%w%f %e' "$(D lw)/devices/interface/0" >"$log" 2>"$log.err" 3>&- &
	watcher=$!
	for _ in $(seq 100); do grep -q "Watches established" "$log.err" && break; sleep 0.05; done
	echo start >"$(D lw)/control"
	for _ in $(seq 50); do grep -q "/ip MODIFY" "$log" && break; sleep 0.1; done
	sleep 0.3
	kill "$watcher"
	run cat "$log"
	assert_line --regexp '/interface/0/ip MODIFY$'
	refute_line --regexp '/interface/0/mac MODIFY$'
	echo destroy >"$(D lw)/control"
}
