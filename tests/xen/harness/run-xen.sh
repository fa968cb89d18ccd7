#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Boots the Xen 4.17 hypervisor with a Linux PV dom0 under QEMU (software
# emulation: the machines this runs on cannot nest hardware virtualisation)
# and waits until dom0 powers off or TIMEOUT seconds pass.
# usage: KROOT=... KVER=... XEN_ELF=... run-xen.sh DOM0_INITRD SERIAL_LOG
# env: TIMEOUT=300 MEM=2048 DOM0_MEM=1024M SMP=1 ACCEL=tcg CPU=Westmere-v1
#      RESULTS=FILE  a second UART (dom0's /dev/ttyS1) written to FILE
#      XEN_EXTRA / DOM0_EXTRA  appended to the Xen / dom0 kernel command lines
#      INTERACTIVE=1  serial and monitor on this terminal (with an initrd that
#                     has no /test.sh dom0 gives a shell; Ctrl-a x quits)
# Exits with QEMU's status (124 on timeout).
set -u
INITRD=$1
LOG=$2
: "${KROOT:?}" "${KVER:?}" "${XEN_ELF:?}"
KERNEL=$KROOT/boot/vmlinuz-$KVER
# A fixed CPU model without AVX: with "max" (AVX2, XSAVE), programs in
# dom0 crashed in glibc's malloc now and then (heap corruption: the vector
# string functions, or vector state across Xen's switches, under QEMU 7.2's
# TCG); Westmere has none of that, and no SMAP either (TCG with SMAP faults
# the PV dom0 on its first iret).  docs/testing-xen.md has the figures.  No
# "noreboot" for Xen: a crashing dom0 then ends the run at once.  One vCPU:
# with two, on a machine whose cores are busy, one emulated CPU keeps
# waiting for a lock the other holds while its host thread is not running;
# the suite ran in 3 minutes with one and did not finish in 9 with two.
ACCEL=${ACCEL:-tcg} CPU=${CPU:-Westmere-v1} MEM=${MEM:-2048} DOM0_MEM=${DOM0_MEM:-1024M}
SMP=${SMP:-1} TIMEOUT=${TIMEOUT:-300}
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=$DOM0_MEM,max:$DOM0_MEM dom0_max_vcpus=$SMP loglvl=all guest_loglvl=all bootscrub=0 ${XEN_EXTRA:-}"
DOM0_ARGS="console=hvc0 earlyprintk=xen rdinit=/init panic=-1 ${DOM0_EXTRA:-}"
command -v qemu-system-x86_64 >/dev/null || {
	echo "run-xen: qemu-system-x86_64 is not installed (tools/install-deps.sh xen)" >&2
	exit 127
}
EXTRA_SERIAL=()
if [ -n "${RESULTS:-}" ]; then
	: >"$RESULTS"
	EXTRA_SERIAL=(-serial "file:$RESULTS")
fi
if [ -n "${INTERACTIVE:-}" ]; then
	exec qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM" -nographic -no-reboot \
		-kernel "$XEN_ELF" -append "$XEN_ARGS" -initrd "$KERNEL $DOM0_ARGS,$INITRD"
fi
start=$(date +%s)
timeout "$TIMEOUT" qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -smp "$SMP" -m "$MEM" \
	-display none -monitor none -serial stdio "${EXTRA_SERIAL[@]}" -no-reboot \
	-kernel "$XEN_ELF" -append "$XEN_ARGS" \
	-initrd "$KERNEL $DOM0_ARGS,$INITRD" </dev/null >"$LOG" 2>&1
rc=$?
echo "run-xen: qemu exited $rc after $(($(date +%s) - start)) s; serial log $LOG" >&2
exit $rc
