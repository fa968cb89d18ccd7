#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# libvirt's XML as libvirt 9.0 decides (issue 13, point 4): what libvirt
# accepts is accepted through config.xml, what it refuses is refused with
# EINVAL and a last_error that names the check; with and without libvirt's
# own schemas (HVFS_LIBVIRT_SCHEMAS).  The fixtures are tests/data/*/.

load helpers

DATA=$HVFS_TOP/tests/data

setup_file() {
	hvfs_start "test:///default"
}

teardown_file() {
	hvfs_stop
}

teardown() {
	if [ -n "${SECOND:-}" ]; then
		hvfs_stop
	fi
}

# define KIND NAME FILE: mkdir NAME, then FILE as its config.xml with the
# name replaced; the write's status is returned.
define() {
	local kind=$1 name=$2 file=$3 dir
	dir=$MNT/${kind}s/$name
	mkdir "$dir" || return 1
	sed "0,/<name>[^<]*<\/name>/s//<name>$name<\/name>/" "$file" | write_file "$dir/config.xml"
}

# accepted KIND NAME FILE: the write succeeds and config.xml is FILE's text.
accepted() {
	define "$@" || {
		cat "$MNT/${1}s/$2/last_error" >&2
		return 1
	}
	grep -q "<name>$2</name>" "$MNT/${1}s/$2/config.xml"
}

# refused KIND NAME FILE WORDS: EINVAL, and last_error has WORDS.
refused() {
	local kind=$1 name=$2 file=$3 words=$4
	run define "$kind" "$name" "$file"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$MNT/${kind}s/$name/last_error"
	assert_output --partial "$words"
}

@test "libvirt accepts, so does hvfs: failover interfaces sharing one MAC" {
	accepted domain failover "$DATA/domain/interface-failover-shared-mac.xml"
	run cat "$MNT/domains/failover/devices/interface/0/mac" "$MNT/domains/failover/devices/interface/1/mac"
	assert_output "$(printf '52:54:00:aa:bb:cc\n52:54:00:aa:bb:cc')"
	# Another domain still may not have it: EBUSY, naming the holder.
	run define domain failover2 "$DATA/domain/interface-failover-shared-mac.xml"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$MNT/domains/failover2/last_error"
	assert_output --partial "mac address 52:54:00:aa:bb:cc is in use by domain failover (interface 0)"
}

@test "a PCI address given twice in one domain does not name the domain as its own rival" {
	cat >"$BATS_TEST_TMPDIR/twice.xml" <<'EOF'
<domain type='test'>
  <name>twice</name>
  <memory>131072</memory>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file'><source file='/a'/><target dev='vda'/><address type='pci' slot='0x05'/></disk>
    <disk type='file'><source file='/b'/><target dev='vdb'/><address type='pci' slot='0x05'/></disk>
  </devices>
</domain>
EOF
	run define domain twice "$BATS_TEST_TMPDIR/twice.xml"
	assert_failure
	run cat "$MNT/domains/twice/last_error"
	assert_output --partial "pci address 0000:00:05.0 is given twice in domain twice: to disk vda and to disk vdb"
}

@test "libvirt accepts, so does hvfs: a serial console carrying its port's PCI address" {
	accepted domain console-serial "$DATA/domain/console-serial-pci-address.xml"
	run cat "$MNT/domains/console-serial/devices/serial/0/address"
	assert_output "pci 0000:00:05.0"
}

@test "libvirt accepts, so does hvfs: devices beyond bus 0 go on a pci-bridge's bus" {
	accepted domain bridged "$DATA/domain/pci-bridge-many-devices.xml"
	local d=$MNT/domains/bridged/devices/disk
	# Bus 0 has 30 free slots (the bridge has 0x1f): vda..vdad, then the
	# bridge's bus from slot 1.
	run cat "$d/vda/address" "$d/vdad/address" "$d/vdae/address" "$d/vdaj/address"
	assert_output "$(printf 'pci 0000:00:01.0\npci 0000:00:1e.0\npci 0000:01:01.0\npci 0000:01:06.0')"
}

@test "libvirt accepts, so does hvfs: devices beyond bus 0 go on a pci-expander-bus" {
	accepted domain expanded "$DATA/domain/pci-expander-many-devices.xml"
	local d=$MNT/domains/expanded/devices/interface
	run cat "$d/30/address" "$d/31/address" "$d/39/address"
	assert_output "$(printf 'pci 0000:00:1f.0\npci 0000:01:00.0\npci 0000:01:08.0')"
}

@test "without a bridge the 32nd PCI device still has no slot" {
	sed "/<controller type='pci' index='1'/,/<\/controller>/d" "$DATA/domain/pci-bridge-many-devices.xml" \
		>"$BATS_TEST_TMPDIR/flat.xml"
	run define domain flat "$BATS_TEST_TMPDIR/flat.xml"
	assert_failure
	run cat "$MNT/domains/flat/last_error"
	assert_output --partial "no free pci address"
}

