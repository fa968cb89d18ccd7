/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/devices/: a domain's devices, one directory per class
 * (disk, interface, ...) holding one directory per device (vda, 0, ...),
 * each with one file per attribute; `attach` takes a device element, and
 * rmdir of a device detaches it.  The driver describes devices as
 * class/name with key/value attributes (drivers/driver.h); the tables here
 * say which keys each class shows as files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

/* The device obj names (obj->sub = {class, name}) from the driver's list. */
static int find_device(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_device_info *out,
		       struct hv_error *err)
{
	struct hv_device_list list = {0};
	int ret;

	if (obj->sub_count < 2)
		return hv_error_set(err, ENOENT, "not a device");
	ret = hv_domain_device_list(ctx->conn, obj->name, &list, err);
	if (ret < 0)
		return ret;
	ret = hv_error_set(err, ENOENT, "%s %s: no such device", obj->sub[0], obj->sub[1]);
	for (size_t i = 0; i < list.count; i++) {
		if (strcmp(list.devices[i].cls, obj->sub[0]) == 0 &&
		    strcmp(list.devices[i].name, obj->sub[1]) == 0) {
			*out = list.devices[i];
			hv_error_clear(err);
			ret = 0;
			break;
		}
	}
	hv_device_list_finish(&list);
	return ret;
}

static int show_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *key, struct strbuf *out,
		    struct hv_error *err)
{
	struct hv_device_info dev;
	int ret = find_device(ctx, obj, &dev, err);

	if (ret < 0)
		return ret;
	const char *value = hv_device_attr(&dev, key);
	return fs_show_str(out, value ? value : "");
}

