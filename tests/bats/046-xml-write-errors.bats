#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# XML documents are applied in the write(2) that closes their root element,
# so that shells, which never look at close(2), show their errors (issue
# 13); what follows the root may only be whitespace, comments and PIs.

load helpers

setup_file() {
	hvfs_start 'test:///default'
	mkdir "$MNT/domains/shells"
	disk_xml vdb >"$MNT/domains/shells/devices/attach"
	export POOL_DIR=$BATS_FILE_TMPDIR/pool
	mkdir "$MNT/pools/xp"
	printf "<pool type='dir'><name>xp</name><target><path>%s</path></target></pool>\n" "$POOL_DIR" \
		>"$MNT/pools/xp/config.xml"
	echo build >"$MNT/pools/xp/control"
	echo start >"$MNT/pools/xp/control"
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

SHELLS=(bash sh 'busybox sh')

disk_xml() { # dev [what follows the root]
	printf "<disk type='file' device='disk'>\n  <source file='/var/lib/hvfs/%s.img'/>\n  <target dev='%s' bus='virtio'/>\n</disk>%s\n" \
		"$1" "$1" "${2:-}"
}

# The definition mkdir made, with vcpu changed to $2.
domain_xml() { # name vcpus
	sed "s|<vcpu placement='static'>[0-9]*</vcpu>|<vcpu placement='static'>$2</vcpu>|" \
		"$BATS_FILE_TMPDIR/$1.xml"
}

new_domain() { # name
	mkdir "$(D "$1")"
	cp "$(D "$1")/config.xml" "$BATS_FILE_TMPDIR/$1.xml"
}

# in_shell SHELL HOW PATH: writes stdin's document into PATH from SHELL,
# HOW being echo (the builtin, one write) or cat.
in_shell() {
	cp /dev/stdin "$BATS_TEST_TMPDIR/doc"
	if [ "$2" = echo ]; then
		$1 -c 'echo "$(cat "$1")" >"$2"' sh "$BATS_TEST_TMPDIR/doc" "$3"
	else
		$1 -c 'cat "$1" >"$2"' sh "$BATS_TEST_TMPDIR/doc" "$3"
	fi
}

# expect_error SHELL HOW TEXT: the shell failed and printed the errno's text
# (dash's builtin echo says only "I/O error", whatever the errno).
expect_error() {
	assert_failure
	if [ "$1" = sh ] && [ "$2" = echo ]; then
		assert_output --partial 'I/O error'
	else
		assert_output --partial "$3"
	fi
}

# chunked PATH SIZE MODE [PROBE VALUE [END]]: writes stdin into PATH in
# writes of SIZE bytes (MODE: trunc opens with O_TRUNC, ftruncate truncates
# the descriptor to 0, inplace neither), then closes it.  Prints a failed
# write's and close's errno text; with PROBE, which write made the file
# PROBE read VALUE, as "applied by the write ending at byte N of M"; and
# with END (the root's end tag), the first write that completes the
# document: the root has closed, and what follows it so far is blanks and
# whole comments.
CHUNKED_PY=$(
	cat <<'PY'
import os, sys
path, size, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
probe, value = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
data = sys.stdin.buffer.read()
def applied():
    try:
        with open(probe) as f:
            return f.read().strip() == value
    except OSError:
        return False
fd = os.open(path, os.O_WRONLY | (os.O_TRUNC if mode == "trunc" else 0))
if mode == "ftruncate":
    os.ftruncate(fd, 0)
seen = None
for at in range(0, len(data), size):
    try:
        os.write(fd, data[at:at + size])
    except OSError as e:
        print("write at %d: %s" % (at, e.strerror))
        break
    if probe and seen is None and applied():
        seen = min(at + size, len(data))
if probe:
    print("applied at close" if seen is None else "applied by the write ending at byte %d of %d" % (seen, len(data)))
def misc_done(text):
    text = text.lstrip()
    while text:
        if not text.startswith(b"<!--") or b"-->" not in text:
            return False
        text = text[text.index(b"-->") + 3:].lstrip()
    return True
if len(sys.argv) > 6:
    end = data.index(sys.argv[6].encode()) + len(sys.argv[6])
    ends = [min(b, len(data)) for b in range(size, len(data) + size, size)]
    print("the document ends in the write ending at byte %d" % min(b for b in ends if b >= end and misc_done(data[end:b])))
try:
    os.close(fd)
    print("close: ok")
except OSError as e:
    print("close: %s" % e.strerror)
PY
)
chunked() {
	python3 -c "$CHUNKED_PY" "$@"
}

# The two lines chunked prints about where the document was applied agree.
assert_applied_at_completion() {
	local applied completes
	applied=$(grep -o 'ending at byte [0-9]*' <<<"$output" | head -1)
	completes=$(grep '^the document ends' <<<"$output" | grep -o 'ending at byte [0-9]*')
	[ -n "$applied" ] && [ "$applied" = "$completes" ] || {
		echo "$output" >&2
		return 1
	}
}

count_disks() { # domain
	ls "$(D "$1")/devices/disk" | wc -l
}

@test "a conflicting attach fails echo and cat in bash, dash and busybox with EEXIST" {
	local sh how
	for sh in "${SHELLS[@]}"; do
		for how in echo cat; do
			run in_shell "$sh" "$how" "$(D shells)/devices/attach" < <(disk_xml vdb)
			expect_error "$sh" "$how" 'File exists'
		done
	done
	run cat "$(D shells)/last_error"
	assert_output --partial 'already has a disk called vdb'
	[ "$(count_disks shells)" -eq 1 ]
}

@test "malformed XML fails echo and cat in every shell with EINVAL, and says where" {
	local sh how
	for sh in "${SHELLS[@]}"; do
		for how in echo cat; do
			run in_shell "$sh" "$how" "$(D shells)/devices/attach" <<<"<disk type='file'><target dev='vdz'></disk>"
			expect_error "$sh" "$how" 'Invalid argument'
			run in_shell "$sh" "$how" "$(D shells)/config.xml" <<<"<domain type='test'><name>shells</bogus></domain>"
			expect_error "$sh" "$how" 'Invalid argument'
		done
	done
	run cat "$(D shells)/last_error"
	assert_output --regexp '^config.xml: line 1: .*mismatch'
	[ "$(count_disks shells)" -eq 1 ]
}

@test "a schema violation in config.xml fails the shell's write with EINVAL" {
	new_domain schema
	local sh how
	for sh in "${SHELLS[@]}"; do
		for how in echo cat; do
			run in_shell "$sh" "$how" "$(D schema)/config.xml" < <(domain_xml schema two)
			expect_error "$sh" "$how" 'Invalid argument'
		done
	done
	run cat "$(D schema)/vcpus"
	assert_output 1
}

@test "a duplicate UUID in config.xml fails cat with EEXIST; a DOCTYPE with EINVAL" {
	new_domain dup
	uuid=$(cat "$(D test)/uuid")
	run in_shell bash cat "$(D dup)/config.xml" < <(domain_xml dup 1 | sed "s|<uuid>.*</uuid>|<uuid>$uuid</uuid>|")
	expect_error bash cat 'File exists'
	run in_shell 'busybox sh' cat "$(D dup)/config.xml" < <(printf '<!DOCTYPE d [<!ENTITY x "y">]>\n'; domain_xml dup 1)
	expect_error 'busybox sh' cat 'Invalid argument'
	run cat "$(D dup)/last_error"
	assert_output 'config.xml: line 1: DOCTYPE is not allowed'
}

@test "network, pool and volume config.xml fail in the write too" {
	run in_shell bash echo "$MNT/networks/default/config.xml" <<<'<network><name>other</name></network>'
	expect_error bash echo 'Invalid argument'
	run in_shell sh cat "$MNT/pools/xp/config.xml" <<<'<pool type="dir"><name>xp</name></pool><pool/>'
	expect_error sh cat 'Invalid argument'
	run cat "$MNT/pools/xp/last_error"
	assert_output --partial 'Extra content'
	mkdir "$MNT/pools/xp/volumes/v1"
	run in_shell 'busybox sh' echo "$MNT/pools/xp/volumes/v1/config.xml" <<<'<volume><name>other</name></volume>'
	expect_error 'busybox sh' echo 'Invalid argument'
	run cat "$MNT/pools/xp/last_error"
	assert_output --partial 'other'
}

@test "good documents from every shell apply exactly once" {
	mkdir "$(D good)"
	local sh how n=0
	for sh in "${SHELLS[@]}"; do
		for how in echo cat; do
			n=$((n + 1))
			run in_shell "$sh" "$how" "$(D good)/devices/attach" < <(disk_xml "vd$(printf "\\x$(printf %x $((97 + n)))")")
			assert_success
			assert_output ''
		done
	done
	[ "$(count_disks good)" -eq 6 ]
	run cat "$(D good)/last_error"
	assert_output ''
}

@test "a config.xml written by echo is one change in events, and close has nothing left to do" {
	new_domain once
	run python3 - "$MNT/events" "$(D once)/config.xml" <<PY
import os, sys
events = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"""$(domain_xml once 3)""" + b"\n")
lines = b""
while True:
    try:
        chunk = os.read(events, 65536)
    except BlockingIOError:
        break
    if not chunk:
        break
    lines += chunk
print("before close:", lines.decode().count("domains/once/config.xml changed"))
os.close(fd)
PY
	assert_success
	assert_output 'before close: 1'
	run cat "$(D once)/vcpus"
	assert_output 3
}

