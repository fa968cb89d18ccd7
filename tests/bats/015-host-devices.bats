#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# host/devices/: the host device tree.  The test driver's simulated server,
# this machine's own tree (host_devices=sysfs) compared with /sys, and a
# fake sysfs tree (host_devices=PATH) for hot-plug.

load helpers

setup_file() {
	# A sysfs-shaped tree the hot-plug test changes under the daemon.
	FAKE=$BATS_FILE_TMPDIR/sys
	mkdir -p "$FAKE/devices/pci0000:00" "$FAKE/bus/pci/devices"
	fake_pci 0000:00:01.0
	export FAKE
	hvfs_start "test:///default?host_devices=$FAKE"
	export FAKE_MNT=$MNT FAKE_PID=$HVFS_PID FAKE_LOG=$HVFS_LOG FAKE_STATUS=$HVFS_STATUS
	hvfs_start 'test:///default?host_devices=sysfs'
	export SYS_MNT=$MNT SYS_PID=$HVFS_PID SYS_LOG=$HVFS_LOG SYS_STATUS=$HVFS_STATUS
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
	MNT=$SYS_MNT HVFS_PID=$SYS_PID HVFS_LOG=$SYS_LOG HVFS_STATUS=$SYS_STATUS hvfs_stop
	MNT=$FAKE_MNT HVFS_PID=$FAKE_PID HVFS_LOG=$FAKE_LOG HVFS_STATUS=$FAKE_STATUS hvfs_stop
}

# fake_pci ADDR: a PCI function on the root bus of the fake tree.
fake_pci() {
	local dir=$FAKE/devices/pci0000:00/$1
	mkdir -p "$dir"
	echo 0x8086 >"$dir/vendor"
	echo 0x100e >"$dir/device"
	echo 0x020000 >"$dir/class"
	ln -s "../../../devices/pci0000:00/$1" "$FAKE/bus/pci/devices/$1"
}

D() { echo "$MNT/host/devices"; }

@test "host/devices holds computer and by-name" {
	run ls "$(D)"
	assert_output "$(printf 'by-name\ncomputer')"
	run stat -c %F "$(D)/computer"
	assert_output directory
}

@test "the simulated server: each device below its parent" {
	local c
	c=$(D)/computer
	[ -d "$c/pci_0000_00_1c_0/pci_0000_01_00_0/net_eno1_a0_36_9f_12_34_56" ]
	[ -d "$c/pci_0000_00_1c_0/pci_0000_01_00_1/net_eno2_a0_36_9f_12_34_57" ]
	[ -d "$c/pci_0000_00_17_0/scsi_host0/block_sda_WD_WCC6Y0KX1234" ]
	[ -d "$c/pci_0000_00_17_0/scsi_host1/block_sdb_WD_WCC6Y0KX5678" ]
	[ -d "$c/pci_0000_00_14_0/usb_usb1/usb_1_4/usb_1_4_1" ]
	[ -d "$c/net_lo_00_00_00_00_00_00" ]
	run find "$c" -mindepth 1 -type d
	assert_equal "${#lines[@]}" 16
	# A device is not also listed under another parent.
	[ ! -e "$c/net_eno1_a0_36_9f_12_34_56" ]
	[ ! -e "$c/pci_0000_00_1c_0/net_eno1_a0_36_9f_12_34_56" ]
}

@test "a PCI function's files" {
	local f
	f=$(D)/computer/pci_0000_00_1c_0/pci_0000_01_00_0
	run ls "$f"
	assert_output "$(printf 'address\ncapability\nclass\ndriver\nname\nnet_eno1_a0_36_9f_12_34_56\nparent\nproduct_id\nvendor_id')"
	run cat "$f/name" "$f/parent" "$f/driver" "$f/capability" "$f/address" "$f/vendor_id" "$f/product_id" "$f/class"
	assert_output "$(printf 'pci_0000_01_00_0\npci_0000_00_1c_0\nigb\npci\n0000:01:00.0\n0x8086\n0x1521\n0x020000')"
}

