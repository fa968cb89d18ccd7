/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one fuse_lowlevel_ops table.  Every handler ends in exactly one
 * fuse_reply_*; the work is done by helpers that return 0 or -errno. */
#include "fs/ops.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fs/events.h"
#include "fs/fs.h"
#include "util/log.h"

/* readdir's d_ino for entries the kernel has not looked up: any non-zero
 * value does (glibc hides zero); stat() gives the real one. */
#define UNKNOWN_INO 0xffffffffu

static struct fs_ctx *ctx_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static mode_t effective_mode(const struct fs_ctx *ctx, mode_t mode)
{
	/* --group NAME: the group may write what root may write. */
	if (ctx->options.has_group && (mode & 0200))
		mode |= 0020;
	return mode;
}

/* The object a node belongs to must still exist for the node to. */
static int check_object(struct fs_ctx *ctx, struct node *node, struct hv_error *err)
{
	struct fs_object_names name;
	struct fs_object obj;

	if (node_object(node, &obj, &name) < 0 || obj.kind == HV_KIND_HOST)
		return 0;
	return hv_object_exists(ctx->conn, obj.kind, obj.name, err);
}

/* Nodes in an uncached tree (fs_dir_type.uncached) get timeouts of 0, so
 * that the kernel asks again at every use. */
static bool node_uncached(const struct node *node)
{
	const struct fs_dir_type *type = node->dir ? node->dir : node->parent ? node->parent->dir : NULL;

	return type && type->uncached;
}

static double attr_timeout(const struct fs_ctx *ctx, const struct node *node)
{
	return node_uncached(node) ? 0 : ctx->options.attr_timeout;
}

static double entry_timeout(const struct fs_ctx *ctx, const struct node *node)
{
	return node_uncached(node) ? 0 : ctx->options.entry_timeout;
}

/* What every inode shows alike: root's, the --group's, its mtime. */
static void fill_common_attr(struct fs_ctx *ctx, const struct node *node, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	st->st_uid = 0;
	st->st_gid = ctx->options.has_group ? ctx->options.group : 0;
	st->st_mtim = st->st_ctim = st->st_atim = node->mtime;
	st->st_blksize = 4096;
}

void fs_fill_dir_attr(struct fs_ctx *ctx, const struct node *node, struct stat *st)
{
	fill_common_attr(ctx, node, st);
	/* Collections take mkdir/rmdir/rename, object directories scratch
	 * files: only those are group-writable. */
	bool writable = node->dir->collection || fs_dir_accepts_scratch(node->dir);
	st->st_mode = S_IFDIR | (writable ? effective_mode(ctx, 0755) : 0755);
	st->st_nlink = 2;
}

static int fill_attr(struct fs_ctx *ctx, struct node *node, struct stat *st)
{
	struct hv_error err = {0};
	int ret;

	if (node_is_scratch(node)) {
		fill_common_attr(ctx, node, st);
		scratch_stat(node->scratch, st);
		return 0;
	}
	if (node->dir) {
		ret = check_object(ctx, node, &err);
		if (ret < 0)
			return ret;
		fs_fill_dir_attr(ctx, node, st);
		return 0;
	}
	fill_common_attr(ctx, node, st);
	if (node->attr->flags & FS_ATTR_LINK)
		st->st_mode = S_IFLNK | 0777; /* as every symlink: the target's mode is what counts */
	else
		st->st_mode = S_IFREG | effective_mode(ctx, node->attr->mode);
	st->st_nlink = 1;
	if (node->attr->show) {
		struct strbuf value = STRBUF_INIT;
		ret = fs_attr_render(ctx, node, &value, &err);
		st->st_size = (off_t)value.len;
		strbuf_finish(&value);
		if (ret < 0)
			return ret;
	} else {
		ret = check_object(ctx, node, &err);
		if (ret < 0)
			return ret;
	}
	st->st_blocks = (st->st_size + 511) / 512;
	return 0;
}

void fs_reply_object_entry(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name,
			   const struct fs_dir_type *type)
{
	struct node *node = node_lookup_child(parent, name, type, NULL);
	struct fuse_entry_param e = {0};

	if (!node) {
		fuse_reply_err(req, ENOMEM);
		return;
	}

	fs_fill_dir_attr(ctx, node, &e.attr);
	e.ino = node->ino;
	e.attr_timeout = attr_timeout(ctx, node);
	e.entry_timeout = entry_timeout(ctx, node);
	if (fuse_reply_entry(req, &e) == -ENOENT)
		node_forget(node->table, node->ino, 1);
}

