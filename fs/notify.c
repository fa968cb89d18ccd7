/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changes, whatever their origin, made visible: to the kernel's caches, to
 * inotify watchers, to poll(2)ers and to readers of `events`.
 *
 * The kernel emits no inotify event for FUSE's invalidation notices, but it
 * does for operations on the mount.  So a notifier thread performs, on its
 * own mount, the operation a local change would have been: utimensat(mtime
 * only) gives IN_MODIFY on a file (and, through the parent's watch, on its
 * directory); mkdir/rmdir/rename give IN_CREATE/IN_DELETE/IN_MOVED_* in the
 * collection directory.  Handlers recognise the notifier's requests (by
 * thread id) and answer them from the model without calling the driver, so
 * nothing loops.  Example: the test driver completes a shutdown on its timer
 * thread; fs_on_change() touches and invalidates domains/x/state and
 * domains/x/id at once (a reader sees the new value from then on), appends
 * "domains/x stopped shutdown" and two "changed" lines to `events`, and
 * queues the object; the notifier then wakes pollers and calls
 * utimensat("MNT/domains/x/state") and ("MNT/domains/x/id").
 *
 * Why it cannot deadlock: invalidation in the callback is attribute-only
 * (offset -1: no page locks, no inode locks), so it is safe in any thread,
 * including a handler.  Everything that takes kernel locks (entry
 * invalidation, the self-operations) runs on the notifier thread, which no
 * handler ever waits for.  When a change is caused by a request, the kernel
 * already reports the operation itself, so only the other files get events.
 *
 * Bursts coalesce: a queued modification of an object absorbs later ones. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs/events.h"
#include "fs/fs.h"
#include "util/log.h"

#define QUEUE_MAX 4096

void fs_call_begin(struct fs_call *call, struct fs_ctx *ctx, const struct node *file,
		   enum hv_object_kind kind, const char *name)
{
	call->origin.file = file;
	hv_call_begin(&call->scope, ctx->conn, &call->origin, kind, name);
}

void fs_call_end(struct fs_call *call)
{
	hv_call_end(&call->scope);
}

/* Whether the kernel reported the change itself: a request caused it by an
 * operation on a directory entry. */
static bool entry_op_reported(const struct hv_change *change)
{
	return change->origin && !change->origin->file;
}

/* Whether attr's IN_MODIFY is the kernel's: the change came from a write
 * of that very file. */
static bool write_reported(const struct hv_change *change, const struct fs_attr *attr)
{
	return change->origin && change->origin->file && node_attr(change->origin->file) == attr;
}

struct queued_change {
	struct queued_change *next;
	enum hv_object_kind kind;
	enum hv_change_type type;
	uint64_t attr_bits; /* MODIFIED: indexes into the directory type's attrs */
	uint64_t skip_bits; /* files whose event the kernel produced itself */
	char name[HV_NAME_MAX + 1];
	/* MODIFIED of a fixed subdirectory's files (domain_keys); "" for the
	 * object's own directory. */
	char dir[32];
	char new_name[HV_NAME_MAX + 1];
	/* A change of a sub-object: "disk/vda" below domains/NAME/devices,
	 * "vol1" below pools/NAME/volumes; "" for the object itself. */
	char sub[HV_DEVICE_CLASS_MAX + HV_DEVICE_NAME_MAX + 2];
	/* A node of the driver's tree (tree_dir), relative:
	 * "local/domain/0/name"; "" for any other change. */
	char tree_path[256];
};

struct self_op {
	enum hv_change_type type; /* CREATED, DELETED, RENAMED; MODIFIED = none */
	enum hv_object_kind kind;
	char name[HV_NAME_MAX + 1];
	char new_name[HV_NAME_MAX + 1];
	char sub_name[HV_DEVICE_CLASS_MAX + HV_DEVICE_NAME_MAX + 2]; /* a sub-object's own name, or "" */
	/* DELETED of "CLASS/DEV": CLASS, whose directory may already be gone
	 * from the driver's list with its last device, yet must be walked
	 * through to remove DEV. */
	char sub_parent[HV_DEVICE_CLASS_MAX + HV_DEVICE_NAME_MAX + 2];
};

struct notifier {
	pthread_t thread;
	pid_t tid; /* its requests are recognised by this */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queued_change *head, **tail;
	size_t length;
	bool overflowed;
	bool stopping;
	bool has_thread;     /* false: notifier_init() only, the queue is not drained */
	struct self_op self; /* guarded by lock */
};

static void copy_name(char *dst, const char *src)
{
	snprintf(dst, HV_NAME_MAX + 1, "%s", src ? src : "");
}

static const struct fs_dir_type *object_type(enum hv_object_kind kind)
{
	switch (kind) {
	case HV_KIND_DOMAIN:
		return fs_domains_type.collection->child_type;
	case HV_KIND_NETWORK:
		return fs_networks_type.collection->child_type;
	case HV_KIND_POOL:
		return fs_pools_type.collection->child_type;
	case HV_KIND_HOST:
		break;
	}
	return &fs_host_type;
}

