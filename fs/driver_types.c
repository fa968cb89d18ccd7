/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The directory types a driver describes as data (drivers/driver.h,
 * docs/design.md "Driver data"): one per device class, from the class's
 * keys, and the domain's named values (domain_keys).
 * They are made the first time one is needed (the driver is not open when
 * the context is made), then read-only until the context goes: nodes point
 * at them. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

struct fs_driver_types {
	pthread_mutex_t lock;
	bool built;
	size_t count;
	struct fs_dir_type *types; /* types[i] describes classes[i] */
	const struct hv_device_class *classes;
	struct fs_dir_type keys_type; /* domains/NAME/<domain_keys->dir>/ */
	struct fs_attr *attrs;	      /* all types' tables, each {NULL}-terminated */
};

static const struct fs_attr no_attrs[] = {{NULL}};

/* A class the driver does not describe: a directory with no files. */
static const struct fs_dir_type undescribed_type = {
    .name = "device",
    .is_sub = true,
    .attrs = no_attrs,
};

struct fs_driver_types *fs_driver_types_create(void)
{
	struct fs_driver_types *t = calloc(1, sizeof(*t));

	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

void fs_driver_types_destroy(struct fs_driver_types *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->types);
	free(t->attrs);
	free(t);
}

/* A domain's named value: the key is the file's own name (FS_ATTR_KEYED),
 * so obj->sub is {dir, key}. */
static int show_domain_key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
			   struct hv_error *err)
{
	char *value = NULL;
	int ret;

	if (obj->sub_count < 2)
		return hv_error_set(err, ENOENT, "not a key");
	ret = hv_domain_key_get(ctx->conn, obj->name, obj->sub[obj->sub_count - 1], &value, err);
	if (ret == 0)
		ret = fs_show_str(out, value);
	free(value);
	return ret;
}

/* The value written, without its trailing blanks: one line of printable
 * text. */
static int store_domain_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			    struct hv_error *err)
{
	const char *key = obj->sub_count >= 2 ? obj->sub[obj->sub_count - 1] : NULL;
	char text[256];

	if (!key)
		return hv_error_set(err, ENOENT, "not a key");
	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len >= sizeof(text))
		return hv_error_set(err, EINVAL, "%s: the value is longer than %zu characters", key,
				    sizeof(text) - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return hv_error_set(err, EINVAL, "%s: one line of text, please", key);
	memcpy(text, value, len);
	text[len] = '\0';
	return hv_domain_key_set(ctx->conn, obj->name, key, text, err);
}

static int compare_attrs(const void *a, const void *b)
{
	return strcmp(((const struct fs_attr *)a)->name, ((const struct fs_attr *)b)->name);
}

/* Fills the table at a from keys (each file changes with `field` and the
 * key's own fields), sorted, and its {NULL}; returns the end. */
static struct fs_attr *add_attrs(struct fs_attr *a, const struct hv_device_key *keys, uint32_t field,
				 fs_show_fn show, fs_store_fn store)
{
	struct fs_attr *first = a;

	for (const struct hv_device_key *k = keys; k && k->key; k++, a++)
		*a = (struct fs_attr){
		    .name = k->key,
		    .mode = k->writable ? 0644 : 0444,
		    .flags = FS_ATTR_KEYED,
		    .fields = field | k->fields,
		    .show = show,
		    .store = k->writable ? store : NULL,
		};
	qsort(first, (size_t)(a - first), sizeof(*first), compare_attrs); /* attrs are alphabetical */
	return a + 1;
}

static size_t count_keys(const struct hv_device_key *keys)
{
	size_t n = 0;

	while (keys && keys[n].key)
		n++;
	return n;
}

/* Called with t->lock held.  -ENOMEM leaves nothing built: a later lookup
 * tries again. */
static int build_types(struct fs_driver_types *t, const struct hv_driver_ops *ops)
{
	const struct hv_device_class *classes = ops->device_classes;
	const struct hv_domain_keys *domain_keys = ops->domain_keys;
	size_t count = 0, keys = 0;

	for (const struct hv_device_class *c = classes; c && c->cls; c++, count++)
		keys += count_keys(c->keys);
	keys += domain_keys ? count_keys(domain_keys->keys) : 0;
	struct fs_dir_type *types = calloc(count ? count : 1, sizeof(*types));
	struct fs_attr *attrs = calloc(keys + count + 2, sizeof(*attrs));
	if (!types || !attrs) {
		free(types);
		free(attrs);
		return -ENOMEM;
	}
	struct fs_attr *a = attrs;
	for (size_t i = 0; i < count; i++) {
		struct fs_attr *first = a;
		a = add_attrs(a, classes[i].keys, HV_FIELD_DEVICES, fs_show_device_key, fs_store_device_key);
		types[i] = (struct fs_dir_type){.name = classes[i].cls, .is_sub = true, .attrs = first};
	}
	/* A sub-directory of the domain's own, like a device's: it takes the
	 * scratch files of tools that replace a file by rename (sed -i). */
	t->keys_type = (struct fs_dir_type){.name = "domain keys", .is_sub = true, .attrs = a};
	add_attrs(a, domain_keys ? domain_keys->keys : NULL, HV_FIELD_KEYS, show_domain_key,
		  store_domain_key);
	t->types = types;
	t->attrs = attrs;
	t->classes = classes;
	t->count = count;
	t->built = true;
	return 0;
}

/* Whether t is built (building it now if need be). */
static bool built(const struct fs_ctx *ctx)
{
	struct fs_driver_types *t = ctx->driver_types;
	bool ok;

	if (!t || !ctx->conn)
		return false;
	pthread_mutex_lock(&t->lock);
	ok = t->built || build_types(t, ctx->conn->ops) == 0;
	pthread_mutex_unlock(&t->lock);
	return ok;
}

const struct fs_dir_type *fs_device_class_type(const struct fs_ctx *ctx, const char *cls)
{
	const struct hv_device_class *c = built(ctx) ? hv_device_class_find(ctx->conn, cls) : NULL;

	return c ? &ctx->driver_types->types[c - ctx->driver_types->classes] : &undescribed_type;
}

const char *fs_domain_keys_dir(const struct fs_ctx *ctx)
{
	return ctx->conn && ctx->conn->ops->domain_keys ? ctx->conn->ops->domain_keys->dir : NULL;
}

const struct fs_dir_type *fs_domain_keys_type(const struct fs_ctx *ctx)
{
	return fs_domain_keys_dir(ctx) && built(ctx) ? &ctx->driver_types->keys_type : NULL;
}