void fs_reply_entry(fuse_req_t req, struct fs_ctx *ctx, struct node *node)
{
	struct fuse_entry_param e = {0};
	int ret = fill_attr(ctx, node, &e.attr);

	if (ret < 0) {
		node_forget(node->table, node->ino, 1);
		fuse_reply_err(req, -ret);
		return;
	}
	e.ino = node->ino;
	e.attr_timeout = attr_timeout(ctx, node);
	e.entry_timeout = entry_timeout(ctx, node);
	if (fuse_reply_entry(req, &e) == -ENOENT)
		node_forget(node->table, node->ino, 1); /* the request was interrupted: no lookup happened */
}

/* What name means inside dir: an attribute, a fixed subdirectory or an
 * object of the collection.  0 or -ENOENT. */
static int resolve_child(struct fs_ctx *ctx, struct node *dir, const char *name,
			 const struct fs_dir_type **type, const struct fs_attr **attr)
{
	struct hv_error err = {0};

	*type = NULL;
	*attr = NULL;
	if (!dir->dir)
		return -ENOTDIR;
	if ((*attr = fs_dir_find_attr(dir->dir, name)))
		return 0;
	if ((*type = fs_dir_find_subdir(ctx, dir->dir, name)))
		return 0;
	const struct fs_collection *c = dir->dir->collection;
	if (c && c->list) {
		int ret = fs_collection_member(ctx, dir, name, type);
		if (ret == 0 && c->link) {
			*type = NULL;
			*attr = c->link;
		} else if (ret == 0 && c->attr_of && (*attr = fs_collection_member_attr(ctx, dir, name))) {
			*type = NULL; /* a file member (a leaf of the driver's tree) */
		}
		return ret;
	}
	if (c && hv_name_is_valid(name) && hv_object_exists(ctx->conn, c->kind, name, &err) == 0) {
		*type = c->child_type;
		return 0;
	}
	return -ENOENT;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent_ino, const char *name)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *parent = node_get(ctx_of(req)->nodes, parent_ino);
	const struct fs_dir_type *type;
	const struct fs_attr *attr;
	int ret;

	if (!parent) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (fs_request_is_self(ctx, req)) {
		switch (fs_self_lookup(ctx, parent, name)) {
		case FS_SELF_ABSENT:
			fuse_reply_err(req, ENOENT);
			return;
		case FS_SELF_PRESENT:
			fs_reply_object_entry(req, ctx, parent, name,
					      fs_collection_child_type(ctx, parent, name));
			return;
		case FS_SELF_NONE:
			break;
		}
	}
	ret = resolve_child(ctx, parent, name, &type, &attr);
	if (ret == 0 && attr &&
	    fs_unlinked_check(ctx->unlinked, parent->ino, attr, fuse_req_ctx(req)->pid, false))
		ret = -ENOENT; /* install(1) between its unlink and its create */
	struct node *node = NULL;
	if (ret == -ENOENT && fs_dir_accepts_scratch(parent->dir))
		node = node_scratch_lookup(parent, name);
	else if (ret == 0 && !(node = node_lookup_child(parent, name, type, attr)))
		ret = -ENOMEM;
	if (!node) {
		fuse_reply_err(req, -ret);
		return;
	}
	fs_reply_entry(req, ctx, node);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	node_forget(ctx_of(req)->nodes, ino, nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		node_forget(ctx_of(req)->nodes, forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	struct stat st;
	int ret = node ? fill_attr(ctx, node, &st) : -ENOENT;

	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, attr_timeout(ctx, node));
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	const struct fs_attr *attr = node ? node_attr(node) : NULL;
	struct strbuf target = STRBUF_INIT;
	struct hv_error err = {0};

	if (!attr || !(attr->flags & FS_ATTR_LINK)) {
		fuse_reply_err(req, node ? EINVAL : ENOENT);
		return;
	}
	int ret = fs_attr_render(ctx, node, &target, &err);
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_readlink(req, strbuf_str(&target));
	strbuf_finish(&target);
}

/* Modes say who may do what and are not for changing; but tools that copy
 * a file's owner and mode onto its replacement (and back) set them to what
 * they are, and that succeeds. */