/* Whether a file showing attr's fields changed with fields (0: any); a
 * keyed field (HV_FIELDS_KEYED) changes only the file detail names. */
static bool attr_affected(const struct fs_attr *attr, uint32_t fields, const char *detail)
{
	uint32_t shown = attr->fields & fields;

	if (fields == 0)
		return attr->fields != 0;
	if (shown & ~HV_FIELDS_KEYED)
		return true;
	return shown != 0 && (!detail || strcmp(detail, attr->name) == 0);
}

/* The files of a directory whose value shows one of fields (0: any). */
static uint64_t affected_attrs(const struct fs_dir_type *type, uint32_t fields, const char *detail)
{
	uint64_t bits = 0;
	unsigned i = 0;

	for (const struct fs_attr *a = type->attrs; a && a->name && i < 64; a++, i++) {
		if (!a->show || (a->flags & (FS_ATTR_VOLATILE | FS_ATTR_EVENTS)))
			continue; /* statistics are exempt from change notification */
		if (attr_affected(a, fields, detail))
			bits |= 1ULL << i;
	}
	return bits;
}

static uint64_t attr_bit(const struct fs_dir_type *type, const struct fs_attr *attr)
{
	unsigned i = 0;

	for (const struct fs_attr *a = type->attrs; a->name && i < 64; a++, i++)
		if (a == attr)
			return 1ULL << i;
	return 0;
}

/* "domains/test" (or "host") into buf. */
static void object_path(enum hv_object_kind kind, const char *name, char *buf, size_t size)
{
	if (kind == HV_KIND_HOST)
		snprintf(buf, size, "host");
	else
		snprintf(buf, size, "%s/%s", hv_object_kind_dir(kind), name);
}

static void enqueue(struct fs_ctx *ctx, const struct queued_change *change)
{
	struct notifier *n = ctx->notifier;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	if (change->type == HV_CHANGE_MODIFIED) {
		/* Coalesce with a queued modification of the same object that
		 * no creation, deletion or rename follows. */
		struct queued_change *match = NULL;
		for (struct queued_change *q = n->head; q; q = q->next) {
			if (q->kind != change->kind || strcmp(q->name, change->name) != 0 ||
			    strcmp(q->dir, change->dir) != 0 || strcmp(q->sub, change->sub) != 0 ||
			    strcmp(q->tree_path, change->tree_path) != 0)
				continue;
			match = q->type == HV_CHANGE_MODIFIED ? q : NULL;
		}
		if (match) {
			match->skip_bits &= change->skip_bits | ~change->attr_bits;
			match->skip_bits |= change->skip_bits & ~match->attr_bits;
			match->attr_bits |= change->attr_bits;
			pthread_mutex_unlock(&n->lock);
			return;
		}
	}
	struct queued_change *q = n->length < QUEUE_MAX ? malloc(sizeof(*q)) : NULL;
	if (!q) {
		if (!n->overflowed)
			log_warning("change queue full: inotify events are being dropped");
		n->overflowed = true;
	} else {
		*q = *change;
		q->next = NULL;
		*n->tail = q;
		n->tail = &q->next;
		n->length++;
	}
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

/* The node of a file of an object's directory (dir "") or of one of its
 * fixed subdirectories, if the kernel has looked it up: host/[DIR/]ATTR for
 * the host, KIND/NAME/[DIR/]ATTR for the others. */
static fuse_ino_t attr_ino(struct fs_ctx *ctx, enum hv_object_kind kind, const char *name, const char *dir,
			   const struct fs_attr *attr)
{
	const char *parts[4];
	size_t count = 0;

	parts[count++] = hv_object_kind_dir(kind);
	if (kind != HV_KIND_HOST)
		parts[count++] = name;
	if (dir[0])
		parts[count++] = dir;
	parts[count++] = attr->name;
	return node_find_path(ctx->nodes, parts, count);
}

/* The type of an object's directory (dir "") or fixed subdirectory. */
static const struct fs_dir_type *dir_type(const struct fs_ctx *ctx, enum hv_object_kind kind, const char *dir)
{
	return dir[0] ? fs_dir_find_subdir(ctx, object_type(kind), dir) : object_type(kind);
}

/* The files (bits) of an object's directory (or of its fixed subdirectory
 * dir) changed: the kernel's copy goes, before anyone is told. */
static void invalidate_attrs(struct fs_ctx *ctx, enum hv_object_kind kind, const char *name, const char *dir,
			     uint64_t bits)
{
	const struct fs_dir_type *type = dir_type(ctx, kind, dir);
	unsigned i = 0;

	for (const struct fs_attr *a = type && bits ? type->attrs : NULL; a && a->name && i < 64; a++, i++) {
		if (!(bits & (1ULL << i)))
			continue;
		fuse_ino_t ino = attr_ino(ctx, kind, name, dir, a);
		if (ino && __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE)) {
			node_touch(ctx->nodes, ino);
			/* Attributes only (offset -1): lock-free in the kernel, so
			 * safe from any thread; readers revalidate and, seeing the
			 * new mtime, drop their cached pages themselves. */
			fuse_lowlevel_notify_inval_inode(ctx->session, ino, -1, 0);
		}
	}
}

