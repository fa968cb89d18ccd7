#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes the exported definitions tests/bats/135-define-exported.bats and
# 170-container-define.bats bring into hvfs, as libvirt's own tools print
# them against libvirt's test driver (test:///default: in memory, no
# daemon).  The suites run this at test time when virsh and virt-install
# are installed, and otherwise use the copies committed next to it.
#   tests/data/exported/generate.sh [OUTDIR]     (default: this directory)
#
# Each file is the object under a name of its own (the name is what the
# directory will be called): libvirt's demo domain renamed by libvirt
# (virsh domrename), libvirt's default network and pool defined again by
# libvirt under another name, without their <uuid> (so libvirt gives them
# one) and on a bridge and path of their own, a domain virt-install makes,
# and an LXC container libvirt's test driver defines.  (Its Xen guests come
# out with os type 'linux', which hvfs's Xen driver refuses (PV is 'xen'): the
# Xen driver's test uses tests/data/domain/xen-pv-kernel.xml instead.)
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
virsh=(virsh -q -c test:///default)

# One virsh session per file: test:///default starts afresh each time.
"${virsh[@]}" "destroy test; domrename test vd1; dumpxml vd1" >"$out/virsh-dumpxml-vd1.xml"

virt-install --connect test:///default --name vi1 --memory 512 --disk none --import \
	--osinfo detect=on,require=off --print-xml >"$out/virt-install-vi1.xml"

"${virsh[@]}" net-dumpxml default |
	sed -e 's|<name>default</name>|<name>vnet1</name>|' -e '/<uuid>/d' -e 's|virbr0|virbr9|' \
		-e 's|192\.168\.122\.|192.168.199.|g' >"$work/net.xml"
"${virsh[@]}" "net-define $work/net.xml; net-dumpxml vnet1" >"$out/virsh-net-dumpxml-vnet1.xml"

"${virsh[@]}" pool-dumpxml default-pool |
	sed -e 's|<name>default-pool</name>|<name>vpool1</name>|' -e '/<uuid>/d' \
		-e 's|<path>/default-pool</path>|<path>/var/lib/hvfs-test/vpool1</path>|' >"$work/pool.xml"
"${virsh[@]}" "pool-define $work/pool.xml; pool-dumpxml vpool1" >"$out/virsh-pool-dumpxml-vpool1.xml"

cat >"$work/lxc.xml" <<'XML'
<domain type='lxc'>
  <name>box1</name>
  <memory unit='MiB'>64</memory>
  <os>
    <type>exe</type>
    <init>/bin/busybox</init>
    <initarg>sh</initarg>
    <initarg>-c</initarg>
    <initarg>exec sleep 600</initarg>
  </os>
  <devices>
    <console type='pty'/>
  </devices>
</domain>
XML
"${virsh[@]}" "define $work/lxc.xml; dumpxml box1" >"$out/virsh-dumpxml-lxc-box1.xml"