static int check_ownership_unchanged(struct fs_ctx *ctx, struct node *node, const struct stat *attr,
				     int to_set)
{
	struct stat st;
	int ret = fill_attr(ctx, node, &st);

	if (ret < 0)
		return ret;
	if ((to_set & FUSE_SET_ATTR_MODE) && (attr->st_mode & 07777) != (st.st_mode & 07777))
		return -EPERM;
	if ((to_set & FUSE_SET_ATTR_UID) && attr->st_uid != st.st_uid)
		return -EPERM;
	if ((to_set & FUSE_SET_ATTR_GID) && attr->st_gid != st.st_gid)
		return -EPERM;
	return 0;
}

static int do_setattr(fuse_req_t req, struct fs_ctx *ctx, struct node *node, struct stat *attr, int to_set,
		      struct fuse_file_info *fi)
{
	if (node_is_scratch(node))
		return scratch_setattr(node->scratch, attr, to_set);
	if ((to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    !(node->attr && node->parent &&
	      fs_unlinked_replacing(ctx->unlinked, node->parent->ino, node->attr, fuse_req_ctx(req)->pid))) {
		int ret = check_ownership_unchanged(ctx, node, attr, to_set);
		if (ret < 0)
			return ret;
	}
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (!node->attr || !node->attr->store)
			return node->dir ? -EISDIR : -EACCES;
		if (!fi) {
			struct hv_error err = {0};
			hv_error_set(&err, EINVAL,
				     "truncate(2) cannot set a value: write the new value instead");
			return fs_report_error(ctx, node, "truncate", &err);
		}
		fs_handle_truncate((struct fs_handle *)(uintptr_t)fi->fh, attr->st_size);
	}
	if (to_set & (FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_MTIME_NOW)) {
		struct timespec when = attr->st_mtim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			clock_gettime(CLOCK_REALTIME, &when);
		node_set_mtime(node->table, node->ino, when);
	}
	return 0;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	struct stat st;
	int ret = node ? do_setattr(req, ctx, node, attr, to_set, fi) : -ENOENT;

	if (ret == 0)
		ret = fill_attr(ctx, node, &st);
	/* The notifier's utimensat must not leave the kernel holding valid
	 * attributes: a change made meanwhile relies on the next reader
	 * revalidating (and so dropping stale pages). */
	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fuse_reply_attr(req, &st, fs_request_is_self(ctx, req) ? 0 : attr_timeout(ctx, node));
}

static int open_events(struct fs_ctx *ctx, struct fuse_file_info *fi)
{
	struct events_reader *reader;
	int ret;

	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	ret = events_open(ctx->events, &reader);
	if (ret < 0)
		return ret;
	fi->fh = (uintptr_t)reader;
	fi->direct_io = 1;
	fi->nonseekable = 1;
	return 0;
}

/* Scratch files are plain memory: no page cache, so a scratch renamed over
 * an attribute leaves no stale pages behind on the inode. */
static int open_scratch(struct node *node, struct fuse_file_info *fi)
{
	struct fs_file *file;
	int ret = scratch_open(node->scratch, fi->flags, &file);

	if (ret < 0)
		return ret;
	fi->fh = (uintptr_t)file;
	fi->direct_io = 1;
	return 0;
}

