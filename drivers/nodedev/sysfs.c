/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Host devices from sysfs, named and shaped as libvirt's node devices.
 *
 * Each class of device is one sysfs directory whose entries are the
 * devices (bus/pci/devices/0000:00:1f.2, class/net/eth0 ...).  A device's
 * name is always "PREFIX" + entry, plus for some classes a suffix (the MAC
 * of an interface, the serial of a disk), with every character that is not
 * a letter or digit made '_', as libvirt does.  So a lookup by name only
 * has to read the entries whose sanitised "PREFIX+entry" begins the name.
 *
 * A device's parent is found by walking up its real path below
 * ROOT/devices: the first directory that is itself a device we model (a
 * PCI function, a USB device, a SCSI host) is the parent; none means
 * "computer".  That puts a PCI function under its bridge, an interface
 * under the function whose virtio or driver directory holds it, a disk
 * under its SCSI host or virtio function, and a virtual device (lo) under
 * computer, with no table of the whole tree. */
#include "drivers/nodedev/sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/nodedev/nodedev.h"
#include "util/parse.h"

struct sysfs {
	const char *root;
	char devices[PATH_MAX]; /* realpath of ROOT/devices: where parents are sought */
};

struct sysfs_class {
	const char *dir;    /* below root */
	const char *prefix; /* of the names */
	/* Fills info for entry (a device of this class at the real path dev):
	 * everything but the parent.  -ENOENT when the entry is not a device
	 * we show (a partition, a USB interface). */
	int (*fill)(const struct sysfs *fs, const char *entry, const char *dev, struct hv_nodedev_info *info);
};

/* The first line of dir/file, "" when it cannot be read: sysfs files come
 * and go with drivers and hardware, and a missing one is no error. */
static void read_value(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t got = -1;
	int fd;

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = read(fd, buf, size - 1);
		close(fd);
	}
	buf[got > 0 ? got : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static bool exists(const char *dir, const char *file)
{
	char path[PATH_MAX];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path) && lstat(path, &st) == 0;
}

/* The driver bound to the device: the name its driver link points at. */
static void read_driver(const char *dev, struct hv_nodedev_info *info)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t len;

	info->driver[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/driver", dev) >= (int)sizeof(path))
		return;
	len = readlink(path, target, sizeof(target) - 1);
	if (len <= 0)
		return;
	target[len] = '\0';
	const char *base = strrchr(target, '/');
	if (snprintf(info->driver, sizeof(info->driver), "%s", base ? base + 1 : target) >=
	    (int)sizeof(info->driver))
		info->driver[0] = '\0'; /* no driver has so long a name: not a driver link */
}

static void set_name(struct hv_nodedev_info *info, const char *prefix, const char *entry, const char *suffix)
{
	/* A name cut short stays unique enough: the entry, which sysfs keeps
	 * unique, comes before the long suffix (a disk's serial). */
	if (snprintf(info->name, sizeof(info->name), "%s%s%s%s", prefix, entry, suffix[0] ? "_" : "",
		     suffix) >= (int)sizeof(info->name))
		info->name[sizeof(info->name) - 1] = '\0';
	hv_nodedev_sanitize_name(info->name);
}

static bool is_pci_address(const char *s)
{
	unsigned domain, bus, slot, function;
	int end = 0;

	return sscanf(s, "%4x:%2x:%2x.%1x%n", &domain, &bus, &slot, &function, &end) == 4 &&
	       (size_t)end == strlen(s) && strlen(s) == 12;
}

static int fill_pci(const struct sysfs *fs, const char *entry, const char *dev, struct hv_nodedev_info *info)
{
	char value[64];

	if (!is_pci_address(entry))
		return -ENOENT;
	set_name(info, "pci_", entry, "");
	snprintf(info->capability, sizeof(info->capability), "pci");
	hv_nodedev_set_attr(info, "address", entry);
	read_value(dev, "class", value, sizeof(value));
	hv_nodedev_set_attr(info, "class", value);
	read_value(dev, "device", value, sizeof(value));
	hv_nodedev_set_attr(info, "product_id", value);
	read_value(dev, "vendor", value, sizeof(value));
	hv_nodedev_set_attr(info, "vendor_id", value);
	read_driver(dev, info);
	return 0;
}

/* USB ids are bare hex in sysfs; PCI's have 0x: show both alike. */
static void set_hex_id(struct hv_nodedev_info *info, const char *key, const char *dev, const char *file)
{
	char value[32], shown[40];

	read_value(dev, file, value, sizeof(value));
	snprintf(shown, sizeof(shown), "%s%s", value[0] && strncmp(value, "0x", 2) != 0 ? "0x" : "", value);
	hv_nodedev_set_attr(info, key, shown);
}