/* After invalidate_attrs: their events lines now, inotify and poll from the
 * notifier thread.  change, when not NULL, is the change that caused it:
 * its origin spares the file its writer's own write(2) reported. */
static void attrs_changed(struct fs_ctx *ctx, enum hv_object_kind kind, const char *name, const char *dir,
			  uint64_t bits, const struct hv_change *change)
{
	const struct fs_dir_type *type = dir_type(ctx, kind, dir);
	struct queued_change q = {.kind = kind, .type = HV_CHANGE_MODIFIED, .attr_bits = bits};
	char path[256], file[320];
	unsigned i = 0;

	if (!type || !bits)
		return;
	copy_name(q.name, name);
	snprintf(q.dir, sizeof(q.dir), "%s", dir);
	object_path(kind, name, path, sizeof(path));
	for (const struct fs_attr *a = type->attrs; a->name && i < 64; a++, i++) {
		if (!(bits & (1ULL << i)))
			continue;
		if (change && write_reported(change, a))
			q.skip_bits |= 1ULL << i;
		snprintf(file, sizeof(file), "%s%s%s/%s", path, dir[0] ? "/" : "", dir, a->name);
		events_append(ctx->events, file, "changed", NULL);
	}
	enqueue(ctx, &q);
}

/* The fixed subdirectories of an object whose files report changes with
 * the object's (a domain's domain_keys, when the driver has them); collections
 * below it (devices/, volumes/) report theirs as sub-objects. */
#define OBJECT_DIRS_MAX 8
static size_t object_dirs(struct fs_ctx *ctx, enum hv_object_kind kind, const char *dirs[OBJECT_DIRS_MAX])
{
	size_t count = 0;

	dirs[count++] = "";
	for (const struct fs_subdir *sub = object_type(kind)->subdirs; !fs_subdir_end(sub); sub++) {
		const char *name = fs_subdir_name(ctx, sub);
		const struct fs_dir_type *type = name ? fs_subdir_type(ctx, sub) : NULL;
		if (type && !type->collection && strlen(name) < sizeof(((struct queued_change *)0)->dir) &&
		    count < OBJECT_DIRS_MAX)
			dirs[count++] = name;
	}
	return count;
}

/* A MODIFIED or LIFECYCLE change of an object: every file that shows what
 * changed is invalidated, then the lifecycle line and one line per file
 * are written (a reader who sees a line reads the new value). */
static void object_changed(struct fs_ctx *ctx, const struct hv_change *change)
{
	const char *dirs[OBJECT_DIRS_MAX];
	uint64_t bits[OBJECT_DIRS_MAX];
	size_t count = object_dirs(ctx, change->kind, dirs);
	char path[256];

	for (size_t i = 0; i < count; i++) {
		bits[i] =
		    affected_attrs(dir_type(ctx, change->kind, dirs[i]), change->fields, change->detail);
		invalidate_attrs(ctx, change->kind, change->name, dirs[i], bits[i]);
	}
	if (change->type == HV_CHANGE_LIFECYCLE) {
		object_path(change->kind, change->name, path, sizeof(path));
		events_append(ctx->events, path, change->event ? change->event : "changed", change->detail);
	}
	for (size_t i = 0; i < count; i++)
		attrs_changed(ctx, change->kind, change->name, dirs[i], bits[i], change);
}

void fs_notify_last_error(struct fs_ctx *ctx, const struct fs_object *obj)
{
	const struct fs_dir_type *type = object_type(obj->kind);
	uint64_t bit = attr_bit(type, fs_dir_find_attr(type, "last_error"));

	invalidate_attrs(ctx, obj->kind, obj->name, "", bit);
	attrs_changed(ctx, obj->kind, obj->name, "", bit, NULL);
}

/* The directory sub-objects of kind live in ("devices", "volumes"). */
static const char *sub_dir(enum hv_object_kind kind)
{
	return kind == HV_KIND_POOL ? "volumes" : "devices";
}

/* The node at kind/name/SUBDIR/sub/attr (attr may be NULL), or 0. */
static fuse_ino_t sub_ino(struct fs_ctx *ctx, enum hv_object_kind kind, const char *name, const char *sub,
			  const char *attr)
{
	char copy[sizeof(((struct queued_change *)0)->sub)];
	const char *parts[FS_SUB_MAX + 4] = {hv_object_kind_dir(kind), name, sub_dir(kind)};
	size_t count = 3;

	snprintf(copy, sizeof(copy), "%s", sub);
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p && count < FS_SUB_MAX + 3;
	     p = strtok_r(NULL, "/", &save))
		parts[count++] = p;
	if (attr)
		parts[count++] = attr;
	return node_find_path(ctx->nodes, parts, count);
}

/* The files of sub-object q->sub to report changed: all of its type's, or
 * the one the driver named (detail). */
