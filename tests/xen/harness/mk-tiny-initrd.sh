#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the tiny guest's initramfs: busybox init, which prints a marker on
# the console at every boot and then idles until it is told to stop.
# usage: mk-tiny-initrd.sh OUT.cpio.gz
#
# It answers Xen's PV shutdown protocol like a real guest: the kernel
# handles control/shutdown = poweroff by running /sbin/poweroff, which asks
# init (busybox, pid 1) to power off; reboot arrives as ctrl-alt-del, which
# init turns into a reboot.  A guest whose init could not do this would
# only ever stop by being destroyed.  A vCPU the toolstack makes available
# (cpu/N/availability = online) appears offline; a loop brings it up within
# a second, as udev does on a full system (Debian's kernel has no uevent
# helper); one made unavailable the kernel takes down by itself.
set -eu
OUT=$1
D=$(mktemp -d "${TMPDIR:-/tmp}/hvfs-tiny.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/bin" "$D/sbin" "$D/etc" "$D/proc" "$D/sys" "$D/dev"
cp /bin/busybox "$D/bin/busybox"
for a in sh mount echo cat cut uname sleep; do ln -s busybox "$D/bin/$a"; done
for a in init poweroff reboot halt; do ln -s ../bin/busybox "$D/sbin/$a"; done
ln -s bin/busybox "$D/init"
cat >"$D/etc/inittab" <<'EOI'
::sysinit:/etc/rcS
::once:/sbin/cpu-online
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/echo GUEST-GOING-DOWN
EOI
cat >"$D/etc/rcS" <<'EOI'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "TINY-INIT-UP $(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
echo "hypervisor=$(cat /sys/hypervisor/type 2>/dev/null) guest_type=$(cat /sys/hypervisor/guest_type 2>/dev/null)"
echo "GUEST-MARKER-OK"
EOI
cat >"$D/sbin/cpu-online" <<'EOI'
#!/bin/sh
while sleep 1; do
	for f in /sys/devices/system/cpu/cpu*/online; do
		[ -e "$f" ] && read -r v <"$f" && [ "$v" = 0 ] && echo 1 >"$f"
	done
done
EOI
chmod +x "$D/etc/rcS" "$D/sbin/cpu-online"
(cd "$D" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT"
