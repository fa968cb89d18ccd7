#!/usr/bin/env bats
# SPDX-License-Identifier: LGPL-2.1-or-later
# metrics: Prometheus text for every numeric attribute, checked by promtool.

load helpers

setup_file() {
	hvfs_start 'test:///default?domains=1000'
}

teardown_file() {
	hvfs_stop
}

@test "metrics passes promtool check metrics" {
	run bash -c "promtool check metrics < '$MNT/metrics'"
	assert_success
}

@test "metrics agrees with the attribute files" {
	mem=$(cat "$MNT/domains/test/memory")
	run grep "^hvfs_domain_memory_bytes{domain=\"test\"} " "$MNT/metrics"
	assert_output "hvfs_domain_memory_bytes{domain=\"test\"} $((mem * 1024))"
	run grep "^hvfs_host_cpus " "$MNT/metrics"
	assert_output "hvfs_host_cpus $(cat "$MNT/host/cpus")"
	run grep "^hvfs_pool_capacity_bytes{pool=\"default-pool\"} " "$MNT/metrics"
	assert_output "hvfs_pool_capacity_bytes{pool=\"default-pool\"} $(cat "$MNT/pools/default-pool/capacity")"
	run grep "^hvfs_network_active{network=\"default\"} " "$MNT/metrics"
	assert_output 'hvfs_network_active{network="default"} 1'
	run grep -c "^hvfs_network_leases{network=\"default\"} [0-9]*$" "$MNT/metrics"
	assert_output 1
}

@test "metrics is live: a state change shows at the next read" {
	echo suspend >"$MNT/domains/test/control"
	run grep '^hvfs_domain_state{domain="test"} ' "$MNT/metrics"
	assert_output 'hvfs_domain_state{domain="test"} 3'
	echo resume >"$MNT/domains/test/control"
	run grep '^hvfs_domain_state{domain="test"} ' "$MNT/metrics"
	assert_output 'hvfs_domain_state{domain="test"} 1'
	mkdir "$MNT/domains/metrics1"
	run grep -c 'domain="metrics1"' "$MNT/metrics"
	[ "$output" -ge 5 ]
}

@test "metrics covers 1,002 domains, one sample each per family" {
	run grep -c '^hvfs_domain_vcpus{' "$MNT/metrics"
	[ "$output" -ge 1002 ]
	run stat -c %a "$MNT/metrics"
	assert_output 444
}
