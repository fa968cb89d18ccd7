#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# networks/NAME/.

load helpers

setup_file() {
	hvfs_start 'test:///default'
}

teardown_file() {
	hvfs_stop
}

N() { echo "$MNT/networks/$1"; }

@test "the demo network default is active on virbr0" {
	run cat "$(N default)/state"
	assert_output active
	run cat "$(N default)/bridge"
	assert_output virbr0
	run grep -c "192.168.122.1" "$(N default)/config.xml"
	assert_output 1
	run grep -c "<range" "$(N default)/config.xml"
	assert_output 1
}

@test "network stop and start" {
	echo stop >"$(N default)/control"
	run cat "$(N default)/state"
	assert_output inactive
	echo start >"$(N default)/control"
	run cat "$(N default)/state"
	assert_output active
}

@test "starting an active network is EBUSY with the reason" {
	run bash -c "echo start > '$(N default)/control'"
	assert_failure
	assert_output --partial "Device or resource busy"
	run cat "$(N default)/last_error"
	assert_output --partial "active"
}

@test "an unknown network command is EINVAL" {
	run bash -c "echo suspend > '$(N default)/control'"
	assert_failure
	assert_output --partial "Invalid argument"
	run cat "$(N default)/last_error"
	assert_output --partial "unknown command"
}

@test "mkdir defines an inactive network; rmdir undefines it" {
	mkdir "$(N lab)"
	run cat "$(N lab)/state"
	assert_output inactive
	run cat "$(N lab)/uuid"
	assert_output --regexp '^[0-9a-f-]{36}$'
	echo start >"$(N lab)/control"
	run rmdir "$(N lab)"
	assert_failure
	assert_output --partial "Device or resource busy"
	echo stop >"$(N lab)/control"
	rmdir "$(N lab)"
	run stat "$(N lab)"
	assert_failure
}

@test "a network config.xml write is validated and applied" {
	mkdir "$(N lab2)"
	cat >"$(N lab2)/config.xml" <<XML
<network>
  <name>lab2</name>
  <bridge name='virbr9'/>
  <ip address='10.9.0.1' netmask='255.255.255.0'>
    <dhcp><range start='10.9.0.10' end='10.9.0.20'/></dhcp>
  </ip>
</network>
XML
	run cat "$(N lab2)/bridge"
	assert_output virbr9
	run write_file "$(N lab2)/config.xml" < <(echo '<network><name>lab2</name><bogus')
	assert_output "close: Invalid argument"
	assert_failure
	run cat "$(N lab2)/bridge"
	assert_output virbr9
}

@test "network autostart is 0 or 1" {
	echo 1 >"$(N default)/autostart"
	run cat "$(N default)/autostart"
	assert_output 1
	run bash -c "echo 2 > '$(N default)/autostart'"
	assert_failure
}
