/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver through the public API of drivers/driver.h: the demo
 * seed, the lifecycle and its errors, asynchronous shutdown, tunables,
 * definitions, networks, pools, fault injection, scale and concurrency.
 * Persistence is in test_test_persist.c.  Meant to run clean under
 * valgrind --leak-check=full. */
#include <errno.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "schema/validate.h"
#include "tests/unit/test_driver_helpers.h"
#include "tests/unit/unit.h"
#include "util/cleanup.h"

#define GIB_KIB (1024ULL * 1024)

/* Checks that op caused exactly one change, of the given type, for name. */
#define CHECK_ONE_CHANGE(before, want_type, want_name, what)                                                 \
	do {                                                                                                 \
		CHECK_INT(events_count() - (before), 1, "%s emits exactly one change", what);                \
		struct recorded last_ = event_last();                                                        \
		CHECK_INT(last_.type, want_type, "%s: change type", what);                                   \
		CHECK_STR(last_.name, want_name, "%s: change names the object", what);                       \
	} while (0)

/* --- the demo seed -------------------------------------------------------- */

static void test_seed(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=50");
	struct hv_error err = {0};
	struct hv_host_info host;
	struct hv_name_list list = {0};

	CHECK_INT(hv_host_info(conn, &host, &err), 0, "host_info");
	CHECK_STR(host.hostname, "hvfs-test", "hostname");
	CHECK_INT(host.cpus, 16, "cpus");
	CHECK_INT(host.memory_kib, 16 * GIB_KIB, "host memory");
	CHECK_INT(host.free_memory_kib, 14 * GIB_KIB, "free memory = memory - running domains'");
	CHECK_STR(host.hypervisor_version, "test 1.0.0", "hypervisor_version");
	CHECK(host.cpu_model[0] != '\0', "cpu_model is set");

	char *caps = NULL;
	CHECK_INT(hv_host_capabilities(conn, &caps, &err), 0, "host_capabilities");
	CHECK(caps && strstr(caps, "<domain type='test'/>"), "capabilities offer type test");
	xmlDocPtr doc =
	    caps ? xmlReadMemory(caps, (int)strlen(caps), "capabilities.xml", NULL, XML_PARSE_NONET) : NULL;
	CHECK(doc != NULL, "capabilities are well-formed");
	if (doc) {
		hv_error_clear(&err);
		CHECK_INT(hv_schema_validate(HV_SCHEMA_CAPABILITIES, doc, &err), 0,
			  "capabilities validate against schema/capabilities.rng (%s)", err.message);
		xmlFreeDoc(doc);
	}
	free(caps);

	CHECK_INT(hv_domain_list(conn, &list, &err), 0, "domain_list");
	CHECK_INT(list.count, 2, "two demo domains");
	CHECK(list_has(&list, "test") && list_has(&list, "idle"), "domains test and idle");
	hv_name_list_finish(&list);

	struct hv_domain_info info = domain(conn, "test");
	CHECK_INT(info.state, HV_DOMAIN_RUNNING, "test is running");
	CHECK_INT(info.id, 1, "test has id 1");
	CHECK_INT(info.vcpus, 2, "test has 2 vcpus");
	CHECK_INT(info.max_vcpus, 2, "of max 2");
	CHECK_INT(info.memory_kib, 2 * GIB_KIB, "test has 2 GiB");
	CHECK_INT(info.max_memory_kib, 8 * GIB_KIB, "below max 8 GiB");
	CHECK_STR(info.os_type, "hvm", "os_type hvm");
	CHECK(info.persistent, "persistent");
	info = domain(conn, "idle");
	CHECK_INT(info.state, HV_DOMAIN_SHUTOFF, "idle is shut off");
	CHECK_INT(info.id, -1, "idle has no id");

	char *xml = domain_xml(conn, "test");
	CHECK(xml && strstr(xml, "<target dev='vda' bus='virtio'/>"), "test has disk vda on virtio");
	CHECK(xml && strstr(xml, "<source network='default'/>"), "test has an interface on default");
	CHECK(xml && strstr(xml, "52:54:00:"), "with a 52:54:00 MAC");
	CHECK(xml && strstr(xml, "<console"), "and a console");
	free(xml);

	struct hv_domain_stats stats;
	CHECK_INT(hv_domain_stats(conn, "test", &stats, &err), 0, "domain_stats");
	uint64_t first = stats.cpu_time_ns;
	CHECK_INT(stats.memory_rss_kib, 2 * GIB_KIB, "rss = memory while running");
	usleep(20000);
	hv_domain_stats(conn, "test", &stats, &err);
	CHECK(stats.cpu_time_ns > first, "cpu_time advances while running");
	hv_domain_stats(conn, "idle", &stats, &err);
	CHECK_INT(stats.memory_rss_kib, 0, "rss is 0 while shut off");

	struct hv_network_info net;
	CHECK_INT(hv_network_info(conn, "default", &net, &err), 0, "network default");
	CHECK(net.active, "default is active");
	CHECK_STR(net.bridge, "virbr0", "on virbr0");
	char *net_xml = NULL;
	hv_network_get_xml(conn, "default", &net_xml, &err);
	CHECK(net_xml && strstr(net_xml, "mode='nat'") && strstr(net_xml, "192.168.122.1") &&
		  strstr(net_xml, "start='192.168.122.2'") && strstr(net_xml, "end='192.168.122.254'"),
	      "default is NAT on 192.168.122.1/24 with DHCP .2-.254");
	free(net_xml);

	struct hv_pool_info pool;
	CHECK_INT(hv_pool_info(conn, "default-pool", &pool, &err), 0, "pool default-pool");
	CHECK_INT(pool.state, HV_POOL_RUNNING, "default-pool is running");
	CHECK_STR(pool.type, "dir", "of type dir");
	CHECK_INT(pool.capacity, 100ULL << 30, "capacity 100 GiB");
	CHECK_INT(pool.allocation, 20ULL << 30, "allocation 20 GiB");
	CHECK_INT(pool.available, 80ULL << 30, "available 80 GiB");
	conn_close(conn);
}

/* --- the lifecycle -------------------------------------------------------- */

