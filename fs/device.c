/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/devices/: a domain's devices, one directory per class
 * (disk, interface, ...) holding one directory per device (vda, 0, ...),
 * each with one file per attribute; `attach` takes a device element, and
 * rmdir of a device detaches it.  The driver describes devices as
 * class/name with key/value attributes, and says which keys each class
 * shows as files (hv_driver_ops.device_classes): nothing here knows a
 * driver (docs/design.md, "Devices"). */
#include <errno.h>
#include <pthread.h>
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

/* A device's file: the key is the file's own name (FS_ATTR_KEYED), so
 * obj->sub is {class, device, key}. */
int fs_show_device_key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err)
{
	struct hv_device_info dev;
	int ret;

	if (obj->sub_count < 3)
		return hv_error_set(err, ENOENT, "not a device file");
	ret = find_device(ctx, obj, &dev, err);
	if (ret < 0)
		return ret;
	const char *value = hv_device_attr(&dev, obj->sub[obj->sub_count - 1]);
	return fs_show_str(out, value ? value : "");
}

/* One word, trimmed; the driver says which values it takes. */
int fs_store_device_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			struct hv_error *err)
{
	char word[256];

	if (obj->sub_count < 3)
		return hv_error_set(err, ENOENT, "not a device file");
	if (fs_parse_word(value, len, word, sizeof(word), err) < 0)
		return -err->code;
	return hv_domain_device_set(ctx->conn, obj->name, obj->sub[0], obj->sub[1],
				    obj->sub[obj->sub_count - 1], word, err);
}

static const struct fs_dir_type *device_type_of(struct fs_ctx *ctx, const struct fs_object *obj,
						const char *name)
{
	(void)name;
	return obj->sub_count < 1 ? NULL : fs_device_class_type(ctx, obj->sub[0]);
}

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

static int detach_device(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
			 struct hv_error *err)
{
	return hv_domain_device_detach(ctx->conn, obj->name, obj->sub[0], name, err);
}

static const struct fs_attr no_attrs[] = {{NULL}};

static const struct fs_collection class_collection = {
    .kind = HV_KIND_DOMAIN,
    .list = list_devices,
    .type_of = device_type_of,
    .remove = detach_device,
};

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
