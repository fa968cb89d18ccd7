/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host devices: the sysfs reader (drivers/nodedev/sysfs.c) over a small
 * fake sysfs made in a temporary directory, shaped like the real one
 * (devices/ holds the tree, bus/ and class/ link into it), and the test
 * driver's simulated tree and its host_devices knob. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "drivers/nodedev/nodedev.h"
#include "drivers/nodedev/sysfs.h"
#include "tests/unit/unit.h"

static char root[PATH_MAX];

/* mkdir -p of root/path. */
static void make_dir(const char *path)
{
	char full[PATH_MAX * 2];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (char *p = full + strlen(root) + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(full, 0755);
			*p = '/';
		}
	}
	mkdir(full, 0755);
}

/* root/dir/file holding value and a newline, as sysfs files do. */
static void make_file(const char *dir, const char *file, const char *value)
{
	char full[PATH_MAX * 2];
	FILE *f;

	make_dir(dir);
	snprintf(full, sizeof(full), "%s/%s/%s", root, dir, file);
	f = fopen(full, "w");
	if (f) {
		fprintf(f, "%s\n", value);
		fclose(f);
	}
}

/* root/link -> root/target (absolute: realpath() cares not). */
static void make_link(const char *link, const char *target)
{
	char full_link[PATH_MAX * 2], full_target[PATH_MAX * 2], dir[PATH_MAX * 2];

	snprintf(full_link, sizeof(full_link), "%s/%s", root, link);
	snprintf(full_target, sizeof(full_target), "%s/%s", root, target);
	snprintf(dir, sizeof(dir), "%s", link);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		make_dir(dir);
	}
	if (symlink(full_target, full_link) < 0)
		printf("# symlink %s: %s\n", full_link, strerror(errno));
}

#define BRIDGE "devices/pci0000:00/0000:00:1c.0"
#define NIC    BRIDGE "/0000:01:00.0"
#define SATA   "devices/pci0000:00/0000:00:1f.2"
#define HOST0  SATA "/ata1/host0"
#define XHCI   "devices/pci0000:00/0000:00:14.0"
#define VIRTIO "devices/pci0000:00/0000:00:04.0"

static void pci_function(const char *dir, const char *vendor, const char *device, const char *class,
			 const char *driver)
{
	char link[PATH_MAX], target[PATH_MAX];

	make_file(dir, "vendor", vendor);
	make_file(dir, "device", device);
	make_file(dir, "class", class);
	if (driver) {
		snprintf(link, sizeof(link), "%s/driver", dir);
		snprintf(target, sizeof(target), "bus/pci/drivers/%s", driver);
		make_dir(target);
		make_link(link, target);
	}
	snprintf(link, sizeof(link), "bus/pci/devices/%s", strrchr(dir, '/') + 1);
	make_link(link, dir);
}

static void make_tree(void)
{
	pci_function("devices/pci0000:00/0000:00:00.0", "0x8086", "0x3e0f", "0x060000", NULL);
	pci_function(BRIDGE, "0x8086", "0xa110", "0x060400", "pcieport");
	pci_function(NIC, "0x8086", "0x1521", "0x020000", "igb");
	pci_function(SATA, "0x8086", "0xa102", "0x010601", "ahci");
	pci_function(XHCI, "0x8086", "0xa12f", "0x0c0330", "xhci_hcd");
	pci_function(VIRTIO, "0x1af4", "0x1042", "0x010000", "virtio-pci");

	make_file(NIC "/net/eno1", "address", "a0:36:9f:12:34:56");
	make_link("class/net/eno1", NIC "/net/eno1");
	make_file("devices/virtual/net/lo", "address", "00:00:00:00:00:00");
	make_link("class/net/lo", "devices/virtual/net/lo");
	make_dir("devices/virtual/net/wg0"); /* a tunnel: no address file */
	make_link("class/net/wg0", "devices/virtual/net/wg0");

	make_dir(HOST0 "/scsi_host/host0");
	make_link("class/scsi_host/host0", HOST0 "/scsi_host/host0");
	make_file(HOST0 "/target0:0:0/0:0:0:0", "model", "WDC WD10EZEX-00B");
	make_file(HOST0 "/target0:0:0/0:0:0:0/block/sda", "size", "1953525168");
	make_file(HOST0 "/target0:0:0/0:0:0:0/block/sda/sda1", "partition", "1");
	make_file(HOST0 "/target0:0:0/0:0:0:0/block/sda/sda1", "size", "2048");
	make_link(HOST0 "/target0:0:0/0:0:0:0/block/sda/device", HOST0 "/target0:0:0/0:0:0:0");
	make_link("class/block/sda", HOST0 "/target0:0:0/0:0:0:0/block/sda");
	make_link("class/block/sda1", HOST0 "/target0:0:0/0:0:0:0/block/sda/sda1");
	make_file(VIRTIO "/virtio1/block/vda", "size", "20971520");
	make_file(VIRTIO "/virtio1/block/vda", "serial", "disk one");
	make_link("class/block/vda", VIRTIO "/virtio1/block/vda");

	make_file(XHCI "/usb1", "busnum", "1");
	make_file(XHCI "/usb1", "devnum", "1");
	make_file(XHCI "/usb1", "idVendor", "1d6b");
	make_file(XHCI "/usb1", "idProduct", "0002");
	make_dir("bus/usb/drivers/usb");
	make_link(XHCI "/usb1/driver", "bus/usb/drivers/usb");
	make_file(XHCI "/usb1/1-2", "busnum", "1");
	make_file(XHCI "/usb1/1-2", "devnum", "3");
	make_file(XHCI "/usb1/1-2", "idVendor", "046d");
	make_file(XHCI "/usb1/1-2", "idProduct", "c31c");
	make_file(XHCI "/usb1/1-2/1-2:1.0", "bInterfaceClass", "03");
	make_link("bus/usb/devices/usb1", XHCI "/usb1");
	make_link("bus/usb/devices/1-2", XHCI "/usb1/1-2");
	make_link("bus/usb/devices/1-2:1.0", XHCI "/usb1/1-2/1-2:1.0");

	make_file("class/dmi/id", "sys_vendor", "QEMU");
	make_file("class/dmi/id", "product_name", "Standard PC (Q35 + ICH9, 2009)");
}

