#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerates the libvirt-made fixtures under tests/data/ (issue 4: libvirt
# XML for the features hvfs supports is accepted as is).  Every file it
# writes was produced by libvirt's own tools, never edited by hand:
#
#   domain/libvirt-*.xml        virsh dumpxml of the test driver's domain,
#                               and of virt-install's guests once libvirt
#                               defined them (libvirt's own formatting)
#   domain/virt-install-*.xml   virt-install --print-xml, as it prints it
#   network/libvirt-*.xml       virsh net-dumpxml: the test driver's network
#                               and networks libvirt defined from inputs below
#   pool/libvirt-*.xml          virsh pool-dumpxml, likewise, of pools
#                               defined mostly from pool-define-as --print-xml
#   capabilities/libvirt-virsh-test.xml  virsh capabilities
#
# Each file is checked with libvirt's virt-xml-validate before it is kept.
# virt-install's kvm, Xen and LXC guests come from its test hook (a
# "__virtinst_test__" URI with fake capabilities from tests/data/capabilities),
# since the test driver itself only runs type='test'; "predictable" keeps
# their UUIDs and MACs stable between runs.
#
# Needs libvirt-clients and virtinst.  Usage: tools/libvirt-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=tests/data
CAPS=$DATA/capabilities
URI=test:///default
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# keep FILE KIND: validates FILE with libvirt and says what was written.
keep() {
	virt-xml-validate "$1" "$2" >"$work/validate" 2>&1 || {
		cat "$work/validate" >&2
		exit 1
	}
	echo "$1"
}

virsh_() { virsh -q -c "$URI" "$@"; }

# with_uuid NAME < XML: the input with a UUID made from NAME after its
# <name>, so that regenerating does not churn UUIDs libvirt would pick.
with_uuid() {
	local u
	u=$(printf 'hvfs-fixture-%s' "$1" | md5sum)
	u="${u:0:8}-${u:8:4}-4${u:13:3}-8${u:17:3}-${u:20:12}"
	sed "s|^\( *\)<name>$1</name>|&\n\1<uuid>$u</uuid>|"
}

# --- what the test driver has ------------------------------------------------
virsh_ dumpxml test >$DATA/domain/libvirt-test.xml
keep $DATA/domain/libvirt-test.xml domain
virsh_ dumpxml --inactive test >$DATA/domain/libvirt-test-inactive.xml
keep $DATA/domain/libvirt-test-inactive.xml domain
# --security-info and --migratable print what plain dumpxml does for the test
# driver (it has no secrets or live-only state): not worth a copy each, but
# checked so that a change shows up here.
for flag in --security-info --migratable; do
	virsh_ dumpxml "$flag" test | cmp -s - $DATA/domain/libvirt-test.xml ||
		echo "note: dumpxml $flag test now differs from dumpxml test: add it" >&2
done
virsh_ net-dumpxml default >$DATA/network/libvirt-default.xml
keep $DATA/network/libvirt-default.xml network
virsh_ pool-dumpxml default-pool >$DATA/pool/libvirt-default-pool.xml
keep $DATA/pool/libvirt-default-pool.xml storagepool
virsh_ capabilities >$CAPS/libvirt-virsh-test.xml
keep $CAPS/libvirt-virsh-test.xml capability

# --- virt-install ------------------------------------------------------------
# vi NAME CONNECT-URI OPTIONS...: virt-install's guest NAME; for the test
# driver also libvirt's dump of it once defined.
vi() {
	local name=$1 uri=$2 out=$DATA/domain/virt-install-$1.xml
	shift 2
	virt-install --connect "$uri" --print-xml --noautoconsole --name "$name" "$@" >"$out"
	keep "$out" domain
	case $uri in
	*test:///default | *test:///default,predictable)
		virsh_ "define $out; dumpxml --inactive $name" >"$work/dump.xml"
		sed '/^Domain .* defined from/d' "$work/dump.xml" >"$DATA/domain/libvirt-define-$name.xml"
		keep "$DATA/domain/libvirt-define-$name.xml" domain
		;;
	esac
}
T="__virtinst_test__$URI,predictable"
KVM="$T,fakeuri=qemu:///system,caps=$CAPS/kvm-host.xml"
XEN="$T,fakeuri=xen:///,caps=$CAPS/xen-host.xml"
LXC="$T,fakeuri=lxc:///,caps=$CAPS/lxc-host.xml"

