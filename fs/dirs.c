/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Directories: listings (a snapshot per opendir, so that offsets stay
 * meaningful while objects come and go) and the collection operations
 * mkdir = define, rmdir = undefine, rename = rename. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/ops.h"
#include "util/log.h"

#define UNKNOWN_INO 0xffffffffu

struct dir_entry {
	char *name;
	mode_t type; /* S_IFDIR or S_IFREG */
};

struct dir_listing {
	struct dir_entry *entries;
	size_t count;
	size_t cap;
	bool built; /* else built by the first readdir (cacheable listings) */
};

static int listing_add(struct dir_listing *l, const char *name, mode_t type)
{
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct dir_entry *more = realloc(l->entries, cap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		l->entries = more;
		l->cap = cap;
	}
	if (!(l->entries[l->count].name = strdup(name)))
		return -ENOMEM;
	l->entries[l->count++].type = type;
	return 0;
}

static void listing_destroy(struct dir_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->entries[i].name);
	free(l->entries);
	free(l);
}

static int add_scratch_entry(const char *name, bool is_dir, void *opaque)
{
	return listing_add(opaque, name, is_dir ? S_IFDIR : S_IFREG);
}

/* The members of dir's collection: the kind's objects, or the sub-objects
 * its list() gives for the object dir belongs to. */
static int list_members(struct fs_ctx *ctx, struct node *dir, struct hv_name_list *names,
			struct hv_error *err)
{
	const struct fs_collection *c = dir->dir->collection;
	struct fs_object_names obj_names;
	struct fs_object obj;

	if (!c->list)
		return hv_object_list(ctx->conn, c->kind, names, err);
	if (node_object(dir, &obj, &obj_names) < 0)
		return hv_error_set(err, ENOENT, "the object is gone");
	return c->list(ctx, &obj, names, err);
}

const struct fs_dir_type *fs_collection_child_type(struct fs_ctx *ctx, struct node *dir, const char *name)
{
	const struct fs_collection *c = dir->dir->collection;
	struct fs_object_names obj_names;
	struct fs_object obj;

	if (c->type_of && node_object(dir, &obj, &obj_names) == 0)
		return c->type_of(ctx, &obj, name);
	return c->child_type;
}

int fs_collection_member(struct fs_ctx *ctx, struct node *dir, const char *name,
			 const struct fs_dir_type **type)
{
	struct hv_name_list names = {0};
	struct hv_error err = {0};
	int ret = -EIO;

	/* An object is asked for by name, which costs the same with 10 or
	 * 10,000 of them (docs/design.md, "Object tables"); only when the
	 * driver cannot answer for it (a definition it cannot read) does the
	 * listing decide, so that such an object can still be removed. */
	if (!dir->dir->collection->list) {
		ret = hv_object_exists(ctx->conn, dir->dir->collection->kind, name, &err);
		hv_error_clear(&err);
	}
	if (ret == 0 || ret == -ENOENT) {
		if (ret == 0)
			*type = fs_collection_child_type(ctx, dir, name);
		return ret;
	}
	ret = list_members(ctx, dir, &names, &err);
	if (ret == 0) {
		ret = -ENOENT;
		for (size_t i = 0; i < names.count && ret < 0; i++)
			if (strcmp(names.names[i], name) == 0)
				ret = 0;
	}
	hv_name_list_finish(&names);
	if (ret == 0)
		*type = fs_collection_child_type(ctx, dir, name);
	/* A backend that failed is not an absent name (the backend's daemon gone). */
	if (ret == -EIO)
		log_warning("looking up %s: %s", name, err.message);
	return ret == -EIO ? -EIO : ret < 0 ? -ENOENT : 0;
}

const struct fs_attr *fs_collection_member_attr(struct fs_ctx *ctx, struct node *dir, const char *name)
{
	const struct fs_collection *c = dir->dir->collection;
	struct fs_object_names obj_names;
	struct fs_object obj;

	if (!c || !c->attr_of || node_object(dir, &obj, &obj_names) < 0)
		return NULL;
	return c->attr_of(ctx, &obj, name);
}