static void test_lifecycle(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=50");
	struct hv_error err = {0};
	size_t before;

	before = events_count();
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_START, &err), 0, "start idle");
	CHECK_ONE_CHANGE(before, HV_CHANGE_LIFECYCLE, "idle", "start");
	CHECK_STR(event_last().event, "started", "start: event");
	CHECK_STR(event_last().detail, "booted", "start: detail");
	CHECK_INT(event_last().state_seen, HV_DOMAIN_RUNNING, "start: the callback sees the new state");
	CHECK_INT(domain(conn, "idle").id, 2, "idle got the next id");

	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_START, &err), -EBUSY, "start twice");
	CHECK_STR(err.message, "domain is already running", "start twice: reason");

	before = events_count();
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_SUSPEND, &err), 0, "suspend");
	CHECK_ONE_CHANGE(before, HV_CHANGE_LIFECYCLE, "idle", "suspend");
	CHECK_STR(event_last().event, "suspended", "suspend: event");
	CHECK_STR(event_last().detail, "paused", "suspend: detail");
	CHECK_INT(domain(conn, "idle").state, HV_DOMAIN_PAUSED, "paused");
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_SUSPEND, &err), -EBUSY, "suspend twice");
	CHECK_STR(err.message, "domain is already paused", "suspend twice: reason");

	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_RESUME, &err), 0, "resume");
	CHECK_STR(event_last().event, "resumed", "resume: event");
	CHECK_STR(event_last().detail, "unpaused", "resume: detail");
	CHECK_INT(domain(conn, "idle").state, HV_DOMAIN_RUNNING, "running again");
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_RESUME, &err), -EBUSY, "resume running");
	CHECK_STR(err.message, "domain is not paused", "resume running: reason");

	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_REBOOT, &err), 0, "reboot");
	CHECK_STR(event_last().detail, "rebooted", "reboot: detail");
	CHECK_INT(domain(conn, "idle").id, 2, "reboot keeps the id");
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_RESET, &err), 0, "reset");
	CHECK_STR(event_last().detail, "reset", "reset: detail");

	before = events_count();
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_DESTROY, &err), 0, "destroy");
	CHECK_ONE_CHANGE(before, HV_CHANGE_LIFECYCLE, "idle", "destroy");
	CHECK_STR(event_last().event, "stopped", "destroy: event");
	CHECK_STR(event_last().detail, "destroyed", "destroy: detail");
	CHECK_INT(domain(conn, "idle").state, HV_DOMAIN_SHUTOFF, "destroy is immediate");
	CHECK_INT(domain(conn, "idle").id, -1, "and drops the id");

	static const enum hv_domain_command needs_running[] = {
	    HV_DOMAIN_CMD_SHUTDOWN, HV_DOMAIN_CMD_REBOOT,  HV_DOMAIN_CMD_RESET,
	    HV_DOMAIN_CMD_DESTROY,  HV_DOMAIN_CMD_SUSPEND, HV_DOMAIN_CMD_RESUME,
	};
	for (size_t i = 0; i < ARRAY_SIZE(needs_running); i++) {
		before = events_count();
		CHECK_INT(control(conn, "idle", needs_running[i], &err), -EBUSY, "%s on shutoff",
			  hv_domain_command_name(needs_running[i]));
		CHECK_STR(err.message, "domain is not running", "%s on shutoff: reason",
			  hv_domain_command_name(needs_running[i]));
		CHECK_INT(events_count(), before, "a refused command emits nothing");
	}

	CHECK_INT(control(conn, "nosuch", HV_DOMAIN_CMD_START, &err), -ENOENT, "unknown domain");
	CHECK_INT(err.code, ENOENT, "err.code is set");
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_START, &err), 0, "start again");
	CHECK_INT(domain(conn, "idle").id, 3, "ids keep counting");

	/* Shutdown: state shutdown at once, shutoff after the delay, reported
	 * by the driver itself. */
	uint64_t started = now_ms();
	before = events_count();
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_SHUTDOWN, &err), 0, "shutdown");
	CHECK_ONE_CHANGE(before, HV_CHANGE_LIFECYCLE, "test", "shutdown");
	CHECK_STR(event_last().event, "shutdown", "shutdown: event");
	CHECK_STR(event_last().detail, "requested", "shutdown: detail");
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_SHUTDOWN, "shutting down");
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_SHUTDOWN, &err), -EBUSY, "shutdown twice");
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_START, &err), -EBUSY, "start while shutting down");
	CHECK_STR(err.message, "domain is shutting down", "start while shutting down: reason");
	long at = events_wait(before, "test", "stopped", 60000);
	CHECK(at >= 0, "shutdown completion is reported");
	CHECK(now_ms() - started >= 40, "after the configured delay (%llu ms)",
	      (unsigned long long)(now_ms() - started));
	struct recorded done = event_at((size_t)(at < 0 ? 0 : at));
	CHECK_STR(done.detail, "shutdown", "completion: detail");
	CHECK_INT(done.type, HV_CHANGE_LIFECYCLE, "completion: type");
	CHECK_INT(done.state_seen, HV_DOMAIN_SHUTOFF, "completion: visible from the callback");
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_SHUTOFF, "shut off");
	CHECK_INT(domain(conn, "test").id, -1, "without an id");

	/* A destroy during shutdown wins; the timer must not fire later. */
	control(conn, "test", HV_DOMAIN_CMD_START, &err);
	control(conn, "test", HV_DOMAIN_CMD_SHUTDOWN, &err);
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_DESTROY, &err), 0, "destroy while shutting down");
	before = events_count();
	usleep(150000);
	CHECK_INT(events_count(), before, "no completion after a destroy");
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_SHUTOFF, "still shut off");

	/* Several shutdowns in flight complete, each reported once. */
	control(conn, "test", HV_DOMAIN_CMD_START, &err);
	before = events_count();
	control(conn, "test", HV_DOMAIN_CMD_SHUTDOWN, &err);
	control(conn, "idle", HV_DOMAIN_CMD_SHUTDOWN, &err);
	CHECK(events_wait(before, "test", "stopped", 60000) >= 0, "first of two shutdowns completes");
	CHECK(events_wait(before, "idle", "stopped", 60000) >= 0, "second of two shutdowns completes");
	/* Each completion also releases test's lease: two more changes. */
	CHECK_INT(events_count() - before, 6, "two requests, two completions");
	conn_close(conn);

	/* Closing with a shutdown pending stops the timer cleanly. */
	conn = conn_open("test:///default?shutdown_delay_ms=10000");
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_SHUTDOWN, &err), 0, "shutdown, then close at once");
	conn_close(conn);
}

/* --- tunables ------------------------------------------------------------- */