vi debian11 "$T" --osinfo debian11 --memory 1024,maxmemory=2048 --vcpus 2,maxvcpus=4 --import \
	--disk size=1,bus=virtio,format=qcow2 --network network=default,model=virtio,mac=52:54:00:12:34:56 \
	--graphics vnc
vi win10 "$T" --osinfo win10 --memory 4096 --vcpus 2 --import --disk size=4,bus=sata \
	--disk device=cdrom,path=/dev/null,bus=sata \
	--network network=default,model=e1000,mac=52:54:00:aa:bb:cc --graphics vnc,listen=0.0.0.0,port=5901
vi generic "$T" --osinfo generic --memory 256 --disk none --boot hd,cdrom,menu=on --graphics none \
	--serial pty --console pty
vi scsi-spice "$T" --osinfo linux2022 --memory 1024 --import --disk path=/dev/null,bus=scsi \
	--controller type=scsi,model=virtio-scsi --graphics spice --channel spicevmc --video qxl
vi ide-floppy "$T" --osinfo linux2020 --memory 1024 --import \
	--disk /var/lib/libvirt/images/ide.raw,size=1,format=raw,bus=ide,cache=none,io=native \
	--disk /var/lib/libvirt/images/floppy.img,device=floppy,size=1 --filesystem /srv/share,share0 \
	--rng /dev/random --watchdog i6300esb,action=poweroff
vi kernel-boot "$T" --osinfo linux2022 --memory 1024 --disk none --network none --graphics none \
	--boot kernel=/boot/vmlinuz,initrd=/boot/initrd.img,kernel_args=console=ttyS0
vi pool-volume "$T" --osinfo ubuntu22.04 --memory 1024 --import --disk pool=default-pool,size=1 \
	--network user --sound ich9 --input keyboard,bus=usb --memballoon virtio --smartcard passthrough,type=spicevmc
vi tunables "$T" --osinfo debian10 --memory 1024 --disk none --import \
	--events on_poweroff=preserve,on_reboot=destroy,on_crash=restart --metadata title=hello,description=world \
	--clock offset=localtime --features acpi=on,apic=on,pae=on --cpuset 0-1 --numatune 0 \
	--memtune hard_limit=2000000 --blkiotune weight=100 --resource partition=/machine --iothreads 2 \
	--security type=none --pm suspend_to_mem=no
vi odd-devices "$T" --osinfo debian10 --memory 1024,hotplugmemorymax=2048,hotplugmemoryslots=2 --vcpus 1 \
	--cpu cell0.cpus=0,cell0.memory=1048576 --disk none --import --parallel pty \
	--channel pty,target_type=guestfwd,target_address=10.0.2.1:4600 --redirdev usb,type=spicevmc \
	--panic default --memdev dimm,target.size=512,target.node=0 --vsock cid.auto=yes --iommu model=intel \
	--shmem name=shm0
vi cpu-tpm "$T" --osinfo freebsd13.1 --memory 1024 --disk none --import --cpu core2duo,+x2apic,-vmx \
	--tpm emulator --controller usb,model=qemu-xhci --controller virtio-serial --console pty,target_type=virtio \
	--serial tcp,host=127.0.0.1:4444,mode=bind --serial file,path=/var/log/serial.log
vi loader "$T" --osinfo rhel9.0 --memory 1024 --disk none --import \
	--boot loader=/usr/share/OVMF/OVMF_CODE.fd,loader.readonly=yes,loader.type=pflash,nvram.template=/usr/share/OVMF/OVMF_VARS.fd
