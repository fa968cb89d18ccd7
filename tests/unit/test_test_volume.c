/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver's volumes through drivers/driver.h, on a real directory
 * under /tmp: create, resize, delete, XML, the busy rule, the pool's sizes
 * and its changes, and what stays as it was when something fails.  Meant
 * to run clean under valgrind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "tests/unit/test_driver_helpers.h"
#include "tests/unit/unit.h"

static char dir[256], pool_dir[300];

static off_t file_size(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", pool_dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void define_pool(struct hv_conn *conn)
{
	struct hv_error err = {0};
	char xml[1024];

	snprintf(xml, sizeof(xml), "<pool type='dir'><name>vp</name><target><path>%s/</path></target></pool>",
		 pool_dir);
	CHECK_INT(hv_pool_define(conn, "vp", xml, strlen(xml), &err), 0, "define a dir pool (%s)",
		  err.message);
	CHECK_INT(hv_volume_create(conn, "vp", "early", NULL, 0, &err), -EBUSY, "no volumes while inactive");
	CHECK_INT(hv_pool_control(conn, "vp", HV_POOL_CMD_BUILD, &err), 0, "build (%s)", err.message);
	struct stat st;
	CHECK(stat(pool_dir, &st) == 0 && S_ISDIR(st.st_mode), "build made the directory");
	CHECK_INT(hv_pool_control(conn, "vp", HV_POOL_CMD_START, &err), 0, "start");
}

static void check_volumes(struct hv_conn *conn)
{
	struct hv_name_list list = {0};
	struct hv_volume_info info;
	struct hv_error err = {0};
	char *xml = NULL;

	CHECK_INT(hv_volume_create(conn, "vp", "b", NULL, 0, &err), 0, "create b (%s)", err.message);
	CHECK_INT(file_size("b"), 0, "b is an empty file");
	size_t before = events_count();
	CHECK_INT(hv_volume_create(conn, "vp", "a", NULL, 0, &err), 0, "create a");
	CHECK_INT(events_count() - before, 1, "a create emits one change");
	CHECK(event_last().kind == HV_KIND_POOL && event_last().fields == HV_FIELD_POOL_SIZES,
	      "of the pool's sizes");
	CHECK_INT(hv_volume_create(conn, "vp", "a", NULL, 0, &err), -EEXIST, "create a twice");
	CHECK_INT(hv_volume_list(conn, "vp", &list, &err), 0, "list");
	CHECK(list.count == 2 && strcmp(list.names[0], "a") == 0 && strcmp(list.names[1], "b") == 0,
	      "a and b, sorted");
	hv_name_list_finish(&list);

	CHECK_INT(hv_volume_resize(conn, "vp", "a", 1ULL << 30, &err), 0, "grow a to 1 GiB");
	CHECK_INT(file_size("a"), 1LL << 30, "the file is 1 GiB");
	CHECK_INT(hv_volume_info(conn, "vp", "a", &info, &err), 0, "info a");
	CHECK_INT(info.capacity, 1ULL << 30, "capacity");
	CHECK(info.allocation < (1u << 20), "sparse: allocation %llu", (unsigned long long)info.allocation);
	CHECK_STR(info.format, "raw", "format");
	CHECK_INT(hv_volume_resize(conn, "vp", "a", 1, &err), -EINVAL, "shrink refused");
	CHECK(strstr(err.message, "shrinking"), "and says why: %s", err.message);
	CHECK_INT(file_size("a"), 1LL << 30, "the file is as it was");
	CHECK_INT(hv_volume_resize(conn, "vp", "nothere", 1, &err), -ENOENT, "resize makes no volume");
	CHECK_INT(file_size("nothere"), -1, "no file appeared");

	CHECK_INT(hv_volume_get_xml(conn, "vp", "a", &xml, &err), 0, "get_xml");
	CHECK(xml && strstr(xml, "<capacity unit='bytes'>1073741824</capacity>"), "the XML has the capacity");
	free(xml);

	static const char grow_b[] = "<volume><name>b</name><capacity unit='K'>8</capacity></volume>";
	CHECK_INT(hv_volume_create(conn, "vp", "b", grow_b, strlen(grow_b), &err), 0, "XML grows b");
	CHECK_INT(file_size("b"), 8192, "b is 8 KiB");
	static const char qcow[] = "<volume><name>c</name><target><format type='qcow2'/></target></volume>";
	CHECK_INT(hv_volume_create(conn, "vp", "c", qcow, strlen(qcow), &err), -EOPNOTSUPP,
		  "no qcow2 create");
	CHECK_INT(file_size("c"), -1, "no file left behind");
	static const char new_c[] = "<volume><name>c</name><capacity>512</capacity></volume>";
	CHECK_INT(hv_volume_create(conn, "vp", "c", new_c, strlen(new_c), &err), 0, "create c from XML");
	CHECK_INT(file_size("c"), 512, "c is 512 bytes");
	CHECK_INT(hv_volume_create(conn, "vp", "c", grow_b, strlen(grow_b), &err), -EINVAL, "name mismatch");

	CHECK_INT(hv_volume_delete(conn, "vp", "c", &err), 0, "delete c");
	CHECK_INT(file_size("c"), -1, "c is gone");
	CHECK_INT(hv_volume_delete(conn, "vp", "c", &err), -ENOENT, "delete c again");
	CHECK_INT(hv_volume_create(conn, "default-pool", "x", NULL, 0, &err), -EOPNOTSUPP,
		  "the demo pool is simulated");
	CHECK_INT(hv_volume_create(conn, "vp", "../x", NULL, 0, &err), -EINVAL, "bad name");
}

static void check_busy(struct hv_conn *conn)
{
	struct hv_error err = {0};
	char xml[1024];

	snprintf(xml, sizeof(xml),
		 "<domain type='test'><name>user</name><memory>131072</memory><os><type>hvm</type></os>"
		 "<devices><disk type='file'><source file='%s//a'/><target dev='vda'/></disk></devices>"
		 "</domain>",
		 pool_dir);
	CHECK_INT(hv_domain_define(conn, "user", xml, strlen(xml), &err), 0, "define user (%s)", err.message);
	CHECK_INT(hv_domain_control(conn, "user", HV_DOMAIN_CMD_START, &err), 0, "start user");
	CHECK_INT(hv_volume_delete(conn, "vp", "a", &err), -EBUSY,
		  "a is busy (another spelling of its path)");
	CHECK(strstr(err.message, "'user'"), "the reason names the domain: %s", err.message);
	CHECK_INT(file_size("a"), 1LL << 30, "a is still there");
	CHECK_INT(hv_domain_control(conn, "user", HV_DOMAIN_CMD_DESTROY, &err), 0, "destroy user");
	CHECK_INT(hv_volume_delete(conn, "vp", "a", &err), 0, "a is free once user is off");
}

static void check_pool_side(struct hv_conn *conn)
{
	struct hv_pool_info info;
	struct hv_error err = {0};
	struct statvfs fs;

	CHECK_INT(hv_pool_info(conn, "vp", &info, &err), 0, "pool info");
	CHECK(statvfs(pool_dir, &fs) == 0 && info.capacity == (uint64_t)fs.f_blocks * fs.f_frsize,
	      "capacity is the filesystem's");
	CHECK_INT(hv_pool_control(conn, "vp", HV_POOL_CMD_STOP, &err), 0, "stop");
	struct hv_name_list list = {0};
	CHECK_INT(hv_volume_list(conn, "vp", &list, &err), 0, "list a stopped pool");
	CHECK_INT(list.count, 0, "no volumes while stopped");
	hv_name_list_finish(&list);
	CHECK_INT(hv_pool_control(conn, "vp", HV_POOL_CMD_DELETE, &err), -EBUSY, "delete keeps files");
	CHECK_INT(file_size("b"), 8192, "b is still there");
	char path[512];
	snprintf(path, sizeof(path), "%s/b", pool_dir);
	unlink(path);
	CHECK_INT(hv_pool_control(conn, "vp", HV_POOL_CMD_DELETE, &err), 0, "delete the empty pool");
	CHECK(access(pool_dir, F_OK) != 0, "its directory is gone");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hvfs-test-volume-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(pool_dir, sizeof(pool_dir), "%s/deep/pool", dir);
	struct hv_conn *conn = conn_open("test:///default");
	define_pool(conn);
	check_volumes(conn);
	check_busy(conn);
	check_pool_side(conn);
	conn_close(conn);
	hv_conf_cleanup();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return UNIT_DONE();
}
