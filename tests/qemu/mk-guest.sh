#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the tiny Linux guest the QEMU driver's tests boot under
# qemu-system-x86_64 (TCG): Debian's kernel, the one tests/xen uses, and an
# initramfs of busybox init, the kernel modules for QEMU's virtio, pvpanic
# and ACPI power button devices, and a few scripts.
# usage: mk-guest.sh OUT_DIR        writes OUT_DIR/vmlinuz, OUT_DIR/initrd.cpio.gz
# env:   KROOT, KVER                the unpacked kernel package; when unset,
#                                   tests/xen/harness/setup-host.sh says
#
# The guest answers QEMU the way a real one does, so that what the driver
# sees of it is what it would see of a distribution: the ACPI power button
# (QMP system_powerdown) powers it off through acpid (unless "hvfs.noacpid"
# is on the kernel command line), ctrl-alt-del reboots
# it, "hvfs.panic" on the kernel command line makes it panic once up, so
# pvpanic reports it, and a loop brings hot-plugged vCPUs online as udev
# would.  It says what it sees on the serial console (ttyS0), one line a
# fact, for the tests to wait for: tests/qemu/README.md lists the markers
# and how to boot it.
#
# The suite calls this every run: it does nothing when OUT_DIR already holds
# what these inputs make (OUT_DIR/.stamp), and two suites building at once
# each build in a temporary directory and rename the results into place.
set -eu
OUT=${1:?usage: mk-guest.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
if [ -z "${KROOT:-}" ] || [ -z "${KVER:-}" ]; then
	eval "$("$here/../xen/harness/setup-host.sh")"
fi
: "${KROOT:?}" "${KVER:?}"
KERNEL=$KROOT/boot/vmlinuz-$KVER
MODDIR=$KROOT/lib/modules/$KVER
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -f "$KERNEL" ] || { echo "mk-guest: no kernel $KERNEL" >&2; exit 1; }
[ -x "$BUSYBOX" ] || { echo "mk-guest: no $BUSYBOX (busybox-static)" >&2; exit 1; }

# What the output is made of: this script, busybox and the kernel.
stamp="$KVER $(cksum <"$self") $(cksum <"$BUSYBOX") $(stat -L -c '%s %Y' "$KERNEL")"
uptodate() {
	[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.cpio.gz" ] &&
		[ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]
}
mkdir -p "$OUT"
uptodate && exit 0
# One build at a time; the others then find it done.
exec 9>"$OUT/.lock"
flock 9
uptodate && exit 0

T=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 1' HUP INT TERM
R=$T/root
mkdir -p "$R/bin" "$R/sbin" "$R/etc/acpi" "$R/proc" "$R/sys" "$R/dev" "$R/run" "$R/tmp" "$R/lib/modules"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$R/bin/$a"
done
for a in init poweroff reboot halt acpid insmod; do ln -sf ../bin/busybox "$R/sbin/$a"; done
ln -s bin/busybox "$R/init"

# The modules, each after those it depends on (their .modinfo "depends="),
# uncompressed: busybox insmod reads plain .ko only.  Built-in ones are
# skipped.  virtio_pci pulls in virtio, virtio_ring and its two transport
# helpers; virtio_net pulls in net_failover and failover.  pvpanic itself is
# the common part of pvpanic-mmio (QEMU's ISA "-device pvpanic", which the
# ACPI tables describe as QEMU0001) and pvpanic-pci ("-device pvpanic-pci").
# button (the ACPI power button) reports on an input device, which acpid
# reads through evdev.
WANT="virtio_pci virtio_balloon virtio_blk virtio_net pvpanic_mmio pvpanic_pci button evdev"
modfile() { # NAME: the module's file, with - and _ alike
	find "$MODDIR/kernel" \( -name "$1.ko*" -o -name "$(echo "$1" | tr _ -).ko*" \) | head -n 1
}
modcat() { # FILE: the plain module
	case $1 in
	*.ko) cat "$1" ;;
	*.ko.xz) xz -dc "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*.ko.zst) zstd -qdc "$1" ;;
	*) echo "mk-guest: unknown module format $1" >&2; return 1 ;;
	esac
}
ORDER=$T/order
: >"$ORDER"
# (No "local" in POSIX sh: what addmod uses after recursing it derives
# again from $1.)
addmod() { # NAME: adds NAME's dependencies, then NAME, to the load order
	n=$(echo "$1" | tr - _)
	grep -qx "$n" "$ORDER" && return 0
	if sed 's|.*/||; s|\.ko.*||; s|-|_|g' "$MODDIR/modules.builtin" | grep -qx "$n"; then
		return 0
	fi
	f=$(modfile "$n")
	[ -n "$f" ] || { echo "mk-guest: no module $n in $MODDIR" >&2; exit 1; }
	for d in $(modcat "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr , ' '); do
		addmod "$d"
	done
	n=$(echo "$1" | tr - _)
	modcat "$(modfile "$n")" >"$R/lib/modules/$n.ko"
	echo "$n" >>"$ORDER"
}
for m in $WANT; do addmod "$m"; done
cp "$ORDER" "$R/lib/modules/load-order"

cat >"$R/etc/inittab" <<'EOI'
::sysinit:/etc/rcS
::respawn:/sbin/hvfs-watch loop
::once:/sbin/hvfs-shell
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/echo HVFS-GUEST-DOWN
EOI

# acpid (started by rcS) maps the power button's key press to PWRF or
# PWRB, and runs /etc/acpi/<action> for it.
cat >"$R/etc/acpi.map" <<'EOI'
EV_KEY 0x01 KEY_POWER 116 1 button/power PWRF 00000080
EOI
cat >"$R/etc/acpid.conf" <<'EOI'
PWRF power
PWRB power
EOI
cat >"$R/etc/acpi/power" <<'EOI'
#!/bin/sh
exec /sbin/poweroff
EOI

cat >"$R/etc/rcS" <<'EOI'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs run /run
for m in $(cat /lib/modules/load-order); do
	insmod "/lib/modules/$m.ko" || echo "HVFS-GUEST-MODULE-FAILED $m"
done
/sbin/hvfs-watch once
# acpid writes its pid file once it has opened the input devices: from then
# on a power button press waits in evdev's queue, so a host that sends one
# as soon as it reads HVFS-GUEST-UP cannot lose it.
# "hvfs.noacpid" makes a guest that ignores the power button (as one whose
# OS has no ACPI support would): shutdown must then time out.
case " $(cat /proc/cmdline) " in
*" hvfs.noacpid "*) ;;
*)
	acpid -d -p /run/acpid.pid &
	i=0
	while [ ! -e /run/acpid.pid ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo HVFS-GUEST-ACPID-FAILED; break; }
		sleep 0.05
	done
	;;