static uint64_t sub_attr_bits(const struct fs_dir_type *type, const char *detail)
{
	uint64_t bits = 0;
	unsigned i = 0;

	for (const struct fs_attr *a = type->attrs; a && a->name && i < 64; a++, i++)
		if (a->show && !(a->flags & FS_ATTR_VOLATILE) && (!detail || strcmp(detail, a->name) == 0))
			bits |= 1ULL << i;
	return bits;
}

static void on_sub_change(struct fs_ctx *ctx, const struct hv_change *change)
{
	struct queued_change q = {.kind = change->kind, .type = change->type};
	char path[512];

	copy_name(q.name, change->name);
	snprintf(q.sub, sizeof(q.sub), "%s", change->sub);
	snprintf(path, sizeof(path), "%s/%s/%s/%s", hv_object_kind_dir(change->kind), change->name,
		 sub_dir(change->kind), change->sub);
	/* A request on the collection itself (mkdir, rmdir) got its event
	 * from the kernel; one on a file (attach) did not. */
	bool kernel_reported = entry_op_reported(change);
	switch (change->type) {
	case HV_CHANGE_CREATED:
	case HV_CHANGE_DELETED:
		events_append(ctx->events, path, change->type == HV_CHANGE_CREATED ? "created" : "deleted",
			      NULL);
		if (!kernel_reported)
			enqueue(ctx, &q);
		break;
	case HV_CHANGE_RENAMED:
		break; /* sub-objects are not renamed */
	case HV_CHANGE_MODIFIED:
	case HV_CHANGE_LIFECYCLE: {
		/* Not node_get(): this thread serves no request on the
		 * directory, so the kernel may forget it (and a worker free its
		 * node) meanwhile; its type is static and read under the lock. */
		const struct fs_dir_type *type =
		    node_dir_type(ctx->nodes, sub_ino(ctx, change->kind, change->name, change->sub, NULL));
		if (!type)
			break; /* nobody looked: nothing cached, nobody watching */
		q.attr_bits = sub_attr_bits(type, change->detail);
		unsigned i = 0;
		for (const struct fs_attr *a = type->attrs; a && a->name && i < 64; a++, i++) {
			if (!(q.attr_bits & (1ULL << i)))
				continue;
			fuse_ino_t ino = sub_ino(ctx, change->kind, change->name, change->sub, a->name);
			if (ino && __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE)) {
				node_touch(ctx->nodes, ino);
				fuse_lowlevel_notify_inval_inode(ctx->session, ino, -1, 0);
			}
			if (write_reported(change, a))
				q.skip_bits |= 1ULL << i;
			char file[640];
			snprintf(file, sizeof(file), "%s/%s", path, a->name);
			events_append(ctx->events, file, "changed", NULL);
		}
		q.type = HV_CHANGE_MODIFIED;
		enqueue(ctx, &q);
		break;
	}
	}
}

/* A node of the driver's tree was written or removed (by anyone: the
 * driver watches it): an events line now; IN_MODIFY on its file (or the
 * kernel's forgetting of a removed one) from the notifier thread.  The
 * tree is never cached, so there is no cached value to drop first.  Paths
 * too long for the queue get their events line only. */
static void on_tree_change(struct fs_ctx *ctx, const struct hv_change *change)
{
	struct queued_change q = {.kind = HV_KIND_HOST, .type = change->type};
	const char *rel = change->tree_path + 1; /* without the leading '/' */
	char path[HV_TREE_PATH_MAX + HV_NAME_MAX + 2];

	if (!fs_tree_dir(ctx))
		return; /* a driver that reports what it does not show */
	snprintf(path, sizeof(path), "%s/%s", fs_tree_dir(ctx), rel);
	events_append(ctx->events, path,
		      change->type == HV_CHANGE_DELETED	  ? "deleted"
		      : change->type == HV_CHANGE_CREATED ? "created"
							  : "changed",
		      NULL);
	if (!rel[0] || strlen(rel) >= sizeof(q.tree_path))
		return;
	snprintf(q.tree_path, sizeof(q.tree_path), "%s", rel);
	enqueue(ctx, &q);
}

/* The kernel keeps the listing of domains/ (networks/, pools/) in its
 * readdir cache (dirs.c) and checks the directory's mtime when a listing
 * starts: a new mtime and invalid attributes make the next listing fetch
 * the names afresh.  Done before the events line is appended, so a reader
 * who lists after seeing the line sees the change; the notifier's own
 * mkdir/rmdir/rename comes later, and the kernel invalidates again then. */
static void membership_changed(struct fs_ctx *ctx, enum hv_object_kind kind)
{
	fuse_ino_t dir_ino = node_find(ctx->nodes, hv_object_kind_dir(kind), NULL, NULL);

	if (dir_ino && __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE)) {
		node_touch(ctx->nodes, dir_ino);
		/* Attributes only: safe in any thread (see the top). */
		fuse_lowlevel_notify_inval_inode(ctx->session, dir_ino, -1, 0);
	}
}