static const char *const expected_names[] = {
    "computer",		"pci_0000_00_00_0", "pci_0000_00_14_0",		  "pci_0000_00_1c_0",
    "pci_0000_00_1f_2", "pci_0000_00_04_0", "pci_0000_01_00_0",		  "usb_1_2",
    "usb_usb1",		"scsi_host0",	    "net_eno1_a0_36_9f_12_34_56", "net_lo_00_00_00_00_00_00",
    "net_wg0",		"block_sda",	    "block_vda_disk_one",
};
#define EXPECTED_COUNT (sizeof(expected_names) / sizeof(expected_names[0]))

static bool listed(const struct hv_name_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->names[i], name) == 0)
			return true;
	return false;
}

static void test_list(void)
{
	struct hv_name_list list = {0};
	struct hv_error err = {0};

	CHECK_INT(nodedev_sysfs_list(root, &list, &err), 0, "list the fake tree: %s", err.message);
	CHECK_INT(list.count, EXPECTED_COUNT, "one name per device: no partition, no USB interface");
	for (size_t i = 0; i < EXPECTED_COUNT; i++)
		CHECK(listed(&list, expected_names[i]), "%s is listed", expected_names[i]);
	CHECK_STR(list.count ? list.names[0] : NULL, "computer", "computer comes first");
	CHECK(!listed(&list, "block_sda1"), "partitions are not devices");
	hv_name_list_finish(&list);
}

struct want {
	const char *name, *parent, *driver, *capability;
	const char *attrs[6][2];
};

static const struct want wants[] = {
    {"computer", "", "", "system", {{"product", "Standard PC (Q35 + ICH9, 2009)"}, {"vendor", "QEMU"}}},
    {"pci_0000_00_00_0",
     "computer",
     "",
     "pci",
     {{"address", "0000:00:00.0"}, {"vendor_id", "0x8086"}, {"product_id", "0x3e0f"}, {"class", "0x060000"}}},
    {"pci_0000_00_1c_0", "computer", "pcieport", "pci", {{"address", "0000:00:1c.0"}, {"class", "0x060400"}}},
    /* a function under its bridge */
    {"pci_0000_01_00_0",
     "pci_0000_00_1c_0",
     "igb",
     "pci",
     {{"address", "0000:01:00.0"}, {"vendor_id", "0x8086"}, {"product_id", "0x1521"}, {"class", "0x020000"}}},
    /* an interface under the function that provides it */
    {"net_eno1_a0_36_9f_12_34_56",
     "pci_0000_01_00_0",
     "",
     "net",
     {{"interface", "eno1"}, {"mac", "a0:36:9f:12:34:56"}}},
    /* virtual interfaces under computer; one without a MAC */
    {"net_lo_00_00_00_00_00_00", "computer", "", "net", {{"interface", "lo"}, {"mac", "00:00:00:00:00:00"}}},
    {"net_wg0", "computer", "", "net", {{"interface", "wg0"}, {"mac", ""}}},
    {"scsi_host0", "pci_0000_00_1f_2", "", "scsi_host", {{"host", "0"}}},
    {"block_sda",
     "scsi_host0",
     "",
     "storage",
     {{"block", "/dev/sda"}, {"size", "1000204886016"}, {"model", "WDC WD10EZEX-00B"}}},
    /* virtio: the disk sits below the function's virtioN directory */
    {"block_vda_disk_one",
     "pci_0000_00_04_0",
     "",
     "storage",
     {{"block", "/dev/vda"}, {"size", "10737418240"}, {"model", ""}}},
    {"usb_usb1",
     "pci_0000_00_14_0",
     "usb",
     "usb_device",
     {{"bus", "1"}, {"device", "1"}, {"vendor_id", "0x1d6b"}, {"product_id", "0x0002"}}},
    {"usb_1_2",
     "usb_usb1",
     "",
     "usb_device",
     {{"bus", "1"}, {"device", "3"}, {"vendor_id", "0x046d"}, {"product_id", "0xc31c"}}},
};

