/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The inode t->  One mutex guards it; every operation here is short and
 * never calls out (no driver, no FUSE), so it cannot take part in a
 * deadlock.  Lookup counts follow libfuse's rules exactly: +1 for every
 * successful entry reply, -n for every forget, and a node is freed only
 * when both the kernel (nlookup) and its children have let go. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "util/hash.h"
#include "util/log.h"

#define TABLE_MIN_BUCKETS 1024

struct node_table {
	pthread_mutex_t lock;
	struct node **by_ino;
	struct node **by_name;
	size_t bucket_count; /* power of two, for both tables */
	size_t count;
	fuse_ino_t next_ino;
	struct node *root;
};

static size_t ino_bucket(const struct node_table *t, fuse_ino_t ino)
{
	return (size_t)(ino * 0x9e3779b97f4a7c15ULL >> 17) & (t->bucket_count - 1);
}

static size_t name_bucket(const struct node_table *t, fuse_ino_t parent, const char *name)
{
	return (size_t)hash_string(name, parent) & (t->bucket_count - 1);
}

static void table_link(struct node *node)
{
	struct node_table *t = node->table;
	size_t i = ino_bucket(t, node->ino);

	node->ino_next = t->by_ino[i];
	t->by_ino[i] = node;
	if (node->parent && !node->stale) {
		i = name_bucket(t, node->parent->ino, node->name);
		node->name_next = t->by_name[i];
		t->by_name[i] = node;
	}
}

static void unlink_name(struct node *node)
{
	struct node_table *t = node->table;
	struct node **p = &t->by_name[name_bucket(t, node->parent->ino, node->name)];

	if (node->stale)
		return;
	while (*p && *p != node)
		p = &(*p)->name_next;
	if (*p)
		*p = node->name_next;
	node->name_next = NULL;
	node->stale = true;
}

static void table_grow(struct node_table *t)
{
	size_t count = t->bucket_count * 2;
	struct node **by_ino = calloc(count, sizeof(*by_ino));
	struct node **by_name = calloc(count, sizeof(*by_name));
	struct node **old_ino = t->by_ino;
	size_t old_count = t->bucket_count;

	if (!by_ino || !by_name) {
		free(by_ino);
		free(by_name);
		return; /* longer chains, still correct */
	}
	free(t->by_name);
	t->by_ino = by_ino;
	t->by_name = by_name;
	t->bucket_count = count;
	for (size_t i = 0; i < old_count; i++) {
		struct node *n = old_ino[i];
		while (n) {
			struct node *next = n->ino_next;
			table_link(n);
			n = next;
		}
	}
	free(old_ino);
}

int node_table_create(const struct fs_dir_type *root_type, struct timespec now, struct node_table **out)
{
	struct node_table *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->bucket_count = TABLE_MIN_BUCKETS;
	t->by_ino = calloc(t->bucket_count, sizeof(*t->by_ino));
	t->by_name = calloc(t->bucket_count, sizeof(*t->by_name));
	t->root = calloc(1, sizeof(*t->root));
	if (!t->by_ino || !t->by_name || !t->root || !(t->root->name = strdup(""))) {
		if (t->root)
			free(t->root->name);
		free(t->root);
		free(t->by_ino);
		free(t->by_name);
		pthread_mutex_destroy(&t->lock);
		free(t);
		return -ENOMEM;
	}
	t->root->table = t;
	t->root->ino = FUSE_ROOT_ID;
	t->root->dir = root_type;
	t->root->nlookup = 1; /* the kernel never forgets the root */
	t->root->mtime = now;
	t->next_ino = FUSE_ROOT_ID + 1;
	table_link(t->root);
	t->count = 1;
	*out = t;
	return 0;
}

void node_table_destroy(struct node_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->bucket_count; i++) {
		struct node *n = t->by_ino[i];
		while (n) {
			struct node *next = n->ino_next;
			scratch_unref(n->scratch); /* scratch files go at unmount */
			free(n->name);
			free(n);
			n = next;
		}
	}
	free(t->by_ino);
	free(t->by_name);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

struct node *node_root(struct node_table *t)
{
	return t->root;
}

