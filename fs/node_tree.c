/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The driver's tree (drivers/driver.h, tree_dir and the tree slots) as a
 * directory at the root of the mount, named by the driver.  A node
 * with children is a directory, a node without children a regular file
 * holding its value:
 *
 *   TREE/local/domain/0/name     file: "Domain-0\n"
 *   TREE/local/domain/0/         directory (its own value is not shown)
 *
 * Reading a file gives the value and a newline (sysfs style); a write
 * takes the value with or without one trailing newline.  `echo v > new`
 * creates a node, mkdir an empty one, rm and rmdir remove one (rmdir only
 * when it has no children, as rmdir(2) promises, whatever the driver's
 * own remove does).  Errors are the driver's: EACCES, ENOENT, EINVAL.
 *
 * Every node below the tree's directory is a member of the one recursive
 * collection here; a node's path is the chain of its member names, which
 * node_object() hands over as obj->sub (hence FS_SUB_MAX: the view goes
 * FS_SUB_MAX levels deep).  Nothing here is cached by the kernel: the tree
 * changes under everyone's feet, and the driver reports changes
 * (fs/notify.c) for watchers, not for caches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "util/cleanup.h"

int fs_tree_path(const struct fs_object *obj, const char *name, char *buf, size_t size)
{
	size_t used = 0;

	/* A node at the deepest level could stand for a deeper one whose
	 * outer names node_object() dropped: it has no members. */
	if (obj->sub_count + (name ? 1 : 0) > FS_SUB_MAX - 1)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (unsigned i = 0; i <= obj->sub_count; i++) {
		const char *part = i < obj->sub_count ? obj->sub[i] : name;
		if (!part)
			break;
		int n = snprintf(buf + used, size - used, "/%s", part);
		if (n < 0 || (size_t)n >= size - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "/");
	return 0;
}

static int path_of(const struct fs_ctx *ctx, const struct fs_object *obj, const char *name, char *buf,
		   size_t size, struct hv_error *err)
{
	if (fs_tree_path(obj, name, buf, size) < 0)
		return hv_error_set(err, ENAMETOOLONG, "the %s/ view goes %d levels deep", fs_tree_dir(ctx),
				    FS_SUB_MAX - 2);
	return 0;
}

static int show_value(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		      struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	auto_free char *value = NULL;
	size_t len;
	int ret = path_of(ctx, obj, NULL, path, sizeof(path), err);

	if (ret == 0)
		ret = hv_tree_read(ctx->conn, path, &value, &len, err);
	if (ret < 0)
		return ret;
	/* Values are bytes; a NUL inside one ends what a text file can show. */
	if (strbuf_append(out, value, strnlen(value, len)) < 0 || strbuf_append(out, "\n", 1) < 0)
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int store_value(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		       struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	int ret = path_of(ctx, obj, NULL, path, sizeof(path), err);

	if (ret < 0)
		return ret;
	if (len > 0 && value[len - 1] == '\n')
		len--;
	return hv_tree_write(ctx->conn, path, value, len, err);
}

static const struct fs_attr value_attr = {
    "value", 0644, FS_ATTR_MEMBER | FS_ATTR_VOLATILE, 0, show_value, store_value,
};

static int list_nodes(struct fs_ctx *ctx, const struct fs_object *obj, struct hv_name_list *out,
		      struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	int ret;

	out->names = NULL;
	out->count = 0;
	if (fs_tree_path(obj, NULL, path, sizeof(path)) < 0 || obj->sub_count >= FS_SUB_MAX - 2)
		return 0; /* the bottom of the view */
	ret = hv_tree_list(ctx->conn, path, out, err);
	if (ret == -EOPNOTSUPP) {
		/* A driver without a tree shows an empty one. */
		hv_error_clear(err);
		return 0;
	}
	if (ret < 0)
		return ret;
	/* Names the mount cannot show (too long for a directory entry). */
	for (size_t i = 0; i < out->count;) {
		if (strlen(out->names[i]) > 255) {
			free(out->names[i]);
			out->names[i] = out->names[--out->count];
		} else {
			i++;
		}
	}
	return 0;
}

/* A file when the node has no children. */
static const struct fs_attr *node_attr_of(struct fs_ctx *ctx, const struct fs_object *obj, const char *name)
{
	char path[HV_TREE_PATH_MAX + 1];
	struct hv_name_list children = {0};
	struct hv_error err = {0};
	bool leaf;

	if (fs_tree_path(obj, name, path, sizeof(path)) < 0)
		return &value_attr;
	if (hv_tree_list(ctx->conn, path, &children, &err) < 0)
		return &value_attr; /* gone or unreadable: a file that will say why */
	leaf = children.count == 0;
	hv_name_list_finish(&children);
	return leaf ? &value_attr : NULL;
}

static int make_node(struct fs_ctx *ctx, const struct fs_object *obj, const char *name, struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	int ret = path_of(ctx, obj, name, path, sizeof(path), err);

	return ret < 0 ? ret : hv_tree_mkdir(ctx->conn, path, err);
}

static int make_file(struct fs_ctx *ctx, const struct fs_object *obj, const char *name, struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	int ret = path_of(ctx, obj, name, path, sizeof(path), err);

	return ret < 0 ? ret : hv_tree_write(ctx->conn, path, "", 0, err);
}

static int remove_node(struct fs_ctx *ctx, const struct fs_object *obj, const char *name,
		       struct hv_error *err)
{
	char path[HV_TREE_PATH_MAX + 1];
	struct hv_name_list children = {0};
	int ret = path_of(ctx, obj, name, path, sizeof(path), err);

	if (ret == 0)
		ret = hv_tree_list(ctx->conn, path, &children, err);
	if (ret < 0)
		return ret;
	bool empty = children.count == 0;
	hv_name_list_finish(&children);
	if (!empty)
		return hv_error_set(err, ENOTEMPTY, "node %s has children: remove them first", path);
	return hv_tree_remove(ctx->conn, path, err);
}

static const struct fs_collection node_collection;

static const struct fs_attr no_attrs[] = {{NULL}};

/* An inner node: only members, no files of its own. */
static const struct fs_dir_type node_type = {
    .name = "tree node",
    .is_sub = true,
    .attrs = no_attrs,
    .collection = &node_collection,
    .uncached = true,
};

static const struct fs_collection node_collection = {
    .kind = HV_KIND_HOST,
    .child_type = &node_type,
    .list = list_nodes,
    .create = make_node,
    .remove = remove_node,
    .attr_of = node_attr_of,
    .create_file = make_file,
};

const char *fs_tree_dir(const struct fs_ctx *ctx)
{
	return ctx->conn ? ctx->conn->ops->tree_dir : NULL;
}

/* At the root, named by the driver; absent when it has no tree. */
const struct fs_dir_type fs_tree_type = {
    .name = "tree",
    .is_object = true,
    .kind = HV_KIND_HOST,
    .attrs = no_attrs,
    .collection = &node_collection,
    .uncached = true,
};
