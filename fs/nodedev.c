/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host/devices/: the host's device tree, as virsh nodedev-list names it.
 *
 *   host/devices/computer/                 the root device
 *   host/devices/computer/pci_0000_00_1c_0/pci_0000_01_00_0/net_eno1_.../
 *   host/devices/by-name/NAME -> ../computer/.../NAME
 *
 * Each device is a directory (a sub-object of the host) holding its
 * attribute files and, as a sub-object collection, the devices whose
 * parent it is.  A device's files depend on its capability; the type of
 * a member is chosen from its name's prefix, which that naming ties
 * to the capability (pci_, usb_, scsi_host, net_, block_), with a generic
 * type for anything else.  Every file shows a field of the record the
 * driver gives for the innermost sub-object name (device names are
 * unique), read afresh: the driver reports no device changes, so nothing
 * here is cached by the kernel (uncached types, volatile files). */
#include "drivers/nodedev/nodedev.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fs/fs.h"

/* Deeper than any real tree (computer, bridge, function, host, disk ...):
 * a longer chain of parents is a loop in the driver's records. */
#define NODEDEV_DEPTH_MAX 32

static const char *device_name(const struct fs_object *obj)
{
	return obj->sub_count ? obj->sub[obj->sub_count - 1] : NULL;
}

static int device_info(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_nodedev_info *info,
		       struct hv_error *err)
{
	const char *name = device_name(obj);

	if (!name)
		return hv_error_set(err, ENOENT, "not a device");
	return hv_nodedev_info(ctx->conn, name, info, err);
}

#define DEVICE_SHOW(file, value)                                                                             \
	static int show_##file(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,          \
			       struct hv_error *err)                                                         \
	{                                                                                                    \
		struct hv_nodedev_info info;                                                                 \
		int ret = device_info(ctx, obj, &info, err);                                                 \
		return ret < 0 ? ret : fs_show_str(out, value);                                              \
	}
/* An identifying attribute: empty when the driver has no value for it. */
#define DEVICE_SHOW_ATTR(key) DEVICE_SHOW(key, hv_nodedev_get_attr(&info, #key) ?: "")

DEVICE_SHOW(capability, info.capability)
DEVICE_SHOW(driver, info.driver)
DEVICE_SHOW(name, info.name)
DEVICE_SHOW(parent, info.parent)
DEVICE_SHOW_ATTR(address)
DEVICE_SHOW_ATTR(block)
DEVICE_SHOW_ATTR(bus)
DEVICE_SHOW_ATTR(class)
DEVICE_SHOW_ATTR(device)
DEVICE_SHOW_ATTR(host)
DEVICE_SHOW_ATTR(interface)
DEVICE_SHOW_ATTR(mac)
DEVICE_SHOW_ATTR(model)
DEVICE_SHOW_ATTR(product)
DEVICE_SHOW_ATTR(product_id)
DEVICE_SHOW_ATTR(size)
DEVICE_SHOW_ATTR(vendor)
DEVICE_SHOW_ATTR(vendor_id)

#define ATTR(file)                                                                                           \
	{                                                                                                    \
#file, 0444, FS_ATTR_VOLATILE, 0, show_##file, NULL                                          \
	}

/* Alphabetical, each. */
static const struct fs_attr generic_attrs[] = {
    ATTR(capability), ATTR(driver), ATTR(name), ATTR(parent), {NULL},
};
static const struct fs_attr system_attrs[] = {
    ATTR(capability), ATTR(driver), ATTR(name), ATTR(parent), ATTR(product), ATTR(vendor), {NULL},
};
static const struct fs_attr pci_attrs[] = {
    ATTR(address), ATTR(capability), ATTR(class),     ATTR(driver), ATTR(name),
    ATTR(parent),  ATTR(product_id), ATTR(vendor_id), {NULL},
};
static const struct fs_attr usb_attrs[] = {
    ATTR(bus),	  ATTR(capability), ATTR(device),    ATTR(driver), ATTR(name),
    ATTR(parent), ATTR(product_id), ATTR(vendor_id), {NULL},
};
static const struct fs_attr scsi_host_attrs[] = {
    ATTR(capability), ATTR(driver), ATTR(host), ATTR(name), ATTR(parent), {NULL},
};
static const struct fs_attr net_attrs[] = {
    ATTR(capability), ATTR(driver), ATTR(interface), ATTR(mac), ATTR(name), ATTR(parent), {NULL},
};
static const struct fs_attr storage_attrs[] = {
    ATTR(block), ATTR(capability), ATTR(driver), ATTR(model), ATTR(name), ATTR(parent), ATTR(size), {NULL},
};

/* The devices whose parent is this one.  One record per device: a device
 * that goes between the list and its record is simply not shown. */
static int list_children(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
			 struct hv_error *err)
{
	const char *self = device_name(obj);
	struct hv_name_list all = {0}, children = {0};
	struct hv_nodedev_info info;
	int ret = hv_nodedev_list(ctx->conn, &all, err);