@test "interface, disk, USB device, SCSI host and computer files" {
	local c
	c=$(D)/computer
	run cat "$c/pci_0000_00_1c_0/pci_0000_01_00_0/net_eno1_a0_36_9f_12_34_56/"{capability,interface,mac,driver}
	assert_output "$(printf 'net\neno1\na0:36:9f:12:34:56\n')"
	run cat "$c/pci_0000_00_17_0/scsi_host0/block_sda_WD_WCC6Y0KX1234/"{capability,block,size,model}
	assert_output "$(printf 'storage\n/dev/sda\n1000204886016\nWDC WD10EZEX-00B')"
	run cat "$c/pci_0000_00_17_0/scsi_host1/"{capability,host}
	assert_output "$(printf 'scsi_host\n1')"
	run cat "$c/pci_0000_00_14_0/usb_usb1/usb_1_4/"{capability,bus,device,vendor_id,product_id,driver}
	assert_output "$(printf 'usb_device\n1\n2\n0x05e3\n0x0608\nusb')"
	run cat "$c/"{name,capability,parent,vendor}
	assert_output "$(printf 'computer\nsystem\n\nhvfs')"
	# The parent of computer is an empty line.
	[ "$(stat -c %s "$c/parent")" = 1 ]
}

@test "files deeper than three devices still show their own device" {
	local d
	d=$(D)/computer/pci_0000_00_14_0/usb_usb1/usb_1_4/usb_1_4_1
	run cat "$d/name" "$d/parent" "$d/product_id"
	assert_output "$(printf 'usb_1_4_1\nusb_1_4\n0xc31c')"
}