void fs_on_change(void *opaque, const struct hv_change *change)
{
	struct fs_ctx *ctx = opaque;
	char path[256], new_path[256];
	struct queued_change q = {.kind = change->kind, .type = change->type};

	if (change->kind == HV_KIND_HOST && change->tree_path && change->tree_path[0] == '/') {
		on_tree_change(ctx, change);
		return;
	}
	if (change->sub && change->name) {
		on_sub_change(ctx, change);
		return;
	}
	copy_name(q.name, change->name);
	copy_name(q.new_name, change->new_name);
	object_path(change->kind, change->name, path, sizeof(path));
	if (change->type == HV_CHANGE_CREATED || change->type == HV_CHANGE_DELETED ||
	    change->type == HV_CHANGE_RENAMED)
		membership_changed(ctx, change->kind);

	switch (change->type) {
	case HV_CHANGE_CREATED:
		events_append(ctx->events, path, "created", NULL);
		if (!entry_op_reported(change))
			enqueue(ctx, &q);
		break;
	case HV_CHANGE_DELETED:
		last_errors_forget(ctx->last_errors, change->kind, change->name);
		events_append(ctx->events, path, "deleted", NULL);
		if (entry_op_reported(change)) {
			struct node *dir = node_get(
			    ctx->nodes, node_find(ctx->nodes, hv_object_kind_dir(change->kind), NULL, NULL));
			if (dir)
				node_detach(dir, change->name);
		} else {
			enqueue(ctx, &q);
		}
		break;
	case HV_CHANGE_RENAMED:
		last_errors_rename(ctx->last_errors, change->kind, change->name, change->new_name);
		object_path(change->kind, change->new_name, new_path, sizeof(new_path));
		events_append(ctx->events, path, "renamed", new_path);
		if (!entry_op_reported(change))
			enqueue(ctx, &q);
		break;
	case HV_CHANGE_LIFECYCLE:
	case HV_CHANGE_MODIFIED:
		object_changed(ctx, change);
		break;
	}
}

/* --- the notifier thread ------------------------------------------------- */

bool fs_request_is_self(struct fs_ctx *ctx, fuse_req_t req)
{
	struct notifier *n = ctx->notifier;

	return n && fuse_req_ctx(req)->pid == n->tid;
}

enum fs_self_answer fs_self_lookup(struct fs_ctx *ctx, const struct node *parent, const char *name)
{
	struct notifier *n = ctx->notifier;
	enum fs_self_answer answer = FS_SELF_NONE;

	if (!n || !parent->dir || !parent->dir->collection)
		return FS_SELF_NONE;
	pthread_mutex_lock(&n->lock);
	if (parent->dir->collection->list) {
		/* A sub-object's mkdir/rmdir (names are only compared: the
		 * notifier makes one request at a time). */
		if (n->self.sub_name[0] && strcmp(name, n->self.sub_name) == 0)
			answer = n->self.type == HV_CHANGE_CREATED ? FS_SELF_ABSENT : FS_SELF_PRESENT;
		else if (n->self.sub_parent[0] && strcmp(name, n->self.sub_parent) == 0)
			answer = FS_SELF_PRESENT;
	} else if (n->self.kind == parent->dir->collection->kind && !n->self.sub_name[0]) {
		switch (n->self.type) {
		case HV_CHANGE_CREATED:
			if (strcmp(name, n->self.name) == 0)
				answer = FS_SELF_ABSENT;
			break;
		case HV_CHANGE_DELETED:
			if (strcmp(name, n->self.name) == 0)
				answer = FS_SELF_PRESENT;
			break;
		case HV_CHANGE_RENAMED:
			if (strcmp(name, n->self.name) == 0)
				answer = FS_SELF_PRESENT;
			else if (strcmp(name, n->self.new_name) == 0)
				answer = FS_SELF_ABSENT;
			break;
		default:
			break;
		}
	}
	pthread_mutex_unlock(&n->lock);
	return answer;
}

static void set_self(struct notifier *n, const struct queued_change *q)
{
	pthread_mutex_lock(&n->lock);
	n->self.type = q ? q->type : HV_CHANGE_MODIFIED;
	n->self.sub_name[0] = '\0';
	n->self.sub_parent[0] = '\0';
	if (q) {
		n->self.kind = q->kind;
		copy_name(n->self.name, q->name);
		copy_name(n->self.new_name, q->new_name);
		const char *last = strrchr(q->sub, '/');
		snprintf(n->self.sub_name, sizeof(n->self.sub_name), "%s", last ? last + 1 : q->sub);
		if (last && q->type == HV_CHANGE_DELETED)
			snprintf(n->self.sub_parent, sizeof(n->self.sub_parent), "%.*s", (int)(last - q->sub),
				 q->sub);
	}
	pthread_mutex_unlock(&n->lock);
}

static void mount_path(struct fs_ctx *ctx, enum hv_object_kind kind, const char *name, const char *attr,
		       char *buf, size_t size)
{
	char rel[256];

	object_path(kind, name, rel, sizeof(rel));
	snprintf(buf, size, "%s/%s%s%s", ctx->mountpoint, rel, attr ? "/" : "", attr ? attr : "");
}