	for (size_t i = 0; ret == 0 && i < all.count; i++) {
		struct hv_error ignored = {0};
		if (hv_nodedev_info(ctx->conn, all.names[i], &info, &ignored) == 0 && self &&
		    strcmp(info.parent, self) == 0 && hv_nodedev_list_add(&children, info.name) < 0)
			ret = hv_error_set(err, ENOMEM, "out of memory");
	}
	hv_name_list_finish(&all);
	if (ret < 0) {
		hv_name_list_finish(&children);
		return ret;
	}
	*out = children;
	return 0;
}

static const struct fs_dir_type *device_type_of(struct fs_ctx *ctx, const struct fs_object *obj,
						const char *name);

static const struct fs_collection children = {
    .kind = HV_KIND_HOST,
    .list = list_children,
    .type_of = device_type_of,
};

#define DEVICE_TYPE(id, attr_table)                                                                          \
	static const struct fs_dir_type id = {                                                               \
	    .name = "host device",                                                                           \
	    .is_sub = true,                                                                                  \
	    .kind = HV_KIND_HOST,                                                                            \
	    .attrs = attr_table,                                                                             \
	    .collection = &children,                                                                         \
	    .uncached = true,                                                                                \
	}

DEVICE_TYPE(generic_type, generic_attrs);
DEVICE_TYPE(system_type, system_attrs);
DEVICE_TYPE(pci_type, pci_attrs);
DEVICE_TYPE(usb_type, usb_attrs);
DEVICE_TYPE(scsi_host_type, scsi_host_attrs);
DEVICE_TYPE(net_type, net_attrs);
DEVICE_TYPE(storage_type, storage_attrs);

static const struct fs_dir_type *device_type_of(struct fs_ctx *ctx, const struct fs_object *obj,
						const char *name)
{
	(void)ctx;
	static const struct {
		const char *prefix;
		const struct fs_dir_type *type;
	} by_prefix[] = {
	    {"pci_", &pci_type}, {"usb_", &usb_type},	    {"scsi_host", &scsi_host_type},
	    {"net_", &net_type}, {"block_", &storage_type},
	};

	for (size_t i = 0; i < sizeof(by_prefix) / sizeof(by_prefix[0]); i++)
		if (strncmp(name, by_prefix[i].prefix, strlen(by_prefix[i].prefix)) == 0)
			return by_prefix[i].type;
	return &generic_type;
}

/* by-name/NAME -> ../computer/A/B/NAME: the chain of parents, read now. */
static int show_link(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		     struct hv_error *err)
{
	char chain[NODEDEV_DEPTH_MAX][HV_NODEDEV_NAME_MAX + 1];
	struct hv_nodedev_info info;
	size_t depth = 0;

	if (!device_name(obj))
		return hv_error_set(err, ENOENT, "not a device");
	snprintf(info.parent, sizeof(info.parent), "%s", device_name(obj));
	while (info.parent[0]) {
		if (depth == NODEDEV_DEPTH_MAX)
			return hv_error_set(err, EIO, "the parents of device %s make a loop",
					    device_name(obj));
		/* Into the chain first: the driver overwrites info, parent too. */
		snprintf(chain[depth], sizeof(chain[0]), "%s", info.parent);
		int ret = hv_nodedev_info(ctx->conn, chain[depth++], &info, err);
		if (ret < 0)
			return ret;
	}
	if (depth == 0 || strcmp(chain[depth - 1], HV_NODEDEV_COMPUTER) != 0)
		return hv_error_set(err, ENOENT, "device %s is not below %s", device_name(obj),
				    HV_NODEDEV_COMPUTER);
	if (strbuf_puts(out, "..") < 0)
		return -ENOMEM;
	while (depth-- > 0)
		if (strbuf_printf(out, "/%s", chain[depth]) < 0)
			return -ENOMEM;
	return 0;
}

static int list_all(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
		    struct hv_error *err)
{
	return hv_nodedev_list(ctx->conn, out, err);
}

static const struct fs_attr by_name_link = {"", 0444, FS_ATTR_LINK | FS_ATTR_VOLATILE, 0, show_link, NULL};

static const struct fs_collection by_name = {
    .kind = HV_KIND_HOST,
    .list = list_all,
    .link = &by_name_link,
};

static const struct fs_attr no_attrs[] = {{NULL}};

static const struct fs_dir_type by_name_type = {
    .name = "host devices by name",
    .kind = HV_KIND_HOST,
    .attrs = no_attrs,
    .collection = &by_name,
    .uncached = true,
};

/* Alphabetical. */
static const struct fs_subdir devices_subdirs[] = {
    {.name = "by-name", .type = &by_name_type},
    {.name = HV_NODEDEV_COMPUTER, .type = &system_type},
    {NULL},
};

const struct fs_dir_type fs_host_devices_type = {
    .name = "host devices",
    .kind = HV_KIND_HOST,
    .attrs = no_attrs,
    .subdirs = devices_subdirs,
};
