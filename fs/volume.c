/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pools/NAME/volumes/ and pools/NAME/volumes/VOL/: a pool's volumes, a
 * sub-object collection (obj->name is the pool, obj->sub[0] the volume).
 *
 * Every file of a volume is volatile: its values are the file's on disk,
 * which the guest and other programs change without telling anyone, so
 * they are read at each open and never cached. */
#include <errno.h>
#include <stdlib.h>

#include "fs/fs.h"
#include "util/parse.h"

static int show_info(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_volume_info *info,
		     struct hv_error *err)
{
	return hv_volume_info(ctx->conn, obj->name, obj->sub[0], info, err);
}

#define VOLUME_SHOW(field, render)                                                                           \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_volume_info info;                                                                  \
		int ret = show_info(ctx, obj, &info, err);                                                   \
		return ret < 0 ? ret : render;                                                               \
	}

VOLUME_SHOW(allocation, fs_show_u64(out, info.allocation))
VOLUME_SHOW(capacity, fs_show_u64(out, info.capacity))
VOLUME_SHOW(format, fs_show_str(out, info.format))
VOLUME_SHOW(path, fs_show_str(out, info.path))

static int store_capacity(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			  struct hv_error *err)
{
	uint64_t bytes;

	if (parse_size(value, len, &bytes) < 0)
		return hv_error_set(
		    err, EINVAL,
		    "capacity must be a number of bytes, or with a suffix K, M, G or T (10G), "
		    "not '%.*s'",
		    (int)(len > 40 ? 40 : len), value);
	return hv_volume_resize(ctx->conn, obj->name, obj->sub[0], bytes, err);
}

static int show_config(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err)
{
	char *xml = NULL;
	int ret = hv_volume_get_xml(ctx->conn, obj->name, obj->sub[0], &xml, err);

	if (ret == 0)
		ret = strbuf_puts(out, xml);
	free(xml);
	return ret;
}

static int store_config(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			struct hv_error *err)
{
	return hv_volume_create(ctx->conn, obj->name, obj->sub[0], value, len, err);
}

static const struct fs_attr volume_attrs[] = {
    {"allocation", 0444, FS_ATTR_VOLATILE, 0, show_allocation, NULL},
    {"capacity", 0644, FS_ATTR_VOLATILE, 0, show_capacity, store_capacity},
    {"config.xml", 0644, FS_ATTR_VOLATILE | FS_ATTR_DOCUMENT, 0, show_config, store_config},
    {"format", 0444, FS_ATTR_VOLATILE, 0, show_format, NULL},
    {"path", 0444, FS_ATTR_VOLATILE, 0, show_path, NULL},
    {NULL},
};

static const struct fs_dir_type volume_type = {
    .name = "volume",
    .is_sub = true,
    .kind = HV_KIND_POOL,
    .attrs = volume_attrs,
    /* Files of a directory: they come and go behind the driver's back. */
    .uncached = true,
};

static int list_volumes(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
			struct hv_error *err)
{
	return hv_volume_list(ctx->conn, obj->name, out, err);
}

static int create_volume(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
			 struct hv_error *err)
{
	return hv_volume_create(ctx->conn, obj->name, name, NULL, 0, err);
}

static int remove_volume(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
			 struct hv_error *err)
{
	return hv_volume_delete(ctx->conn, obj->name, name, err);
}

static const struct fs_collection volumes_collection = {
    .kind = HV_KIND_POOL,
    .child_type = &volume_type,
    .list = list_volumes,
    .create = create_volume,
    .remove = remove_volume,
};

static const struct fs_attr no_attrs[] = {
    {NULL},
};

const struct fs_dir_type fs_volumes_type = {
    .name = "volumes",
    .attrs = no_attrs,
    .collection = &volumes_collection,
};