vi storage-net "$T" --osinfo centos-stream9 --memory 1024 --import --disk /dev/loop0,device=lun,bus=scsi \
	--disk source.protocol=rbd,source.name=rbd/img,source.host.name=ceph.example.org,source.host.port=6789,bus=virtio \
	--disk /var/lib/libvirt/images/usb.img,size=1,bus=usb \
	--network type=direct,source=eth0,source_mode=bridge,model=virtio --network bridge=virbr0,model=rtl8139 \
	--memorybacking hugepages=on --cputune vcpupin0.vcpu=0,vcpupin0.cpuset=1 --vcpus 2,placement=static,cpuset=0-1
vi xml-edit "$T" --osinfo opensuse15.4 --memory 1024 --disk none --import --xml ./on_crash=restart \
	--xml ./devices/hub/@type=usb --sysinfo host

vi kvm-q35 "$KVM" --virt-type kvm --arch x86_64 --machine q35 --osinfo fedora37 --memory 2048 \
	--vcpus 4,sockets=1,cores=2,threads=2 --import --cpu host-passthrough --tpm emulator --rng /dev/urandom \
	--disk path=/var/lib/libvirt/images/q35.qcow2,size=2,bus=sata,format=qcow2 --disk device=cdrom,bus=sata \
	--network bridge=br0,model=e1000e --graphics none --console pty,target_type=serial
vi kvm-windows "$KVM" --virt-type kvm --osinfo win2k19 --memory 2048 --boot firmware=efi --import \
	--disk size=20,bus=sata --network network=default,model=e1000e --graphics spice --video qxl \
	--channel spicevmc --sound ich9 --clock hypervclock_present=yes \
	--features hyperv.relaxed.state=on,hyperv.vapic.state=on,hyperv.spinlocks.state=on,hyperv.spinlocks.retries=8191
vi kvm-numa "$KVM" --virt-type kvm --machine pc-i440fx-6.2 --osinfo ubuntu22.04 \
	--memory 4096,hotplugmemorymax=8192,hotplugmemoryslots=2 --vcpus 4 --disk none --import \
	--cpu host-model,cell0.cpus=0-3,cell0.memory=4194304 --memorybacking source.type=memfd,access.mode=shared \
	--filesystem type=mount,accessmode=passthrough,driver.type=virtiofs,source.dir=/srv,target.dir=tag
vi qemu-tcg "$KVM" --virt-type qemu --osinfo debian11 --memory 1024 --import \
	--disk /var/lib/libvirt/images/tcg.qcow2,size=1 --network type=direct,source=eth0,source_mode=vepa \
	--controller virtio-serial --console pty,target_type=virtio \
	--channel unix,target_type=virtio,name=org.qemu.guest_agent.0
vi xen-pv "$XEN" --paravirt --osinfo debian10 --memory 512 --disk /var/lib/xen/pv.img,size=1 \
	--boot kernel=/boot/vmlinuz,initrd=/boot/initrd --network bridge=xenbr0 --graphics none
vi xen-hvm "$XEN" --hvm --osinfo win7 --memory 512 --disk /var/lib/xen/hvm.img,size=1 --import \
	--network bridge=xenbr0 --graphics vnc
vi lxc "$LXC" --container --memory 256 --filesystem /srv/c1,/ --init /sbin/init --network network=default