/* MNT/KIND/NAME/DIR/ATTR, DIR "" for the object's own directory. */
static void mount_file_path(struct fs_ctx *ctx, const struct queued_change *q, const char *attr, char *buf,
			    size_t size)
{
	char rel[256];

	object_path(q->kind, q->name, rel, sizeof(rel));
	snprintf(buf, size, "%s/%s%s%s/%s", ctx->mountpoint, rel, q->dir[0] ? "/" : "", q->dir, attr);
}

/* A file whose value changed (ino 0: the kernel never looked it up). */
static void report_file(struct fs_ctx *ctx, fuse_ino_t ino, const char *path, bool kernel_reported)
{
	struct timespec times[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_NOW}};

	if (ino) {
		/* Drop the pages before the utimensat below: its SETATTR reply
		 * hands the kernel the new mtime without the revalidation that
		 * would drop them.  Page invalidation takes page locks, so only
		 * this thread does it. */
		fuse_lowlevel_notify_inval_inode(ctx->session, ino, 0, 0);
		fs_handles_notify_poll(ctx, ino);
	}
	if (kernel_reported)
		return;
	/* mtime alone: IN_MODIFY (both times would be IN_ATTRIB). */
	if (utimensat(AT_FDCWD, path, times, 0) < 0 && errno != ENOENT)
		log_debug("utimensat %s: %s", path, strerror(errno));
}

static void report_modified(struct fs_ctx *ctx, const struct queued_change *q)
{
	const struct fs_dir_type *type = dir_type(ctx, q->kind, q->dir);
	unsigned i = 0;

	for (const struct fs_attr *a = type ? type->attrs : NULL; a && a->name && i < 64; a++, i++) {
		if (!(q->attr_bits & (1ULL << i)))
			continue;
		char path[512];
		mount_file_path(ctx, q, a->name, path, sizeof(path));
		report_file(ctx, attr_ino(ctx, q->kind, q->name, q->dir, a), path,
			    q->skip_bits & (1ULL << i));
	}
}

static void report_membership(struct fs_ctx *ctx, const struct queued_change *q)
{
	struct notifier *n = ctx->notifier;
	const char *dir = hv_object_kind_dir(q->kind);
	fuse_ino_t dir_ino = node_find(ctx->nodes, dir, NULL, NULL);
	char path[512], new_path[512];
	int ret = 0;

	mount_path(ctx, q->kind, q->name, NULL, path, sizeof(path));
	set_self(n, q);
	switch (q->type) {
	case HV_CHANGE_CREATED:
		/* A positive dentry the kernel still holds would make mkdir
		 * fail with EEXIST before it reaches us. */
		if (dir_ino)
			fuse_lowlevel_notify_inval_entry(ctx->session, dir_ino, q->name, strlen(q->name));
		ret = mkdir(path, 0755);
		break;
	case HV_CHANGE_DELETED:
		ret = rmdir(path);
		break;
	case HV_CHANGE_RENAMED:
		mount_path(ctx, q->kind, q->new_name, NULL, new_path, sizeof(new_path));
		if (dir_ino)
			fuse_lowlevel_notify_inval_entry(ctx->session, dir_ino, q->new_name,
							 strlen(q->new_name));
		ret = rename(path, new_path);
		break;
	default:
		break;
	}
	set_self(n, NULL);
	if (ret < 0) {
		log_debug("self-operation on %s: %s", path, strerror(errno));
		/* No event then, but never a stale cache: names and the
		 * cached listing (pages of the directory, this thread only). */
		if (dir_ino) {
			fuse_lowlevel_notify_inval_inode(ctx->session, dir_ino, 0, 0);
			fuse_lowlevel_notify_inval_entry(ctx->session, dir_ino, q->name, strlen(q->name));
			if (q->type == HV_CHANGE_RENAMED)
				fuse_lowlevel_notify_inval_entry(ctx->session, dir_ino, q->new_name,
								 strlen(q->new_name));
		}
	}
}

/* A sub-object appeared, went or changed: mkdir/rmdir of its directory
 * on the mount (IN_CREATE/IN_DELETE in its collection directory), or
 * utimensat of its changed files (IN_MODIFY). */