@test "by-name: a relative symlink per device that resolves to its directory" {
	local l n=0
	run ls "$(D)/by-name"
	assert_equal "${#lines[@]}" 17
	for l in "$(D)"/by-name/*; do
		[ -L "$l" ]
		[ -d "$l" ]
		[ "$(cat "$l/name")" = "$(basename "$l")" ]
		case $(readlink -f "$l") in "$(D)"/computer*) ;; *) false ;; esac
		n=$((n + 1))
	done
	assert_equal "$n" 17
	run readlink "$(D)/by-name/net_eno1_a0_36_9f_12_34_56"
	assert_output ../computer/pci_0000_00_1c_0/pci_0000_01_00_0/net_eno1_a0_36_9f_12_34_56
	run readlink "$(D)/by-name/computer"
	assert_output ../computer
	run cat "$(D)/by-name/block_sdb_WD_WCC6Y0KX5678/size"
	assert_output 2000398934016
	run stat -c %F "$(D)/by-name/usb_1_4"
	assert_output "symbolic link"
	run find "$(D)/by-name" -mindepth 1 -type l
	assert_equal "${#lines[@]}" 17
}

@test "devices are read-only" {
	local c
	c=$(D)/computer
	run mkdir "$c/pci_0000_00_09_0"
	assert_failure
	assert_output --partial "Operation not permitted"
	run rmdir "$c/pci_0000_00_00_0"
	assert_failure
	assert_output --partial "Operation not permitted"
	run mkdir "$(D)/by-name/x"
	assert_output --partial "Operation not permitted"
	run rm "$(D)/by-name/usb_1_4"
	assert_output --partial "Operation not permitted"
	run bash -c "echo x > '$c/name'"
	assert_output --partial "Permission denied"
	run touch "$c/newfile"
	assert_output --partial "Permission denied"
	run stat -c %a "$c/name"
	assert_output 444
	[ ! -e "$c/pci_0000_00_09_0" ]
	[ -d "$c/pci_0000_00_00_0" ]
}

@test "sysfs: every PCI function of this machine appears once, with its ids and driver" {
	local dev addr name n count dir
	n=0
	for dev in /sys/bus/pci/devices/*; do
		[ -e "$dev" ] || continue
		addr=$(basename "$dev")
		name=pci_$(echo "$addr" | tr ':.' '__')
		run find "$SYS_MNT/host/devices/computer" -type d -name "$name"
		assert_equal "${#lines[@]}" 1
		dir=${lines[0]}
		assert_equal "$(cat "$dir/address")" "$addr"
		assert_equal "$(cat "$dir/vendor_id")" "$(cat "$dev/vendor")"
		assert_equal "$(cat "$dir/product_id")" "$(cat "$dev/device")"
		assert_equal "$(cat "$dir/class")" "$(cat "$dev/class")"
		if [ -L "$dev/driver" ]; then
			assert_equal "$(cat "$dir/driver")" "$(basename "$(readlink "$dev/driver")")"
		else
			assert_equal "$(cat "$dir/driver")" ""
		fi
		n=$((n + 1))
	done
	count=$(find "$SYS_MNT/host/devices/computer" -type d -name 'pci_*' | wc -l)
	assert_equal "$count" "$n"
}

@test "sysfs: every interface of this machine appears with its MAC, below its PCI function" {
	local ifc mac name dir want p
	for ifc in /sys/class/net/*; do
		[ -e "$ifc" ] || continue
		mac=$(cat "$ifc/address" 2>/dev/null || true)
		name=$(echo "net_$(basename "$ifc")${mac:+_$mac}" | tr -c 'A-Za-z0-9\n' '_')
		[ -L "$SYS_MNT/host/devices/by-name/$name" ]
		dir=$(readlink -f "$SYS_MNT/host/devices/by-name/$name")
		assert_equal "$(cat "$dir/interface")" "$(basename "$ifc")"
		assert_equal "$(cat "$dir/mac")" "$mac"
		# Its parent: the PCI function (or USB device) above its device
		# link, or computer for a virtual interface.
		want=computer
		if [ -e "$ifc/device" ]; then
			p=$(readlink -f "$ifc/device")
			while [ "$p" != /sys/devices ] && [ "$p" != / ]; do
				case $(basename "$p") in
				????:??:??.?) want=pci_$(basename "$p" | tr ':.' '__'); break ;;
				esac
				if [ -e "$p/busnum" ]; then want=usb_$(basename "$p" | tr -c 'A-Za-z0-9\n' '_'); break; fi
				p=$(dirname "$p")
			done
		fi
		assert_equal "$(cat "$dir/parent")" "$want"
	done
}

@test "sysfs: each by-name link resolves to a directory whose name says that name" {
	local l n=0
	for l in "$SYS_MNT"/host/devices/by-name/*; do
		[ -d "$l" ]
		assert_equal "$(cat "$l/name")" "$(basename "$l")"
		n=$((n + 1))
	done
	[ "$n" -ge $((1 + $(ls /sys/bus/pci/devices | wc -l) + $(ls /sys/class/net | wc -l))) ]
}

@test "hot-plug: devices that come and go show at once" {
	local c=$FAKE_MNT/host/devices/computer
	run ls "$c"
	assert_output --partial pci_0000_00_01_0
	refute_output --partial pci_0000_00_02_0
	cat "$c/pci_0000_00_01_0/name" >/dev/null
	fake_pci 0000:00:02.0
	run cat "$c/pci_0000_00_02_0/address"
	assert_output 0000:00:02.0
	[ -L "$FAKE_MNT/host/devices/by-name/pci_0000_00_02_0" ]
	# Unplugged: gone from the tree, from by-name and from the kernel's cache.
	rm "$FAKE/bus/pci/devices/0000:00:01.0"
	rm -r "$FAKE/devices/pci0000:00/0000:00:01.0"
	[ ! -e "$c/pci_0000_00_01_0" ]
	[ ! -e "$c/pci_0000_00_01_0/name" ]
	[ ! -e "$FAKE_MNT/host/devices/by-name/pci_0000_00_01_0" ]
	run ls "$c"
	refute_output --partial pci_0000_00_01_0
}