static void test_info(void)
{
	struct hv_nodedev_info info;

	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++) {
		const struct want *w = &wants[i];
		struct hv_error err = {0};
		CHECK_INT(nodedev_sysfs_info(root, w->name, &info, &err), 0, "info %s: %s", w->name,
			  err.message);
		CHECK(strcmp(info.name, w->name) == 0, "%s: name", w->name);
		CHECK_STR(info.parent, w->parent, "%s: parent", w->name);
		CHECK_STR(info.driver, w->driver, "%s: driver", w->name);
		CHECK_STR(info.capability, w->capability, "%s: capability", w->name);
		for (size_t a = 0; a < 6 && w->attrs[a][0]; a++)
			CHECK_STR(hv_nodedev_get_attr(&info, w->attrs[a][0]), w->attrs[a][1], "%s: %s",
				  w->name, w->attrs[a][0]);
	}
}

static void test_missing(void)
{
	struct hv_nodedev_info info;
	struct hv_name_list list = {0};
	struct hv_error err = {0};
	char gone[PATH_MAX + 16];

	CHECK_INT(nodedev_sysfs_info(root, "pci_0000_00_09_0", &info, &err), -ENOENT, "no such function");
	hv_error_clear(&err);
	CHECK_INT(nodedev_sysfs_info(root, "block_sda1", &info, &err), -ENOENT, "a partition is no device");
	hv_error_clear(&err);
	CHECK_INT(nodedev_sysfs_info(root, "usb_1_2_1_0", &info, &err), -ENOENT, "an interface is no device");
	hv_error_clear(&err);
	CHECK_INT(nodedev_sysfs_info(root, "net_eno1_00_00_00_00_00_00", &info, &err), -ENOENT,
		  "an interface with another MAC is another device");
	hv_error_clear(&err);
	snprintf(gone, sizeof(gone), "%s/nonexistent", root);
	CHECK(nodedev_sysfs_list(gone, &list, &err) < 0, "no sysfs at the root: an error, not an empty tree");
	hv_error_clear(&err);

	/* A vendor file that went (a device being removed) leaves the value
	 * empty; a host without USB lists the rest. */
	char path[PATH_MAX * 3];
	snprintf(path, sizeof(path), "%s/%s/vendor", root, NIC);
	unlink(path);
	CHECK_INT(nodedev_sysfs_info(root, "pci_0000_01_00_0", &info, &err), 0, "a missing file is no error");
	CHECK_STR(hv_nodedev_get_attr(&info, "vendor_id"), "", "and shows empty");
	snprintf(path, sizeof(path), "mv %s/bus/usb %s/bus/usb.gone", root, root);
	CHECK_INT(system(path), 0, "hide bus/usb");
	CHECK_INT(nodedev_sysfs_list(root, &list, &err), 0, "a host without USB");
	CHECK_INT(list.count, EXPECTED_COUNT - 2, "lists all but the USB devices");
	hv_name_list_finish(&list);
	snprintf(path, sizeof(path), "mv %s/bus/usb.gone %s/bus/usb", root, root);
	CHECK_INT(system(path), 0, "restore bus/usb");
}

/* Read afresh each time: a device that appears is listed at once. */
static void test_hotplug(void)
{
	struct hv_name_list list = {0};
	struct hv_error err = {0};
	struct hv_nodedev_info info;

	pci_function(BRIDGE "/0000:01:00.1", "0x8086", "0x1521", "0x020000", "igb");
	CHECK_INT(nodedev_sysfs_list(root, &list, &err), 0, "list after a hot-plug");
	CHECK(listed(&list, "pci_0000_01_00_1"), "the new function is listed");
	hv_name_list_finish(&list);
	CHECK_INT(nodedev_sysfs_info(root, "pci_0000_01_00_1", &info, &err), 0, "and has a record");
	CHECK_STR(info.parent, "pci_0000_00_1c_0", "under its bridge");
}

