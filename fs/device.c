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
static int show_device_key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
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
static int store_device_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
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

/* The directory types of a driver's device classes (one per class, its
 * files from the class's keys), made the first time a device is looked up
 * (the driver is not open when the context is made), then read-only until
 * the context goes: nodes point at them. */
struct fs_device_types {
	pthread_mutex_t lock;
	bool built;
	size_t count;
	struct fs_dir_type *types; /* types[i] describes classes[i] */
	const struct hv_device_class *classes;
	struct fs_attr *attrs; /* all types' tables, each {NULL}-terminated */
};

static const struct fs_attr no_attrs[] = {{NULL}};

/* A class the driver does not describe: a directory with no files. */
static const struct fs_dir_type undescribed_type = {
    .name = "device",
    .is_sub = true,
    .attrs = no_attrs,
};

struct fs_device_types *fs_device_types_create(void)
{
	struct fs_device_types *t = calloc(1, sizeof(*t));

	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

void fs_device_types_destroy(struct fs_device_types *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->types);
	free(t->attrs);
	free(t);
}

static int compare_attrs(const void *a, const void *b)
{
	return strcmp(((const struct fs_attr *)a)->name, ((const struct fs_attr *)b)->name);
}

/* Called with t->lock held.  -ENOMEM leaves nothing built: a later lookup
 * tries again. */
static int build_types(struct fs_device_types *t, const struct hv_device_class *classes)
{
	size_t count = 0, keys = 0;

	for (const struct hv_device_class *c = classes; c && c->cls; c++, count++)
		for (const struct hv_device_key *k = c->keys; k && k->key; k++)
			keys++;
	struct fs_dir_type *types = calloc(count ? count : 1, sizeof(*types));
	struct fs_attr *attrs = calloc(keys + count + 1, sizeof(*attrs));
	if (!types || !attrs) {
		free(types);
		free(attrs);
		return -ENOMEM;
	}
	struct fs_attr *a = attrs;
	for (size_t i = 0; i < count; i++) {
		const struct hv_device_class *c = &classes[i];
		struct fs_attr *first = a;
		for (const struct hv_device_key *k = c->keys; k && k->key; k++, a++)
			*a = (struct fs_attr){
			    .name = k->key,
			    .mode = k->writable ? 0644 : 0444,
			    .flags = FS_ATTR_KEYED,
			    .fields = HV_FIELD_DEVICES | k->fields,
			    .show = show_device_key,
			    .store = k->writable ? store_device_key : NULL,
			};
		qsort(first, (size_t)(a - first), sizeof(*first), compare_attrs); /* attrs are alphabetical */
		a++;								  /* its {NULL} */
		types[i] = (struct fs_dir_type){.name = c->cls, .is_sub = true, .attrs = first};
	}
	t->types = types;
	t->attrs = attrs;
	t->classes = classes;
	t->count = count;
	t->built = true;
	return 0;
}

static const struct fs_dir_type *device_type_of(struct fs_ctx *ctx, const struct fs_object *obj,
						const char *name)
{
	struct fs_device_types *t = ctx->device_types;
	const struct fs_dir_type *type = &undescribed_type;

	(void)name;
	if (!t || !ctx->conn || obj->sub_count < 1)
		return type;
	pthread_mutex_lock(&t->lock);
	if (t->built || build_types(t, ctx->conn->ops->device_classes) == 0) {
		const struct hv_device_class *c = hv_device_class_find(ctx->conn, obj->sub[0]);
		if (c)
			type = &t->types[c - t->classes];
	}
	pthread_mutex_unlock(&t->lock);
	return type;
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