@test "a document in many writes applies in the write that completes it" {
	# When that write ends inside a comment after the root: the write that
	# ends the comment (with 7: the root's end and "<!-" are one write).
	new_domain parts
	local size dev
	for size in 1:vdp 7:vdq 64:vdr; do
		dev=${size#*:} size=${size%:*}
		run chunked "$(D parts)/devices/attach" "$size" trunc "$(D parts)/devices/disk/$dev/bus" virtio '</disk>' \
			< <(disk_xml "$dev" "<!-- after -->")
		assert_success
		assert_line 'close: ok'
		assert_applied_at_completion
	done
	[ "$(count_disks parts)" -eq 3 ]
	run chunked "$(D parts)/config.xml" 37 trunc "$(D parts)/vcpus" 2 '</domain>' < <(domain_xml parts 2)
	assert_line 'close: ok'
	assert_applied_at_completion
}

@test "dd bs=7 applies once; a conflict fails dd's write with EEXIST" {
	mkdir "$(D dd)"
	disk_xml vdb | dd of="$(D dd)/devices/attach" bs=7 status=none
	[ "$(count_disks dd)" -eq 1 ]
	run dd of="$(D dd)/devices/attach" bs=7 status=none < <(disk_xml vdb)
	assert_failure
	assert_output --partial 'File exists'
}

@test "whitespace, comments and processing instructions may follow the root" {
	mkdir "$(D tail)"
	disk_xml vdb $'\n<!-- a comment -->\n<?pi data?>\n\n' >"$(D tail)/devices/attach"
	disk_xml vdc $'  <!-- a comment\n  over lines -->' | dd of="$(D tail)/devices/attach" bs=3 status=none
	[ "$(count_disks tail)" -eq 2 ]
}

@test "anything else after the root is EINVAL, and nothing is applied" {
	mkdir "$(D junk)"
	run in_shell bash echo "$(D junk)/devices/attach" < <(disk_xml vdb 'garbage')
	expect_error bash echo 'Invalid argument'
	run in_shell bash cat "$(D junk)/devices/attach" < <(printf '%s' "$(disk_xml vdb)x")
	expect_error bash cat 'Invalid argument'
	run in_shell 'busybox sh' cat "$(D junk)/devices/attach" < <(disk_xml vdb "<disk/>")
	expect_error 'busybox sh' cat 'Invalid argument'
	[ "$(count_disks junk)" -eq 0 ]
	run cat "$(D junk)/last_error"
	assert_output --partial 'Extra content at the end of the document'
	# In a later write the document is already in: only the rest fails.
	run chunked "$(D junk)/devices/attach" "$(disk_xml vdc | head -c -1 | wc -c)" trunc < <(disk_xml vdc 'garbage')
	assert_line --regexp '^write at [0-9]+: Invalid argument$'
	[ "$(count_disks junk)" -eq 1 ]
	run cat "$(D junk)/last_error"
	assert_output --partial 'after the document, which was applied'
}

@test "an incomplete document fails at close, not before" {
	new_domain short
	run chunked "$(D short)/config.xml" 4096 trunc < <(domain_xml short 2 | head -n 4)
	assert_output 'close: Invalid argument'
	run chunked "$(D short)/devices/attach" 4096 trunc <<<"<disk type='file'>"
	assert_output 'close: Invalid argument'
	run cat "$(D short)/vcpus"
	assert_output 1
}

@test "a refused write is refused at close too: the caller may retry the rest" {
	mkdir "$(D sticky)"
	disk_xml vdb >"$(D sticky)/devices/attach"
	run chunked "$(D sticky)/devices/attach" 4096 trunc < <(disk_xml vdb)
	assert_output "$(printf 'write at 0: File exists\nclose: File exists')"
	# A large document the kernel splits into several requests: the part
	# after the completing one is refused as the whole is.
	run dd of="$(D sticky)/devices/attach" bs=1M status=none \
		< <(disk_xml vdb "<!-- $(head -c 600000 /dev/zero | tr '\0' x) -->")
	assert_failure
	assert_output --partial 'File exists'
	[ "$(count_disks sticky)" -eq 1 ]
}

@test "a large document in one write applies once" {
	new_domain big
	run dd of="$(D big)/config.xml" bs=1M status=none \
		< <(domain_xml big 4 | sed '$d'; printf '<!-- %s -->\n</domain>\n' "$(head -c 900000 /dev/zero | tr '\0' x)")
	assert_success
	run cat "$(D big)/vcpus"
	assert_output 4
}

@test "config.xml edited in place (no O_TRUNC) is applied at close" {
	new_domain inplace
	run chunked "$(D inplace)/config.xml" 4096 inplace "$(D inplace)/vcpus" 5 < <(domain_xml inplace 5)
	assert_output "$(printf 'applied at close\nclose: ok')"
	run cat "$(D inplace)/vcpus"
	assert_output 5
	# Emptied with ftruncate, it is written afresh: applied when complete.
	run chunked "$(D inplace)/config.xml" 16 ftruncate "$(D inplace)/vcpus" 6 '</domain>' < <(domain_xml inplace 6)
	assert_line 'close: ok'
	assert_applied_at_completion
}