# Values at the edges of what libvirt allows where hvfs checks the shape:
# every device kind hvfs types, in each of its variants, with the
# Windows, VMware and spaced names other hypervisors' guests carry.
with_uuid edge-values >"$work/edge.xml" <<'XML'
<domain type='test'>
  <name>edge-values</name>
  <maxMemory slots='2' unit='KiB'>4194304</maxMemory>
  <memory unit='G'>2</memory>
  <currentMemory unit='bytes'>1073741824</currentMemory>
  <vcpu placement='auto' current='1'>2</vcpu>
  <cpu><numa><cell id='0' cpus='0-1' memory='2097152' unit='KiB'/></numa></cpu>
  <os firmware='efi'>
    <type arch='i686'>hvm</type>
    <firmware><feature enabled='no' name='secure-boot'/></firmware>
    <boot dev='network'/>
  </os>
  <on_poweroff>preserve</on_poweroff>
  <on_reboot>rename-restart</on_reboot>
  <on_crash>coredump-restart</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <source file='C:\images\win.vhdx'/>
      <target dev='hda' bus='ide'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='[datastore1] vm/vm.vmdk'/>
      <target dev='sda' bus='scsi'/>
    </disk>
    <disk type='volume' device='disk'>
      <source pool='my pool' volume='vol 1'/>
      <target dev='vdb' bus='virtio'/>
    </disk>
    <disk type='block' device='cdrom'>
      <source dev='/dev/sr0'/>
      <target dev='sdb' bus='usb' tray='open'/>
      <readonly/>
      <address type='usb' bus='0' port='1.2'/>
    </disk>
    <disk type='dir' device='floppy'>
      <source dir='/srv/floppy'/>
      <target dev='fda' bus='fdc'/>
    </disk>
    <controller type='scsi' index='0' model='lsilogic'/>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='ccid' index='0'/>
    <controller type='sata' index='0'/>
    <controller type='xenbus' index='0' maxGrantFrames='64'/>
    <controller type='isa' index='0'/>
    <controller type='pci' index='0' model='pci-root'/>
    <interface type='bridge'>
      <mac address='52:54:00:00:00:01' type='static'/>
      <source bridge='VM Network'/>
      <model type='e1000'/>
      <link state='down'/>
    </interface>
    <interface type='network'>
      <source network='my net' portgroup='eng'/>
      <mac address='52:54:00:00:00:02'/>
    </interface>
    <interface type='ethernet'><mac address='52:54:00:00:00:03'/><target dev='tap0' managed='no'/></interface>
    <interface type='user'><mac address='52:54:00:00:00:04'/></interface>
    <interface type='mcast'><mac address='52:54:00:00:00:05'/><source address='230.0.0.1' port='5558'/></interface>
    <interface type='server'><mac address='52:54:00:00:00:06'/><source address='192.168.0.1' port='5558'/></interface>
    <interface type='udp'>
      <mac address='52:54:00:00:00:07'/>
      <source address='192.168.0.1' port='5558'><local address='127.0.0.1' port='5559'/></source>
    </interface>
    <interface type='vhostuser'>
      <mac address='52:54:00:00:00:08'/>
      <source type='unix' path='/tmp/vhost.sock' mode='server'/>
      <model type='virtio'/>
    </interface>
    <interface type='direct'><mac address='52:54:00:00:00:09'/><source dev='eth0' mode='passthrough'/></interface>
    <interface type='hostdev' managed='yes'>
      <mac address='52:54:00:00:00:0a'/>
      <source><address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x1'/></source>
    </interface>
    <interface type='null'><mac address='52:54:00:00:00:0b'/></interface>
    <serial type='tcp'>
      <source mode='connect' host='127.0.0.1' service='4555'/>
      <protocol type='telnet'/>
      <target port='0'/>
    </serial>
    <serial type='udp'>
      <source mode='bind' host='0.0.0.0' service='2222'/>
      <source mode='connect' host='0.0.0.0' service='2223'/>
      <target port='1'/>
    </serial>
    <serial type='unix'><source mode='bind' path='/tmp/s.sock'/><target port='2'/></serial>
    <serial type='file'><source path='/tmp/s.log' append='on'/><log file='/tmp/l.log'/><target port='3'/></serial>
    <serial type='dev'><source path='/dev/ttyS0'/><target port='4'/></serial>
    <serial type='null'><target port='5'/></serial>
    <serial type='stdio'><target port='6'/></serial>
    <serial type='vc'><target port='7'/></serial>
    <serial type='pipe'><source path='/tmp/pipe'/><target port='8'/></serial>
    <serial type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/><target port='9'/></serial>
    <console type='pty' tty='/dev/pts/3'><target type='virtio' port='0'/></console>
    <channel type='spiceport'>
      <source channel='org.qemu.console.serial.0'/>
      <target type='virtio' name='org.qemu.console.serial.0'/>
    </channel>
    <channel type='qemu-vdagent'>
      <source><clipboard copypaste='yes'/></source>
      <target type='virtio' name='com.redhat.spice.0'/>
    </channel>
    <channel type='dbus'><source channel='org.qemu.x'/><target type='virtio' name='org.qemu.x'/></channel>
    <smartcard mode='passthrough' type='tcp'>
      <source mode='connect' host='127.0.0.1' service='2001'/>
      <protocol type='raw'/>
      <address type='ccid' controller='0' slot='0'/>
    </smartcard>
    <memballoon model='virtio'><address type='virtio-mmio'/></memballoon>
    <watchdog model='ib700' action='reset'><address type='isa' iobase='0x443' irq='5'/></watchdog>
    <panic model='pseries'><address type='spapr-vio' reg='0x4000'/></panic>
    <memory model='dimm'>
      <target><size unit='KiB'>524288</size><node>0</node></target>
      <address type='dimm' slot='0' base='0x100000000'/>
    </memory>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
      <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x0001'/>
    </rng>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source>
      <address type='unassigned'/>
    </hostdev>
  </devices>
