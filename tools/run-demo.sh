#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make run: mounts the test driver's demo host and shows around.
set -eu
BIN=$1
MNT=$2
if mountpoint -q "$MNT" 2>/dev/null || ! ls "$MNT" >/dev/null 2>&1; then
	fusermount3 -u "$MNT" 2>/dev/null || true
fi
mkdir -p "$MNT"
"$BIN" -c 'test:///default' "$MNT"
cat <<TOUR
hvfs is mounted on $MNT (driver test:///default: a simulated host, in memory).

  ls $MNT                                  domains/ events host/ metrics networks/ pools/
  cat $MNT/host/hostname $MNT/host/cpus
  cat $MNT/domains/test/state              running
  echo suspend > $MNT/domains/test/control
  cat $MNT/domains/test/state              paused
  echo bogus > $MNT/domains/test/control   fails: Invalid argument
  cat $MNT/domains/test/last_error         ... and says why
  mkdir $MNT/domains/web1                  defines a shut-off domain
  cat $MNT/domains/web1/config.xml         its libvirt XML; write a new one to redefine it
  echo start > $MNT/domains/web1/control
  cat $MNT/events                          (in another terminal) one line per change, as it happens
  inotifywait -m -r $MNT/domains           IN_MODIFY/IN_CREATE/IN_DELETE for every change

Unmount with: fusermount3 -u $MNT   (or: make stop)
Every path is described in docs/paths.md.
TOUR