static struct node *find_ino(const struct node_table *t, fuse_ino_t ino)
{
	struct node *n = t->by_ino[ino_bucket(t, ino)];

	while (n && n->ino != ino)
		n = n->ino_next;
	return n;
}

static struct node *find_child(struct node *parent, const char *name)
{
	struct node_table *t = parent->table;
	struct node *n = t->by_name[name_bucket(t, parent->ino, name)];

	while (n && (n->parent != parent || strcmp(n->name, name) != 0))
		n = n->name_next;
	return n;
}

struct node *node_get(struct node_table *t, fuse_ino_t ino)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_ino(t, ino);
	pthread_mutex_unlock(&t->lock);
	return n;
}

const struct fs_dir_type *node_dir_type(struct node_table *t, fuse_ino_t ino)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = ino ? find_ino(t, ino) : NULL;
	const struct fs_dir_type *type = n ? n->dir : NULL;
	pthread_mutex_unlock(&t->lock);
	return type;
}

struct node *node_lookup_child(struct node *parent, const char *name, const struct fs_dir_type *dir,
			       const struct fs_attr *attr)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(parent, name);
	if (n && (n->dir != dir || n->attr != attr)) {
		/* The name now means something else (cannot happen with today's
		 * fixed types, but a stale node must never be handed out). */
		unlink_name(n);
		n = NULL;
	}
	if (!n) {
		n = calloc(1, sizeof(*n));
		if (!n || !(n->name = strdup(name))) {
			free(n);
			pthread_mutex_unlock(&t->lock);
			errno = ENOMEM;
			return NULL;
		}
		n->table = t;
		n->ino = t->next_ino++;
		n->parent = parent;
		n->dir = dir;
		n->attr = attr;
		n->mtime = parent->mtime;
		parent->children++;
		table_link(n);
		if (++t->count > t->bucket_count)
			table_grow(t);
	}
	n->nlookup++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

fuse_ino_t node_child_ino(struct node *parent, const char *name)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(parent, name);
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

/* Frees node and, transitively, parents that only it kept alive. */
static void node_release_locked(struct node *node)
{
	struct node_table *t = node->table;
	while (node && node != t->root && node->nlookup == 0 && node->children == 0 && !node->pinned) {
		struct node *parent = node->parent;
		struct node **p = &t->by_ino[ino_bucket(t, node->ino)];
		while (*p && *p != node)
			p = &(*p)->ino_next;
		if (*p)
			*p = node->ino_next;
		unlink_name(node); /* a no-op for a stale node */
		scratch_unref(node->scratch);
		free(node->name);
		free(node);
		t->count--;
		parent->children--;
		node = parent;
	}
}

void node_forget(struct node_table *t, fuse_ino_t ino, uint64_t nlookup)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_ino(t, ino);
	if (!n) {
		log_warning("forget of unknown inode %lu", (unsigned long)ino);
	} else if (n != t->root) {
		if (nlookup > n->nlookup) {
			log_error("kernel forgot %lu lookups of inode %lu that has only %lu",
				  (unsigned long)nlookup, (unsigned long)ino, (unsigned long)n->nlookup);
			nlookup = n->nlookup;
		}
		n->nlookup -= nlookup;
		node_release_locked(n);
	}
	pthread_mutex_unlock(&t->lock);
}

void node_rename(struct node *parent, const char *old_name, const char *new_name)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(parent, old_name);
	struct node *clash = find_child(parent, new_name);
	char *copy = strdup(new_name);
	if (clash) {
		/* A stale node of a vanished object under the new name: detach
		 * it from name lookups; it lives on until the kernel forgets it. */
		unlink_name(clash);
	}
	if (n && copy) {
		unlink_name(n);
		free(n->name);
		n->name = copy;
		copy = NULL;
		n->stale = false;
		size_t i = name_bucket(t, parent->ino, n->name);
		n->name_next = t->by_name[i];
		t->by_name[i] = n;
	} else if (n) {
		/* Out of memory: drop the stale name; lookups make a new node. */
		unlink_name(n);
	}
	free(copy);
	pthread_mutex_unlock(&t->lock);
}

