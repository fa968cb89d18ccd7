/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver's persistence through the public API of drivers/driver.h:
 * state, tunables, definitions, renames and undefines survive a reopen;
 * autostart objects start; a change that cannot be saved is not made; crash
 * leftovers (.tmp-* files) and broken files are dealt with; 10,000
 * persisted domains load fast.  Meant to run clean under
 * valgrind --leak-check=full. */
#include <dirent.h>
#include <errno.h>
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

/* --- persistence ---------------------------------------------------------- */

static int count_temp_files(const char *dir)
{
	static const char *const subdirs[] = {"domains", "networks", "pools"};
	int count = 0;

	for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, subdirs[i]);
		DIR *d = opendir(path);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d)))
			if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0)
				count++;
		closedir(d);
	}
	return count;
}

static void write_file(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool file_exists(const char *dir, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return access(path, F_OK) == 0;
}

static void remove_tree(const char *dir)
{
	char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf '%s'", dir) >= 0 && system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	free(cmd);
}

static const char handwritten[] = "name hand\n"
				  "state shutoff\n"
				  "autostart 0\n"
				  "\n"
				  "<domain type='test'><name>hand</name>"
				  "<uuid>6a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d</uuid>"
				  "<memory>65536</memory><os><type>hvm</type></os></domain>\n";

static void test_persistence(void)
{
	char dir[] = "/tmp/hvfs-test-driver-XXXXXX";
	char uri[256];
	struct hv_error err = {0};
	struct hv_name_list list = {0};

	if (!mkdtemp(dir)) {
		CHECK(false, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(uri, sizeof(uri), "test://%s/host?shutdown_delay_ms=50", dir);

	struct hv_conn *conn = conn_open(uri);
	CHECK_INT(domain(conn, "test").state, HV_DOMAIN_RUNNING, "a new directory is seeded");
	struct hv_conn *second = NULL;
	CHECK_INT(hv_conn_open(uri, on_change, NULL, &second, &err), -EBUSY,
		  "a second connection to the same directory is refused");
	CHECK_INT(control(conn, "test", HV_DOMAIN_CMD_SUSPEND, &err), 0, "suspend test");
	CHECK_INT(control(conn, "idle", HV_DOMAIN_CMD_START, &err), 0, "start idle (id 2)");
	CHECK_INT(hv_domain_set_memory(conn, "idle", 524288, &err), 0, "tune idle");
	CHECK_INT(hv_domain_define(conn, "web1", web_no_uuid_xml, strlen(web_no_uuid_xml), &err), 0,
		  "define web1");
	CHECK_INT(hv_domain_set_autostart(conn, "web1", true, &err), 0, "web1 autostart");
	char *web1_xml = domain_xml(conn, "web1");
	CHECK_INT(hv_domain_define(conn, "web2", web_xml, strlen(web_xml), &err), 0, "define web2");
	CHECK_INT(control(conn, "web2", HV_DOMAIN_CMD_START, &err), 0, "start web2 (id 3)");
	CHECK_INT(hv_domain_define(conn, "old", NULL, 0, &err), 0, "define old");
	CHECK_INT(hv_domain_rename(conn, "old", "new", &err), 0, "rename old -> new");
	/* mkdir, then an exported definition with a UUID of its own. */
	static const char adopted_xml[] = "<domain type='test'>\n"
					  "  <name>adopted</name>\n"
					  "  <uuid>6695eb01-f6a4-8304-79aa-97f2502e1940</uuid>\n"
					  "  <memory unit='KiB'>65536</memory>\n"
					  "  <os><type>hvm</type></os>\n"
					  "</domain>\n";
	CHECK_INT(hv_domain_define(conn, "adopted", NULL, 0, &err), 0, "define adopted (mkdir)");
	CHECK_INT(hv_domain_define(conn, "adopted", adopted_xml, strlen(adopted_xml), &err), 0,
		  "adopted takes the uuid of its exported definition (%s)", err.message);
	CHECK_INT(hv_domain_define(conn, "gone", NULL, 0, &err), 0, "define gone");
	CHECK_INT(hv_domain_undefine(conn, "gone", &err), 0, "undefine gone");
	CHECK_INT(hv_network_control(conn, "default", HV_NETWORK_CMD_STOP, &err), 0, "stop default");
	CHECK_INT(hv_network_set_autostart(conn, "default", false, &err), 0, "default autostart off");
	CHECK_INT(hv_network_define(conn, "lan", NULL, 0, &err), 0, "define lan");
	CHECK_INT(hv_network_set_autostart(conn, "lan", true, &err), 0, "lan autostart");
	static const char lan_xml[] =
	    "<network><name>lan</name><uuid>dd8fe884-6c02-601e-7551-cca97df1c5e0</uuid>"
	    "<bridge name='virbr1'/></network>";
	CHECK_INT(hv_network_define(conn, "lan", lan_xml, strlen(lan_xml), &err), 0,
		  "lan takes a uuid of its own (%s)", err.message);
	CHECK_INT(hv_pool_control(conn, "default-pool", HV_POOL_CMD_STOP, &err), 0,
		  "stop pool (autostart 1)");
	/* A new UUID that cannot be saved is not taken. */
	char domains_dir[4096], moved_dir[4096];
	snprintf(domains_dir, sizeof(domains_dir), "%s/host/domains", dir);
	snprintf(moved_dir, sizeof(moved_dir), "%s/host/domains.moved", dir);
	if (rename(domains_dir, moved_dir) == 0) {
		size_t before = events_count();
		static const char moved_xml[] =
		    "<domain type='test'><name>adopted</name>"
		    "<uuid>6695eb01-f6a4-8304-79aa-97f2502e1941</uuid>"
		    "<memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>";
		hv_error_clear(&err);
		CHECK_INT(hv_domain_define(conn, "adopted", moved_xml, strlen(moved_xml), &err), -EIO,
			  "a new uuid that cannot be saved");
		CHECK_STR(domain(conn, "adopted").uuid, "6695eb01-f6a4-8304-79aa-97f2502e1940",
			  "leaves the uuid as it was");
		CHECK_INT(events_count(), before, "and emits nothing");
		CHECK_INT(rename(moved_dir, domains_dir), 0, "domains/ back in place");
		static const char other_xml[] =
		    "<domain type='test'><name>other</name>"
		    "<uuid>6695eb01-f6a4-8304-79aa-97f2502e1941</uuid>"
		    "<memory unit='KiB'>65536</memory><os><type>hvm</type></os></domain>";
		hv_error_clear(&err);
		CHECK_INT(hv_domain_define(conn, "other", other_xml, strlen(other_xml), &err), 0,
			  "the uuid refused is not held by anyone (%s)", err.message);
		CHECK_INT(hv_domain_undefine(conn, "other", &err), 0, "undefine other");
	}
	usleep(20000);
	/* Closed mid-shutdown: the reopen finishes it. */
	CHECK_INT(control(conn, "web2", HV_DOMAIN_CMD_SHUTDOWN, &err), 0,
		  "shutdown web2, then close at once");
	/* A change that cannot be saved is not made. */
	if (rename(domains_dir, moved_dir) == 0) {
		size_t before = events_count();
		hv_error_clear(&err);
		CHECK_INT(control(conn, "new", HV_DOMAIN_CMD_START, &err), -EIO,
			  "start that cannot be saved");
		CHECK_INT(domain(conn, "new").state, HV_DOMAIN_SHUTOFF, "leaves the domain shut off");
		CHECK_INT(events_count(), before, "and emits nothing");
		hv_error_clear(&err);
		CHECK_INT(hv_domain_set_memory(conn, "idle", 262144, &err), -EIO,
			  "set_memory that cannot be saved");
		CHECK_INT(domain(conn, "idle").memory_kib, 524288, "leaves memory as it was");
		rename(moved_dir, domains_dir);
	}
	uint64_t test_cpu = 0;
	struct hv_domain_stats stats;
	hv_domain_stats(conn, "test", &stats, &err);
	test_cpu = stats.cpu_time_ns;
	conn_close(conn);

	char host[4096];
	snprintf(host, sizeof(host), "%s/host", dir);
	CHECK_INT(count_temp_files(host), 0, "no temporary files are left");
	CHECK(file_exists(host, "domains/new") && !file_exists(host, "domains/old"), "rename moved the file");
	CHECK(!file_exists(host, "domains/gone"), "undefine removed the file");

	/* What a crash can leave behind, and a hand-written file. */
	write_file(host, "domains/.tmp-web1.Ab12Cd", "name web1\nstate running\n\n<domain");
	write_file(host, "domains/junk", "not a domain file");
	write_file(host, "domains/hand", handwritten);

	conn = conn_open(uri);
	struct hv_domain_info info = domain(conn, "test");
	CHECK_INT(info.state, HV_DOMAIN_PAUSED, "paused comes back");
	CHECK_INT(info.id, 1, "with its id");
	hv_domain_stats(conn, "test", &stats, &err);
	CHECK(stats.cpu_time_ns >= test_cpu && test_cpu > 0, "cpu_time is kept");
	info = domain(conn, "idle");
	CHECK_INT(info.state, HV_DOMAIN_RUNNING, "running comes back");
	CHECK_INT(info.id, 2, "with its id");
	CHECK_INT(info.memory_kib, 524288, "tunables come back");
	info = domain(conn, "web2");
	CHECK_INT(info.state, HV_DOMAIN_SHUTOFF, "an interrupted shutdown completes");
	info = domain(conn, "web1");
	CHECK_INT(info.state, HV_DOMAIN_RUNNING, "autostart domain is started");
	CHECK_INT(info.id, 4, "with the next id after every id in use");
	CHECK(info.autostart, "autostart comes back");
	char *xml = domain_xml(conn, "web1");
	CHECK(xml && web1_xml && strcmp(xml, web1_xml) == 0, "config.xml comes back exactly");
	free(xml);
	xml = domain_xml(conn, "web2");
	CHECK_STR(xml, web_xml, "user text comes back exactly");
	free(xml);
	free(web1_xml);
	CHECK_INT(domain(conn, "hand").max_memory_kib, 65536, "a file without derived fields is parsed");
	hv_domain_list(conn, &list, &err);
	CHECK(list_has(&list, "new") && !list_has(&list, "old") && !list_has(&list, "gone"),
	      "renamed and undefined domains stay so");
	CHECK(!list_has(&list, "junk"), "a broken file is ignored");
	CHECK_INT(list.count, 7, "test idle web1 web2 adopted new hand");
	hv_name_list_finish(&list);
	CHECK(!file_exists(host, "domains/.tmp-web1.Ab12Cd"), "a leftover temporary file is removed");

	struct hv_network_info net;
	hv_network_info(conn, "default", &net, &err);
	CHECK(!net.active && !net.autostart, "stopped network without autostart stays stopped");
	hv_network_info(conn, "lan", &net, &err);
	CHECK(net.active && net.autostart, "autostart network is started");
	CHECK_STR(net.uuid, "dd8fe884-6c02-601e-7551-cca97df1c5e0", "a network's new uuid comes back");
	CHECK_STR(domain(conn, "adopted").uuid, "6695eb01-f6a4-8304-79aa-97f2502e1940",
		  "a domain's new uuid comes back");
	struct hv_pool_info pool;
	hv_pool_info(conn, "default-pool", &pool, &err);
	CHECK_INT(pool.state, HV_POOL_RUNNING, "autostart pool is started");
	CHECK_INT(pool.capacity, 100ULL << 30, "pool sizes come back");
	conn_close(conn);
	CHECK_INT(count_temp_files(host), 0, "still no temporary files");

	/* 10,000 persisted domains: seeding and reopening are fast. */
	snprintf(uri, sizeof(uri), "test://%s/big?domains=10000", dir);
	conn = conn_open(uri);
	conn_close(conn);
	uint64_t started = now_ms();
	conn = conn_open(uri);
	uint64_t took = now_ms() - started;
	report_time(took, 1000, "10,000 persisted domains load");
	hv_domain_list(conn, &list, &err);
	CHECK_INT(list.count, 10002, "all of them come back");
	hv_name_list_finish(&list);
	CHECK_INT(domain(conn, "dom-00020").state, HV_DOMAIN_RUNNING, "with their states");
	conn_close(conn);
	remove_tree(dir);
}

int main(void)
{
	test_persistence();
	hv_schema_cleanup();
	hv_conf_cleanup();
	return UNIT_DONE();
}
