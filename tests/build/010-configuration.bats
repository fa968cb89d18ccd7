#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# The build on machines that lack packages (docs/design.md, "Build
# configuration"), acted out with PKG_CONFIG_LIBDIR: pkg-config then sees
# only the .pc files this suite puts there.  Each build goes to a
# directory of its own (make B=...), never to the tree's build/.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.." || return 1
	export REPO=$PWD
}

setup() {
	cd "$REPO" || return 1
	PCDIR=$BATS_TEST_TMPDIR/pkgconfig
	OUT=$BATS_TEST_TMPDIR/build
	mkdir -p "$PCDIR"
}

# pc MODULE...: makes MODULE "installed" for pkg-config.
pc() {
	local m
	for m in "$@"; do
		ln -sf "$(pkg-config --variable pcfiledir "$m")/$m.pc" "$PCDIR/"
	done
}

@test "without the required packages the build stops at once, naming them" {
	run env PKG_CONFIG_LIBDIR="$PCDIR" make --no-print-directory B="$OUT" all
	assert_failure
	assert_output --partial "hvfs: cannot build: missing Debian packages: libfuse3-dev libxml2-dev libjson-c-dev"
	assert_output --partial "'make deps' installs them (as root), or: apt-get install libfuse3-dev libxml2-dev libjson-c-dev"
	refute_output --partial "No such file"
	run find "$OUT" -name '*.o'
	assert_output ''
}

@test "WITH_XEN=yes without libxen-dev is an error naming it" {
	pc fuse3 libxml-2.0 json-c
	run env PKG_CONFIG_LIBDIR="$PCDIR" make --no-print-directory B="$OUT" WITH_XEN=yes WITH_CGROUP=no all
	assert_failure
	assert_output --partial "missing Debian packages: libxen-dev"
}

@test "without Xen and libcgroup hvfs builds, and their URIs say what is missing" {
	pc fuse3 libxml-2.0 json-c
	run env PKG_CONFIG_LIBDIR="$PCDIR" make --no-print-directory -j2 B="$OUT" "$OUT/hvfs"
	assert_success
	refute_output --partial "HVFS_WITH_XEN"
	refute_output --partial "HVFS_WITH_CGROUP"
	run "$OUT/hvfs" --version
	assert_success
	refute_output --partial xen
	refute_output --partial lxc
	mkdir "$BATS_TEST_TMPDIR/mnt"
	run "$OUT/hvfs" -f -c xen:/// "$BATS_TEST_TMPDIR/mnt"
	assert_failure
	assert_output --partial "this hvfs was built without Xen support: install libxen-dev and rebuild"
	run "$OUT/hvfs" -f -c lxc:/// "$BATS_TEST_TMPDIR/mnt"
	assert_failure
	assert_output --partial "built without cgroup support (libcgroup)"
}
