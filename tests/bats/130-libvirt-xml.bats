#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# libvirt XML (issue 4): what libvirt's tools export is accepted through
# config.xml and read back byte for byte, elements hvfs does not interpret
# included; everything hvfs emits validates with libvirt's virt-xml-validate.

load helpers

# Persisted, so that the last test can mount the same host again; with
# generated domains, whose XML comes from a template of its own.
setup_file() {
	mkdir "$BATS_FILE_TMPDIR/host"
	hvfs_start "test://$BATS_FILE_TMPDIR/host?domains=10"
}

teardown_file() {
	hvfs_stop
}

# The last test mounts the host again: that daemon is the test's to stop,
# passed or failed, since teardown_file only knows the first one.
teardown() {
	if [ -n "${REMOUNTED:-}" ]; then
		hvfs_stop
	fi
}

VIRSH=(virsh -q -c test:///default)
CAPS=$HVFS_TOP/tests/data/capabilities

# kind_dir KIND: the collection of domain, network or pool.
kind_dir() {
	case $1 in
	domain) echo "$MNT/domains" ;;
	network) echo "$MNT/networks" ;;
	pool) echo "$MNT/pools" ;;
	esac
}

# adopt KIND NAME FILE: defines NAME with mkdir, then writes FILE as its
# config.xml with the identity the mount gave it: the directory's name,
# the UUID mkdir picked and, for a network, the bridge mkdir picked (all
# three must be unique), and MACs of its own.  Only the first <name>, <uuid> and <bridge name>
# are the object's own: a pool's <source> has a <name> of its own.  The
# XML written is left in $BATS_TEST_TMPDIR/adopted-NAME.xml.
adopt() {
	local kind=$1 name=$2 file=$3 dir uuid bridge
	dir=$(kind_dir "$kind")/$name
	# Also called where a failure does not stop the function (after ||).
	mkdir "$dir" || return 1
	uuid=$(cat "$dir/uuid") || return 1
	local script="0,/<name>[^<]*<\/name>/s//<name>$name<\/name>/;0,/<uuid>[^<]*<\/uuid>/s//<uuid>$uuid<\/uuid>/"
	if [ "$kind" = network ]; then
		bridge=$(cat "$dir/bridge") || return 1
		script="$script;0,/<bridge name=.[^'\"]*./s//<bridge name='$bridge'/"
	fi
	# MACs are unique across the host (EBUSY otherwise): each copy's
	# interfaces get their own, from the name's checksum.
	local sum
	sum=$(printf '%s' "$name" | cksum | cut -d' ' -f1)
	sed "$script" "$file" | awk -v sum="$sum" '
		/<mac address=/ {
			n++
			mac = sprintf("52:%02x:%02x:%02x:%02x:%02x", int(sum / 16777216) % 256,
				int(sum / 65536) % 256, int(sum / 256) % 256, sum % 256, n)
			sub(/address=.[0-9A-Fa-f:]+./, "address=\047" mac "\047")
		}
		{ print }' >"$BATS_TEST_TMPDIR/adopted-$name.xml" || return 1
	# Not write_file: some 60 of these, and a python start each is slow.  A
	# refused write leaves the default, which the callers' checks catch.
	cat "$BATS_TEST_TMPDIR/adopted-$name.xml" >"$dir/config.xml"
}

# round_trip KIND NAME FILE: adopt, then config.xml must be what was written.
round_trip() {
	adopt "$@" || return 1
	local dir
	dir=$(kind_dir "$1")/$2
	if ! cmp "$BATS_TEST_TMPDIR/adopted-$2.xml" "$dir/config.xml"; then
		cat "$dir/last_error" >&2
		diff "$BATS_TEST_TMPDIR/adopted-$2.xml" "$dir/config.xml" >&2
		return 1
	fi
}

# validate SCHEMA FILE...: libvirt's validator; it names what fails.
validate() {
	local schema=$1 file
	shift
	for file in "$@"; do
		virt-xml-validate "$file" "$schema" >/dev/null 2>"$BATS_TEST_TMPDIR/validate" || {
			cat "$BATS_TEST_TMPDIR/validate" >&2
			return 1
		}
	done
}

@test "virsh dumpxml of libvirt's test domain, in every form, is kept byte for byte" {
	local form n=0
	for form in "" --inactive --security-info --migratable; do
		n=$((n + 1))
		"${VIRSH[@]}" dumpxml $form test >"$BATS_TEST_TMPDIR/dump.xml"
		grep -q '<memballoon' "$BATS_TEST_TMPDIR/dump.xml"
		round_trip domain "lv-test$n" "$BATS_TEST_TMPDIR/dump.xml"
	done
	# What the test driver's domain says, hvfs reads the same way.
	run cat "$MNT/domains/lv-test1/max_memory" "$MNT/domains/lv-test1/memory" "$MNT/domains/lv-test1/vcpus"
	assert_output "$(printf '8388608\n2097152\n2')"
}

