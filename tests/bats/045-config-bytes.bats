#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# config.xml keeps the user's bytes: it reads back exactly as written, and a
# change through an attribute file (or mv) edits only the affected line.

load helpers

setup_file() {
	hvfs_start 'test:///default'
	ansible_env
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }
N() { echo "$MNT/networks/$1"; }
P() { echo "$MNT/pools/$1"; }

# Single quotes, a declaration, comments, odd blanks in tags, tabs and
# spaces mixed: everything libxml2 would have rewritten.
shop_xml() { # uuid
	cat <<XML
<?xml version='1.0' encoding='UTF-8'?>
<!-- shop: written by hand, keep the comments -->
<domain type='test'>
    <name>shop</name>
    <uuid>$1</uuid>
	<memory unit='MiB' >512</memory>   <!-- at most -->
    <currentMemory unit = 'MiB'><!-- now -->256</currentMemory>
    <vcpu placement='static' current='1'>4</vcpu>
    <os>
      <type arch='x86_64'>hvm</type>
    </os>
    <on_poweroff>destroy</on_poweroff>
</domain>
XML
}

# snapshot NAME FILE: keeps a copy of FILE as $BATS_FILE_TMPDIR/NAME.
snapshot() {
	cp "$2" "$BATS_FILE_TMPDIR/$1"
}

# changed_since NAME FILE: the diff from the snapshot NAME to FILE.
changed_since() {
	run diff "$BATS_FILE_TMPDIR/$1" "$2"
}

# shop_write ATTR VALUE: writes VALUE to shop's ATTR; the output is the diff
# that made to config.xml.
shop_write() {
	snapshot before "$(D shop)/config.xml"
	echo "$2" >"$(D shop)/$1"
	changed_since before "$(D shop)/config.xml"
}

@test "a hand-written domain config.xml reads back byte for byte" {
	mkdir "$(D shop)"
	shop_xml "$(cat "$(D shop)/uuid")" >"$BATS_FILE_TMPDIR/shop.xml"
	cp "$BATS_FILE_TMPDIR/shop.xml" "$(D shop)/config.xml"
	cmp "$BATS_FILE_TMPDIR/shop.xml" "$(D shop)/config.xml"
	run cat "$(D shop)/memory"
	assert_output 262144
}

@test "writing the same file again leaves it as it is" {
	cp "$BATS_FILE_TMPDIR/shop.xml" "$(D shop)/config.xml"
	cmp "$BATS_FILE_TMPDIR/shop.xml" "$(D shop)/config.xml"
}

@test "writing memory changes only the currentMemory line, in KiB" {
	shop_write memory 131072
	assert_output "7c7
<     <currentMemory unit = 'MiB'><!-- now -->256</currentMemory>
---
>     <currentMemory unit = 'KiB'><!-- now -->131072</currentMemory>"
}

@test "writing max_memory changes only the memory line" {
	shop_write max_memory 1G
	assert_output "6c6
< 	<memory unit='MiB' >512</memory>   <!-- at most -->
---
> 	<memory unit='KiB' >1048576</memory>   <!-- at most -->"
}

@test "writing vcpus changes only vcpu's current" {
	shop_write vcpus 2
	assert_output "8c8
<     <vcpu placement='static' current='1'>4</vcpu>
---
>     <vcpu placement='static' current='2'>4</vcpu>"
}

@test "writing max_vcpus changes only the vcpu count" {
	shop_write max_vcpus 8
	assert_output "8c8
<     <vcpu placement='static' current='2'>4</vcpu>
---
>     <vcpu placement='static' current='2'>8</vcpu>"
}

@test "writing a value the file already has changes nothing" {
	snapshot before "$(D shop)/config.xml"
	echo 131072 >"$(D shop)/memory"
	echo 2 >"$(D shop)/vcpus"
	echo 1 >"$(D shop)/autostart"
	cmp "$BATS_FILE_TMPDIR/before" "$(D shop)/config.xml"
}

@test "mv of a domain changes only its name line" {
	snapshot before "$(D shop)/config.xml"
	mv "$(D shop)" "$(D store)"
	changed_since before "$(D store)/config.xml"
	assert_output "4c4
<     <name>shop</name>
---
>     <name>store</name>"
}

@test "a hand-written network keeps its bytes through autostart and mv" {
	mkdir "$(N lab)"
	cat >"$BATS_FILE_TMPDIR/lab.xml" <<XML
<network>
  <!-- the lab: isolated -->
  <name>lab</name>
  <uuid>$(cat "$(N lab)/uuid")</uuid>
  <bridge name='virbr9'  stp='on' delay='0' />
  <ip address='10.9.0.1' netmask='255.255.255.0'>
    <dhcp><range start='10.9.0.2' end='10.9.0.9'/></dhcp>
  </ip>
</network>
XML
	cp "$BATS_FILE_TMPDIR/lab.xml" "$(N lab)/config.xml"
	cmp "$BATS_FILE_TMPDIR/lab.xml" "$(N lab)/config.xml"
	# Autostart is the driver's, not the definition's.
	echo 1 >"$(N lab)/autostart"
	cmp "$BATS_FILE_TMPDIR/lab.xml" "$(N lab)/config.xml"
	mv "$(N lab)" "$(N lab2)"
	changed_since lab.xml "$(N lab2)/config.xml"
	assert_output "3c3
<   <name>lab</name>
---
>   <name>lab2</name>"
}

@test "a pool written without a uuid reads back byte for byte, CRLF and all; it keeps its uuid" {
	mkdir "$(P scratch)"
	uuid=$(cat "$(P scratch)/uuid")
	printf '<pool type="dir">\r\n\t<name>scratch</name>\r\n\t<target>\r\n\t\t<path>/srv/scratch</path>\r\n\t</target>\r\n</pool>\r\n' \
		>"$BATS_FILE_TMPDIR/scratch.xml"
	cp "$BATS_FILE_TMPDIR/scratch.xml" "$(P scratch)/config.xml"
	cmp "$BATS_FILE_TMPDIR/scratch.xml" "$(P scratch)/config.xml"
	run cat "$(P scratch)/uuid"
	assert_output "$uuid"
	# So a second copy of the same file changes nothing (Ansible says ok).
	run ansible localhost -c local -m copy -a "src=$BATS_FILE_TMPDIR/scratch.xml dest=$(P scratch)/config.xml"
	assert_success
	assert_output --partial '"changed": false'
}