static void test_tunables(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=50");
	struct hv_error err = {0};
	struct hv_domain_def def;
	size_t before;

	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_memory(conn, "test", 8 * GIB_KIB + 1, &err), -EINVAL, "memory above max");
	CHECK_STR(err.message, "memory 8388609 KiB exceeds max_memory 8388608 KiB",
		  "memory above max: reason");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_memory(conn, "test", 0, &err), -EINVAL, "memory 0");
	hv_error_clear(&err);
	before = events_count();
	CHECK_INT(hv_domain_set_memory(conn, "test", 4 * GIB_KIB, &err), 0, "memory within max, live");
	CHECK_ONE_CHANGE(before, HV_CHANGE_MODIFIED, "test", "set_memory");
	CHECK_INT(domain(conn, "test").memory_kib, 4 * GIB_KIB, "memory reads back");
	char *xml = domain_xml(conn, "test");
	CHECK(xml && hv_domain_def_parse(xml, strlen(xml), "test", &def, &err) == 0, "config still valid");
	CHECK_INT(def.memory_kib, 4 * GIB_KIB, "config.xml shows the new currentMemory");
	CHECK(def.disk_count == 1 && def.interface_count == 1, "the rest of the config is kept");
	free(xml);
	struct hv_host_info host;
	hv_host_info(conn, &host, &err);
	CHECK_INT(host.free_memory_kib, 12 * GIB_KIB, "free memory follows");
	before = events_count();
	CHECK_INT(hv_domain_set_memory(conn, "test", 4 * GIB_KIB, &err), 0, "same memory again");
	CHECK_INT(events_count(), before, "no change, no event");

	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_vcpus(conn, "test", 3, &err), -EINVAL, "vcpus above max");
	CHECK_STR(err.message, "vcpus 3 exceeds max_vcpus 2", "vcpus above max: reason");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_vcpus(conn, "test", 0, &err), -EINVAL, "vcpus 0");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_vcpus(conn, "test", 1, &err), 0, "vcpus within max, live");
	CHECK_INT(domain(conn, "test").vcpus, 1, "vcpus reads back");

	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_memory(conn, "test", 4 * GIB_KIB, &err), -EBUSY,
		  "max_memory while running");
	CHECK_STR(err.message, "max_memory can only change while the domain is shut off",
		  "max_memory: reason");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_vcpus(conn, "test", 4, &err), -EBUSY, "max_vcpus while running");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_memory(conn, "test", 8 * GIB_KIB, &err), 0,
		  "max_memory rewritten unchanged while running is fine");
	control(conn, "test", HV_DOMAIN_CMD_SUSPEND, &err);
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_vcpus(conn, "test", 4, &err), -EBUSY, "max_vcpus while paused");

	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_memory(conn, "idle", 512 * 1024, &err), 0, "max_memory while shut off");
	struct hv_domain_info info = domain(conn, "idle");
	CHECK_INT(info.max_memory_kib, 512 * 1024, "max_memory reads back");
	CHECK_INT(info.memory_kib, 512 * 1024, "memory lowered to the new max");
	CHECK_INT(hv_domain_set_max_memory(conn, "idle", 0, &err), -EINVAL, "max_memory 0");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_max_vcpus(conn, "idle", 4, &err), 0, "max_vcpus while shut off");
	CHECK_INT(hv_domain_set_vcpus(conn, "idle", 4, &err), 0, "vcpus up to the new max");
	CHECK_INT(hv_domain_set_max_vcpus(conn, "idle", 2, &err), 0, "max_vcpus lowered");
	info = domain(conn, "idle");
	CHECK_INT(info.vcpus, 2, "vcpus lowered to the new max");
	xml = domain_xml(conn, "idle");
	CHECK(xml && hv_domain_def_parse(xml, strlen(xml), "idle", &def, &err) == 0, "idle config valid");
	CHECK(def.max_vcpus == 2 && def.vcpus == 2 && def.max_memory_kib == 512 * 1024, "config.xml follows");
	free(xml);

	before = events_count();
	CHECK_INT(hv_domain_set_autostart(conn, "idle", true, &err), 0, "autostart on");
	CHECK_ONE_CHANGE(before, HV_CHANGE_MODIFIED, "idle", "set_autostart");
	CHECK(domain(conn, "idle").autostart, "autostart reads back");
	CHECK_INT(hv_domain_set_memory(conn, "nosuch", 1024, &err), -ENOENT, "tunable of unknown domain");
	conn_close(conn);
}

/* --- definitions ---------------------------------------------------------- */

