/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pools/ and pools/NAME/. */
#include <errno.h>
#include <stdlib.h>

#include "fs/fs.h"

#define POOL_SHOW(field, render)                                                                             \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_pool_info info;                                                                    \
		int ret = hv_pool_info(ctx->conn, obj->name, &info, err);                                    \
		return ret < 0 ? ret : render;                                                               \
	}

POOL_SHOW(allocation, fs_show_u64(out, info.allocation))
POOL_SHOW(autostart, fs_show_u64(out, info.autostart))
POOL_SHOW(available, fs_show_u64(out, info.available))
POOL_SHOW(capacity, fs_show_u64(out, info.capacity))
POOL_SHOW(persistent, fs_show_u64(out, info.persistent))
POOL_SHOW(state, fs_show_str(out, hv_pool_state_name(info.state)))
POOL_SHOW(type, fs_show_str(out, info.type))
POOL_SHOW(uuid, fs_show_str(out, info.uuid))

static int store_control(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			 struct hv_error *err)
{
	enum hv_pool_command command;
	char word[32] = "";

	if (fs_parse_word(value, len, word, sizeof(word), err) < 0 ||
	    hv_pool_command_parse(word, &command) < 0)
		return hv_error_set(
		    err, EINVAL, "unknown command '%.32s': write one of build, start, stop, refresh, delete",
		    word);
	return hv_pool_control(ctx->conn, obj->name, command, err);
}

static const struct fs_attr pool_attrs[] = {
    {"allocation", 0444, 0, HV_FIELD_POOL_SIZES, show_allocation, NULL},
    {"autostart", 0644, 0, HV_FIELD_AUTOSTART, show_autostart, fs_store_autostart},
    {"available", 0444, 0, HV_FIELD_POOL_SIZES, show_available, NULL},
    {"capacity", 0444, 0, HV_FIELD_POOL_SIZES, show_capacity, NULL},
    {"config.xml", 0644, FS_ATTR_DOCUMENT, HV_FIELD_CONFIG, fs_show_config, fs_store_config},
    {"control", 0200, 0, 0, NULL, store_control},
    {"last_error", 0444, 0, 0, fs_show_last_error, NULL},
    {"persistent", 0444, 0, HV_FIELD_PERSISTENT, show_persistent, NULL},
    {"state", 0444, 0, HV_FIELD_STATE, show_state, NULL},
    {"type", 0444, 0, HV_FIELD_TYPE, show_type, NULL},
    {"uuid", 0444, 0, HV_FIELD_UUID, show_uuid, NULL},
    {NULL},
};

/* Alphabetical (fs_dir_find_subdir). */
static const struct fs_subdir pool_subdirs[] = {
    {.name = "volumes", .type = &fs_volumes_type},
    {NULL},
};

static const struct fs_dir_type pool_type = {
    .name = "pool",
    .is_object = true,
    .kind = HV_KIND_POOL,
    .attrs = pool_attrs,
    .subdirs = pool_subdirs,
};

static const struct fs_collection pools_collection = {
    .kind = HV_KIND_POOL,
    .child_type = &pool_type,
};

static const struct fs_attr no_attrs[] = {
    {NULL},
};

const struct fs_dir_type fs_pools_type = {
    .name = "pools",
    .attrs = no_attrs,
    .collection = &pools_collection,
};
