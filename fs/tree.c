/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The top of the tree, and lookups in directory types. */
#include <string.h>

#include "fs/fs.h"

static const struct fs_attr root_attrs[] = {
    {"events", 0444, FS_ATTR_EVENTS, 0, NULL, NULL},
    {"metrics", 0444, FS_ATTR_VOLATILE | FS_ATTR_DOCUMENT, 0, fs_show_metrics, NULL},
    {NULL},
};

/* Alphabetical, then the driver's. */
static const struct fs_subdir root_subdirs[] = {
    {.name = "domains", .type = &fs_domains_type},
    {.name = "host", .type = &fs_host_type},
    {.name = "networks", .type = &fs_networks_type},
    {.name = "pools", .type = &fs_pools_type},
    {.name_of = fs_tree_dir, .type = &fs_tree_type}, /* the driver's tree_dir */
    {NULL},
};

const struct fs_dir_type fs_root_type = {
    .name = "root",
    .attrs = root_attrs,
    .subdirs = root_subdirs,
};

const struct fs_attr *fs_dir_find_attr(const struct fs_dir_type *type, const char *name)
{
	for (const struct fs_attr *a = type->attrs; a && a->name; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

bool fs_subdir_end(const struct fs_subdir *s)
{
	return !s || (!s->name && !s->name_of);
}

const char *fs_subdir_name(const struct fs_ctx *ctx, const struct fs_subdir *s)
{
	if (s->name)
		return s->name;
	return ctx && ctx->conn ? s->name_of(ctx) : NULL;
}

const struct fs_dir_type *fs_subdir_type(const struct fs_ctx *ctx, const struct fs_subdir *s)
{
	return s->type ? s->type : s->type_of(ctx);
}

const struct fs_dir_type *fs_dir_find_subdir(const struct fs_ctx *ctx, const struct fs_dir_type *type,
					     const char *name)
{
	for (const struct fs_subdir *s = type->subdirs; !fs_subdir_end(s); s++) {
		const char *sub_name = fs_subdir_name(ctx, s);
		if (sub_name && strcmp(sub_name, name) == 0)
			return fs_subdir_type(ctx, s);
	}
	return NULL;
}

static const struct fs_attr no_attrs[] = {{NULL}};

/* A directory made by a tool (Puppet's lock directory): it holds nothing
 * but other scratch entries. */
const struct fs_dir_type fs_scratch_dir_type = {
    .name = "scratch",
    .attrs = no_attrs,
};

bool fs_dir_accepts_scratch(const struct fs_dir_type *type)
{
	/* Not in collections, where a new name would be an object. */
	return ((type->is_object || type->is_sub) && !type->collection) || type == &fs_scratch_dir_type;
}