static void test_definitions(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=50");
	struct hv_error err = {0};
	struct hv_name_list list = {0};
	size_t before = events_count();

	CHECK_INT(hv_domain_define(conn, "web1", NULL, 0, &err), 0, "define with defaults (mkdir)");
	CHECK_ONE_CHANGE(before, HV_CHANGE_CREATED, "web1", "define new");
	struct hv_domain_info info = domain(conn, "web1");
	CHECK_INT(info.state, HV_DOMAIN_SHUTOFF, "new domain is shut off");
	CHECK_INT(strlen(info.uuid), 36, "with a generated uuid");
	char uuid[HV_UUID_STRLEN + 1];
	snprintf(uuid, sizeof(uuid), "%s", info.uuid);
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web1", NULL, 0, &err), -EEXIST, "defaults for an existing name");

	/* Redefinition without a uuid keeps the domain's and shows it. */
	hv_error_clear(&err);
	before = events_count();
	CHECK_INT(hv_domain_define(conn, "web1", web_no_uuid_xml, strlen(web_no_uuid_xml), &err), 0,
		  "redefine without uuid (%s)", err.message);
	CHECK_ONE_CHANGE(before, HV_CHANGE_MODIFIED, "web1", "redefine");
	CHECK_STR(domain(conn, "web1").uuid, uuid, "uuid kept");
	CHECK_INT(domain(conn, "web1").memory_kib, 262144, "new memory applies");
	char *xml = domain_xml(conn, "web1");
	CHECK_STR(xml, web_no_uuid_xml, "config.xml is stored as written, without a uuid");
	free(xml);

	/* The text is stored exactly as written. */
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", web_xml, strlen(web_xml), &err), 0, "define web2 (%s)",
		  err.message);
	xml = domain_xml(conn, "web2");
	CHECK_STR(xml, web_xml, "config.xml reads back what was written");
	free(xml);
	CHECK_INT(domain(conn, "web2").max_memory_kib, 512 * 1024, "units converted");

	/* UUID rules. */
	char *test_xml = domain_xml(conn, "test");
	char *stolen = NULL;
	if (test_xml) {
		/* web2's text with test's uuid */
		const char *u = strstr(test_xml, "<uuid>");
		char test_uuid[37] = "";
		if (u)
			snprintf(test_uuid, sizeof(test_uuid), "%.36s", u + 6);
		if (asprintf(&stolen,
			     "<domain type='test'><name>web3</name><uuid>%s</uuid>"
			     "<memory>1024</memory><os><type>hvm</type></os></domain>",
			     test_uuid) < 0)
			stolen = NULL;
	}
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web3", stolen, stolen ? strlen(stolen) : 0, &err), -EEXIST,
		  "a uuid taken by another domain");
	CHECK(strstr(err.message, "test") != NULL, "the reason names the owner: %s", err.message);
	free(stolen);
	free(test_xml);
	char *other_uuid = NULL;
	if (asprintf(&other_uuid,
		     "<domain type='test'><name>web2</name><uuid>0d6f1e2a-7b3c-4d5e-9f60-718293a4b5c6</uuid>"
		     "<memory>1024</memory><os><type>hvm</type></os></domain>") < 0)
		other_uuid = NULL;
	/* A UUID no other domain has is taken while the domain is shut off:
	 * an exported definition written into the directory mkdir made. */
	hv_error_clear(&err);
	before = events_count();
	CHECK_INT(hv_domain_define(conn, "web2", other_uuid, other_uuid ? strlen(other_uuid) : 0, &err), 0,
		  "redefinition with another uuid while shut off (%s)", err.message);
	CHECK_ONE_CHANGE(before, HV_CHANGE_MODIFIED, "web2", "redefine with a new uuid");
	CHECK(event_last().fields & HV_FIELD_UUID, "the uuid file is reported changed");
	CHECK_STR(domain(conn, "web2").uuid, "0d6f1e2a-7b3c-4d5e-9f60-718293a4b5c6", "the new uuid shows");
	/* The new UUID is taken, the old one free again. */
	static const char web3_taken[] =
	    "<domain type='test'><name>web3</name><uuid>0d6f1e2a-7b3c-4d5e-9f60-718293a4b5c6</uuid>"
	    "<memory>1024</memory><os><type>hvm</type></os></domain>";
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web3", web3_taken, strlen(web3_taken), &err), -EEXIST,
		  "the new uuid belongs to web2 now");
	CHECK_STR(err.message, "UUID 0d6f1e2a-7b3c-4d5e-9f60-718293a4b5c6 is already used by domain 'web2'",
		  "the reason names the owner");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", web_xml, strlen(web_xml), &err), 0,
		  "back to the old uuid (%s)", err.message);
	CHECK_STR(domain(conn, "web2").uuid, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417", "the old uuid again");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web3", web3_taken, strlen(web3_taken), &err), 0,
		  "a uuid given up is free (%s)", err.message);
	CHECK_INT(hv_domain_undefine(conn, "web3", &err), 0, "undefine web3");

	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "other", web_xml, strlen(web_xml), &err), -EINVAL,
		  "name must match the directory");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", "<domain", 7, &err), -EINVAL, "malformed XML");
	xml = domain_xml(conn, "web2");
	CHECK_STR(xml, web_xml, "a failed define leaves the old definition");
	free(xml);

	/* While running: max_* are fixed, the live values follow. */
	control(conn, "web2", HV_DOMAIN_CMD_START, &err);
	static const char grown[] = "<domain type='test'><name>web2</name>"
				    "<memory unit='MiB'>1024</memory><vcpu>2</vcpu>"
				    "<os><type>hvm</type></os></domain>";
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", grown, strlen(grown), &err), -EBUSY,
		  "max_memory change while running");
	CHECK_STR(err.message, "max_memory can only change while the domain is shut off", "reason");
	static const char shrunk[] =
	    "<domain type='test'><name>web2</name>"
	    "<memory unit='MiB'>512</memory><currentMemory unit='MiB'>256</currentMemory>"
	    "<vcpu current='1'>2</vcpu><os><type>hvm</type></os></domain>";
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", shrunk, strlen(shrunk), &err), 0,
		  "live values change while running (%s)", err.message);
	info = domain(conn, "web2");
	CHECK(info.memory_kib == 256 * 1024 && info.vcpus == 1,
	      "live memory and vcpus follow the definition");
	xml = domain_xml(conn, "web2");
	CHECK_STR(xml, shrunk, "stored as written, without a uuid");
	CHECK_STR(domain(conn, "web2").uuid, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417",
		  "the domain keeps its uuid");
	free(xml);
	/* While it runs, its UUID is the one it runs with. */
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, "web2", other_uuid, other_uuid ? strlen(other_uuid) : 0, &err),
		  -EBUSY, "another uuid while running");
	CHECK_STR(err.message,
		  "domain 'web2' is active with UUID 3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417: a new UUID "
		  "(0d6f1e2a-7b3c-4d5e-9f60-718293a4b5c6) can be given only while it is shut off",
		  "another uuid while running: reason");
	CHECK_STR(domain(conn, "web2").uuid, "3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417", "the uuid stays");
	free(other_uuid);

	/* undefine */
	hv_error_clear(&err);
	CHECK_INT(hv_domain_undefine(conn, "web2", &err), -EBUSY, "undefine while running");
	CHECK_STR(err.message, "domain is running", "undefine: reason");
	control(conn, "web2", HV_DOMAIN_CMD_DESTROY, &err);
	before = events_count();
	CHECK_INT(hv_domain_undefine(conn, "web2", &err), 0, "undefine shut off");
	CHECK_ONE_CHANGE(before, HV_CHANGE_DELETED, "web2", "undefine");
	CHECK_INT(hv_domain_undefine(conn, "web2", &err), -ENOENT, "undefine twice");

	/* rename */
	before = events_count();
	CHECK_INT(hv_domain_rename(conn, "web1", "web9", &err), 0, "rename");
	CHECK_ONE_CHANGE(before, HV_CHANGE_RENAMED, "web1", "rename");
	CHECK_STR(event_last().new_name, "web9", "rename: new name");
	hv_domain_list(conn, &list, &err);
	CHECK(list_has(&list, "web9") && !list_has(&list, "web1"), "listing follows the rename");
	hv_name_list_finish(&list);
	xml = domain_xml(conn, "web9");
	CHECK(xml && strstr(xml, "<name>web9</name>"), "the XML's name follows");
	CHECK_STR(domain(conn, "web9").uuid, uuid, "uuid survives the rename");
	free(xml);
	hv_error_clear(&err);
	CHECK_INT(hv_domain_rename(conn, "test", "test2", &err), -EBUSY, "rename while running");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_rename(conn, "web9", "idle", &err), -EEXIST, "rename onto an existing name");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_rename(conn, "web9", "../evil", &err), -EINVAL, "rename to an invalid name");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_define(conn, ".hidden", NULL, 0, &err), -EINVAL, "define an invalid name");
	conn_close(conn);
}

