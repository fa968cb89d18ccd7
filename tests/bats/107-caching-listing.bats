#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The kernel keeps the listing of domains/ in its readdir cache
# (fs/dirs.c, docs/performance.md): a listing served from it must still
# show every change, whatever its origin, from the moment it is announced.
# The daemon runs with -d, so its log holds the FUSE requests it received.

load helpers

setup_file() {
	# churn_ms: the driver itself defines churn-a, renames it to churn-b and
	# undefines it, one step every 150 ms, behind hvfs's back.
	hvfs_start 'test:///default?churn_ms=150' -d
}

teardown_file() {
	hvfs_stop
}

readdirs() {
	local ino
	ino=$(stat -c %i "$MNT/domains")
	grep -acE "opcode: READDIR \([0-9]+\), nodeid: $ino," "$HVFS_LOG" || true
}

@test "a second listing of domains/ is served by the kernel's cache" {
	# On a mount of its own without churn: nothing may invalidate the
	# listing between the two, however long a loaded machine takes (a
	# churn step every 150 ms would, and the count would depend on time).
	hvfs_start 'test:///default' -d
	ls -f "$MNT/domains" >/dev/null
	local before after
	before=$(readdirs)
	ls -f "$MNT/domains" >/dev/null
	ls -f "$MNT/domains" >/dev/null
	after=$(readdirs)
	hvfs_stop
	[ "$before" -ge 1 ]
	[ "$after" -eq "$before" ]
}

@test "a cached listing shows the driver's create, rename and delete as soon as events does" {
	python3 - "$MNT" <<'EOF'
import os, sys
mnt = sys.argv[1]
ev = open(mnt + "/events", "rb", buffering=0)
seen = {"created": 0, "renamed": 0, "deleted": 0}
buf = b""
while min(seen.values()) < 3:
    # Warm the cache between steps: the listing must not stay as it was.
    os.listdir(mnt + "/domains")
    chunk = ev.read(65536)
    buf += chunk
    while b"\n" in buf:
        line, buf = buf.split(b"\n", 1)
        parts = line.decode().split(" ")
        if len(parts) < 4 or not parts[2].startswith("domains/churn-"):
            continue
        names = set(os.listdir(mnt + "/domains"))
        what = parts[3]
        if what == "created":
            assert "churn-a" in names, ("created, not listed", line, sorted(names)[:8])
        elif what == "renamed":
            assert "churn-b" in names and "churn-a" not in names, ("renamed, listing stale", line)
        elif what == "deleted":
            assert "churn-b" not in names and "churn-a" not in names, ("deleted, still listed", line)
        else:
            continue
        seen[what] += 1
EOF
}

@test "mkdir, mv and rmdir through the mount show in the next cached listing" {
	ls "$MNT/domains" >/dev/null
	mkdir "$MNT/domains/cache-x"
	ls "$MNT/domains" | grep -qx cache-x
	mv "$MNT/domains/cache-x" "$MNT/domains/cache-y"
	run ls "$MNT/domains"
	assert_line cache-y
	refute_line cache-x
	rmdir "$MNT/domains/cache-y"
	run ls "$MNT/domains"
	refute_line cache-y
}