static int fill_usb(const struct sysfs *fs, const char *entry, const char *dev, struct hv_nodedev_info *info)
{
	char value[32];

	/* 1-2:1.0 is an interface of device 1-2, not a device. */
	if (strchr(entry, ':') || !exists(dev, "busnum"))
		return -ENOENT;
	set_name(info, "usb_", entry, "");
	snprintf(info->capability, sizeof(info->capability), "usb_device");
	read_value(dev, "busnum", value, sizeof(value));
	hv_nodedev_set_attr(info, "bus", value);
	read_value(dev, "devnum", value, sizeof(value));
	hv_nodedev_set_attr(info, "device", value);
	set_hex_id(info, "product_id", dev, "idProduct");
	set_hex_id(info, "vendor_id", dev, "idVendor");
	read_driver(dev, info);
	return 0;
}

static int fill_scsi_host(const struct sysfs *fs, const char *entry, const char *dev,
			  struct hv_nodedev_info *info)
{
	unsigned host;
	int end = 0;

	if (sscanf(entry, "host%u%n", &host, &end) != 1 || (size_t)end != strlen(entry))
		return -ENOENT;
	set_name(info, "scsi_", entry, "");
	snprintf(info->capability, sizeof(info->capability), "scsi_host");
	char number[16];
	snprintf(number, sizeof(number), "%u", host);
	hv_nodedev_set_attr(info, "host", number);
	return 0;
}

static int fill_net(const struct sysfs *fs, const char *entry, const char *dev, struct hv_nodedev_info *info)
{
	char mac[64];

	read_value(dev, "address", mac, sizeof(mac));
	set_name(info, "net_", entry, mac);
	snprintf(info->capability, sizeof(info->capability), "net");
	hv_nodedev_set_attr(info, "interface", entry);
	hv_nodedev_set_attr(info, "mac", mac);
	return 0;
}

static int fill_block(const struct sysfs *fs, const char *entry, const char *dev,
		      struct hv_nodedev_info *info)
{
	char value[128], serial[128], path[PATH_MAX];
	uint64_t sectors = 0;

	if (exists(dev, "partition"))
		return -ENOENT; /* whole disks only, as libvirt */
	/* libvirt appends udev's ID_SERIAL; without udev the kernel's serial
	 * (virtio-blk has it on the disk, SCSI on the device) is the nearest. */
	read_value(dev, "serial", serial, sizeof(serial));
	if (!serial[0])
		read_value(dev, "device/serial", serial, sizeof(serial));
	set_name(info, "block_", entry, serial);
	snprintf(info->capability, sizeof(info->capability), "storage");
	snprintf(path, sizeof(path), "/dev/%s", entry);
	hv_nodedev_set_attr(info, "block", path);
	read_value(dev, "device/model", value, sizeof(value));
	hv_nodedev_set_attr(info, "model", value);
	read_value(dev, "size", value, sizeof(value));
	/* sysfs counts 512-byte sectors whatever the disk's block size. */
	if (parse_u64(value, strlen(value), UINT64_MAX / 512, &sectors) < 0)
		sectors = 0;
	snprintf(value, sizeof(value), "%" PRIu64, sectors * 512);
	hv_nodedev_set_attr(info, "size", value);
	return 0;
}

/* In list order. */
static const struct sysfs_class classes[] = {
    {"bus/pci/devices", "pci_", fill_pci},	  {"bus/usb/devices", "usb_", fill_usb},
    {"class/scsi_host", "scsi_", fill_scsi_host}, {"class/net", "net_", fill_net},
    {"class/block", "block_", fill_block},
};

/* The name of the device at dir, if it is one that can be a parent. */
static bool parent_device_at(const char *dir, char *name, size_t size)
{
	const char *base = strrchr(dir, '/'), *prefix;
	unsigned host;
	int end = 0;

	base = base ? base + 1 : dir;
	if (is_pci_address(base) && exists(dir, "vendor"))
		prefix = "pci_";
	else if (!strchr(base, ':') && exists(dir, "busnum"))
		prefix = "usb_";
	else if (sscanf(base, "host%u%n", &host, &end) == 1 && (size_t)end == strlen(base) &&
		 exists(dir, "scsi_host"))
		prefix = "scsi_";
	else
		return false;
	if (snprintf(name, size, "%s%s", prefix, base) >= (int)size)
		return false; /* longer than any device name: not one of ours */
	hv_nodedev_sanitize_name(name);
	return true;
}

static void find_parent(const struct sysfs *fs, const char *dev, struct hv_nodedev_info *info)
{
	char dir[PATH_MAX];
	size_t top = strlen(fs->devices);

	snprintf(dir, sizeof(dir), "%s", dev);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (strlen(dir) <= top || strncmp(dir, fs->devices, top) != 0 || dir[top] != '/')
			break;
		if (parent_device_at(dir, info->parent, sizeof(info->parent)))
			return;
	}
	snprintf(info->parent, sizeof(info->parent), HV_NODEDEV_COMPUTER);
}

/* The real path of the device behind a class entry.  A SCSI host's class
 * entry is .../host0/scsi_host/host0: the device is .../host0. */
static int device_path(const struct sysfs *fs, const struct sysfs_class *c, const char *entry, char *dev)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s/%s", fs->root, c->dir, entry) >= (int)sizeof(path) ||
	    !realpath(path, dev))
		return -ENOENT;
	if (c->fill == fill_scsi_host) {
		for (int i = 0; i < 2; i++) {
			char *slash = strrchr(dev, '/');
			if (slash)
				*slash = '\0';
		}
	}
	return 0;
}