/* --- networks and pools --------------------------------------------------- */

static void test_networks(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	struct hv_network_info net;
	size_t before = events_count();

	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_START, &err), -EBUSY,
		  "start active network");
	CHECK_STR(err.message, "network is already active", "reason");
	hv_error_clear(&err);
	CHECK_INT(hv_network_undefine(conn, "default", &err), -EBUSY, "undefine active network");
	hv_error_clear(&err);
	CHECK_INT(hv_network_rename(conn, "default", "lan", &err), -EBUSY, "rename active network");
	before = events_count();
	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_STOP, &err), 0, "stop");
	/* Then the lease of the running demo domain goes: the network's and
	 * the interface's change. */
	CHECK_INT(events_count() - before, 3, "network stop: its change and its lease's");
	CHECK_INT(event_at(before).type, HV_CHANGE_LIFECYCLE, "network stop: change type");
	CHECK_STR(event_at(before).name, "default", "network stop: names the network");
	CHECK_STR(event_at(before).event, "stopped", "network stop: event");
	hv_error_clear(&err);
	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_STOP, &err), -EBUSY, "stop twice");
	CHECK_STR(err.message, "network is not active", "reason");
	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_START, &err), 0, "start");
	CHECK_STR(event_last().event, "started", "network start: event");

	before = events_count();
	CHECK_INT(hv_network_define(conn, "lan", NULL, 0, &err), 0, "define network with defaults");
	CHECK_ONE_CHANGE(before, HV_CHANGE_CREATED, "lan", "network define");
	hv_network_info(conn, "lan", &net, &err);
	CHECK_STR(net.bridge, "virbr1", "first free bridge");
	CHECK(!net.active, "new network is inactive");
	CHECK_INT(hv_network_set_autostart(conn, "lan", true, &err), 0, "network autostart");
	CHECK_INT(hv_network_rename(conn, "lan", "lan2", &err), 0, "rename inactive network");
	CHECK_STR(event_last().new_name, "lan2", "network rename: new name");
	char *xml = NULL;
	hv_network_get_xml(conn, "lan2", &xml, &err);
	CHECK(xml && strstr(xml, "<name>lan2</name>"), "network XML follows the rename");
	free(xml);
	/* An active network keeps its UUID; an inactive one takes a new one. */
	static const char default_new_uuid[] = "<network><name>default</name>"
					       "<uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091b1</uuid>"
					       "<bridge name='virbr0'/></network>";
	hv_error_clear(&err);
	CHECK_INT(hv_network_define(conn, "default", default_new_uuid, strlen(default_new_uuid), &err),
		  -EBUSY, "another uuid for an active network");
	CHECK(strstr(err.message, "network 'default' is active with UUID") &&
		  strstr(err.message, "only while it is inactive"),
	      "reason: %s", err.message);
	static const char lan2_uuid[] = "<network><name>lan2</name>"
					"<uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091b1</uuid>"
					"<bridge name='virbr1'/></network>";
	hv_error_clear(&err);
	CHECK_INT(hv_network_define(conn, "lan2", lan2_uuid, strlen(lan2_uuid), &err), 0,
		  "another uuid for an inactive network (%s)", err.message);
	hv_network_info(conn, "lan2", &net, &err);
	CHECK_STR(net.uuid, "5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091b1", "the network's new uuid shows");
	static const char clash[] = "<network><name>lan3</name><bridge name='virbr0'/></network>";
	hv_error_clear(&err);
	CHECK_INT(hv_network_define(conn, "lan3", clash, strlen(clash), &err), -EEXIST,
		  "bridge already used");
	CHECK_INT(hv_network_undefine(conn, "lan2", &err), 0, "undefine inactive network");
	CHECK_INT(event_last().type, HV_CHANGE_DELETED, "network undefine: deleted");
	conn_close(conn);
}

static void test_pools(void)
{
	struct hv_conn *conn = conn_open("test:///default");
	struct hv_error err = {0};
	struct hv_pool_info pool;

	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_BUILD, &err), -EBUSY,
		  "build running pool");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_DELETE, &err), -EBUSY,
		  "delete running pool");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_START, &err), -EBUSY,
		  "start running pool");
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_REFRESH, &err), 0,
		  "refresh running pool");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_undefine(conn, "default-pool", &err), -EBUSY, "undefine running pool");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_rename(conn, "default-pool", "p", &err), -EBUSY, "rename running pool");
	size_t before = events_count();
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_STOP, &err), 0, "stop pool");
	CHECK_ONE_CHANGE(before, HV_CHANGE_LIFECYCLE, "default-pool", "pool stop");
	CHECK_STR(event_last().event, "stopped", "pool stop: event");
	hv_pool_info(conn, "default-pool", &pool, &err);
	CHECK_INT(pool.state, HV_POOL_INACTIVE, "inactive");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_REFRESH, &err), -EBUSY,
		  "refresh inactive");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_STOP, &err), -EBUSY, "stop inactive");
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_BUILD, &err), 0, "build inactive");
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_DELETE, &err), 0, "delete inactive");
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_START, &err), 0, "start inactive");
	CHECK_STR(event_last().event, "started", "pool start: event");

	CHECK_INT(hv_pool_define(conn, "images", NULL, 0, &err), 0, "define pool with defaults");
	char *xml = NULL;
	hv_pool_get_xml(conn, "images", &xml, &err);
	CHECK(xml && strstr(xml, "/var/lib/hvfs/pools/images"), "default target path");
	free(xml);
	hv_pool_info(conn, "images", &pool, &err);
	CHECK_STR(pool.type, "dir", "default type dir");
	CHECK_INT(pool.state, HV_POOL_INACTIVE, "new pool is inactive");
	static const char pool_uuid[] = "<pool type='dir'><name>images</name>"
					"<uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c1</uuid>"
					"<target><path>/var/lib/hvfs/pools/images</path></target></pool>";
	CHECK_INT(hv_pool_define(conn, "images", pool_uuid, strlen(pool_uuid), &err), 0,
		  "another uuid for an inactive pool (%s)", err.message);
	hv_pool_info(conn, "images", &pool, &err);
	CHECK_STR(pool.uuid, "5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c1", "the pool's new uuid shows");
	static const char default_pool_uuid[] =
	    "<pool type='dir'><name>default-pool</name>"
	    "<uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c2</uuid>"
	    "<target><path>/var/lib/libvirt/images</path></target></pool>";
	hv_error_clear(&err);
	CHECK_INT(hv_pool_define(conn, "default-pool", default_pool_uuid, strlen(default_pool_uuid), &err),
		  -EBUSY, "another uuid for a running pool");
	static const char images_taken[] = "<pool type='dir'><name>images</name>"
					   "<uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c1</uuid>"
					   "<target><path>/var/lib/hvfs/pools/images</path></target></pool>";
	CHECK_INT(hv_pool_rename(conn, "images", "images2", &err), 0, "rename inactive pool");
	hv_pool_info(conn, "images2", &pool, &err);
	CHECK_STR(pool.uuid, "5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c1", "the uuid follows the rename");
	CHECK_INT(hv_pool_define(conn, "images", NULL, 0, &err), 0, "a pool of the old name");
	hv_error_clear(&err);
	CHECK_INT(hv_pool_define(conn, "images", images_taken, strlen(images_taken), &err), -EEXIST,
		  "the renamed pool's uuid is still its own");
	CHECK_STR(err.message, "UUID 5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091c1 is already used by pool 'images2'",
		  "the reason names the renamed pool");
	CHECK_INT(hv_pool_undefine(conn, "images", &err), 0, "undefine the second images");
	CHECK_INT(hv_pool_undefine(conn, "images2", &err), 0, "undefine inactive pool");
	conn_close(conn);
}