#define DEVICE_SHOW(key)                                                                                     \
	static int show_##key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,           \
			      struct hv_error *err)                                                          \
	{                                                                                                    \
		return show_key(ctx, obj, #key, out, err);                                                   \
	}

DEVICE_SHOW(address)
DEVICE_SHOW(backend)
DEVICE_SHOW(backend_domain)
DEVICE_SHOW(backend_id)
DEVICE_SHOW(backend_state)
DEVICE_SHOW(bridge)
DEVICE_SHOW(bus)
DEVICE_SHOW(dev)
DEVICE_SHOW(format)
DEVICE_SHOW(ip)
DEVICE_SHOW(link_state)
DEVICE_SHOW(mac)
DEVICE_SHOW(mode)
DEVICE_SHOW(model)
DEVICE_SHOW(network)
DEVICE_SHOW(readonly)
DEVICE_SHOW(source)
DEVICE_SHOW(state)
DEVICE_SHOW(type)

static int store_link_state(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			    struct hv_error *err)
{
	char word[16];

	if (obj->sub_count < 2)
		return hv_error_set(err, ENOENT, "not a device");
	if (fs_parse_word(value, len, word, sizeof(word), err) < 0 ||
	    (strcmp(word, "up") != 0 && strcmp(word, "down") != 0))
		return hv_error_set(err, EINVAL, "link_state is up or down");
	return hv_domain_device_set(ctx->conn, obj->name, obj->sub[0], obj->sub[1], "link_state", word, err);
}

/* Alphabetical, as every attribute table. */
static const struct fs_attr disk_attrs[] = {
    {"address", 0444, 0, HV_FIELD_DEVICES, show_address, NULL},
    {"bus", 0444, 0, HV_FIELD_DEVICES, show_bus, NULL},
    {"format", 0444, 0, HV_FIELD_DEVICES, show_format, NULL},
    {"readonly", 0444, 0, HV_FIELD_DEVICES, show_readonly, NULL},
    {"source", 0444, 0, HV_FIELD_DEVICES, show_source, NULL},
    {NULL},
};

static const struct fs_attr interface_attrs[] = {
    {"address", 0444, 0, HV_FIELD_DEVICES, show_address, NULL},
    {"ip", 0444, 0, HV_FIELD_DEVICES | HV_FIELD_LEASES, show_ip, NULL},
    {"link_state", 0644, 0, HV_FIELD_DEVICES, show_link_state, store_link_state},
    {"mac", 0444, 0, HV_FIELD_DEVICES, show_mac, NULL},
    {"model", 0444, 0, HV_FIELD_DEVICES, show_model, NULL},
    {"network", 0444, 0, HV_FIELD_DEVICES, show_network, NULL},
    {NULL},
};

/* Controllers, consoles and the rest: where they sit, and what kind. */
static const struct fs_attr other_attrs[] = {
    {"address", 0444, 0, HV_FIELD_DEVICES, show_address, NULL},
    {"model", 0444, 0, HV_FIELD_DEVICES, show_model, NULL},
    {"type", 0444, 0, HV_FIELD_DEVICES, show_type, NULL},
    {NULL},
};

/* Xen's PV devices (the xen driver): a frontend, its backend and the
 * XenbusState of each, by name. */
static const struct fs_attr vbd_attrs[] = {
    {"backend", 0444, 0, HV_FIELD_DEVICES, show_backend, NULL},
    {"backend_domain", 0444, 0, HV_FIELD_DEVICES, show_backend_domain, NULL},
    {"backend_id", 0444, 0, HV_FIELD_DEVICES, show_backend_id, NULL},
    {"backend_state", 0444, 0, HV_FIELD_DEVICES, show_backend_state, NULL},
    {"dev", 0444, 0, HV_FIELD_DEVICES, show_dev, NULL},
    {"mode", 0444, 0, HV_FIELD_DEVICES, show_mode, NULL},
    {"source", 0444, 0, HV_FIELD_DEVICES, show_source, NULL},
    {"state", 0444, 0, HV_FIELD_DEVICES, show_state, NULL},
    {NULL},
};

static const struct fs_attr vif_attrs[] = {
    {"backend", 0444, 0, HV_FIELD_DEVICES, show_backend, NULL},
    {"backend_domain", 0444, 0, HV_FIELD_DEVICES, show_backend_domain, NULL},
    {"backend_id", 0444, 0, HV_FIELD_DEVICES, show_backend_id, NULL},
    {"backend_state", 0444, 0, HV_FIELD_DEVICES, show_backend_state, NULL},
    {"bridge", 0444, 0, HV_FIELD_DEVICES, show_bridge, NULL},
    {"mac", 0444, 0, HV_FIELD_DEVICES, show_mac, NULL},
    {"state", 0444, 0, HV_FIELD_DEVICES, show_state, NULL},
    {NULL},
};

static const struct fs_dir_type vbd_type = {
    .name = "vbd",
    .is_sub = true,
    .attrs = vbd_attrs,
};

static const struct fs_dir_type vif_type = {
    .name = "vif",
    .is_sub = true,
    .attrs = vif_attrs,
};

static const struct fs_dir_type disk_type = {
    .name = "disk",
    .is_sub = true,
    .attrs = disk_attrs,
};

static const struct fs_dir_type interface_type = {
    .name = "interface",
    .is_sub = true,
    .attrs = interface_attrs,
};

static const struct fs_dir_type other_device_type = {
    .name = "device",
    .is_sub = true,
    .attrs = other_attrs,
};

/* Names of obj's device classes (sub_count 0), or of the devices of class
 * obj->sub[0] (sub_count 1), without duplicates. */
static int list_devices(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
			struct hv_error *err)
{
	struct hv_device_list list = {0};
	int ret = hv_domain_device_list(ctx->conn, obj->name, &list, err);

	/* A driver that knows no devices shows none. */
	if (ret == -EOPNOTSUPP) {
		hv_error_clear(err);
		return 0;
	}
	for (size_t i = 0; ret == 0 && i < list.count; i++) {
		const struct hv_device_info *dev = &list.devices[i];
		const char *name = obj->sub_count == 0 ? dev->cls : dev->name;
		bool seen = false;
		if (obj->sub_count == 1 && strcmp(dev->cls, obj->sub[0]) != 0)
			continue;
		for (size_t j = 0; j < out->count && !seen; j++)
			seen = strcmp(out->names[j], name) == 0;
		if (seen)
			continue;
		char **more = realloc(out->names, (out->count + 1) * sizeof(*more));
		char *copy = strdup(name);
		if (more)
			out->names = more;
		if (!more || !copy) {
			free(copy);
			ret = hv_error_set(err, ENOMEM, "out of memory");
			break;
		}
		out->names[out->count++] = copy;
	}
	hv_device_list_finish(&list);
	if (ret < 0)
		hv_name_list_finish(out);
	return ret;
}

static const struct fs_dir_type *device_type_of(const struct fs_object *obj, const char *name)
{
	if (obj->sub_count >= 1 && strcmp(obj->sub[0], "disk") == 0)
		return &disk_type;
	if (obj->sub_count >= 1 && strcmp(obj->sub[0], "interface") == 0)
		return &interface_type;
	if (obj->sub_count >= 1 && strcmp(obj->sub[0], "vbd") == 0)
		return &vbd_type;
	if (obj->sub_count >= 1 && strcmp(obj->sub[0], "vif") == 0)
		return &vif_type;
	return &other_device_type;
}

static int detach_device(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
			 struct hv_error *err)
{
	return hv_domain_device_detach(ctx->conn, obj->name, obj->sub[0], name, err);
}

static const struct fs_collection class_collection = {
    .kind = HV_KIND_DOMAIN,
    .list = list_devices,
    .type_of = device_type_of,
    .remove = detach_device,
};

static const struct fs_attr no_attrs[] = {{NULL}};

static const struct fs_dir_type class_type = {
    .name = "device class",
    .is_sub = true,
    .attrs = no_attrs,
    .collection = &class_collection,
};

static int store_attach(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			struct hv_error *err)
{
	return hv_domain_device_attach(ctx->conn, obj->name, value, len, err);
}

static const struct fs_attr devices_attrs[] = {
    {"attach", 0200, FS_ATTR_DOCUMENT, 0, NULL, store_attach},
    {NULL},
};

static const struct fs_collection devices_collection = {
    .kind = HV_KIND_DOMAIN,
    .child_type = &class_type,
    .list = list_devices,
};

const struct fs_dir_type fs_devices_type = {
    .name = "devices",
    .attrs = devices_attrs,
    .collection = &devices_collection,
};
