/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The top of the tree, and lookups in directory types. */
#include <string.h>

#include "fs/fs.h"

static const struct fs_attr root_attrs[] = {
    {"events", 0444, FS_ATTR_EVENTS, 0, NULL, NULL},
    {"metrics", 0444, FS_ATTR_VOLATILE | FS_ATTR_DOCUMENT, 0, fs_show_metrics, NULL},
    {NULL},
};

/* Alphabetical. */
static const struct fs_subdir root_subdirs[] = {
    {"domains", &fs_domains_type},
    {"host", &fs_host_type},
    {"networks", &fs_networks_type},
    {"pools", &fs_pools_type},
    {"xenstore", &fs_xenstore_type}, /* present only for drivers with a XenStore */
    {NULL, NULL},
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

const struct fs_dir_type *fs_dir_find_subdir(const struct fs_dir_type *type, const char *name)
{
	for (const struct fs_subdir *s = type->subdirs; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s->type;
	return NULL;
}

bool fs_subdir_present(const struct fs_ctx *ctx, const struct fs_subdir *subdir)
{
	return !subdir->type->present || subdir->type->present(ctx);
}

const struct fs_dir_type *fs_dir_find_present_subdir(const struct fs_ctx *ctx, const struct fs_dir_type *type,
						     const char *name)
{
	for (const struct fs_subdir *s = type->subdirs; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return fs_subdir_present(ctx, s) ? s->type : NULL;
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
