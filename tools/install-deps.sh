#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the Debian packages hvfs needs, only those missing.
#   tools/install-deps.sh build   to build and run
#   tools/install-deps.sh test    to build and run every test
#   tools/install-deps.sh xen     to boot a Xen host under QEMU for tests/xen
#                                 (the dom0 kernel and the hypervisor are fetched,
#                                 not installed: tests/xen/harness/setup-host.sh)
set -eu
BUILD="gcc make pkg-config libc6-dev libfuse3-dev fuse3 libxml2-dev libxml2-utils libjson-c-dev libcgroup-dev libxen-dev"
TEST="$BUILD bats bats-assert bats-support valgrind busybox-static inotify-tools util-linux mount python3 procps prometheus
	systemd man-db groff-base
	ansible-core puppet vim libvirt-clients libvirt0 virtinst strace
	qemu-system-x86 qemu-utils xz-utils cpio"
# The Xen stage: QEMU, the Xen 4.17 toolstack that goes into dom0, and what
# the suite runs there (bash, bats, inotifywait, fusermount3).
XEN="qemu-system-x86 xen-utils-4.17 xenstore-utils libxen-dev busybox-static cpio gzip file
	bash bats bats-assert bats-support inotify-tools fuse3 util-linux"
case "${1:-build}" in
build) want=$BUILD ;;
test) want="$TEST $XEN" ;;
xen) want=$XEN ;;
*) echo "usage: $0 build|test|xen" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "hvfs needs these Debian packages:$missing" >&2
	echo "install them as root: apt-get install$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