int fs_collection_unlink(struct fs_ctx *ctx, struct node *parent, const char *name)
{
	const struct fs_collection *c = parent->dir->collection;
	struct fs_object_names obj_names;
	struct hv_error err = {0};
	struct fs_object obj;
	int ret;

	if (!fs_collection_member_attr(ctx, parent, name))
		return fs_collection_member(ctx, parent, name, &(const struct fs_dir_type *){NULL}) < 0
			   ? -ENOENT
			   : -EISDIR;
	if (!c->remove)
		return -EPERM;
	if (node_object(parent, &obj, &obj_names) < 0)
		return -ENOENT;
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, obj.kind, obj.name);
	ret = c->remove(ctx, &obj, name, &err);
	fs_call_end(&call);
	if (ret < 0)
		return fs_report_error(ctx, parent, "unlink", &err);
	node_detach(parent, name);
	return 0;
}

/* mkdir/rmdir in a sub-object collection. */
static int change_member(struct fs_ctx *ctx, struct node *parent, const char *name, bool create)
{
	const struct fs_collection *c = parent->dir->collection;
	int (*fn)(struct fs_ctx *, const struct fs_object *, const char *, struct hv_error *) =
	    create ? c->create : c->remove;
	struct fs_object_names obj_names;
	struct hv_error err = {0};
	struct fs_object obj;

	if (!fn)
		return -EPERM;
	if (node_object(parent, &obj, &obj_names) < 0)
		return -ENOENT;
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, obj.kind, obj.name);
	int ret = fn(ctx, &obj, name, &err);
	fs_call_end(&call);
	if (ret == 0) {
		if (!create)
			node_detach(parent, name);
		return 0;
	}
	return fs_report_error(ctx, parent, create ? "mkdir" : "rmdir", &err);
}

static int build_listing(struct fs_ctx *ctx, struct node *dir, struct dir_listing *l)
{
	const struct fs_dir_type *type = dir->dir;
	int ret = 0;

	ret = listing_add(l, ".", S_IFDIR);
	if (ret == 0)
		ret = listing_add(l, "..", S_IFDIR);
	for (const struct fs_subdir *s = type->subdirs; ret == 0 && !fs_subdir_end(s); s++)
		if (fs_subdir_name(ctx, s))
			ret = listing_add(l, fs_subdir_name(ctx, s), S_IFDIR);
	for (const struct fs_attr *a = type->attrs; ret == 0 && a && a->name; a++)
		ret = listing_add(l, a->name, S_IFREG);
	if (ret == 0 && type->collection) {
		struct hv_name_list names = {0};
		struct hv_error err = {0};
		ret = list_members(ctx, dir, &names, &err);
		if (ret < 0)
			log_warning("listing %s failed: %s", type->name, err.message);
		mode_t kind = type->collection->link ? S_IFLNK : S_IFDIR;
		for (size_t i = 0; ret == 0 && i < names.count; i++) {
			mode_t member = kind;
			if (type->collection->attr_of && fs_collection_member_attr(ctx, dir, names.names[i]))
				member = S_IFREG;
			ret = listing_add(l, names.names[i], member);
		}
		hv_name_list_finish(&names);
	}
	if (ret == 0 && fs_dir_accepts_scratch(type))
		ret = node_scratch_foreach(dir, add_scratch_entry, l);
	return ret;
}

/* The kernel may keep a listing in its readdir cache across opens when
 * every change of it is made known: domains/, networks/ and pools/ change
 * only by mkdir/rmdir/rename through the mount (the kernel then drops the
 * cache itself) or by the driver (notify.c gives the directory a new mtime
 * and invalidates its attributes, which makes the kernel drop the cache at
 * the next listing).  Sub-object collections, whose classes come and go
 * as a side effect, and uncached trees are listed afresh every time. */
static bool listing_cacheable(const struct fs_dir_type *type)
{
	return type->collection && !type->collection->list && !type->uncached &&
	       !fs_dir_accepts_scratch(type);
}

