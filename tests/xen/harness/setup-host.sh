#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Prepares this Debian 12 machine to boot a Xen host under QEMU, and prints
# where the pieces are, as shell assignments for eval:
#   KROOT=... KVER=... XEN_ELF=...
# Installs the packages through tools/install-deps.sh xen, then fetches the
# dom0 kernel and the hypervisor with apt-get download and unpacks them into
# the cache (HVFS_XEN_CACHE, default /var/cache/hvfs-xen): neither is
# installed, so the machine's /boot, its boot loader and its initramfs are
# left alone, and nothing runs mkinitramfs.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cache=${HVFS_XEN_CACHE:-/var/cache/hvfs-xen}

"$top/tools/install-deps.sh" xen >&2
mkdir -p "$cache/debs"
# Several worktrees may prepare the same cache at once.
exec 9>"$cache/.lock"
flock 9

# download PACKAGE: fetches PACKAGE's .deb into the cache, refreshing the
# package lists once if apt does not know the version.
download() {
	local pkg=$1
	ls "$cache/debs/${pkg}_"*.deb >/dev/null 2>&1 && return 0
	(cd "$cache/debs" && apt-get download -qq "$pkg" >&2) && return 0
	apt-get update -qq >&2
	(cd "$cache/debs" && apt-get download -qq "$pkg" >&2)
}

# The kernel linux-image-amd64 depends on today: it has the xen, fuse and
# event channel modules dom0 needs.
kernel_package() {
	apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'
}
kpkg=$(kernel_package)
# A fresh machine may have no package lists (images often ship without).
[ -n "$kpkg" ] || { apt-get update -qq >&2 && kpkg=$(kernel_package); }
[ -n "$kpkg" ] || { echo "setup-host: apt knows no linux-image-amd64 (apt-get update?)" >&2; exit 1; }
kver=${kpkg#linux-image-}
kroot=$cache/kroot-$kver
if [ ! -f "$kroot/boot/vmlinuz-$kver" ]; then
	download "$kpkg"
	rm -rf "$kroot.tmp"
	dpkg-deb -x "$cache/debs/${kpkg}"_*.deb "$kroot.tmp"
	mv "$kroot.tmp" "$kroot"
fi

xpkg=xen-hypervisor-4.17-amd64
xen_elf=$cache/xen-4.17.elf
if [ ! -s "$xen_elf" ]; then
	download "$xpkg"
	rm -rf "$cache/xen.tmp"
	dpkg-deb -x "$cache/debs/${xpkg}"_*.deb "$cache/xen.tmp"
	# QEMU's multiboot loader takes the plain ELF, not the .gz grub boots.
	zcat "$cache/xen.tmp/boot/xen-4.17-amd64.gz" >"$xen_elf.tmp"
	mv "$xen_elf.tmp" "$xen_elf"
	rm -rf "$cache/xen.tmp"
fi
echo "KROOT=$kroot KVER=$kver XEN_ELF=$xen_elf"