static void release_file(struct fs_ctx *ctx, struct fs_file *file)
{
	if (file->type == FS_FILE_EVENTS)
		events_release(ctx->events, (struct events_reader *)file);
	else if (file->type == FS_FILE_SCRATCH)
		scratch_release(file);
	else
		fs_handle_release((struct fs_handle *)file);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	struct fs_handle *handle = NULL;
	int ret;

	if (!node)
		ret = -ENOENT;
	else if (node->dir)
		ret = -EISDIR;
	else if (node_is_scratch(node))
		ret = open_scratch(node, fi);
	else if (node->attr->flags & FS_ATTR_EVENTS)
		ret = open_events(ctx, fi);
	else
		ret = fs_handle_open(ctx, node, fi->flags, &handle);
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	if (handle) {
		fi->fh = (uintptr_t)handle;
		/* Writers bypass the page cache: the value they write is not
		 * the value that results (512M becomes 524288). */
		fi->direct_io = fs_handle_direct_io(handle) || (fi->flags & O_ACCMODE) != O_RDONLY;
		fi->keep_cache = !fi->direct_io && fs_handle_keep_cache(handle);
		fi->noflush = fs_handle_no_flush(handle);
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		release_file(ctx,
			     (struct fs_file *)(uintptr_t)fi->fh); /* interrupted: no release will come */
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t offset, struct fuse_file_info *fi)
{
	struct fs_file *file = (struct fs_file *)(uintptr_t)fi->fh;
	if (file->type == FS_FILE_EVENTS) {
		events_read(ctx_of(req)->events, (struct events_reader *)file, req, size, fi->flags);
		return;
	}
	if (file->type == FS_FILE_SCRATCH) {
		char *buf = malloc(size ? size : 1);
		ssize_t got = buf ? scratch_read(file, offset, buf, size) : -ENOMEM;
		if (got < 0)
			fuse_reply_err(req, (int)-got);
		else
			fuse_reply_buf(req, buf, (size_t)got);
		free(buf);
		return;
	}
	struct fs_handle *handle = (struct fs_handle *)file;
	const char *data;
	size_t len;
	int ret = fs_handle_read(handle, offset, size, &data, &len);

	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	fuse_reply_buf(req, data, len);
	fs_handle_read_done(handle);
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t offset,
		     struct fuse_file_info *fi)
{
	struct fs_file *file = (struct fs_file *)(uintptr_t)fi->fh;
	ssize_t ret = file->type == FS_FILE_SCRATCH
			  ? scratch_write(file, offset, buf, size)
			  : fs_handle_write((struct fs_handle *)file, offset, buf, size);

	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else
		fuse_reply_write(req, (size_t)ret);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fs_file *file = (struct fs_file *)(uintptr_t)fi->fh;

	fuse_reply_err(req, file->type == FS_FILE_ATTR ? -fs_handle_flush((struct fs_handle *)file) : 0);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	release_file(ctx_of(req), (struct fs_file *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
	struct fs_file *file = (struct fs_file *)(uintptr_t)fi->fh;
	unsigned revents;

	if (file->type == FS_FILE_EVENTS) {
		revents = events_poll(ctx_of(req)->events, (struct events_reader *)file, ph);
	} else if (file->type == FS_FILE_SCRATCH) {
		revents = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM;
		if (ph)
			fuse_pollhandle_destroy(ph);
	} else
		revents = fs_handle_poll((struct fs_handle *)file, ph);
	fuse_reply_poll(req, revents);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	/* Values are applied (and persisted by the driver) before write or
	 * close returns: there is nothing left to sync. */
	fuse_reply_err(req, 0);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st = {
	    .f_bsize = 4096,
	    .f_frsize = 4096,
	    .f_namemax = HV_NAME_MAX,
	};

	fuse_reply_statfs(req, &st);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent_ino, const char *name, mode_t mode)
{
	fs_ops_mkdir(req, ctx_of(req), node_get(ctx_of(req)->nodes, parent_ino), name);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent_ino, const char *name)
{
	fuse_reply_err(req, -fs_ops_rmdir(req, ctx_of(req), node_get(ctx_of(req)->nodes, parent_ino), name));
}

static void op_rename(fuse_req_t req, fuse_ino_t parent_ino, const char *name, fuse_ino_t newparent_ino,
		      const char *newname, unsigned int flags)
{
	fuse_reply_err(req, -fs_ops_rename(req, ctx_of(req), node_get(ctx_of(req)->nodes, parent_ino), name,
					   node_get(ctx_of(req)->nodes, newparent_ino), newname, flags));
}

int fs_scratch_create(fuse_req_t req, struct fs_ctx *ctx, struct node *parent, const char *name, mode_t mode,
		      struct node **out)
{
	const struct fuse_ctx *caller = fuse_req_ctx(req);
	struct hv_error err = {0};
	struct scratch *scratch;
	int ret;

	if (!parent)
		return -ENOENT;
	if (!parent->dir)
		return -ENOTDIR;
	/* Objects are made with mkdir in their collection, nothing else is. */
	if (!fs_dir_accepts_scratch(parent->dir))
		return -EACCES;
	if (fs_dir_find_attr(parent->dir, name) || fs_dir_find_subdir(ctx, parent->dir, name))
		return -EEXIST;
	ret = check_object(ctx, parent, &err);
	if (ret < 0)
		return ret;
	scratch = scratch_new(ctx->scratch_budget, mode, caller->uid, caller->gid);
	if (!scratch)
		return -ENOMEM;
	ret = node_scratch_add(parent, name, scratch, S_ISDIR(mode), out);
	if (ret < 0)
		scratch_unref(scratch);
	return ret;
}

/* Looks up (and so references) the attribute node name of parent and opens
 * it with flags into fi; the reference is dropped again when the open fails. */
static int open_attr_child(struct fs_ctx *ctx, struct node *parent, const char *name,
			   const struct fs_attr *attr, int flags, struct fuse_file_info *fi,
			   struct node **out)
{
	struct node *node = node_lookup_child(parent, name, NULL, attr);
	struct fs_handle *handle;
	int ret;

	if (!node)
		return -ENOMEM;
	ret = fs_handle_open(ctx, node, flags, &handle);
	if (ret < 0) {
		node_forget(node->table, node->ino, 1);
		return ret;
	}
	fi->fh = (uintptr_t)handle;
	fi->direct_io = 1;
	*out = node;
	return 0;
}

/* The create that completes an unlink of attr (fs_unlinked_add): it opens
 * the attribute for writing, as `>` would. */
static int create_replacement(struct fs_ctx *ctx, struct node *parent, const struct fs_attr *attr,
			      struct fuse_file_info *fi, struct node **out)
{
	return open_attr_child(ctx, parent, attr->name, attr, (fi->flags & ~O_ACCMODE) | O_WRONLY | O_TRUNC,
			       fi, out);
}

/* O_CREAT in a collection with file members (the driver's tree): the driver makes
 * the member, which is then opened for writing like any attribute. */
static int create_member(struct fs_ctx *ctx, struct node *parent, const char *name, struct fuse_file_info *fi,
			 struct node **out)
{
	const struct fs_collection *c = parent->dir->collection;
	struct fs_object_names names;
	struct hv_error err = {0};
	const struct fs_attr *attr;
	struct fs_object obj;
	int ret;

	if (node_object(parent, &obj, &names) < 0)
		return -ENOENT;
	struct fs_call call;
	fs_call_begin(&call, ctx, NULL, obj.kind, obj.name);
	ret = c->create_file(ctx, &obj, name, &err);
	fs_call_end(&call);
	if (ret < 0)
		return fs_report_error(ctx, parent, "create", &err);
	if (!(attr = fs_collection_member_attr(ctx, parent, name)))
		return -EISDIR;
	return open_attr_child(ctx, parent, name, attr, fi->flags, fi, out);
}

static void op_create(fuse_req_t req, fuse_ino_t parent_ino, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct fuse_entry_param e = {0};
	struct node *parent = node_get(ctx_of(req)->nodes, parent_ino), *node = NULL;
	const struct fs_attr *attr = parent && parent->dir ? fs_dir_find_attr(parent->dir, name) : NULL;
	int ret;

	if (parent && parent->dir && parent->dir->collection && parent->dir->collection->create_file) {
		ret = create_member(ctx, parent, name, fi, &node);
	} else if (attr && attr->store &&
		   fs_unlinked_check(ctx->unlinked, parent_ino, attr, fuse_req_ctx(req)->pid, true)) {
		ret = create_replacement(ctx, parent, attr, fi, &node);
	} else {
		ret = fs_scratch_create(req, ctx, parent, name, S_IFREG | (mode & 07777), &node);
		if (ret == 0 && (ret = open_scratch(node, fi)) < 0)
			node_forget(node->table, node->ino, 1);
	}
	if (ret == 0 && (ret = fill_attr(ctx, node, &e.attr)) < 0) {
		release_file(ctx, (struct fs_file *)(uintptr_t)fi->fh);
		node_forget(node->table, node->ino, 1);
	}
	if (ret < 0) {
		fuse_reply_err(req, -ret);
		return;
	}
	e.ino = node->ino;
	e.attr_timeout = ctx->options.attr_timeout;
	e.entry_timeout = entry_timeout(ctx, node);
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		release_file(ctx, (struct fs_file *)(uintptr_t)fi->fh);
		node_forget(node->table, node->ino, 1);
	}
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent_ino, const char *name, mode_t mode, dev_t rdev)
{
	struct fs_ctx *ctx = ctx_of(req);
	struct node *node;
	int ret = S_ISREG(mode) ? fs_scratch_create(req, ctx, node_get(ctx_of(req)->nodes, parent_ino), name,
						    mode, &node)
				: -EPERM;

	if (ret < 0)
		fuse_reply_err(req, -ret);
	else
		fs_reply_entry(req, ctx, node);
}

static int do_unlink(fuse_req_t req, struct node *parent, const char *name)
{
	const struct fs_attr *attr;

	if (!parent)
		return -ENOENT;
	if (!parent->dir)
		return -ENOTDIR;
	if ((attr = fs_dir_find_attr(parent->dir, name))) {
		/* Attributes are the object's and cannot go; a writable one
		 * may be about to be replaced (install(1) unlinks first). */
		if (!attr->store || !fs_dir_accepts_scratch(parent->dir))
			return -EPERM;
		fs_unlinked_add(ctx_of(req)->unlinked, parent->ino, attr, fuse_req_ctx(req)->pid);
		node_detach(parent, name);
		return 0;
	}
	if (parent->dir->collection && parent->dir->collection->link)
		return -EPERM; /* an index of links the driver's objects make */
	if (parent->dir->collection && parent->dir->collection->attr_of)
		return fs_collection_unlink(fuse_req_userdata(req), parent, name);
	if (fs_dir_find_subdir(ctx_of(req), parent->dir, name) || parent->dir->collection)
		return -EISDIR;
	if (!fs_dir_accepts_scratch(parent->dir))
		return -ENOENT;
	return node_scratch_remove(parent, name, false);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent_ino, const char *name)
{
	fuse_reply_err(req, -do_unlink(req, node_get(ctx_of(req)->nodes, parent_ino), name));
}

/* Extended attributes live on scratch files only; the other files have
 * none and take none. */
static void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name, const char *value, size_t size,
			int flags)
{
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	int ret = !node			  ? -ENOENT
		  : node_is_scratch(node) ? scratch_setxattr(node->scratch, name, value, size, flags)
					  : -EOPNOTSUPP;

	fuse_reply_err(req, -ret);
}

static void reply_xattr(fuse_req_t req, size_t size,
			ssize_t (*get)(struct node *, const char *, char *, size_t), struct node *node,
			const char *name)
{
	char *buf = size ? malloc(size) : NULL;
	ssize_t ret = size && !buf ? -ENOMEM : get(node, name, buf, size);

	if (ret < 0)
		fuse_reply_err(req, (int)-ret);
	else if (size == 0)
		fuse_reply_xattr(req, (size_t)ret);
	else
		fuse_reply_buf(req, buf, (size_t)ret);
	free(buf);
}

static ssize_t get_xattr(struct node *node, const char *name, char *buf, size_t size)
{
	return node_is_scratch(node) ? scratch_getxattr(node->scratch, name, buf, size) : -ENODATA;
}

static ssize_t list_xattr(struct node *node, const char *name, char *buf, size_t size)
{
	return node_is_scratch(node) ? scratch_listxattr(node->scratch, buf, size) : 0;
}

static void op_getxattr(fuse_req_t req, fuse_ino_t ino, const char *name, size_t size)
{
	struct node *node = node_get(ctx_of(req)->nodes, ino);

	if (!node)
		fuse_reply_err(req, ENOENT);
	else
		reply_xattr(req, size, get_xattr, node, name);
}

static void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	struct node *node = node_get(ctx_of(req)->nodes, ino);

	if (!node)
		fuse_reply_err(req, ENOENT);
	else
		reply_xattr(req, size, list_xattr, node, NULL);
}

