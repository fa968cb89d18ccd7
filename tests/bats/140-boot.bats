#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# Mounting at boot: make install, the systemd unit, the fstab line (with
# mount(8) and with systemd's fstab generator), and the man page that
# documents them.
#
# Whatever would touch the machine runs in a private mount namespace whose
# /usr/local, /run, /var/lib and /etc/default are empty tmpfs: `make install`
# goes to the default /usr/local as on a real host (mount(8) drops PATH, so
# hvfs must be there or in /usr/bin), the unit's default mount point and
# state directory, /etc/default/hvfs and libmount's /run/mount/utab stay
# private, and nothing of it is left once the namespace's processes end.
# PID 1 is not systemd here: the unit is checked with systemd-analyze verify
# and its commands are run the way systemd runs them (unit_run).

load helpers

GENERATOR=/usr/lib/systemd/system-generators/systemd-fstab-generator
UNIT=/usr/local/lib/systemd/system/hvfs.service

# ns CMD...: runs CMD in the test's mount namespace.
# (fd 3 is bats's: a daemon started in there must not hold it.)
ns() {
	nsenter --target "$NS_PID" --mount -- "$@" 3>&-
}

setup_file() {
	# unshare execs sleep: $! is a process in the new namespace, which lives
	# as long as it (and any daemon started in it) does.
	unshare --mount --propagation private sleep infinity </dev/null >/dev/null 2>&1 3>&- &
	NS_PID=$!
	export NS_PID
	for _ in $(seq 100); do
		[ "$(readlink /proc/$NS_PID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] && break
		sleep 0.05
	done
	[ "$(readlink /proc/$NS_PID/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ]
	for d in /usr/local /run /var/lib /etc/default; do
		ns mount -t tmpfs -o mode=0755 hvfs-bats "$d"
	done
	ns make -C "$HVFS_TOP" -s install
	# The sanitizer run tests its own binary behind the same install.
	if [ "$HVFS_BIN" != "$HVFS_TOP/build/hvfs" ]; then
		ns install -m 0755 "$HVFS_BIN" /usr/local/bin/hvfs
	fi
}

# The hvfs daemons running in the namespace (other suites' run outside it;
# a zombie has left it).
ns_daemons() {
	pgrep --ns "$NS_PID" --nslist mnt -x hvfs || true
}

# wait_no_daemon: waits until no hvfs runs in the namespace.
wait_no_daemon() {
	for _ in $(seq 200); do
		[ -z "$(ns_daemons)" ] && return 0
		sleep 0.05
	done
	echo "hvfs still runs: $(ns_daemons)" >&2
	return 1
}

teardown() {
	# Whatever a test left mounted is unmounted; its daemon then exits.
	local t
	ns rm -f /etc/default/hvfs
	ns findmnt -rn -t fuse.hvfs -o TARGET | while read -r t; do
		ns umount -l "$t"
	done
	wait_no_daemon || { ns_daemons | xargs -r kill -KILL; false; }
}

teardown_file() {
	# Daemons first (SIGTERM unmounts), then the sleeper: the namespace,
	# its tmpfs and any mount left in it go with the last process.
	local p
	[ -n "${NS_PID:-}" ] || return 0
	for p in $(ns_daemons); do kill -TERM "$p"; done
	wait_no_daemon || ns_daemons | xargs -r kill -KILL
	kill -KILL "$NS_PID"
	wait "$NS_PID" 2>/dev/null || true
}

# unit_env: the service's environment as systemd builds it, NAME=VALUE per
# line: every Environment= assignment, then the EnvironmentFile= (a leading
# "-": may be missing), whose lines win.
unit_env() {
	local line file
	while IFS= read -r line; do
		case $line in
		Environment=*)
			# shellcheck disable=SC2086 # assignments are space-separated
			printf '%s\n' ${line#Environment=}
			;;
		EnvironmentFile=*)
			file=${line#EnvironmentFile=}
			file=${file#-}
			ns test -r "$file" || continue
			ns grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$file"
			;;
		esac
	done < <(ns cat "$UNIT")
}

# unit_run KEY: runs the unit's KEY= command lines in order, as systemd
# does: ${NAME} expanded from unit_env, split at spaces, a leading "-"
# ignores failure.  Fails as soon as a command without "-" fails.
unit_run() {
	local key=$1 line cmd name ignore
	local -a argv
	local -A env
	# A later assignment wins.
	while IFS= read -r line; do
		env[${line%%=*}]=${line#*=}
	done < <(unit_env)
	while IFS= read -r line; do
		cmd=${line#"$key="}
		ignore=
		[ "${cmd#-}" != "$cmd" ] && ignore=1 && cmd=${cmd#-}
		for name in "${!env[@]}"; do
			cmd=${cmd//"\${$name}"/"${env[$name]}"}
		done
		read -ra argv <<<"$cmd"
		if ! timeout 20 nsenter --target "$NS_PID" --mount -- env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${argv[@]}" </dev/null 3>&- &&
			[ -z "$ignore" ]; then
			echo "$key=$line failed" >&2
			return 1
		fi
	done < <(ns grep "^$key=" "$UNIT")
}

# verify_quiet FILE: systemd-analyze verify accepts FILE without a word
# (it exits 0 on unknown keys and bad values, and only warns).
verify_quiet() {
	run ns systemd-analyze verify "$1"
	[ "$status" -eq 0 ] && [ -z "$output" ]
}

# The man page as a reader sees it.
man_text() {
	LC_ALL=C.UTF-8 MANWIDTH=250 man -l "$HVFS_TOP/docs/hvfs.1" 2>/dev/null
}

# The fstab line the man page documents.
documented_fstab_line() {
	man_text | grep -E '^ +test:///[^ ]+ +/[^ ]+ +fuse\.hvfs ' | sed 's/^ *//'
}

# man_warnings FILE: what man --warnings says about FILE (nothing, if good).
man_warnings() {
	# shellcheck disable=SC2069 # the warnings, not the page
	man --warnings -l "$1" 2>&1 >/dev/null
}

@test "make install puts hvfs, its unit, man page and docs where the system looks" {
	run ns test -x /usr/local/bin/hvfs
	assert_success
	run ns systemd-analyze unit-paths
	assert_line /usr/local/lib/systemd/system
	run ns man -w hvfs
	assert_output /usr/local/share/man/man1/hvfs.1
	run ns test -f /usr/local/share/doc/hvfs/paths.md
	assert_success
	run ns grep '^ExecStart=' "$UNIT"
	assert_output --regexp '^ExecStart=/usr/local/bin/hvfs '
}

@test "make uninstall removes every file make install put there" {
	root=$BATS_TEST_TMPDIR/root
	make -C "$HVFS_TOP" -s install DESTDIR="$root"
	run find "$root" -type f
	assert_line --partial /usr/local/bin/hvfs
	assert_line --partial /usr/local/lib/systemd/system/hvfs.service
	assert_line --partial /usr/local/share/man/man1/hvfs.1
	assert_line --partial /usr/local/share/doc/hvfs/paths.md
	make -C "$HVFS_TOP" -s uninstall DESTDIR="$root"
	run find "$root" -type f
	assert_output ""
}

@test "the installed unit passes systemd-analyze verify without a warning" {
	# By name: systemd finds it in its search path.
	run ns systemd-analyze verify hvfs.service
	assert_success
	assert_output ""
}

@test "the same verify check fails broken units" {
	ns cat "$UNIT" >"$BATS_TEST_TMPDIR/hvfs.service"
	verify_quiet "$BATS_TEST_TMPDIR/hvfs.service"
	for edit in 's/^Type=forking$/Type=forked/' 's/^After=/Afterwards=/' \
		's|^ExecStart=/usr/local/bin/hvfs|ExecStart=/usr/local/bin/hvfs-nosuch|' 's/^\[Service\]/[Servce]/'; do
		mkdir "$BATS_TEST_TMPDIR/broken"
		sed "$edit" "$BATS_TEST_TMPDIR/hvfs.service" >"$BATS_TEST_TMPDIR/broken/hvfs.service"
		run cmp -s "$BATS_TEST_TMPDIR/hvfs.service" "$BATS_TEST_TMPDIR/broken/hvfs.service"
		assert_failure
		if verify_quiet "$BATS_TEST_TMPDIR/broken/hvfs.service"; then
			echo "systemd-analyze verify took the unit edited with $edit" >&2
			return 1
		fi
		rm -r "$BATS_TEST_TMPDIR/broken"
	done
}

@test "the unit: the tree is mounted when ExecStart returns; SIGTERM unmounts" {
	# Type=forking: systemd takes the service as started when ExecStart's
	# process exits, which hvfs does once the tree is mounted.
	run ns grep -x 'Type=forking' "$UNIT"
	assert_success
	unit_run ExecStartPre
	unit_run ExecStart
	# No waiting: a unit ordered after hvfs.service reads at once.
	run ns cat /run/hvfs/host/uri
	assert_output test:///var/lib/hvfs/test
	run ns findmnt -n -o SOURCE,FSTYPE /run/hvfs
	assert_output "test:///var/lib/hvfs/test fuse.hvfs"
	run ns setpriv --reuid=nobody --regid=nogroup --clear-groups cat /run/hvfs/domains/test/state
	assert_output running
	run ns test -d /var/lib/hvfs/test/domains
	assert_success
	# systemctl stop: SIGTERM to the main process (there is no ExecStop=).
	run ns grep '^ExecStop=' "$UNIT"
	assert_failure
	[ "$(ns_daemons | wc -l)" -eq 1 ]
	kill -TERM "$(ns_daemons)"
	wait_no_daemon
	run ns mountpoint -q /run/hvfs
	assert_failure
	unit_run ExecStopPost
}

@test "the unit: after a crash, ExecStopPost clears the stale mount and the restart mounts again" {
	run ns grep -x 'Restart=on-failure' "$UNIT"
	assert_success
	unit_run ExecStartPre
	unit_run ExecStart
	ns mkdir /run/hvfs/domains/before-crash
	kill -KILL "$(ns_daemons)"
	wait_no_daemon
	run ns stat /run/hvfs/domains
	assert_output --partial "Transport endpoint is not connected"
	# Without the clean-up, hvfs refuses the stale mount point.
	run unit_run ExecStart
	assert_failure
	unit_run ExecStopPost
	unit_run ExecStartPre
	unit_run ExecStart
	run ns cat /run/hvfs/domains/before-crash/state
	assert_output shutoff
}

@test "the unit: /etc/default/hvfs sets the URI, the mount point and the options" {
	ns tee /etc/default/hvfs >/dev/null <<-'EOF'
		# a comment
		HVFS_URI=test:///default?domains=3
		HVFS_MOUNT=/run/hvfs-other
		HVFS_OPTIONS=allow_other,group=nogroup,log_level=warning
	EOF
	unit_run ExecStartPre
	unit_run ExecStart
	ns rm /etc/default/hvfs
	run ns cat /run/hvfs-other/host/uri
	assert_output 'test:///default?domains=3'
	run ns cat /run/hvfs-other/domains/dom-00003/state
	assert_success
	run ns stat -c %G /run/hvfs-other/domains/test/control
	assert_output nogroup
	run ns setpriv --reuid=nobody --regid=nogroup --clear-groups cat /run/hvfs-other/host/hostname
	assert_output hvfs-test
	run ns mountpoint -q /run/hvfs
	assert_failure
	kill -TERM "$(ns_daemons)"
	wait_no_daemon
}

@test "the documented fstab line mounts with mount -T, serves the tree, and umount ends hvfs" {
	line=$(documented_fstab_line)
	[ -n "$line" ]
	echo "$line" >"$BATS_TEST_TMPDIR/fstab"
	target=$(awk '{print $2}' "$BATS_TEST_TMPDIR/fstab")
	# X-mount.mkdir: mount creates the mount point (/run is new at boot).
	ns rmdir "$target" 2>/dev/null || true
	run ns test -e "$target"
	assert_failure
	ns mount -T "$BATS_TEST_TMPDIR/fstab" "$target"
	run ns cat "$target/host/hostname"
	assert_output hvfs-test
	run ns findmnt -n -o SOURCE,FSTYPE "$target"
	assert_output "test:///var/lib/hvfs/test fuse.hvfs"
	run ns findmnt -n -o OPTIONS "$target"
	assert_output --regexp '(^|,)allow_other(,|$)'
	assert_output --regexp '(^|,)default_permissions(,|$)'
	run ns setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$target/host/hostname"
	assert_output hvfs-test
	run ns test -d /var/lib/hvfs/test/domains
	assert_success
	ns umount "$target"
	wait_no_daemon
	run ns mountpoint -q "$target"
	assert_failure
}

@test "README shows the fstab line the man page documents" {
	line=$(documented_fstab_line)
	[ -n "$line" ]
	grep -qF -- "$line" "$HVFS_TOP/README.md"
}

@test "mount -t fuse.hvfs URI MOUNTPOINT -o passes hvfs's options through" {
	mnt=/run/hvfs-bats
	ns mkdir -p "$mnt"
	ns mount -t fuse.hvfs 'test:///default?domains=2' "$mnt" -o allow_other,group=nogroup,log_level=warning
	run ns findmnt -n -o SOURCE,FSTYPE "$mnt"
	assert_output "test:///default?domains=2 fuse.hvfs"
	run ns cat "$mnt/domains/dom-00002/state"
	assert_success
	run ns stat -c %G "$mnt/domains/test/control"
	assert_output nogroup
	run ns setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$mnt/host/hostname"
	assert_output hvfs-test
	ns umount "$mnt"
	wait_no_daemon
}

@test "mounted by mount(8), the tree is nosuid,nodev although mount.fuse3 asks for dev,suid" {
	mnt=/run/hvfs-bats
	ns mkdir -p "$mnt"
	ns mount -t fuse.hvfs test:///default "$mnt"
	run ns findmnt -n -o OPTIONS "$mnt"
	assert_output --regexp '(^|,)nosuid(,|$)'
	assert_output --regexp '(^|,)nodev(,|$)'
	ns umount "$mnt"
	wait_no_daemon
}

@test "the older fstab form hvfs#URI with type fuse mounts too" {
	mnt=/run/hvfs-bats
	ns mkdir -p "$mnt"
	ns mount -t fuse 'hvfs#test:///default' "$mnt" -o allow_other
	run ns findmnt -n -o SOURCE,FSTYPE "$mnt"
	assert_output "test:///default fuse.hvfs"
	run ns cat "$mnt/host/uri"
	assert_output test:///default
	ns umount "$mnt"
	wait_no_daemon
}

@test "mount fails, saying why, on a bad URI, group or log level, and leaves nothing" {
	mnt=/run/hvfs-bats
	ns mkdir -p "$mnt"
	run ns mount -t fuse.hvfs nosuch:/// "$mnt"
	assert_failure
	assert_output --partial "no driver for URI scheme 'nosuch'"
	run ns mount -t fuse.hvfs test:///default "$mnt" -o group=nosuchgroup
	assert_failure
	assert_output --partial "no such group 'nosuchgroup'"
	run ns mount -t fuse.hvfs test:///default "$mnt" -o log_level=loud
	assert_failure
	assert_output --partial "unknown log level 'loud'"
	run ns mountpoint -q "$mnt"
	assert_failure
	wait_no_daemon
}

@test "systemd-fstab-generator makes the documented line a mount unit that verifies and mounts" {
	documented_fstab_line >"$BATS_TEST_TMPDIR/fstab"
	gen=$BATS_TEST_TMPDIR/gen
	mkdir "$gen"
	ns env SYSTEMD_FSTAB="$BATS_TEST_TMPDIR/fstab" "$GENERATOR" "$gen" "$gen" "$gen"
	unit=$gen/run-hvfs.mount
	[ -f "$unit" ]
	run ns systemd-analyze verify "$unit"
	assert_success
	assert_output ""
	# nofail: local-fs.target wants it (boot goes on if it fails) ...
	[ -L "$gen/local-fs.target.wants/run-hvfs.mount" ]
	[ ! -e "$gen/local-fs.target.requires/run-hvfs.mount" ]
	# ... and it waits for the file system holding the persisted host.
	grep -qx 'RequiresMountsFor=/var/lib/hvfs' "$unit"
	# Mounted as systemd mounts it: mount WHAT WHERE -t TYPE -o OPTIONS.
	what=$(sed -n 's/^What=//p' "$unit")
	where=$(sed -n 's/^Where=//p' "$unit")
	type=$(sed -n 's/^Type=//p' "$unit")
	options=$(sed -n 's/^Options=//p' "$unit")
	ns mkdir -p "$where"
	ns mount "$what" "$where" -t "$type" -o "$options"
	run ns cat "$where/host/uri"
	assert_output test:///var/lib/hvfs/test
	ns umount "$where"
	wait_no_daemon
}

@test "the man page renders without a warning, and the check catches one" {
	run man_warnings "$HVFS_TOP/docs/hvfs.1"
	assert_output ""
	run ns cmp /usr/local/share/man/man1/hvfs.1 "$HVFS_TOP/docs/hvfs.1"
	assert_success
	{
		cat "$HVFS_TOP/docs/hvfs.1"
		printf '.BOGUS macro\n\\fQ no such font\n'
	} >"$BATS_TEST_TMPDIR/broken.1"
	run man_warnings "$BATS_TEST_TMPDIR/broken.1"
	assert_output --partial "warning"
	# Literal "-" is "\-" in the fstab line, or some groff builds print a
	# hyphen (U+2010) that a copied line would hand to mount.
	run grep -E '^test:///.*fuse\.hvfs' "$HVFS_TOP/docs/hvfs.1"
	assert_success
	refute_output --regexp '(^|[^\\])-'
}

@test "the man page documents every option of --help, the unit's settings and files" {
	text=$(LC_ALL=C MANWIDTH=250 man -l "$HVFS_TOP/docs/hvfs.1" 2>/dev/null)
	missing=()
	mapfile -t opts < <("$HVFS_BIN" --help | grep -oE '(^|[ (])(--[a-z-]+|-[a-zA-Z]|-o [a-z_]+=?)' | sed 's/^[ (]//' | sort -u)
	[ ${#opts[@]} -gt 10 ]
	for opt in "${opts[@]}"; do
		grep -qF -- "$opt" <<<"$text" || missing+=("$opt")
	done
	# The unit's settings, with their defaults.
	while IFS='=' read -r name value; do
		grep -qF -- "$name" <<<"$text" || missing+=("$name")
		grep -qF -- "default $value" <<<"$text" || missing+=("$name default $value")
	done < <(ns sed -n 's/^Environment=//p' "$UNIT")
	for word in fuse.hvfs hvfs.service /etc/default/hvfs /etc/fstab /usr/local/bin/hvfs "$UNIT" \
		/usr/local/share/doc/hvfs/paths.md systemd-fstab-generator RequiresMountsFor=/run/hvfs \
		After=hvfs.service 'umount /run/hvfs' 'mount /run/hvfs'; do
		grep -qF -- "$word" <<<"$text" || missing+=("$word")
	done
	[ ${#missing[@]} -eq 0 ] || {
		echo "hvfs(1) does not mention: ${missing[*]}" >&2
		return 1
	}
}