esac
echo "HVFS-GUEST-UP $(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
case " $(cat /proc/cmdline) " in
*" hvfs.panic "*)
	echo HVFS-GUEST-PANICKING
	echo c >/proc/sysrq-trigger
	;;
esac
EOI

# hvfs-watch once: prints the memory, the vCPUs and the devices seen now;
# hvfs-watch loop: every second, brings offline vCPUs online and prints any
# of these that changed.  What it printed last is kept in /run, so that
# when the loop is started again (init respawns it: the OOM killer takes it
# when a balloon squeezes the guest too hard) it repeats nothing.  Only
# shell builtins, no command substitution: no fork but sleep's, which is
# what fails first when memory runs out.
cat >"$R/sbin/hvfs-watch" <<'EOI'
#!/bin/sh
report() { # TAG VALUE: prints "HVFS-TAG VALUE" when VALUE changed
	eval "old=\${seen_$1-}"
	if [ -z "$old" ]; then
		old=none
		[ -r "/run/hvfs-$1" ] && read -r old <"/run/hvfs-$1"
	fi
	[ "$old" = "=$2" ] && return 0
	eval "seen_$1=\"=\$2\""
	echo "=$2" >"/run/hvfs-$1"
	echo "HVFS-$1${2:+ $2}"
}
names() { # DIR: the entries of DIR in $names, space-separated
	names=
	for e in "$1"/*; do
		[ -e "$e" ] && names="$names${names:+ }${e##*/}"
	done
}
look() {
	while read -r k v _; do
		[ "$k" = MemTotal: ] && break
	done </proc/meminfo
	report MEMTOTAL "$v"
	# online vCPUs, from ranges such as "0-2,4"
	read -r list </sys/devices/system/cpu/online
	n=0
	IFS=,
	for r in $list; do
		n=$((n + ${r#*-} - ${r%-*} + 1))
	done
	unset IFS
	report CPUS "$n"
	names /sys/block
	report DISKS "$names"
	names /sys/class/net
	report NETS "$names"
}
look
[ "${1:-}" = loop ] || exit 0
# A vCPU being unplugged is offline for a moment first: writing 1 then
# waits for the eject to finish, and fails.
while sleep 1; do
	for f in /sys/devices/system/cpu/cpu*/online; do
		[ -e "$f" ] && read -r v <"$f" && [ "$v" = 0 ] && { echo 1 >"$f"; } 2>/dev/null
	done
	look
done
EOI

# A shell on the console with "hvfs.shell" on the command line.
cat >"$R/sbin/hvfs-shell" <<'EOI'
#!/bin/sh
case " $(cat /proc/cmdline) " in
*" hvfs.shell "*) exec setsid cttyhack sh -l ;;
esac
EOI
chmod +x "$R/etc/rcS" "$R/etc/acpi/power" "$R/sbin/hvfs-watch" "$R/sbin/hvfs-shell"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 2>/dev/null | gzip -9n) >"$T/initrd.cpio.gz"
cp "$KERNEL" "$T/vmlinuz"
echo "$stamp" >"$T/stamp"
mv -f "$T/vmlinuz" "$OUT/vmlinuz"
mv -f "$T/initrd.cpio.gz" "$OUT/initrd.cpio.gz"
mv -f "$T/stamp" "$OUT/.stamp"
