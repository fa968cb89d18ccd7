#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Measures how steady dom0 is under one emulated CPU model: boots Xen with
# a dom0 that boots the tiny guest and keeps it running (as the suite does
# from 040 to 050: Xen switches between the two all along) while, for
# SECONDS seconds, it forks short programs (busybox, bash, awk, sort,
# sha256sum, xenstore-read) and checks what they print.  Then it reports
# the iterations done, wrong outputs, crashes (the kernel's "segfault" and
# "general protection" lines) and the guest's boot time.
# usage: tests/xen/harness/cpu-stress.sh CPU_MODEL [SECONDS] [WORKDIR]
#   e.g. cpu-stress.sh max,-smap 300      cpu-stress.sh Westmere-v1 300
# Prints one line "cpu-stress: cpu=... iterations=... bad=... crashes=...
# guest_boot_s=... dom0_up=... wall=... load=..." (docs/testing-xen.md).
set -u
top=$(cd "$(dirname "$0")/../../.." && pwd)
cpu=$1 secs=${2:-300}
W=${3:-$top/build/xen-stress-${cpu//[^A-Za-z0-9]/_}}
mkdir -p "$W/ovl/usr/bin" "$W/ovl/bin"
env=$("$top/tests/xen/harness/setup-host.sh" 2>"$W/setup.log" | tail -1)
eval "$env"
export KROOT KVER XEN_ELF
cp /bin/bash "$W/ovl/usr/bin/bash"
ln -sf ../usr/bin/bash "$W/ovl/bin/bash"
cp /usr/bin/sha256sum "$W/ovl/usr/bin/"
{
	echo '#!/bin/bash'
	echo "cpu='$cpu' secs=$secs"
	cat <<'EOS'
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
R=/dev/ttyS1
stty -F $R raw -echo 115200 2>/dev/null
echo "# cpuinfo: $(grep -c -w avx2 /proc/cpuinfo) with avx2, $(grep -c -w avx /proc/cpuinfo) with avx" >$R
dd if=/dev/urandom of=/tmp/blob bs=64k count=16 2>/dev/null
want=$(sha256sum /tmp/blob)
seq 1 20000 | sed 's/$/ word/' | sort >/tmp/words
words=$(sha256sum </tmp/words)
iter=0 bad=0
log=/var/log/xen/console/guest-tiny.log
booted() { grep -q GUEST-MARKER-OK $log 2>/dev/null; }
t0=$SECONDS
xl create -q /guest/tiny.cfg >/dev/null 2>&1
while [ $SECONDS -lt $((t0 + 300)) ] && ! booted; do sleep 0.2; done
if booted; then boot_s=$((SECONDS - t0)); else boot_s=none bad=1; fi
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
	sleep 0.01 || bad=$((bad + 1))
	[ "$(sha256sum /tmp/blob)" = "$want" ] || bad=$((bad + 1))
	[ "$(bash -c 'x=abcdefghijklmnopqrstuvwxyz; echo ${#x}${x^^}')" = 26ABCDEFGHIJKLMNOPQRSTUVWXYZ ] || bad=$((bad + 1))
	[ "$(xenstore-read /local/domain/0/name)" = Domain-0 ] || bad=$((bad + 1))
	[ "$(echo hello | tr a-z A-Z | sed s/H/J/)" = JELLO ] || bad=$((bad + 1))
	# malloc, realloc and memcpy of every size: where a wrong vector
	# instruction, or vector state lost in a switch, corrupts the heap.
	[ "$(awk 'BEGIN { for (i = 0; i < 3000; i++) s = s sprintf("%d,", i); print length(s) }')" = 13890 ] || bad=$((bad + 1))
	[ "$(sort -r /tmp/words | sort | sha256sum)" = "$words" ] || bad=$((bad + 1))
	iter=$((iter + 1))
done
xl list tiny >/dev/null 2>&1 || { echo "# the guest is gone" >$R; bad=$((bad + 1)); }
crashes=$(dmesg | grep -cE 'segfault|general protection|traps:')
dmesg | grep -E 'segfault|general protection|traps:' | sed 's/^/# /' >$R
grep -h -E 'segfault|general protection' $log | sed 's/^/# guest: /' >$R
echo "cpu-stress: cpu=$cpu iterations=$iter bad=$bad crashes=$crashes guest_boot_s=$boot_s dom0_up=$(cut -d' ' -f1 /proc/uptime)" >$R
EOS
} >"$W/ovl/test.sh"
chmod +x "$W/ovl/test.sh"
guest=$W/guest.cpio.gz
"$top/tests/xen/harness/mk-tiny-initrd.sh" "$guest"
GUEST_INITRD=$guest TMPDIR=$W "$top/tests/xen/harness/mk-dom0-initrd.sh" "$W/dom0.cpio.gz" "$W/ovl" >"$W/mkinitrd.log" 2>&1 || {
	tail -3 "$W/mkinitrd.log"
	exit 1
}
start=$(date +%s)
CPU=$cpu RESULTS=$W/results.txt TIMEOUT=$((secs + 600)) "$top/tests/xen/harness/run-xen.sh" "$W/dom0.cpio.gz" "$W/serial.log" 2>"$W/qemu.log"
rc=$?
line=$(grep -a '^cpu-stress:' "$W/results.txt" | tr -d '\r')
echo "${line:-cpu-stress: cpu=$cpu no result (qemu exit $rc; $W/serial.log)} wall=$(($(date +%s) - start))s load=$(cut -d' ' -f1-3 /proc/loadavg)"
grep -a '^#' "$W/results.txt" | tr -d '\r' | head -20
