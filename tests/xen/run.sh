#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Xen stage: packs hvfs and the suite under tests/xen/suite into a dom0
# initramfs, boots the real Xen 4.17 hypervisor under QEMU, lets dom0 run
# the suite against the hypervisor, and reports what it printed.
# usage: tests/xen/run.sh [HVFS_BIN]       (default build/hvfs)
# env:   HVFS_XEN_WORK     work directory (default build/xen): overlay, images, logs
#        HVFS_XEN_CACHE    downloaded kernel and hypervisor (default /var/cache/hvfs-xen)
#        HVFS_XEN_TIMEOUT  seconds QEMU may run (default 2400: a net for a hung dom0, not a budget)
#        HVFS_XEN_FILTER   only run the suite's tests whose names match this regex
#
# Output: the suite's TAP lines ("ok …", "not ok …", "# …"), then one line
# "xen: N passed, N failed".  A run that cannot boot QEMU, or a dom0 that
# crashes or times out before the suite ends, counts as a failure with the
# reason; so does every planned test that never reported.  Exits non-zero
# unless something passed and nothing failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/xen
bin=${1:-$top/build/hvfs}
W=${HVFS_XEN_WORK:-$top/build/xen}
timeout=${HVFS_XEN_TIMEOUT:-2400}
mkdir -p "$W"

# give_up REASON: the stage could not even run; that is one failure.
give_up() {
	echo "not ok - xen: $*"
	echo "xen: 0 passed, 1 failed"
	exit 1
}

[ -x "$bin" ] || give_up "$bin was not built"
env=$("$here/harness/setup-host.sh" 2>"$W/setup.log" | tail -1)
[[ $env == KROOT=* ]] || give_up "setting up the host failed: $(tail -5 "$W/setup.log" | tr '\n' ' ')"
eval "$env"
export KROOT KVER XEN_ELF

# dom0's overlay: hvfs, bash and bats to run the suite, inotifywait and
# fusermount3 for the tests, and the suite itself.
ovl=$W/overlay
rm -rf "$ovl"
mkdir -p "$ovl/usr/local/bin" "$ovl/usr/bin" "$ovl/bin" "$ovl/usr/lib" "$ovl/usr/libexec" "$ovl/hvfs-tests"
cp "$bin" "$ovl/usr/local/bin/hvfs"
cp /bin/bash "$ovl/usr/bin/bash"
ln -s ../usr/bin/bash "$ovl/bin/bash"
cp /usr/bin/inotifywait /usr/bin/fusermount3 "$ovl/usr/bin/"
cp -a /usr/bin/bats "$ovl/usr/bin/"
cp -a /usr/lib/bats-core /usr/lib/bats "$ovl/usr/lib/"
cp -a /usr/libexec/bats-core "$ovl/usr/libexec/"
cp "$here"/suite/*.bats "$here/suite/helpers.bash" "$ovl/hvfs-tests/"
cp "$here/suite/test.sh" "$ovl/test.sh"
{
	# The suite stops 90 s before QEMU would be killed (booting takes some of
	# them, more on a loaded machine), so that its
	# results and the daemon's logs still get out.
	echo "SUITE_TIMEOUT=$((timeout - 90))"
	printf 'SUITE_FILTER=%q\n' "${HVFS_XEN_FILTER:-}"
} >"$ovl/hvfs-tests/env"

guest=$W/guest-initrd.cpio.gz
if [ ! -s "$guest" ] || [ "$here/harness/mk-tiny-initrd.sh" -nt "$guest" ]; then
	"$here/harness/mk-tiny-initrd.sh" "$guest" || give_up "building the guest's initramfs failed"
fi
GUEST_INITRD=$guest TMPDIR=$W "$here/harness/mk-dom0-initrd.sh" "$W/dom0.cpio.gz" "$ovl" >"$W/mkinitrd.log" 2>&1 ||
	give_up "building dom0's initramfs failed: $(tail -3 "$W/mkinitrd.log" | tr '\n' ' ')"

results=$W/results.txt
serial=$W/serial.log
# 3.5 GiB: dom0 keeps 1 GiB, and 060-many-guests holds 20 guests of 80 MiB at once.
RESULTS=$results TIMEOUT=$timeout MEM=${MEM:-3584} "$here/harness/run-xen.sh" "$W/dom0.cpio.gz" "$serial" 2>"$W/qemu.log"
qemu_rc=$?

"$here/report.sh" "$results" "$serial" "$qemu_rc" "$timeout" "$W/qemu.log"