@test "libvirt accepts, so does hvfs: memory from the NUMA cells when <memory> is missing" {
	accepted domain numa-cells "$DATA/domain/numa-memory-from-cells.xml"
	run cat "$MNT/domains/numa-cells/max_memory"
	assert_output 1048576
	refused domain no-memory "$DATA/domain/memory-missing-refused.xml" "a domain needs its memory size"
}

@test "libvirt accepts, so does hvfs: IDE units above 1 and a USB port four levels deep" {
	accepted domain ide-units "$DATA/domain/ide-unit-above-1.xml"
	run cat "$MNT/domains/ide-units/devices/disk/hda/address"
	assert_output "drive 0:0:0:2"
	accepted domain usb-depth4 "$DATA/domain/usb-port-depth-4.xml"
}

@test "libvirt refuses, so does hvfs: device rules its schema does not type" {
	refused domain r-netdisk "$DATA/domain/disk-network-no-source-refused.xml" "a network disk needs <source"
	refused domain r-lun "$DATA/domain/disk-lun-on-file-refused.xml" "disk device='lun'"
	refused domain r-queues "$DATA/domain/interface-queues-negative-refused.xml" "driver queues='-5'"
	refused domain r-rom "$DATA/domain/rom-file-empty-refused.xml" "<rom file=''>"
	refused domain r-usb "$DATA/domain/usb-port-too-deep-refused.xml" "deeper than libvirt allows"
}

@test "libvirt refuses, so does hvfs: a dir pool without a target path, and nothing is built" {
	refused pool r-nopath "$DATA/pool/dir-no-target-path-refused.xml" "a dir pool needs <target><path>"
	# The mkdir default is left as it was, with its own path.
	run grep -c "<path>" "$MNT/pools/r-nopath/config.xml"
	assert_output 1
}

@test "an attached device is checked the same way" {
	mkdir "$MNT/domains/attach-to"
	run write_file "$MNT/domains/attach-to/devices/attach" <<<"<disk type='network' device='disk'><target dev='vdz' bus='virtio'/></disk>"
	assert_failure
	run cat "$MNT/domains/attach-to/last_error"
	assert_output --partial "a network disk needs <source"
}

@test "what only libvirt's schema refuses is refused in its name, and kept without it" {
	[ -f /usr/share/libvirt/schemas/domain.rng ] || skip "libvirt's schemas are not installed"
	cat >"$BATS_TEST_TMPDIR/tablet.xml" <<'EOF'
<domain type='test'>
  <name>tablet</name>
  <memory>131072</memory>
  <os><type>hvm</type></os>
  <devices>
    <input type='tablet' bus='nosuch'/>
  </devices>
</domain>
EOF
	refused domain tablet "$BATS_TEST_TMPDIR/tablet.xml" "libvirt's schema domain.rng: line 6: "
	hvfs_stop
	SECOND=1
	HVFS_LIBVIRT_SCHEMAS=none hvfs_start "test:///default"
	accepted domain tablet "$BATS_TEST_TMPDIR/tablet.xml"
	# hvfs's own checks do not depend on libvirt's schemas.
	refused domain r-lun "$DATA/domain/disk-lun-on-file-refused.xml" "disk device='lun'"
	refused pool r-nopath "$DATA/pool/dir-no-target-path-refused.xml" "a dir pool needs <target><path>"
}

@test "every fixture's verdict agrees with libvirt's virt-xml-validate where the decision is the schema's" {
	command -v virt-xml-validate >/dev/null || skip "virt-xml-validate (libvirt-clients) is not installed"
	local kind schema file base verdict n=0 bad=""
	for kind in domain:domain network:network pool:storagepool; do
		schema=${kind#*:}
		kind=${kind%%:*}
		for file in "$DATA/$kind"/*.xml; do
			base=$kind/$(basename "$file")
			# hvfs's own stricter rules (names as directory names ...): listed
			# with their reasons.
			grep -q "^$base " "$DATA/hvfs-stricter.txt" && continue
			if virt-xml-validate "$file" "$schema" >/dev/null 2>&1; then
				verdict=valid
			else
				verdict=invalid
			fi
			n=$((n + 1))
			case $file in
			*-invalid.xml | *-refused.xml) [ "$verdict" = invalid ] || bad="$bad $base(libvirt: valid)" ;;
			*) [ "$verdict" = valid ] || bad="$bad $base(libvirt: invalid)" ;;
			esac
		done
	done
	[ -z "$bad" ] || {
		echo "disagree:$bad" >&2
		return 1
	}
	[ "$n" -ge 100 ]
}