</domain>
XML
virsh_ "define $work/edge.xml; dumpxml --inactive edge-values" >$DATA/domain/libvirt-define-edge-values.xml
keep $DATA/domain/libvirt-define-edge-values.xml domain

# --- networks ----------------------------------------------------------------
# net NAME: libvirt's dump of the network XML on stdin once defined.
net() {
	local out=$DATA/network/libvirt-$1.xml
	with_uuid "$1" >"$work/net.xml"
	virsh_ "net-define $work/net.xml; net-dumpxml $1" | sed '/^Network .* defined from/d' >"$out"
	keep "$out" network
}
net nat-dhcp-dns <<'XML'
<network ipv6='yes' trustGuestRxFilters='no'>
  <name>nat-dhcp-dns</name>
  <title>NAT with everything</title>
  <description>DHCP hosts, DNS entries, IPv6, port range, MTU</description>
  <forward mode='nat'>
    <nat><address start='203.0.113.10' end='203.0.113.20'/><port start='1024' end='65535'/></nat>
  </forward>
  <bridge name='virbr10' stp='on' delay='0'/>
  <mtu size='9000'/>
  <mac address='52:54:00:0a:0b:0c'/>
  <domain name='example.lan' localOnly='yes'/>
  <dns forwardPlainNames='no'>
    <forwarder domain='example.com' addr='192.0.2.53'/>
    <txt name='example' value='example value'/>
    <host ip='192.168.100.2'><hostname>gw</hostname></host>
    <srv service='name' protocol='tcp' domain='example.lan' target='web' port='80' priority='1' weight='10'/>
  </dns>
  <ip address='192.168.100.1' netmask='255.255.255.0' localPtr='yes'>
    <tftp root='/srv/tftp'/>
    <dhcp>
      <range start='192.168.100.128' end='192.168.100.254'><lease expiry='1' unit='hours'/></range>
      <host mac='52:54:00:6c:3c:01' name='vm1' ip='192.168.100.11'/>
      <host mac='52:54:00:6c:3c:02' name='vm2' ip='192.168.100.12'><lease expiry='30' unit='minutes'/></host>
      <bootp file='pxelinux.0'/>
    </dhcp>
  </ip>
  <ip family='ipv6' address='2001:db8:ca2:2::1' prefix='64'>
    <dhcp>
      <range start='2001:db8:ca2:2::100' end='2001:db8:ca2:2::1ff'/>
      <host id='0:4:7e:7d:f0:7d:a8:bc:c5:d2:13:32:11:ed:16:ea:84:63' name='vm3' ip='2001:db8:ca2:2::3'/>
    </dhcp>
  </ip>
</network>
XML
net routed <<'XML'
<network>
  <name>routed</name>
  <forward mode='route' dev='eth1'/>
  <bridge name='virbr11'/>
  <ip address='10.10.0.1' prefix='24'/>
  <route address='10.20.0.0' prefix='16' gateway='10.10.0.2' metric='1'/>
  <portgroup name='engineering' default='yes'>
    <bandwidth><inbound average='1000' peak='5000' burst='1024'/><outbound average='1000'/></bandwidth>
  </portgroup>
  <portgroup name='sales'><vlan><tag id='42'/></vlan></portgroup>
