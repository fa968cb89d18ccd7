#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# dom0 runs this once xenstored and xenconsoled are up; when it returns,
# dom0 powers off.  The suite's TAP goes to the second UART (/dev/ttyS1),
# which QEMU writes to the host's results file.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /hvfs-tests/env
R=/dev/ttyS1
if [ -c $R ]; then stty -F $R raw -echo 115200 2>/dev/null; else R=/dev/null; fi
# A test that hangs fails alone instead of taking the rest of the suite.
# Not less than the ceilings of the waits in one test add up to: a guest
# booting under emulation on a loaded machine takes a minute or more, and
# the lifecycle tests wait for two boots and a shutdown (150 s stopped a
# test that was only slow, and left its guest to fail the next ones).
export BATS_TEST_TIMEOUT=600
set -- --tap --timing
[ -n "$SUITE_FILTER" ] && set -- "$@" --filter "$SUITE_FILTER"
# Straight to the UART, no pipe: when timeout stops bats, a test it was
# running may live on and would hold a pipe open for ever.
timeout "$SUITE_TIMEOUT" bats "$@" /hvfs-tests >$R 2>&1
rc=$?
echo "bats exited $rc"
dmesg | grep -E 'segfault|general protection|Out of memory|BUG' | sed 's/^/# dom0 kernel: /' >$R
# The daemons' logs: their ends on the console (the host's serial log), and
# in the results when something failed.
for log in /tmp/hvfs-*.log; do
	[ -f "$log" ] || continue
	echo "=== $log"; tail -100 "$log"
	if [ $rc != 0 ]; then
		echo "# --- the end of $log:"
		tail -25 "$log" | sed 's/^/#   /'
	fi >$R
done
# The guests' consoles, for the serial log.
for log in /var/log/xen/console/guest-*.log; do
	[ -f "$log" ] && { echo "=== $log"; tail -40 "$log"; }
done
echo "# hvfs-xen-suite: done rc=$rc" | tee $R
