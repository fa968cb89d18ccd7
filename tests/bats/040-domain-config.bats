#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# config.xml, mkdir (define), rmdir (undefine), mv (rename), names.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

D() { echo "$MNT/domains/$1"; }

web_xml() { # name [memory-KiB]
	cat <<XML
<domain type='test'>
  <name>$1</name>
  <memory unit='KiB'>${2:-262144}</memory>
  <currentMemory unit='KiB'>${2:-262144}</currentMemory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/$1.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
XML
}

@test "mkdir defines a shut-off domain with defaults and a fresh uuid" {
	mkdir "$(D web1)"
	run cat "$(D web1)/state"
	assert_output shutoff
	run cat "$(D web1)/uuid"
	assert_output --regexp '^[0-9a-f-]{36}$'
	run grep -c '<name>web1</name>' "$(D web1)/config.xml"
	assert_output 1
	run ls "$MNT/domains"
	assert_output --partial web1
}

@test "writing a valid XML into config.xml defines it" {
	web_xml web1 >"$(D web1)/config.xml"
	run cat "$(D web1)/max_memory"
	assert_output 262144
	run cat "$(D web1)/vcpus"
	assert_output 2
	run grep -c "web1.img" "$(D web1)/config.xml"
	assert_output 1
}

@test "invalid XML fails close(2) with EINVAL, keeps the old definition, and says where" {
	before=$(cat "$(D web1)/config.xml")
	run write_file "$(D web1)/config.xml" < <(printf '<domain type="test">\n<name>web1</name>\n<memory>oops')
	assert_failure
	assert_output --partial "Invalid argument"
	[ "$(cat "$(D web1)/config.xml")" = "$before" ]
	run cat "$(D web1)/last_error"
	assert_output --partial "line"
}

@test "a schema violation is EINVAL with the reason" {
	run write_file "$(D web1)/config.xml" < <(web_xml web1 | sed 's|<vcpu>2</vcpu>|<vcpu>two</vcpu>|')
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(D web1)/vcpus"
	assert_output 2
	run cat "$(D web1)/last_error"
	assert_output --partial "config.xml"
}

@test "a name that does not match the directory is EINVAL" {
	run write_file "$(D web1)/config.xml" < <(web_xml other)
	assert_failure
	run cat "$(D web1)/last_error"
	assert_output --partial "does not match"
	run stat "$(D other)"
	assert_failure
}

@test "currentMemory above memory is EINVAL" {
	run write_file "$(D web1)/config.xml" < <(web_xml web1 | sed 's|<currentMemory unit=.KiB.>262144|<currentMemory unit="KiB">999999|')
	assert_failure
	run cat "$(D web1)/last_error"
	assert_output --partial "exceeds"
}

@test "a duplicate UUID is EEXIST" {
	uuid=$(cat "$(D test)/uuid")
	run write_file "$(D web1)/config.xml" < <(web_xml web1 | sed "s|<name>web1</name>|<name>web1</name><uuid>$uuid</uuid>|")
	assert_failure
	assert_output --partial "File exists"
}

@test "a DOCTYPE with entities is refused" {
	run write_file "$(D web1)/config.xml" < <(printf '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<domain type="test"><name>web1</name><memory>1024</memory><vcpu>1</vcpu><os><type>&x;</type></os></domain>\n')
	assert_failure
	assert_output --partial "Invalid argument"
	run grep -c root: "$(D web1)/config.xml"
	assert_output 0
}

@test "an XML document over 1 MiB is EFBIG" {
	run write_file "$(D web1)/config.xml" < <(printf '<domain type="test"><name>web1</name><!--'; head -c 1100000 /dev/zero | tr '\0' x; printf -- '--></domain>')
	assert_failure
	assert_output --partial "File too large"
}

@test "a config written in several chunks is applied once complete" {
	run python3 - "$(D web1)/config.xml" <<PY
import os, sys
doc = """$(web_xml web1 131072)"""
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
for i in range(0, len(doc), 37):
    os.write(fd, doc[i:i + 37].encode())
os.close(fd)
PY
	assert_success
	run cat "$(D web1)/max_memory"
	assert_output 131072
}

@test "mkdir with an invalid name is EINVAL" {
	run mkdir "$(D 'bad name')"
	assert_failure
	assert_output --partial "Invalid argument"
	run mkdir "$(D .hidden)"
	assert_failure
	run mkdir "$(D -dash)"
	assert_failure
	run mkdir "$(D "$(printf 'x%.0s' $(seq 65))")"
	assert_failure
}

@test "mkdir of an existing domain is EEXIST" {
	run mkdir "$(D test)"
	assert_failure
	assert_output --partial "File exists"
}

@test "mkdir outside a collection and object directories is EPERM" {
	run mkdir "$(D test)/stats/sub"
	assert_failure
	assert_output --partial "Operation not permitted"
	run mkdir "$MNT/x"
	assert_failure
	assert_output --partial "Operation not permitted"
}

@test "mv renames an inactive domain" {
	mkdir "$(D old1)"
	uuid=$(cat "$(D old1)/uuid")
	mv "$(D old1)" "$(D new1)"
	run cat "$(D new1)/uuid"
	assert_output "$uuid"
	run grep -c '<name>new1</name>' "$(D new1)/config.xml"
	assert_output 1
	run stat "$(D old1)"
	assert_failure
}

@test "mv of a running domain is EBUSY" {
	run mv "$(D test)" "$(D test2)"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D test)/state"
	assert_output running
}

@test "mv to an invalid name is EINVAL" {
	run mv "$(D new1)" "$(D 'no/good')"
	assert_failure
	run mv "$(D new1)" "$(D '.x')"
	assert_failure
	run cat "$(D new1)/state"
	assert_output shutoff
}

@test "rmdir of a running domain is EBUSY, of a shut-off one undefines it" {
	run rmdir "$(D test)"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(D test)/last_error"
	assert_output --partial "rmdir"
	rmdir "$(D new1)"
	run stat "$(D new1)"
	assert_failure
	run ls "$MNT/domains"
	refute_output --partial new1
}

@test "attribute files cannot be removed; files outside object directories cannot be made" {
	run touch "$MNT/domains/newfile"
	assert_failure
	run rm -f "$(D test)/state"
	assert_failure
}