static void report_sub(struct fs_ctx *ctx, const struct queued_change *q)
{
	char path[768], parent[768], rel[512];
	int ret = 0;

	snprintf(rel, sizeof(rel), "%s/%s/%s/%s", hv_object_kind_dir(q->kind), q->name, sub_dir(q->kind),
		 q->sub);
	snprintf(path, sizeof(path), "%s/%s", ctx->mountpoint, rel);
	if (q->type == HV_CHANGE_MODIFIED) {
		/* The notifier serves no request on it: see on_sub_change. */
		const struct fs_dir_type *type =
		    node_dir_type(ctx->nodes, sub_ino(ctx, q->kind, q->name, q->sub, NULL));
		unsigned i = 0;
		for (const struct fs_attr *a = type ? type->attrs : NULL; a && a->name && i < 64; a++, i++) {
			if (!(q->attr_bits & (1ULL << i)))
				continue;
			char file[1024];
			snprintf(file, sizeof(file), "%s/%s", path, a->name);
			report_file(ctx, sub_ino(ctx, q->kind, q->name, q->sub, a->name), file,
				    q->skip_bits & (1ULL << i));
		}
		return;
	}
	/* The kernel must look the names up afresh: a new class directory,
	 * a device name reused. */
	snprintf(parent, sizeof(parent), "%s", q->sub);
	char *slash = strrchr(parent, '/');
	const char *leaf = slash ? slash + 1 : parent;
	if (slash)
		*slash = '\0';
	fuse_ino_t subdir_ino = sub_ino(ctx, q->kind, q->name, "", NULL);
	fuse_ino_t parent_ino = slash ? sub_ino(ctx, q->kind, q->name, parent, NULL) : subdir_ino;
	if (slash && subdir_ino)
		fuse_lowlevel_notify_inval_entry(ctx->session, subdir_ino, parent, strlen(parent));
	if (parent_ino)
		fuse_lowlevel_notify_inval_entry(ctx->session, parent_ino, leaf, strlen(leaf));
	set_self(ctx->notifier, q);
	ret = q->type == HV_CHANGE_CREATED ? mkdir(path, 0755) : rmdir(path);
	set_self(ctx->notifier, NULL);
	if (ret < 0)
		log_debug("self-operation on %s: %s", rel, strerror(errno));
	if (ret < 0 && parent_ino)
		fuse_lowlevel_notify_inval_entry(ctx->session, parent_ino, leaf, strlen(leaf));
	/* The class directory may be gone with its last device. */
	if (slash && subdir_ino && q->type == HV_CHANGE_DELETED)
		fuse_lowlevel_notify_inval_entry(ctx->session, subdir_ino, parent, strlen(parent));
}

/* A tree node (TREE_DIR/PATH) changed: utimensat of it (IN_MODIFY).  It appeared or
 * went: mkdir/rmdir of it on the mount, which the handlers answer from the
 * notifier's own record (fs_self_lookup) without asking the driver, so
 * that watchers of its directory see IN_CREATE/IN_DELETE (with IN_ISDIR,
 * whatever the node is: a later lookup says what it is). */
static void report_tree_node(struct fs_ctx *ctx, const struct queued_change *q)
{
	char copy[sizeof(q->tree_path)], mount[sizeof(q->tree_path) + 4096];
	const char *parts[FS_SUB_MAX + 1] = {fs_tree_dir(ctx)};
	size_t count = 1;

	if (!parts[0])
		return;
	snprintf(copy, sizeof(copy), "%s", q->tree_path);
	for (char *save = NULL, *p = strtok_r(copy, "/", &save); p; p = strtok_r(NULL, "/", &save)) {
		if (count == FS_SUB_MAX + 1)
			return; /* deeper than the view */
		parts[count++] = p;
	}
	snprintf(mount, sizeof(mount), "%s/%s/%s", ctx->mountpoint, parts[0], q->tree_path);
	if (q->type == HV_CHANGE_CREATED || q->type == HV_CHANGE_DELETED) {
		fuse_ino_t parent = node_find_path(ctx->nodes, parts, count - 1);
		const char *leaf = parts[count - 1];
		struct queued_change self = {.kind = HV_KIND_HOST, .type = q->type};
		int ret;

		if (!parent)
			return; /* nobody looked into its directory: nobody watches it */
		if (strlen(leaf) >= sizeof(self.sub)) {
			fuse_lowlevel_notify_inval_entry(ctx->session, parent, leaf, strlen(leaf));
			return;
		}
		snprintf(self.sub, sizeof(self.sub), "%s", leaf);
		fuse_lowlevel_notify_inval_entry(ctx->session, parent, leaf, strlen(leaf));
		set_self(ctx->notifier, &self);
		ret = q->type == HV_CHANGE_CREATED ? mkdir(mount, 0755) : rmdir(mount);
		set_self(ctx->notifier, NULL);
		if (ret < 0)
			log_debug("self-operation on %s: %s", mount, strerror(errno));
		/* The name is looked up afresh: it is a file or a directory. */
		fuse_lowlevel_notify_inval_entry(ctx->session, parent, leaf, strlen(leaf));
		return;
	}
	fuse_ino_t ino = node_find_path(ctx->nodes, parts, count);
	if (!ino)
		return; /* nobody looked it up: nobody watches it */
	node_touch(ctx->nodes, ino);
	report_file(ctx, ino, mount, false);
}

static void invalidate_everything(struct fs_ctx *ctx)
{
	static const char *const dirs[] = {"domains", "host", "networks", "pools"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		fuse_ino_t ino = node_find(ctx->nodes, dirs[i], NULL, NULL);
		if (ino)
			fuse_lowlevel_notify_inval_inode(ctx->session, ino, 0, 0);
	}
}