@test "virsh net-dumpxml of libvirt's default network is kept byte for byte" {
	"${VIRSH[@]}" net-dumpxml default >"$BATS_TEST_TMPDIR/net.xml"
	round_trip network lv-default "$BATS_TEST_TMPDIR/net.xml"
	run grep -c "<range start='192.168.122.2' end='192.168.122.254'/>" "$MNT/networks/lv-default/config.xml"
	assert_output 1
}

@test "virsh pool-dumpxml of libvirt's default-pool is kept byte for byte" {
	"${VIRSH[@]}" pool-dumpxml default-pool >"$BATS_TEST_TMPDIR/pool.xml"
	round_trip pool lv-default-pool "$BATS_TEST_TMPDIR/pool.xml"
	run cat "$MNT/pools/lv-default-pool/capacity"
	assert_output 107374182400
}

@test "virt-install --print-xml guests made now are kept byte for byte" {
	local vi=(virt-install --connect test:///default --print-xml --noautoconsole --import)
	"${vi[@]}" --name a --osinfo debian11 --memory 1024,maxmemory=2048 --vcpus 2,maxvcpus=4 \
		--disk size=1,bus=virtio,format=qcow2 --network network=default,model=virtio,mac=52:54:00:12:34:56 \
		--graphics vnc --rng /dev/urandom >"$BATS_TEST_TMPDIR/vi-a.xml"
	"${vi[@]}" --name b --osinfo win10 --memory 4096 --disk size=4,bus=sata --disk device=cdrom,bus=sata \
		--network network=default,model=e1000 --graphics spice --channel spicevmc --video qxl --tpm emulator \
		--boot hd,cdrom,menu=on >"$BATS_TEST_TMPDIR/vi-b.xml"
	"${vi[@]}" --name c --osinfo generic --memory 256 --disk none --network none --graphics none \
		--serial pty --console pty,target_type=virtio --controller virtio-serial \
		--events on_crash=restart --metadata title=t,description=d >"$BATS_TEST_TMPDIR/vi-c.xml"
	# kvm, through virt-install's own test hook: the test driver runs only
	# type='test' guests.
	virt-install --connect "__virtinst_test__test:///default,fakeuri=qemu:///system,caps=$CAPS/kvm-host.xml" \
		--print-xml --noautoconsole --import --name d --virt-type kvm --machine q35 --osinfo fedora37 \
		--memory 2048 --vcpus 4,sockets=1,cores=2,threads=2 --cpu host-passthrough --boot firmware=efi \
		--disk size=2,bus=sata --network bridge=br0,model=e1000e --graphics none >"$BATS_TEST_TMPDIR/vi-d.xml"
	grep -q '<domain type="kvm">' "$BATS_TEST_TMPDIR/vi-d.xml"
	local x
	for x in a b c d; do
		round_trip domain "vi-$x" "$BATS_TEST_TMPDIR/vi-$x.xml"
	done
	run cat "$MNT/domains/vi-a/vcpus" "$MNT/domains/vi-a/max_vcpus" "$MNT/domains/vi-a/max_memory"
	assert_output "$(printf '2\n4\n2097152')"
}

@test "every libvirt-made fixture in tests/data is kept byte for byte" {
	local kind file n=0
	for kind in domain network pool; do
		for file in "$HVFS_TOP/tests/data/$kind"/libvirt-*.xml "$HVFS_TOP/tests/data/$kind"/virt-install-*.xml; do
			[ -e "$file" ] || continue
			n=$((n + 1))
			round_trip "$kind" "fx-$kind-$n" "$file" || {
				echo "fixture: $file" >&2
				return 1
			}
		done
	done
	# tools/libvirt-fixtures.sh made some 60; a glob gone wrong is not a pass.
	[ "$n" -ge 50 ]
}

@test "elements hvfs does not interpret survive a change through the attribute files" {
	"${VIRSH[@]}" dumpxml --inactive test >"$BATS_TEST_TMPDIR/keep.xml"
	adopt domain keep "$BATS_TEST_TMPDIR/keep.xml"
	local d=$MNT/domains/keep
	echo 4 >"$d/max_vcpus"
	echo 3 >"$d/vcpus"
	echo 4G >"$d/max_memory"
	echo 1G >"$d/memory"
	# The same elements and attributes in the same order; only the values
	# written through the files differ.
	run python3 - "$BATS_TEST_TMPDIR/adopted-keep.xml" "$d/config.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

changed = {"memory", "currentMemory", "vcpu"}

def flat(path):
    out = []
    for parent in ET.parse(path).iter():
        for e in parent:
            text = "" if e.tag in changed else (e.text or "").strip()
            attrs = {k: v for k, v in e.attrib.items() if e.tag not in changed or k == "placement"}
            out.append((parent.tag, e.tag, sorted(attrs.items()), text))
    return out

before, after = flat(sys.argv[1]), flat(sys.argv[2])
if before != after:
    sys.exit("lost or changed: %s" % [x for x in before if x not in after])
PY
	assert_success
	run cat "$d/vcpus" "$d/max_vcpus" "$d/memory" "$d/max_memory"
	assert_output "$(printf '3\n4\n1048576\n4194304')"
	validate domain "$d/config.xml"
}

@test "the demo objects' config.xml validate with libvirt's schemas" {
	validate domain "$MNT/domains/test/config.xml" "$MNT/domains/idle/config.xml" \
		"$MNT/domains/dom-00001/config.xml" "$MNT/domains/dom-00010/config.xml"
	validate network "$MNT/networks/default/config.xml"
	validate storagepool "$MNT/pools/default-pool/config.xml"
}

@test "the defaults of mkdir validate with libvirt's schemas" {
	mkdir "$MNT/domains/new-dom" "$MNT/networks/new-net" "$MNT/pools/new-pool"
	validate domain "$MNT/domains/new-dom/config.xml"
	validate network "$MNT/networks/new-net/config.xml"
	validate storagepool "$MNT/pools/new-pool/config.xml"
}

@test "config.xml after memory and vcpu changes validates with libvirt's schemas" {
	local d=$MNT/domains/tuned
	mkdir "$d"
	echo 8 >"$d/max_vcpus"
	validate domain "$d/config.xml"
	echo 3 >"$d/vcpus"
	validate domain "$d/config.xml"
	echo 2G >"$d/max_memory"
	validate domain "$d/config.xml"
	echo 768M >"$d/memory"
	validate domain "$d/config.xml"
	run grep -c "current=.3." "$d/config.xml"
	assert_output 1
	# The running demo domain, changed live.
	echo 1 >"$MNT/domains/test/vcpus"
	echo 1G >"$MNT/domains/test/memory"
	validate domain "$MNT/domains/test/config.xml"
}

@test "config.xml after a rename validates with libvirt's schemas" {
	mkdir "$MNT/domains/before"
	mv "$MNT/domains/before" "$MNT/domains/after"
	validate domain "$MNT/domains/after/config.xml"
	mkdir "$MNT/networks/net-before"
	mv "$MNT/networks/net-before" "$MNT/networks/net-after"
	validate network "$MNT/networks/net-after/config.xml"
	mkdir "$MNT/pools/pool-before"
	mv "$MNT/pools/pool-before" "$MNT/pools/pool-after"
	validate storagepool "$MNT/pools/pool-after/config.xml"
	# libvirt's own text, renamed.
	"${VIRSH[@]}" dumpxml test >"$BATS_TEST_TMPDIR/dump.xml"
	adopt domain dump-before "$BATS_TEST_TMPDIR/dump.xml"
	mv "$MNT/domains/dump-before" "$MNT/domains/dump-after"
	run grep -c "<name>dump-after</name>" "$MNT/domains/dump-after/config.xml"
	assert_output 1
	validate domain "$MNT/domains/dump-after/config.xml"
}

@test "host/capabilities.xml validates with libvirt's capability schema" {
	validate capability "$MNT/host/capabilities.xml"
}

@test "libvirt's XML is still byte for byte once the persisted host is mounted again" {
	"${VIRSH[@]}" dumpxml test >"$BATS_TEST_TMPDIR/dom.xml"
	"${VIRSH[@]}" net-dumpxml default >"$BATS_TEST_TMPDIR/net.xml"
	"${VIRSH[@]}" pool-dumpxml default-pool >"$BATS_TEST_TMPDIR/pool.xml"
	round_trip domain again-dom "$BATS_TEST_TMPDIR/dom.xml"
	round_trip network again-net "$BATS_TEST_TMPDIR/net.xml"
	round_trip pool again-pool "$BATS_TEST_TMPDIR/pool.xml"
	round_trip domain again-kvm "$HVFS_TOP/tests/data/domain/virt-install-kvm-windows.xml"
	hvfs_stop
	REMOUNTED=1
	hvfs_start "test://$BATS_FILE_TMPDIR/host"
	cmp "$BATS_TEST_TMPDIR/adopted-again-dom.xml" "$MNT/domains/again-dom/config.xml"
	cmp "$BATS_TEST_TMPDIR/adopted-again-net.xml" "$MNT/networks/again-net/config.xml"
	cmp "$BATS_TEST_TMPDIR/adopted-again-pool.xml" "$MNT/pools/again-pool/config.xml"
	cmp "$BATS_TEST_TMPDIR/adopted-again-kvm.xml" "$MNT/domains/again-kvm/config.xml"
}