</network>
XML
net open <<'XML'
<network>
  <name>open</name>
  <forward mode='open'/>
  <bridge name='virbr12' macTableManager='libvirt'/>
  <ip address='198.51.100.1' netmask='255.255.255.0'/>
</network>
XML
net isolated-ipv6 <<'XML'
<network>
  <name>isolated-ipv6</name>
  <bridge name='virbr13'/>
  <ip family='ipv6' address='fd00:1::1' prefix='64'/>
</network>
XML
net host-bridge <<'XML'
<network>
  <name>host-bridge</name>
  <forward mode='bridge'/>
  <bridge name='br0'/>
</network>
XML
net macvtap <<'XML'
<network>
  <name>macvtap</name>
  <forward mode='vepa'>
    <interface dev='eth2'/>
    <interface dev='eth3'/>
  </forward>
</network>
XML
net hostdev <<'XML'
<network>
  <name>hostdev</name>
  <forward mode='hostdev' managed='yes'>
    <driver name='vfio'/>
    <address type='pci' domain='0x0000' bus='0x03' slot='0x10' function='0x1'/>
  </forward>
</network>
XML
# Host names and a TFTP root libvirt takes as they are.
net dhcp-names <<'XML'
<network>
  <name>dhcp-names</name>
  <bridge name='virbr14'/>
  <ip address='192.168.50.1' netmask='255.255.255.0'>
    <tftp root='tftp/boot'/>
    <dhcp>
      <range start='192.168.50.2' end='192.168.50.9'/>
      <host mac='52:54:00:00:00:01' name='web_server.1' ip='192.168.50.3'/>
      <host name='Web Server' ip='192.168.50.4'/>
      <bootp file='pxelinux.0' server='192.168.50.1'/>
    </dhcp>
  </ip>
</network>
XML
net ovs <<'XML'
<network>
  <name>ovs</name>
  <forward mode='bridge'/>
  <bridge name='ovsbr0'/>
  <virtualport type='openvswitch'/>
  <vlan trunk='yes'><tag id='42'/><tag id='47' nativeMode='untagged'/></vlan>
</network>
XML

# --- pools -------------------------------------------------------------------
# pool NAME TYPE ARGS...: pool-define-as prints the XML; libvirt's dump of
# it once defined is what is kept.
pool() {
	local name=$1 out=$DATA/pool/libvirt-$1.xml
	shift
	virsh_ pool-define-as "$name" "$@" --print-xml | with_uuid "$name" >"$work/pool.xml"
	virsh_ "pool-define $work/pool.xml; pool-dumpxml $name" | sed '/^Pool .* defined from/d' >"$out"
	keep "$out" storagepool
}
pool dir dir --target /srv/images
pool fs fs --source-dev /dev/sdb1 --source-format ext4 --target /mnt/fs
pool netfs netfs --source-host nfs.example.org --source-path /export/vms --source-format nfs --target /mnt/nfs
pool logical logical --source-name vg0 --source-dev /dev/sdc --target /dev/vg0
pool disk disk --source-dev /dev/sdd --source-format gpt --target /dev
pool iscsi iscsi --source-host iscsi.example.org --source-dev iqn.2013-06.org.example:target0 --target /dev/disk/by-path
pool rbd rbd --source-host ceph.example.org --source-name rbdpool --auth-type ceph --auth-username admin \
	--secret-usage client.admin
pool gluster gluster --source-host gluster.example.org --source-name gv0 --source-path /
pool zfs zfs --source-name tank
pool scsi scsi --adapter-name host0 --target /dev/disk/by-path
with_uuid dir-permissions >"$work/pool.xml" <<'XML'
<pool type='dir'>
  <name>dir-permissions</name>
  <target>
    <path>/srv/pool</path>
    <permissions><mode>0711</mode><owner>107</owner><group>-1</group><label>system_u:object_r:virt_image_t:s0</label></permissions>
  </target>
</pool>
XML
virsh_ "pool-define $work/pool.xml; pool-dumpxml dir-permissions" >$DATA/pool/libvirt-dir-permissions.xml
keep $DATA/pool/libvirt-dir-permissions.xml storagepool