/* --- which fields each change names --------------------------------------- */

/* What the filesystem reports changed is exactly what these say: a case
 * whose fields are too wide wakes readers for nothing, one whose fields are
 * too narrow leaves a file stale.  The cases run in order on one host, each
 * from the state the ones before left. */
enum field_action {
	DOMAIN_CONTROL,
	DOMAIN_DEFINE,
	DOMAIN_RENAME,
	DOMAIN_SET_AUTOSTART,
	DOMAIN_SET_MAX_MEMORY,
	DOMAIN_SET_MAX_VCPUS,
	DOMAIN_SET_MEMORY,
	DOMAIN_SET_VCPUS,
	DOMAIN_UNDEFINE,
	NETWORK_CONTROL,
	NETWORK_DEFINE,
	NETWORK_SET_AUTOSTART,
	POOL_CONTROL,
	POOL_DEFINE,
	POOL_SET_AUTOSTART,
};

struct field_case {
	const char *what;
	enum field_action action;
	const char *name;
	uint64_t value;	  /* command, size, count, autostart */
	const char *text; /* XML to define, or the new name */
	enum hv_change_type type;
	uint32_t fields;
};

#define MIB_KIB 1024ULL

static const struct field_case field_cases[] = {
    {"start", DOMAIN_CONTROL, "idle", HV_DOMAIN_CMD_START, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE | HV_FIELD_ID},
    {"suspend", DOMAIN_CONTROL, "idle", HV_DOMAIN_CMD_SUSPEND, NULL, HV_CHANGE_LIFECYCLE, HV_FIELD_STATE},
    {"resume", DOMAIN_CONTROL, "idle", HV_DOMAIN_CMD_RESUME, NULL, HV_CHANGE_LIFECYCLE, HV_FIELD_STATE},
    {"reboot (state and id stay)", DOMAIN_CONTROL, "idle", HV_DOMAIN_CMD_REBOOT, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"destroy", DOMAIN_CONTROL, "idle", HV_DOMAIN_CMD_DESTROY, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE | HV_FIELD_ID},
    {"set_memory, live", DOMAIN_SET_MEMORY, "test", 4 * GIB_KIB, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_MEMORY | HV_FIELD_CONFIG},
    {"set_vcpus, live", DOMAIN_SET_VCPUS, "test", 1, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_VCPUS | HV_FIELD_CONFIG},
    {"set_max_vcpus while shut off", DOMAIN_SET_MAX_VCPUS, "idle", 4, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_MAX_VCPUS | HV_FIELD_CONFIG},
    {"set_vcpus up to the new max", DOMAIN_SET_VCPUS, "idle", 4, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_VCPUS | HV_FIELD_CONFIG},
    {"set_max_vcpus below vcpus lowers them", DOMAIN_SET_MAX_VCPUS, "idle", 2, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_MAX_VCPUS | HV_FIELD_VCPUS | HV_FIELD_CONFIG},
    {"set_max_memory above memory", DOMAIN_SET_MAX_MEMORY, "idle", 2 * GIB_KIB, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_MAX_MEMORY | HV_FIELD_CONFIG},
    {"set_max_memory below memory lowers it", DOMAIN_SET_MAX_MEMORY, "idle", 512 * MIB_KIB, NULL,
     HV_CHANGE_MODIFIED, HV_FIELD_MAX_MEMORY | HV_FIELD_MEMORY | HV_FIELD_CONFIG},
    {"domain autostart (not in the XML)", DOMAIN_SET_AUTOSTART, "idle", 1, NULL, HV_CHANGE_MODIFIED,
     HV_FIELD_AUTOSTART},
    {"define with the same values", DOMAIN_DEFINE, "idle", 0,
     "<domain type='test'><name>idle</name><memory unit='MiB'>512</memory><vcpu>2</vcpu>"
     "<os><type>hvm</type></os></domain>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG},
    {"define with a different memory", DOMAIN_DEFINE, "idle", 0,
     "<domain type='test'><name>idle</name><memory unit='MiB'>512</memory>"
     "<currentMemory unit='MiB'>256</currentMemory><vcpu>2</vcpu><os><type>hvm</type></os></domain>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_MEMORY},
    {"define with other maxima and os type", DOMAIN_DEFINE, "idle", 0,
     "<domain type='test'><name>idle</name><memory unit='MiB'>1024</memory>"
     "<currentMemory unit='MiB'>256</currentMemory><vcpu current='2'>4</vcpu>"
     "<os><type>linux</type></os></domain>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_MAX_MEMORY | HV_FIELD_MAX_VCPUS | HV_FIELD_OS_TYPE},
    {"define with a new uuid while shut off", DOMAIN_DEFINE, "idle", 0,
     "<domain type='test'><name>idle</name><uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091a2</uuid>"
     "<memory unit='MiB'>1024</memory><currentMemory unit='MiB'>256</currentMemory>"
     "<vcpu current='2'>4</vcpu><os><type>linux</type></os></domain>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_UUID},
    {"define a new domain", DOMAIN_DEFINE, "web", 0, NULL, HV_CHANGE_CREATED, 0},
    {"rename", DOMAIN_RENAME, "web", 0, "web2", HV_CHANGE_RENAMED, 0},
    {"undefine", DOMAIN_UNDEFINE, "web2", 0, NULL, HV_CHANGE_DELETED, 0},
    {"shutdown request (the id stays until it completes)", DOMAIN_CONTROL, "test", HV_DOMAIN_CMD_SHUTDOWN,
     NULL, HV_CHANGE_LIFECYCLE, HV_FIELD_STATE},
    {"network stop", NETWORK_CONTROL, "default", HV_NETWORK_CMD_STOP, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"network define with a new uuid while inactive", NETWORK_DEFINE, "default", 0,
     "<network><name>default</name><uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091a3</uuid>"
     "<bridge name='virbr0'/></network>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_UUID},
    {"network start", NETWORK_CONTROL, "default", HV_NETWORK_CMD_START, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"network define with another bridge", NETWORK_DEFINE, "default", 0,
     "<network><name>default</name><bridge name='virbr7'/></network>", HV_CHANGE_MODIFIED,
     HV_FIELD_CONFIG | HV_FIELD_BRIDGE},
    {"network define with the same bridge", NETWORK_DEFINE, "default", 0,
     "<network><name>default</name><bridge name='virbr7' stp='off'/></network>", HV_CHANGE_MODIFIED,
     HV_FIELD_CONFIG},
    {"network autostart", NETWORK_SET_AUTOSTART, "default", 0, NULL, HV_CHANGE_MODIFIED, HV_FIELD_AUTOSTART},
    {"pool refresh measures the sizes", POOL_CONTROL, "default-pool", HV_POOL_CMD_REFRESH, NULL,
     HV_CHANGE_LIFECYCLE, HV_FIELD_STATE | HV_FIELD_POOL_SIZES},
    {"pool stop", POOL_CONTROL, "default-pool", HV_POOL_CMD_STOP, NULL, HV_CHANGE_LIFECYCLE, HV_FIELD_STATE},
    {"pool build", POOL_CONTROL, "default-pool", HV_POOL_CMD_BUILD, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"pool delete", POOL_CONTROL, "default-pool", HV_POOL_CMD_DELETE, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"pool define with other sizes", POOL_DEFINE, "default-pool", 0,
     "<pool type='dir'><name>default-pool</name><capacity unit='GiB'>200</capacity>"
     "<target><path>/var/lib/libvirt/images</path></target></pool>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_POOL_SIZES},
    {"pool define with the same sizes", POOL_DEFINE, "default-pool", 0,
     "<pool type='dir'><name>default-pool</name><capacity unit='GiB'>200</capacity>"
     "<target><path>/srv/images</path></target></pool>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG},
    {"pool define with a new uuid while inactive", POOL_DEFINE, "default-pool", 0,
     "<pool type='dir'><name>default-pool</name><uuid>5c0ffee0-1d2e-4f3a-8b4c-5d6e7f8091a4</uuid>"
     "<capacity unit='GiB'>200</capacity><target><path>/srv/images</path></target></pool>",
     HV_CHANGE_MODIFIED, HV_FIELD_CONFIG | HV_FIELD_UUID},
    {"pool start", POOL_CONTROL, "default-pool", HV_POOL_CMD_START, NULL, HV_CHANGE_LIFECYCLE,
     HV_FIELD_STATE},
    {"pool autostart", POOL_SET_AUTOSTART, "default-pool", 0, NULL, HV_CHANGE_MODIFIED, HV_FIELD_AUTOSTART},
};

static int field_case_run(struct hv_conn *conn, const struct field_case *c, struct hv_error *err)
{
	size_t len = c->text ? strlen(c->text) : 0;

	switch (c->action) {
	case DOMAIN_CONTROL:
		return hv_domain_control(conn, c->name, (enum hv_domain_command)c->value, err);
	case DOMAIN_DEFINE:
		return hv_domain_define(conn, c->name, c->text, len, err);
	case DOMAIN_RENAME:
		return hv_domain_rename(conn, c->name, c->text, err);
	case DOMAIN_SET_AUTOSTART:
		return hv_domain_set_autostart(conn, c->name, c->value != 0, err);
	case DOMAIN_SET_MAX_MEMORY:
		return hv_domain_set_max_memory(conn, c->name, c->value, err);
	case DOMAIN_SET_MAX_VCPUS:
		return hv_domain_set_max_vcpus(conn, c->name, (unsigned)c->value, err);
	case DOMAIN_SET_MEMORY:
		return hv_domain_set_memory(conn, c->name, c->value, err);
	case DOMAIN_SET_VCPUS:
		return hv_domain_set_vcpus(conn, c->name, (unsigned)c->value, err);
	case DOMAIN_UNDEFINE:
		return hv_domain_undefine(conn, c->name, err);
	case NETWORK_CONTROL:
		return hv_network_control(conn, c->name, (enum hv_network_command)c->value, err);
	case NETWORK_DEFINE:
		return hv_network_define(conn, c->name, c->text, len, err);
	case NETWORK_SET_AUTOSTART:
		return hv_network_set_autostart(conn, c->name, c->value != 0, err);
	case POOL_CONTROL:
		return hv_pool_control(conn, c->name, (enum hv_pool_command)c->value, err);
	case POOL_DEFINE:
		return hv_pool_define(conn, c->name, c->text, len, err);
	case POOL_SET_AUTOSTART:
		return hv_pool_set_autostart(conn, c->name, c->value != 0, err);
	}
	return -EINVAL;
}

#define CHECK_FIELDS(got, want, ...)                                                                         \
	do {                                                                                                 \
		char got_text_[256], want_text_[256];                                                        \
		CHECK_STR(fields_text(got, got_text_, sizeof(got_text_)),                                    \
			  fields_text(want, want_text_, sizeof(want_text_)), __VA_ARGS__);                   \
	} while (0)

static void test_change_fields(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=50");
	struct hv_error err = {0};
	size_t start = events_count(), before;

	for (size_t i = 0; i < ARRAY_SIZE(field_cases); i++) {
		const struct field_case *c = &field_cases[i];

		hv_error_clear(&err);
		before = events_count();
		CHECK_INT(field_case_run(conn, c, &err), 0, "%s (%s)", c->what, err.message);
		/* A network that stops releases the running demo domain's
		 * lease: a change of the network and one of the interface. */
		unsigned more = c->action == NETWORK_CONTROL && c->value == HV_NETWORK_CMD_STOP ? 2 : 0;
		CHECK_INT(events_count() - before, 1 + more, "%s: changes", c->what);
		CHECK_INT(event_at(before).type, c->type, "%s: change type", c->what);
		CHECK_STR(event_at(before).name, c->name, "%s: change names the object", c->what);
		CHECK_FIELDS(event_at(before).fields, c->fields, "%s: fields", c->what);
	}
	/* The shutdown request completes from the timer, which takes the id
	 * away. */
	long at = events_wait(start, "test", "stopped", 60000);
	CHECK(at >= 0, "shutdown completes");
	CHECK_FIELDS(event_at((size_t)(at < 0 ? 0 : at)).fields, HV_FIELD_STATE | HV_FIELD_ID,
		     "shutdown completion: fields");
	conn_close(conn);
}

/* --- knobs ---------------------------------------------------------------- */

static void test_knobs(void)
{
	struct hv_conn *conn = NULL;
	struct hv_error err = {0};

	CHECK_INT(hv_conn_open("test:///default?bogus=1", on_change, NULL, &conn, &err), -EINVAL,
		  "unknown knob");
	CHECK(strstr(err.message, "bogus") != NULL, "the error names it: %s", err.message);
	hv_error_clear(&err);
	CHECK_INT(hv_conn_open("test:///default?fail=nosuch_op", on_change, NULL, &conn, &err), -EINVAL,
		  "unknown operation in fail=");
	hv_error_clear(&err);
	CHECK_INT(hv_conn_open("test:///default?domains=x", on_change, NULL, &conn, &err), -EINVAL,
		  "malformed domains=");
	hv_error_clear(&err);
	CHECK_INT(hv_conn_open("test:///", on_change, NULL, &conn, &err), -EINVAL, "no path");

	conn = conn_open("test:///default?fail=domain_control,network_control,domain_set_memory");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_control(conn, "idle", HV_DOMAIN_CMD_START, &err), -EIO,
		  "injected domain_control");
	CHECK_STR(err.message, "injected fault in domain_control", "injected: reason");
	CHECK_INT(domain(conn, "idle").state, HV_DOMAIN_SHUTOFF, "nothing happened");
	hv_error_clear(&err);
	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_STOP, &err), -EIO,
		  "injected network_control");
	hv_error_clear(&err);
	CHECK_INT(hv_domain_set_memory(conn, "test", 1024, &err), -EIO, "injected domain_set_memory");
	CHECK_INT(hv_domain_set_vcpus(conn, "test", 1, &err), 0, "other operations still work");
	conn_close(conn);
}

static void test_scale(void)
{
	struct hv_error err = {0};
	struct hv_name_list list = {0};
	uint64_t started = now_ms();
	struct hv_conn *conn = conn_open("test:///default?domains=10000");
	uint64_t took = now_ms() - started;

	report_time(took, 500, "domains=10000 opens");
	CHECK_INT(hv_domain_list(conn, &list, &err), 0, "list 10,002 domains");
	CHECK_INT(list.count, 10002, "10,000 generated + 2 demo domains");
	hv_name_list_finish(&list);
	CHECK_INT(domain(conn, "dom-00001").state, HV_DOMAIN_SHUTOFF, "dom-00001 is shut off");
	CHECK_INT(domain(conn, "dom-00010").state, HV_DOMAIN_RUNNING, "every 10th is running");
	CHECK_INT(domain(conn, "dom-10000").state, HV_DOMAIN_RUNNING, "dom-10000 is running");
	struct hv_host_info host;
	hv_host_info(conn, &host, &err);
	CHECK_INT(host.free_memory_kib, 0, "overcommitted host has no free memory (not a wrap)");

	char *xml = domain_xml(conn, "dom-00042");
	struct hv_domain_def def;
	hv_error_clear(&err);
	CHECK(xml && hv_domain_def_parse(xml, strlen(xml), "dom-00042", &def, &err) == 0,
	      "a generated definition validates (%s)", err.message);
	struct hv_domain_info info = domain(conn, "dom-00042");
	CHECK(xml && strcmp(def.uuid, info.uuid) == 0 && def.memory_kib == info.memory_kib &&
		  def.vcpus == info.vcpus,
	      "and says what the model says");
	free(xml);
	conn_close(conn);
}

/* --- concurrency ---------------------------------------------------------- */

struct stress_arg {
	struct hv_conn *conn;
	unsigned seed;
	int failures; /* answers outside the contract */
};

static void *stress_main(void *opaque)
{
	struct stress_arg *arg = opaque;
	static const char *const names[] = {"test", "idle"};

	for (int i = 0; i < 400; i++) {
		struct hv_error err = {0};
		const char *name = names[rand_r(&arg->seed) % 2];
		enum hv_domain_command command = (enum hv_domain_command)(rand_r(&arg->seed) % 7);
		int ret = hv_domain_control(arg->conn, name, command, &err);
		struct hv_domain_info info;

		if (ret != 0 && ret != -EBUSY)
			arg->failures++;
		hv_error_clear(&err);
		ret = hv_domain_set_memory(arg->conn, name, 65536 + (uint64_t)(rand_r(&arg->seed) % 1024),
					   &err);
		if (ret != 0)
			arg->failures++;
		hv_error_clear(&err);
		if (hv_domain_info(arg->conn, name, &info, &err) != 0 ||
		    (info.id == -1) != (info.state == HV_DOMAIN_SHUTOFF || info.state == HV_DOMAIN_CRASHED))
			arg->failures++;
	}
	return NULL;
}

/* Worker threads and the shutdown timer at once: no deadlock, no answer
 * outside the contract, ids consistent with states throughout. */
static void test_concurrency(void)
{
	struct hv_conn *conn = conn_open("test:///default?shutdown_delay_ms=1");
	struct stress_arg args[4];
	pthread_t threads[4];
	struct hv_error err = {0};
	int failures = 0;

	for (unsigned i = 0; i < 4; i++) {
		args[i] = (struct stress_arg){.conn = conn, .seed = i + 1};
		pthread_create(&threads[i], NULL, stress_main, &args[i]);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(threads[i], NULL);
		failures += args[i].failures;
	}
	CHECK_INT(failures, 0, "4 threads x 400 operations answer 0 or EBUSY, ids follow states");
	control(conn, "test", HV_DOMAIN_CMD_DESTROY, &err);
	control(conn, "idle", HV_DOMAIN_CMD_DESTROY, &err);
	usleep(20000);
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_SHUTOFF, "settles shut off");
	conn_close(conn);
}

int main(void)
{
	test_seed();
	test_lifecycle();
	test_tunables();
	test_definitions();
	test_networks();
	test_pools();
	test_change_fields();
	test_knobs();
	test_scale();
	test_concurrency();
	hv_schema_cleanup();
	hv_conf_cleanup();
	return UNIT_DONE();
}