static int fill_entry(const struct sysfs *fs, const struct sysfs_class *c, const char *entry,
		      struct hv_nodedev_info *info)
{
	char dev[PATH_MAX];
	int ret = device_path(fs, c, entry, dev);

	*info = (struct hv_nodedev_info){0};
	if (ret == 0)
		ret = c->fill(fs, entry, dev, info);
	if (ret == 0)
		find_parent(fs, dev, info);
	return ret;
}

static void fill_computer(const struct sysfs *fs, struct hv_nodedev_info *info)
{
	char dmi[PATH_MAX], value[128];

	*info = (struct hv_nodedev_info){.name = HV_NODEDEV_COMPUTER, .capability = "system"};
	snprintf(dmi, sizeof(dmi), "%s/class/dmi/id", fs->root);
	read_value(dmi, "product_name", value, sizeof(value));
	hv_nodedev_set_attr(info, "product", value);
	read_value(dmi, "sys_vendor", value, sizeof(value));
	hv_nodedev_set_attr(info, "vendor", value);
}

static int sysfs_init(struct sysfs *fs, const char *root, struct hv_error *err)
{
	char path[PATH_MAX];

	fs->root = root;
	snprintf(path, sizeof(path), "%s/devices", root);
	if (!realpath(path, fs->devices))
		return hv_error_set(err, errno == ENOENT ? ENOENT : EIO, "cannot read %s: %s", path,
				    strerror(errno));
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of the class directory, sorted (readdir's order is the
 * kernel's whim, listings should not be): a NULL-terminated array, or NULL
 * when the directory is missing. */
static char **class_entries(const struct sysfs *fs, const struct sysfs_class *c)
{
	char path[PATH_MAX];
	struct dirent *d;
	char **entries = NULL;
	size_t count = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "%s/%s", fs->root, c->dir);
	if (!(dir = opendir(path)))
		return NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		char **more = realloc(entries, (count + 2) * sizeof(*more));
		if (!more)
			break;
		entries = more;
		if (!(entries[count] = strdup(d->d_name)))
			break;
		entries[++count] = NULL;
	}
	closedir(dir);
	if (entries)
		qsort(entries, count, sizeof(*entries), compare_names);
	return entries;
}

static void free_entries(char **entries)
{
	for (size_t i = 0; entries && entries[i]; i++)
		free(entries[i]);
	free(entries);
}

int nodedev_sysfs_list(const char *root, struct hv_name_list *out, struct hv_error *err)
{
	struct hv_name_list list = {0};
	struct hv_nodedev_info *info = malloc(sizeof(*info));
	struct sysfs fs;
	int ret = info ? sysfs_init(&fs, root, err) : hv_error_set(err, ENOMEM, "out of memory");

	if (ret == 0)
		ret = hv_nodedev_list_add(&list, HV_NODEDEV_COMPUTER);
	for (size_t c = 0; ret == 0 && c < sizeof(classes) / sizeof(classes[0]); c++) {
		char **entries = class_entries(&fs, &classes[c]);
		for (size_t i = 0; ret == 0 && entries && entries[i]; i++)
			if (fill_entry(&fs, &classes[c], entries[i], info) == 0)
				ret = hv_nodedev_list_add(&list, info->name);
		free_entries(entries);
	}
	free(info);
	if (ret < 0) {
		hv_name_list_finish(&list);
		return hv_error_set(err, -ret, "cannot list host devices: %s", strerror(-ret));
	}
	*out = list;
	return 0;
}

/* Whether entry of class c can be the device called name: its name is
 * sanitize(prefix + entry), maybe followed by "_" and a suffix. */
static bool may_be(const struct sysfs_class *c, const char *entry, const char *name)
{
	char start[HV_NODEDEV_NAME_MAX + 1];
	size_t len;

	if (snprintf(start, sizeof(start), "%s%s", c->prefix, entry) >= (int)sizeof(start))
		return false;
	hv_nodedev_sanitize_name(start);
	len = strlen(start);
	return strncmp(name, start, len) == 0 && (name[len] == '\0' || name[len] == '_');
}

int nodedev_sysfs_info(const char *root, const char *name, struct hv_nodedev_info *info, struct hv_error *err)
{
	struct sysfs fs;
	int ret = sysfs_init(&fs, root, err);

	if (ret < 0)
		return ret;
	if (strcmp(name, HV_NODEDEV_COMPUTER) == 0) {
		fill_computer(&fs, info);
		return 0;
	}
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		if (strncmp(name, classes[c].prefix, strlen(classes[c].prefix)) != 0)
			continue;
		char **entries = class_entries(&fs, &classes[c]);
		bool found = false;
		for (size_t i = 0; !found && entries && entries[i]; i++)
			found = may_be(&classes[c], entries[i], name) &&
				fill_entry(&fs, &classes[c], entries[i], info) == 0 &&
				strcmp(info->name, name) == 0;
		free_entries(entries);
		if (found)
			return 0;
	}
	return hv_error_set(err, ENOENT, "no host device '%s'", name);
}