static bool is_under(const struct node *n, const struct node *top)
{
	for (; n; n = n->parent)
		if (n == top)
			return true;
	return false;
}

void node_foreach_under(struct node *parent, const char *name, void (*fn)(fuse_ino_t ino, void *opaque),
			void *opaque)
{
	struct node_table *t = parent->table;
	fuse_ino_t *inos = NULL;
	size_t count = 0, cap = 0;

	/* Collect under the lock, call out without it: fn talks to the kernel,
	 * which may send us requests (forget) that need the lock. */
	pthread_mutex_lock(&t->lock);
	struct node *top = find_child(parent, name);
	for (size_t i = 0; top && i < t->bucket_count; i++) {
		for (struct node *n = t->by_ino[i]; n; n = n->ino_next) {
			if (!is_under(n, top))
				continue;
			if (count == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				fuse_ino_t *more = realloc(inos, ncap * sizeof(*inos));
				if (!more)
					break;
				inos = more;
				cap = ncap;
			}
			inos[count++] = n->ino;
		}
	}
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < count; i++)
		fn(inos[i], opaque);
	free(inos);
}

void node_set_mtime(struct node_table *t, fuse_ino_t ino, struct timespec when)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_ino(t, ino);
	if (n)
		n->mtime = when;
	pthread_mutex_unlock(&t->lock);
}

int node_object(struct node *node, struct fs_object *obj, struct fs_object_names *names)
{
	struct node_table *t = node->table;
	const char *subs[FS_SUB_MAX];
	unsigned depth = 0;
	int ret = -ENOENT;

	pthread_mutex_lock(&t->lock);
	for (struct node *n = node; n; n = n->parent) {
		const struct fs_attr *attr = node_attr(n);
		bool is_sub = (n->dir && n->dir->is_sub) ||
			      (attr && (attr->flags & (FS_ATTR_LINK | FS_ATTR_MEMBER | FS_ATTR_KEYED)));
		if (is_sub && depth < FS_SUB_MAX)
			subs[depth++] = n->name; /* innermost first: deeper ones are dropped */
		if (n->dir && n->dir->is_object) {
			obj->kind = n->dir->kind;
			if (n->dir->kind == HV_KIND_HOST) {
				obj->name = NULL;
			} else {
				snprintf(names->name, sizeof(names->name), "%s", n->name);
				obj->name = names->name;
			}
			obj->sub_count = depth;
			for (unsigned i = 0; i < depth; i++) {
				snprintf(names->sub[i], sizeof(names->sub[i]), "%s", subs[depth - 1 - i]);
				obj->sub[i] = names->sub[i];
			}
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

void node_path(struct node *node, char *buf, size_t size)
{
	struct node_table *t = node->table;
	const char *parts[16];
	size_t depth = 0, used = 0;

	pthread_mutex_lock(&t->lock);
	for (struct node *n = node; n && n != t->root && depth < 16; n = n->parent)
		parts[depth++] = n->name;
	buf[0] = '\0';
	while (depth-- > 0 && used < size) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? "/" : "", parts[depth]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(buf, size, "/");
	pthread_mutex_unlock(&t->lock);
}

void node_touch(struct node_table *t, fuse_ino_t ino)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&t->lock);
	struct node *n = find_ino(t, ino);
	if (n) {
		/* Strictly later than before, even within one clock tick, so
		 * that the kernel always sees the mtime change. */
		if (now.tv_sec < n->mtime.tv_sec ||
		    (now.tv_sec == n->mtime.tv_sec && now.tv_nsec <= n->mtime.tv_nsec)) {
			now = n->mtime;
			if (++now.tv_nsec >= 1000000000L) {
				now.tv_sec++;
				now.tv_nsec = 0;
			}
		}
		n->mtime = now;
		n->generation++;
	}
	pthread_mutex_unlock(&t->lock);
}

uint32_t node_generation(struct node_table *t, fuse_ino_t ino)
{
	pthread_mutex_lock(&t->lock);
	struct node *n = find_ino(t, ino);
	uint32_t generation = n ? n->generation : 0;
	pthread_mutex_unlock(&t->lock);
	return generation;
}

fuse_ino_t node_find_path(struct node_table *t, const char *const *parts, size_t count)
{
	struct node *n;

	pthread_mutex_lock(&t->lock);
	n = t->root;
	for (size_t i = 0; n && i < count; i++)
		n = find_child(n, parts[i]);
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

fuse_ino_t node_find(struct node_table *t, const char *dir, const char *name, const char *attr)
{
	const char *parts[] = {dir, name, attr};
	struct node *n;

	pthread_mutex_lock(&t->lock);
	n = t->root;
	for (size_t i = 0; n && i < 3 && parts[i]; i++)
		n = find_child(n, parts[i]);
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&t->lock);
	return ino;
}

static void drop_scratch_locked(struct node *dir);

void node_detach(struct node *parent, const char *name)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_child(parent, name);
	if (n) {
		unlink_name(n);
		/* The object's scratch files go with it. */
		n->children++;
		drop_scratch_locked(n);
		n->children--;
		if (n->nlookup == 0 && n->children == 0)
			node_release_locked(n);
	}
	pthread_mutex_unlock(&t->lock);
}

