#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds a self-contained dom0 initramfs: busybox, the Xen 4.17 toolstack
# from the Debian packages, the kernel modules the toolstack and FUSE need,
# and a tiny PV guest to create.
# usage: KROOT=... KVER=... GUEST_INITRD=... mk-dom0-initrd.sh OUT.cpio.gz [OVERLAY_DIR]
#   KROOT, KVER    the unpacked dom0 kernel package (setup-host.sh prints them)
#   GUEST_INITRD   the guest's initramfs (mk-tiny-initrd.sh); the guest kernel
#                  is dom0's own
#   OVERLAY_DIR    copied over the root; when it has an executable /test.sh,
#                  dom0's /init runs it once xenstored and xenconsoled are up,
#                  then powers the machine off.  Every ELF executable in the
#                  tree gets its shared libraries copied in.
set -euo pipefail
OUT=$1
OVL=${2:-}
: "${KROOT:?}" "${KVER:?}" "${GUEST_INITRD:?}"
XENBIN=/usr/lib/xen-4.17/bin
R=$(mktemp -d "${TMPDIR:-/tmp}/hvfs-dom0root.XXXXXX")
trap 'rm -rf "$R"' EXIT
mkdir -p "$R"/{bin,sbin,etc/xen,proc,sys,dev,tmp,run,root,guest,var/lib/xen,var/lib/xenstored,var/log/xen/console}
mkdir -p "$R/lib/modules/$KVER" "$R/usr/bin" "$R/usr/sbin"
ln -s ../run "$R/var/run"
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
# "#!/usr/bin/env bash" scripts (bats) look for env there.
ln -s ../../bin/busybox "$R/usr/bin/env"

# The toolstack.
for b in $XENBIN/xl $XENBIN/xenstored $XENBIN/oxenstored $XENBIN/xenconsoled $XENBIN/xen-init-dom0 /usr/bin/xenstore; do
	cp -a "$b" "$R/usr/sbin/"
done
for t in read write ls list rm exists chmod watch control; do ln -sf xenstore "$R/usr/sbin/xenstore-$t"; done
cp /etc/xen/xl.conf /etc/xen/oxenstored.conf "$R/etc/xen/" 2>/dev/null || true
echo "${XENSTORED:-xenstored}" >"$R/etc/xenstored-impl" # xenstored (C) or oxenstored (OCaml)
for m in drivers/xen/xenfs/xenfs drivers/xen/xen-evtchn drivers/xen/xen-gntdev drivers/xen/xen-gntalloc \
	drivers/xen/xen-privcmd fs/fuse/fuse; do
	cp "$KROOT/lib/modules/$KVER/kernel/$m.ko" "$R/lib/modules/$KVER/"
done

# The guest: dom0's kernel with the tiny initramfs, as a PV and a PVH config.
cp "$KROOT/boot/vmlinuz-$KVER" "$R/guest/vmlinuz"
cp "$GUEST_INITRD" "$R/guest/initrd"
cat >"$R/guest/tiny.cfg" <<'EOC'
name = "tiny"
type = "pv"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd"
extra = "console=hvc0 quiet"
memory = 128
vcpus = 1
on_poweroff = "destroy"
on_crash = "destroy"
EOC
# PVH needs tsc_mode=native under QEMU's TCG (its RDTSCP intercept lacks
# what Xen's RDTSC emulation needs).
sed -e 's/"tiny"/"tinypvh"/' -e 's/"pv"/"pvh"/' "$R/guest/tiny.cfg" >"$R/guest/tinypvh.cfg"
echo 'tsc_mode = "native"' >>"$R/guest/tinypvh.cfg"

[ -n "$OVL" ] && cp -a "$OVL"/. "$R"/

# The shared-library closure of every ELF executable in the tree.
find "$R" -type f -perm -u+x | while read -r f; do
	if file -b "$f" | grep -q 'ELF.*dynamic'; then
		ldd "$f" | awk '/=>/ && $3 ~ /^\// {print $3} /ld-linux/ {print $1}'
	fi
done | sort -u | while read -r l; do
	mkdir -p "$R$(dirname "$l")"
	cp -L "$l" "$R$l"
done
mkdir -p "$R/lib64" "$R/lib/x86_64-linux-gnu"
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
# glibc dlopen()s libgcc_s for pthread_cancel (xs_close on a threaded handle).
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/lib/x86_64-linux-gnu/"

cat >"$R/init" <<'EOI'
#!/bin/sh
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored
echo "DOM0-INIT-UP uptime=$(cut -d' ' -f1 /proc/uptime) hypervisor=$(cat /sys/hypervisor/type 2>/dev/null)"
for m in /lib/modules/*/*.ko; do insmod "$m" || echo "insmod $m failed"; done
mount -t xenfs xenfs /proc/xen
echo "capabilities: $(cat /proc/xen/capabilities)"
XENSTORED_ROOTDIR=/run/xenstored $(cat /etc/xenstored-impl) --pid-file /run/xenstored.pid || echo "XENSTORED-FAILED"
i=0; while ! xenstore-read -s / >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 30 ] && break; sleep 1; done
xen-init-dom0
xenconsoled --pid-file /run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
echo "DOM0-XENSTORE-UP ($(cat /etc/xenstored-impl)) uptime=$(cut -d' ' -f1 /proc/uptime)"
if [ -x /test.sh ]; then
	/test.sh; echo "TEST-EXIT-CODE=$?"
else
	setsid sh -c 'exec sh </dev/hvc0 >/dev/hvc0 2>&1'
fi
echo "DOM0-POWEROFF uptime=$(cut -d' ' -f1 /proc/uptime)"
sync; poweroff -f
EOI
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$OUT"
echo "built $OUT ($(du -sh "$R" | cut -f1) unpacked, $(du -h "$OUT" | cut -f1) compressed)"