void fs_ops_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = fuse_req_userdata(req);
	struct node *node = node_get(ctx->nodes, ino);
	struct hv_error err = {0};
	struct dir_listing *l;
	int ret;

	if (!node || !node->dir) {
		fuse_reply_err(req, node ? ENOTDIR : ENOENT);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* The directory of a vanished object is empty and gone. */
	struct fs_object_names name;
	struct fs_object obj;
	if (node_object(node, &obj, &name) == 0 && obj.kind != HV_KIND_HOST &&
	    (ret = hv_object_exists(ctx->conn, obj.kind, obj.name, &err)) < 0) {
		listing_destroy(l);
		fuse_reply_err(req, -ret);
		return;
	}
	if (listing_cacheable(node->dir)) {
		/* While the kernel's cache holds the listing no READDIR comes:
		 * taking the names now would be work for nothing. */
		fi->cache_readdir = 1;
		fi->keep_cache = 1;
	} else {
		ret = build_listing(ctx, node, l);
		if (ret < 0) {
			listing_destroy(l);
			fuse_reply_err(req, -ret);
			return;
		}
		l->built = true;
	}
	fi->fh = (uintptr_t)l;
	if (fuse_reply_open(req, fi) == -ENOENT)
		listing_destroy(l);
}

void fs_ops_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, struct fuse_file_info *fi)
{
	struct dir_listing *l = (struct dir_listing *)(uintptr_t)fi->fh;
	struct node *dir = node_get(((struct fs_ctx *)fuse_req_userdata(req))->nodes, ino);
	char *buf = malloc(size);
	size_t used = 0;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* The kernel serializes the readdirs of one open directory. */
	if (dir && !l->built) {
		int ret = build_listing(fuse_req_userdata(req), dir, l);
		if (ret < 0) {
			/* Nothing half-built stays: the next readdir starts over. */
			for (size_t i = 0; i < l->count; i++)
				free(l->entries[i].name);
			l->count = 0;
			free(buf);
			fuse_reply_err(req, -ret);
			return;
		}
		l->built = true;
	}
	for (size_t i = (size_t)offset; dir && i < l->count; i++) {
		struct stat st = {.st_mode = l->entries[i].type};
		const char *name = l->entries[i].name;
		if (strcmp(name, ".") == 0)
			st.st_ino = ino;
		else if (strcmp(name, "..") == 0)
			st.st_ino = dir->parent ? dir->parent->ino : ino;
		else
			st.st_ino = node_child_ino(dir, name);
		if (st.st_ino == 0)
			st.st_ino = UNKNOWN_INO;
		size_t need = fuse_add_direntry(req, buf + used, size - used, name, &st, (off_t)(i + 1));
		if (need > size - used)
			break;
		used += need;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
}

void fs_ops_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	listing_destroy((struct dir_listing *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static int report_collection_error(struct fs_ctx *ctx, struct node *parent, const char *name,
				   const char *what, struct hv_error *err, bool object_exists)
{
	char path[512];

	if (err->code == 0)
		err->code = EIO;
	node_path(parent, path, sizeof(path));
	log_warning("%s/%s: %s failed: %s (%s)", path, name, what, err->message, strerrorname_np(err->code));
	if (object_exists) {
		struct fs_object obj = {.kind = parent->dir->collection->kind, .name = name};
		char line[HV_ERROR_MESSAGE_MAX + 64];
		snprintf(line, sizeof(line), "%s: %s", what, err->message);
		last_errors_set(ctx->last_errors, &obj, line);
		fs_notify_last_error(ctx, &obj);
	}
	return -err->code;
}

void fs_ops_mkdir(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name)
{
	struct hv_error err = {0};
	int ret;

	if (!parent || !parent->dir) {
		fuse_reply_err(req, parent ? ENOTDIR : ENOENT);
		return;
	}
	if (parent->dir->collection && parent->dir->collection->list) {
		const struct fs_dir_type *type;
		/* The notifier announcing a sub-object the driver already made. */
		ret = fs_request_is_self(ctx, req) ? 0 : change_member(ctx, parent, name, true);
		if (ret == 0)
			ret = fs_collection_member(ctx, parent, name, &type);
		if (ret < 0)
			fuse_reply_err(req, -ret);
		else
			fs_reply_object_entry(req, ctx, parent, name, type);
		return;
	}
	if (!parent->dir->collection) {
		struct node *node;
		if (!fs_dir_accepts_scratch(parent->dir))
			ret = -EPERM;
		else
			ret = fs_scratch_create(req, ctx, parent, name, S_IFDIR | 0755, &node);
		if (ret < 0)
			fuse_reply_err(req, -ret);
		else
			fs_reply_entry(req, ctx, node);
		return;
	}
	if (fs_request_is_self(ctx, req)) {
		/* The notifier announcing an object the driver already made. */
		if (hv_object_exists(ctx->conn, parent->dir->collection->kind, name, &err) < 0) {
			fuse_reply_err(req, ENOENT);
			return;
		}
		fs_reply_object_entry(req, ctx, parent, name, parent->dir->collection->child_type);
		return;
	}
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, parent->dir->collection->kind, name);
	ret = hv_object_define(ctx->conn, parent->dir->collection->kind, name, NULL, 0, &err);
	fs_call_end(&call);
	if (ret < 0) {
		fuse_reply_err(req, -report_collection_error(ctx, parent, name, "mkdir", &err, false));
		return;
	}
	fs_reply_object_entry(req, ctx, parent, name, parent->dir->collection->child_type);
}

int fs_ops_rmdir(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name)
{
	struct hv_error err = {0};
	int ret;

	if (!parent || !parent->dir)
		return parent ? -ENOTDIR : -ENOENT;
	if (parent->dir->collection && fs_request_is_self(ctx, req)) {
		/* The notifier announcing an object (or sub-object) the driver
		 * already removed. */
		node_detach(parent, name);
		return 0;
	}
	if (parent->dir->collection && parent->dir->collection->list)
		return change_member(ctx, parent, name, false);
	if (!parent->dir->collection) {
		if (fs_dir_find_attr(parent->dir, name))
			return -ENOTDIR;
		if (fs_dir_find_subdir(ctx, parent->dir, name))
			return -EPERM;
		if (!fs_dir_accepts_scratch(parent->dir))
			return -ENOENT;
		return node_scratch_remove(parent, name, true);
	}
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, parent->dir->collection->kind, name);
	ret = hv_object_undefine(ctx->conn, parent->dir->collection->kind, name, &err);
	fs_call_end(&call);
	if (ret < 0)
		return report_collection_error(ctx, parent, name, "rmdir", &err, err.code != ENOENT);
	return 0;
}

/* A scratch file renamed over an attribute is a write of its content,
 * with the same checks; only if that succeeds does the rename happen. */
/* The object attr of directory dir shows, as a write of the file itself
 * would see it: a keyed file's key is its name, the innermost sub. */
static int attr_object(struct node *dir, const struct fs_attr *attr, struct fs_object *obj,
		       struct fs_object_names *names)
{
	int ret = node_object(dir, obj, names);

	if (ret < 0 || !(attr->flags & FS_ATTR_KEYED))
		return ret;
	if (obj->sub_count >= FS_SUB_MAX)
		return -ENAMETOOLONG;
	snprintf(names->sub[obj->sub_count], sizeof(names->sub[0]), "%s", attr->name);
	obj->sub[obj->sub_count] = names->sub[obj->sub_count];
	obj->sub_count++;
	return 0;
}

static int rename_over_attribute(struct fs_ctx *ctx, struct node *parent, const char *name,
				 struct node *new_parent, const struct fs_attr *attr)
{
	char what[128];
	struct fs_object_names obj_name;
	struct hv_error err = {0};
	struct fs_object obj;
	bool is_dir = false;
	fuse_ino_t ino;
	char *data = NULL;
	size_t len = 0;
	int ret;

	struct scratch *scratch = node_scratch_get(parent, name, &is_dir);
	if (!scratch)
		return -ENOENT;
	ret = is_dir ? -EISDIR : scratch_contents(scratch, &data, &len);
	scratch_unref(scratch);
	if (ret < 0)
		return ret;
	snprintf(what, sizeof(what), "rename over %s", attr->name);
	size_t limit = (attr->flags & FS_ATTR_DOCUMENT) ? FS_XML_VALUE_MAX : FS_ATTR_VALUE_MAX;
	if (!attr->store)
		hv_error_set(&err, EACCES, "%s is read-only", attr->name);
	else if (len > limit)
		hv_error_set(&err, EFBIG, "the value is larger than %zu bytes", limit);
	else if (attr_object(new_parent, attr, &obj, &obj_name) < 0)
		hv_error_set(&err, ENOENT, "the object is gone");
	else {
		/* The kernel reports the rename (IN_MOVED_TO), not a write: the
		 * file's IN_MODIFY is the notifier's. */
		struct fs_call call;
		fs_call_begin(&call, ctx, NULL, obj.kind, obj.name);
		attr->store(ctx, &obj, data, len, &err);
		fs_call_end(&call);
	}
	free(data);
	if (err.code)
		return fs_report_error(ctx, new_parent, what, &err);
	ret = node_scratch_become_attr(parent, name, new_parent, attr, &ino);
	if (ret < 0)
		return ret; /* the scratch went meanwhile: the value is applied all the same */
	/* The kernel keeps the scratch file's inode under the attribute's name:
	 * make it forget the scratch's mode, owner and size. */
	fuse_lowlevel_notify_inval_inode(ctx->session, ino, -1, 0);
	return 0;
}

/* Renames inside object directories: scratch entries move freely between
 * them, and may replace an attribute; attributes and subdirectories are
 * the object's and stay where they are. */
static int rename_in_object(struct fs_ctx *ctx, struct node *parent, const char *name,
			    struct node *new_parent, const char *new_name, unsigned flags)
{
	if (fs_dir_find_attr(parent->dir, name) || fs_dir_find_subdir(ctx, parent->dir, name))
		return -EPERM;
	if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	/* A scratch file never becomes an object. */
	if (!new_parent->dir || !fs_dir_accepts_scratch(new_parent->dir))
		return -EXDEV;
	const struct fs_attr *attr = fs_dir_find_attr(new_parent->dir, new_name);
	if (attr && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (attr)
		return rename_over_attribute(ctx, parent, name, new_parent, attr);
	if (fs_dir_find_subdir(ctx, new_parent->dir, new_name))
		return -EEXIST;
	return node_scratch_move(parent, name, new_parent, new_name, flags & RENAME_NOREPLACE);
}

int fs_ops_rename(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name,
		  struct node *new_parent, const char *new_name, unsigned flags)
{
	struct hv_error err = {0};
	int ret;

	if (!parent || !new_parent)
		return -ENOENT;
	if (parent == new_parent && parent->dir && parent->dir->collection && fs_request_is_self(ctx, req)) {
		/* The notifier announcing a rename the driver already made. */
		node_rename(parent, name, new_name);
		return 0;
	}
	if (parent->dir && fs_dir_accepts_scratch(parent->dir))
		return rename_in_object(ctx, parent, name, new_parent, new_name, flags);
	if (flags & RENAME_EXCHANGE)
		return -EINVAL; /* objects cannot trade names atomically */
	if (parent != new_parent)
		return -EXDEV;
	if (!parent->dir || !parent->dir->collection || parent->dir->collection->list)
		return -EPERM;
	if (strcmp(name, new_name) == 0)
		return 0;
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, parent->dir->collection->kind, name);
	ret = hv_object_rename(ctx->conn, parent->dir->collection->kind, name, new_name, &err);
	fs_call_end(&call);
	if (ret < 0)
		return report_collection_error(ctx, parent, name, "rename", &err, err.code != ENOENT);
	node_rename(parent, name, new_name);
	return 0;
}