static void test_helpers(void)
{
	struct hv_nodedev_info info = {0};
	char name[] = "net_br-lan.10_52:54:00";

	hv_nodedev_sanitize_name(name);
	CHECK_STR(name, "net_br_lan_10_52_54_00", "sanitized as libvirt does");
	CHECK_INT(hv_nodedev_set_attr(&info, "model", "Disk  \nsecond line"), 0, "set");
	CHECK_STR(hv_nodedev_get_attr(&info, "model"), "Disk", "one line, no trailing blanks");
	CHECK_INT(hv_nodedev_set_attr(&info, "model", "Other"), 0, "set again");
	CHECK_INT(info.attr_count, 1, "replaces the value");
	for (int i = 0; i < HV_NODEDEV_ATTRS_MAX - 1; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", i);
		hv_nodedev_set_attr(&info, key, "v");
	}
	CHECK_INT(hv_nodedev_set_attr(&info, "one_too_many", "v"), -ENOSPC, "bounded");
	CHECK(hv_nodedev_get_attr(&info, "nosuch") == NULL, "absent key");
}

/* The test driver: a simulated tree in which every device hangs from
 * computer through existing parents, and the knob that serves sysfs. */
static void test_driver_tree(void)
{
	struct hv_name_list list = {0};
	struct hv_nodedev_info info;
	struct hv_error err = {0};
	struct hv_conn *conn = NULL;
	char uri[PATH_MAX + 64];

	CHECK_INT(hv_conn_open("test:///default", NULL, NULL, &conn, &err), 0, "open the test driver");
	CHECK_INT(hv_nodedev_list(conn, &list, &err), 0, "list its devices");
	CHECK(list.count >= 15, "a small server: %zu devices", list.count);
	bool all_rooted = true;
	for (size_t i = 0; i < list.count; i++) {
		char name[HV_NODEDEV_NAME_MAX + 1];
		int depth = 0;
		snprintf(name, sizeof(name), "%s", list.names[i]);
		while (strcmp(name, "computer") != 0 && depth++ < 10 &&
		       hv_nodedev_info(conn, name, &info, &err) == 0 && listed(&list, info.parent))
			snprintf(name, sizeof(name), "%s", info.parent);
		if (strcmp(name, "computer") != 0) {
			all_rooted = false;
			printf("# %s does not lead to computer\n", list.names[i]);
		}
	}
	CHECK(all_rooted, "every simulated device leads up to computer");
	CHECK_INT(hv_nodedev_info(conn, "net_eno1_a0_36_9f_12_34_56", &info, &err), 0, "a NIC port");
	CHECK_STR(hv_nodedev_get_attr(&info, "mac"), "a0:36:9f:12:34:56", "with its MAC");
	CHECK_STR(info.parent, "pci_0000_01_00_0", "under its PCI function");
	CHECK_INT(hv_nodedev_info(conn, "block_sda_WD_WCC6Y0KX1234", &info, &err), 0, "a disk");
	CHECK_STR(hv_nodedev_get_attr(&info, "size"), "1000204886016", "with its size");
	CHECK_INT(hv_nodedev_info(conn, "pci_0000_00_09_0", &info, &err), -ENOENT, "no such device");
	hv_error_clear(&err);
	CHECK_INT(hv_nodedev_info(conn, "a/b", &info, &err), -EINVAL, "no slash in a name");
	hv_error_clear(&err);
	hv_name_list_finish(&list);
	hv_conn_close(conn);
	conn = NULL;

	snprintf(uri, sizeof(uri), "test:///default?host_devices=%s", root);
	CHECK_INT(hv_conn_open(uri, NULL, NULL, &conn, &err), 0, "host_devices=PATH: %s", err.message);
	CHECK_INT(hv_nodedev_list(conn, &list, &err), 0, "lists that tree");
	CHECK(listed(&list, "block_vda_disk_one") && !listed(&list, "block_sdb_WD_WCC6Y0KX5678"),
	      "the tree at PATH, not the simulated one");
	hv_name_list_finish(&list);
	hv_conn_close(conn);
	conn = NULL;
	CHECK_INT(hv_conn_open("test:///default?host_devices=usb", NULL, NULL, &conn, &err), -EINVAL,
		  "host_devices takes sim, sysfs or a path");
	hv_error_clear(&err);
	CHECK_INT(
	    hv_conn_open("test:///default?host_devices=sysfs&host_devices=sim", NULL, NULL, &conn, &err), 0,
	    "the last host_devices wins");
	hv_conn_close(conn);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	char tmpl[] = "/tmp/hvfs-nodedev.XXXXXX";

	if (!mkdtemp(tmpl) || !realpath(tmpl, root)) {
		perror("mkdtemp");
		return 1;
	}
	make_tree();
	test_list();
	test_info();
	test_missing();
	test_hotplug();
	test_helpers();
	test_driver_tree();
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return UNIT_DONE();
}