/* --- scratch entries ------------------------------------------------------ */

static struct node *new_node_locked(struct node *parent, const char *name)
{
	struct node_table *t = parent->table;
	struct node *n = calloc(1, sizeof(*n));

	if (!n || !(n->name = strdup(name))) {
		free(n);
		return NULL;
	}
	n->table = t;
	n->ino = t->next_ino++;
	n->parent = parent;
	parent->children++;
	return n;
}

static void scratch_list_remove(struct node *n)
{
	for (struct node **p = &n->parent->scratch_head; *p; p = &(*p)->scratch_next) {
		if (*p == n) {
			*p = n->scratch_next;
			n->parent->scratch_count--;
			break;
		}
	}
	n->scratch_next = NULL;
}

static void scratch_list_insert(struct node *n)
{
	n->scratch_next = n->parent->scratch_head;
	n->parent->scratch_head = n;
	n->parent->scratch_count++;
}

/* The entry loses its name; the node lives on while the kernel holds it
 * (an open file keeps working, as on any filesystem). */
static void scratch_unlink_locked(struct node *n)
{
	scratch_list_remove(n);
	unlink_name(n);
	n->pinned = false;
}

/* Unlinks every scratch entry below dir; dir must be kept alive by the
 * caller (its children count), since freeing entries walks up. */
static void drop_scratch_locked(struct node *dir)
{
	while (dir->scratch_head) {
		struct node *n = dir->scratch_head;
		n->children++;
		drop_scratch_locked(n);
		n->children--;
		scratch_unlink_locked(n);
		node_release_locked(n);
	}
}

static struct node *find_scratch(struct node *parent, const char *name)
{
	struct node *n = find_child(parent, name);

	return n && n->pinned ? n : NULL;
}

int node_scratch_add(struct node *parent, const char *name, struct scratch *scratch, bool is_dir,
		     struct node **out)
{
	struct node_table *t = parent->table;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	if (parent->stale)
		ret = -ENOENT; /* the object went */
	else if (find_child(parent, name))
		ret = -EEXIST;
	else if (parent->scratch_count >= FS_SCRATCH_PER_DIR)
		ret = -ENOSPC;
	else if (!(*out = new_node_locked(parent, name)))
		ret = -ENOMEM;
	if (ret == 0) {
		struct node *n = *out;
		n->dir = is_dir ? &fs_scratch_dir_type : NULL;
		n->scratch = scratch;
		n->pinned = true;
		n->nlookup = 1;
		table_link(n);
		scratch_list_insert(n);
		if (++t->count > t->bucket_count)
			table_grow(t);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

struct node *node_scratch_lookup(struct node *parent, const char *name)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_scratch(parent, name);
	if (n)
		n->nlookup++;
	pthread_mutex_unlock(&t->lock);
	return n;
}

struct scratch *node_scratch_get(struct node *parent, const char *name, bool *is_dir)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_scratch(parent, name);
	struct scratch *s = n ? n->scratch : NULL;
	if (s) {
		scratch_ref(s);
		*is_dir = n->dir != NULL;
	}
	pthread_mutex_unlock(&t->lock);
	return s;
}