static void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct node *node = node_get(ctx_of(req)->nodes, ino);
	int ret = !node			  ? -ENOENT
		  : node_is_scratch(node) ? scratch_removexattr(node->scratch, name)
					  : -ENODATA;

	fuse_reply_err(req, -ret);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	/* O_TRUNC arrives with open() instead of as a separate truncate, so
	 * `echo x > file` is one open+write+close. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	/* Writes must reach us synchronously: a value is applied, and its
	 * error returned, by the write(2) or close(2) that carried it. */
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	/* Cached pages are dropped when a file's mtime changes: every change
	 * touches the node, so invalidating attributes is enough. */
	if (conn->capable & FUSE_CAP_AUTO_INVAL_DATA)
		conn->want |= FUSE_CAP_AUTO_INVAL_DATA;
}

const struct fuse_lowlevel_ops fs_ops = {
    .init = op_init,
    .lookup = op_lookup,
    .forget = op_forget,
    .forget_multi = op_forget_multi,
    .getattr = op_getattr,
    .readlink = op_readlink,
    .setattr = op_setattr,
    .mknod = op_mknod,
    .mkdir = op_mkdir,
    .unlink = op_unlink,
    .rmdir = op_rmdir,
    .rename = op_rename,
    .open = op_open,
    .read = op_read,
    .write = op_write,
    .flush = op_flush,
    .release = op_release,
    .fsync = op_fsync,
    .opendir = fs_ops_opendir,
    .readdir = fs_ops_readdir,
    .releasedir = fs_ops_releasedir,
    .statfs = op_statfs,
    .create = op_create,
    .setxattr = op_setxattr,
    .getxattr = op_getxattr,
    .listxattr = op_listxattr,
    .removexattr = op_removexattr,
    .poll = op_poll,
};