static void *notifier_main(void *opaque)
{
	struct fs_ctx *ctx = opaque;
	struct notifier *n = ctx->notifier;

	pthread_mutex_lock(&n->lock);
	n->tid = gettid();
	pthread_cond_broadcast(&n->wake);
	while (!n->stopping) {
		if (!n->head && !n->overflowed) {
			pthread_cond_wait(&n->wake, &n->lock);
			continue;
		}
		struct queued_change *q = n->head;
		bool overflowed = n->overflowed;
		n->overflowed = false;
		if (q) {
			n->head = q->next;
			if (!n->head)
				n->tail = &n->head;
			n->length--;
		}
		pthread_mutex_unlock(&n->lock);

		if (overflowed && __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE))
			invalidate_everything(ctx);
		if (q && __atomic_load_n(&ctx->serving, __ATOMIC_ACQUIRE)) {
			if (q->tree_path[0])
				report_tree_node(ctx, q);
			else if (q->sub[0])
				report_sub(ctx, q);
			else if (q->type == HV_CHANGE_MODIFIED)
				report_modified(ctx, q);
			else
				report_membership(ctx, q);
		}
		free(q);
		pthread_mutex_lock(&n->lock);
	}
	pthread_mutex_unlock(&n->lock);
	return NULL;
}

int notifier_init(struct fs_ctx *ctx)
{
	struct notifier *n = calloc(1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	n->tail = &n->head;
	n->self.type = HV_CHANGE_MODIFIED;
	/* Until its tid is set (0 is nobody's), no request counts as its own. */
	ctx->notifier = n;
	return 0;
}

int notifier_start(struct fs_ctx *ctx)
{
	int ret = notifier_init(ctx);
	struct notifier *n = ctx->notifier;

	if (ret < 0)
		return ret;
	ret = pthread_create(&n->thread, NULL, notifier_main, ctx);
	if (ret != 0) {
		notifier_stop(ctx);
		return -ret;
	}
	pthread_mutex_lock(&n->lock);
	n->has_thread = true;
	while (n->tid == 0)
		pthread_cond_wait(&n->wake, &n->lock);
	pthread_mutex_unlock(&n->lock);
	return 0;
}

/* One line per queued change, for the tests of the notifier's decisions:
 *   mkdir|rmdir KIND/NAME[/SUBDIR/SUB]     rename KIND/OLD KIND/NEW
 *   modify PATH (the notifier's IN_MODIFY)   kernel PATH (the writer's own)
 *   tree created|deleted|modified TREE_DIR/PATH */
int notifier_describe(struct fs_ctx *ctx, struct strbuf *out)
{
	static const char *const verbs[] = {
	    [HV_CHANGE_CREATED] = "mkdir", [HV_CHANGE_DELETED] = "rmdir", [HV_CHANGE_RENAMED] = "rename"};
	struct notifier *n = ctx->notifier;
	char path[512];
	int ret = 0;

	pthread_mutex_lock(&n->lock);
	for (const struct queued_change *q = n->head; q && ret == 0; q = q->next) {
		object_path(q->kind, q->name, path, sizeof(path));
		if (q->tree_path[0]) {
			ret = strbuf_printf(out, "tree %s %s/%s\n",
					    q->type == HV_CHANGE_CREATED   ? "created"
					    : q->type == HV_CHANGE_DELETED ? "deleted"
									   : "modified",
					    fs_tree_dir(ctx) ? fs_tree_dir(ctx) : "?", q->tree_path);
		} else if (q->type != HV_CHANGE_MODIFIED) {
			if (q->type == HV_CHANGE_RENAMED)
				ret = strbuf_printf(out, "rename %s %s/%s\n", path,
						    hv_object_kind_dir(q->kind), q->new_name);
			else if (q->sub[0])
				ret = strbuf_printf(out, "%s %s/%s/%s\n", verbs[q->type], path,
						    sub_dir(q->kind), q->sub);
			else
				ret = strbuf_printf(out, "%s %s\n", verbs[q->type], path);
		} else {
			const struct fs_dir_type *type =
			    q->sub[0]
				? node_dir_type(ctx->nodes, sub_ino(ctx, q->kind, q->name, q->sub, NULL))
				: dir_type(ctx, q->kind, q->dir);
			unsigned i = 0;
			for (const struct fs_attr *a = type ? type->attrs : NULL;
			     a && a->name && i < 64 && ret == 0; a++, i++)
				if (q->attr_bits & (1ULL << i))
					ret = strbuf_printf(out, "%s %s%s%s%s%s/%s\n",
							    q->skip_bits & (1ULL << i) ? "kernel" : "modify",
							    path, q->sub[0] ? "/" : "",
							    q->sub[0] ? sub_dir(q->kind) : "",
							    q->sub[0] || q->dir[0] ? "/" : "",
							    q->sub[0] ? q->sub : q->dir, a->name);
		}
	}
	pthread_mutex_unlock(&n->lock);
	return ret;
}

void notifier_stop(struct fs_ctx *ctx)
{
	struct notifier *n = ctx->notifier;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_signal(&n->wake);
	pthread_mutex_unlock(&n->lock);
	if (n->has_thread)
		pthread_join(n->thread, NULL);
	ctx->notifier = NULL;
	while (n->head) {
		struct queued_change *next = n->head->next;
		free(n->head);
		n->head = next;
	}
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	free(n);
}