static int check_kind(const struct node *n, bool want_dir)
{
	if (want_dir && !n->dir)
		return -ENOTDIR;
	if (!want_dir && n->dir)
		return -EISDIR;
	return 0;
}

int node_scratch_remove(struct node *parent, const char *name, bool want_dir)
{
	struct node_table *t = parent->table;
	pthread_mutex_lock(&t->lock);
	struct node *n = find_scratch(parent, name);
	int ret = n ? check_kind(n, want_dir) : -ENOENT;
	if (ret == 0 && n->scratch_head)
		ret = -ENOTEMPTY;
	if (ret == 0) {
		scratch_unlink_locked(n);
		if (n->nlookup == 0 && n->children == 0)
			node_release_locked(n);
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

/* Moves n to new_parent/new_name (the name is free). */
static void scratch_reparent_locked(struct node *n, struct node *new_parent, char *new_name)
{
	struct node_table *t = n->table;
	unlink_name(n);
	if (n->pinned)
		scratch_list_remove(n);
	n->parent->children--;
	new_parent->children++;
	n->parent = new_parent;
	free(n->name);
	n->name = new_name;
	n->stale = false;
	size_t i = name_bucket(t, new_parent->ino, n->name);
	n->name_next = t->by_name[i];
	t->by_name[i] = n;
}

int node_scratch_move(struct node *parent, const char *name, struct node *new_parent, const char *new_name,
		      bool noreplace)
{
	struct node_table *t = parent->table;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	struct node *src = find_scratch(parent, name);
	struct node *dst = find_child(new_parent, new_name);
	char *copy = NULL;
	if (!src)
		ret = -ENOENT;
	else if (dst == src)
		goto out;
	else if (is_under(new_parent, src))
		ret = -EINVAL;
	else if (dst && (noreplace || !dst->pinned))
		ret = -EEXIST;
	else if (dst)
		ret = src->dir ? (dst->dir ? (dst->scratch_head ? -ENOTEMPTY : 0) : -ENOTDIR)
			       : (dst->dir ? -EISDIR : 0);
	else if (new_parent != parent && new_parent->scratch_count >= FS_SCRATCH_PER_DIR)
		ret = -ENOSPC;
	if (ret == 0 && !(copy = strdup(new_name)))
		ret = -ENOMEM;
	if (ret < 0)
		goto out;
	if (dst)
		scratch_unlink_locked(dst);
	scratch_reparent_locked(src, new_parent, copy);
	scratch_list_insert(src);
	if (dst && dst->nlookup == 0 && dst->children == 0)
		node_release_locked(dst);
out:
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int node_scratch_become_attr(struct node *parent, const char *name, struct node *new_parent,
			     const struct fs_attr *attr, fuse_ino_t *ino)
{
	struct node_table *t = parent->table;
	int ret = 0;
	char *copy = NULL;

	pthread_mutex_lock(&t->lock);
	struct node *src = find_scratch(parent, name);
	if (!src)
		ret = -ENOENT;
	else if (src->dir)
		ret = -EISDIR;
	else if (!(copy = strdup(attr->name)))
		ret = -ENOMEM;
	if (ret == 0) {
		struct node *old = find_child(new_parent, attr->name);
		if (old)
			unlink_name(old); /* the replaced file: the kernel drops it */
		scratch_list_remove(src);
		src->pinned = false;
		scratch_reparent_locked(src, new_parent, copy);
		clock_gettime(CLOCK_REALTIME, &src->mtime);
		src->generation++;
		/* Handlers test attr without the lock: publish it last. */
		__atomic_store_n(&src->attr, attr, __ATOMIC_RELEASE);
		*ino = src->ino;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int node_scratch_foreach(struct node *parent, int (*fn)(const char *name, bool is_dir, void *opaque),
			 void *opaque)
{
	struct node_table *t = parent->table;
	int ret = 0;

	pthread_mutex_lock(&t->lock);
	for (struct node *n = parent->scratch_head; n && ret == 0; n = n->scratch_next)
		ret = fn(n->name, n->dir != NULL, opaque);
	pthread_mutex_unlock(&t->lock);
	return ret;
}
