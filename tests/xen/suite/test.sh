#!/bin/sh
# dom0 runs this once xenstored and xenconsoled are up; when it returns,
# dom0 powers off.  The suite's TAP goes to the second UART (/dev/ttyS1),
# which QEMU writes to the host's results file, and to the console.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
. /hvfs-tests/env
R=/dev/ttyS1
if [ -c $R ]; then stty -F $R raw -echo 115200 2>/dev/null; else R=/dev/null; fi
set -- --tap
[ -n "$SUITE_FILTER" ] && set -- "$@" --filter "$SUITE_FILTER"
set -o pipefail
timeout "$SUITE_TIMEOUT" bats "$@" /hvfs-tests 2>&1 | tee $R
echo "# hvfs-xen-suite: done rc=$?" | tee $R
