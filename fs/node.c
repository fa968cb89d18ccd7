/* The inode table.  One mutex guards it; every operation here is short and
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

static struct {
	pthread_mutex_t lock;
	struct node **by_ino;
	struct node **by_name;
	size_t bucket_count; /* power of two, for both tables */
	size_t count;
	fuse_ino_t next_ino;
	struct node *root;
} table = {.lock = PTHREAD_MUTEX_INITIALIZER};

static size_t ino_bucket(fuse_ino_t ino)
{
	return (size_t)(ino * 0x9e3779b97f4a7c15ULL >> 17) & (table.bucket_count - 1);
}

static size_t name_bucket(fuse_ino_t parent, const char *name)
{
	return (size_t)hash_string(name, parent) & (table.bucket_count - 1);
}

static void table_link(struct node *node)
{
	size_t i = ino_bucket(node->ino);

	node->ino_next = table.by_ino[i];
	table.by_ino[i] = node;
	if (node->parent && !node->stale) {
		i = name_bucket(node->parent->ino, node->name);
		node->name_next = table.by_name[i];
		table.by_name[i] = node;
	}
}

static void unlink_name(struct node *node)
{
	struct node **p = &table.by_name[name_bucket(node->parent->ino, node->name)];

	if (node->stale)
		return;
	while (*p && *p != node)
		p = &(*p)->name_next;
	if (*p)
		*p = node->name_next;
	node->name_next = NULL;
	node->stale = true;
}

static void table_grow(void)
{
	size_t count = table.bucket_count * 2;
	struct node **by_ino = calloc(count, sizeof(*by_ino));
	struct node **by_name = calloc(count, sizeof(*by_name));
	struct node **old_ino = table.by_ino;
	size_t old_count = table.bucket_count;

	if (!by_ino || !by_name) {
		free(by_ino);
		free(by_name);
		return; /* longer chains, still correct */
	}
	free(table.by_name);
	table.by_ino = by_ino;
	table.by_name = by_name;
	table.bucket_count = count;
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

int node_table_init(const struct fs_dir_type *root_type, struct timespec now)
{
	table.bucket_count = TABLE_MIN_BUCKETS;
	table.by_ino = calloc(table.bucket_count, sizeof(*table.by_ino));
	table.by_name = calloc(table.bucket_count, sizeof(*table.by_name));
	table.root = calloc(1, sizeof(*table.root));
	if (!table.by_ino || !table.by_name || !table.root || !(table.root->name = strdup(""))) {
		node_table_finish();
		return -ENOMEM;
	}
	table.root->ino = FUSE_ROOT_ID;
	table.root->dir = root_type;
	table.root->nlookup = 1; /* the kernel never forgets the root */
	table.root->mtime = now;
	table.next_ino = FUSE_ROOT_ID + 1;
	table_link(table.root);
	table.count = 1;
	return 0;
}

void node_table_finish(void)
{
	for (size_t i = 0; table.by_ino && i < table.bucket_count; i++) {
		struct node *n = table.by_ino[i];
		while (n) {
			struct node *next = n->ino_next;
			free(n->name);
			free(n);
			n = next;
		}
	}
	if (table.root && !table.by_ino)
		free(table.root);
	free(table.by_ino);
	free(table.by_name);
	table.by_ino = table.by_name = NULL;
	table.root = NULL;
	table.count = 0;
}

struct node *node_root(void)
{
	return table.root;
}

static struct node *find_ino(fuse_ino_t ino)
{
	struct node *n = table.by_ino[ino_bucket(ino)];

	while (n && n->ino != ino)
		n = n->ino_next;
	return n;
}

static struct node *find_child(struct node *parent, const char *name)
{
	struct node *n = table.by_name[name_bucket(parent->ino, name)];

	while (n && (n->parent != parent || strcmp(n->name, name) != 0))
		n = n->name_next;
	return n;
}

struct node *node_get(fuse_ino_t ino)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_ino(ino);
	pthread_mutex_unlock(&table.lock);
	return n;
}

struct node *node_lookup_child(struct node *parent, const char *name, const struct fs_dir_type *dir,
			       const struct fs_attr *attr)
{
	pthread_mutex_lock(&table.lock);
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
			pthread_mutex_unlock(&table.lock);
			errno = ENOMEM;
			return NULL;
		}
		n->ino = table.next_ino++;
		n->parent = parent;
		n->dir = dir;
		n->attr = attr;
		n->mtime = parent->mtime;
		parent->children++;
		table_link(n);
		if (++table.count > table.bucket_count)
			table_grow();
	}
	n->nlookup++;
	pthread_mutex_unlock(&table.lock);
	return n;
}

fuse_ino_t node_child_ino(struct node *parent, const char *name)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_child(parent, name);
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&table.lock);
	return ino;
}

/* Frees node and, transitively, parents that only it kept alive. */
static void node_release_locked(struct node *node)
{
	while (node && node != table.root && node->nlookup == 0 && node->children == 0) {
		struct node *parent = node->parent;
		struct node **p = &table.by_ino[ino_bucket(node->ino)];
		while (*p && *p != node)
			p = &(*p)->ino_next;
		if (*p)
			*p = node->ino_next;
		unlink_name(node); /* a no-op for a stale node */
		free(node->name);
		free(node);
		table.count--;
		parent->children--;
		node = parent;
	}
}

void node_forget(fuse_ino_t ino, uint64_t nlookup)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_ino(ino);
	if (!n) {
		log_warning("forget of unknown inode %lu", (unsigned long)ino);
	} else if (n != table.root) {
		if (nlookup > n->nlookup) {
			log_error("kernel forgot %lu lookups of inode %lu that has only %lu",
				  (unsigned long)nlookup, (unsigned long)ino, (unsigned long)n->nlookup);
			nlookup = n->nlookup;
		}
		n->nlookup -= nlookup;
		node_release_locked(n);
	}
	pthread_mutex_unlock(&table.lock);
}

void node_rename(struct node *parent, const char *old_name, const char *new_name)
{
	pthread_mutex_lock(&table.lock);
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
		size_t i = name_bucket(parent->ino, n->name);
		n->name_next = table.by_name[i];
		table.by_name[i] = n;
	} else if (n) {
		/* Out of memory: drop the stale name; lookups make a new node. */
		unlink_name(n);
	}
	free(copy);
	pthread_mutex_unlock(&table.lock);
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
	fuse_ino_t *inos = NULL;
	size_t count = 0, cap = 0;

	/* Collect under the lock, call out without it: fn talks to the kernel,
	 * which may send us requests (forget) that need the lock. */
	pthread_mutex_lock(&table.lock);
	struct node *top = find_child(parent, name);
	for (size_t i = 0; top && i < table.bucket_count; i++) {
		for (struct node *n = table.by_ino[i]; n; n = n->ino_next) {
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
	pthread_mutex_unlock(&table.lock);
	for (size_t i = 0; i < count; i++)
		fn(inos[i], opaque);
	free(inos);
}

void node_set_mtime(fuse_ino_t ino, struct timespec when)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_ino(ino);
	if (n)
		n->mtime = when;
	pthread_mutex_unlock(&table.lock);
}

int node_object(struct node *node, struct fs_object *obj, char *buf)
{
	int ret = -ENOENT;

	pthread_mutex_lock(&table.lock);
	for (struct node *n = node; n; n = n->parent) {
		if (n->dir && n->dir->is_object) {
			obj->kind = n->dir->kind;
			if (n->dir->kind == HV_KIND_HOST) {
				obj->name = NULL;
			} else {
				snprintf(buf, HV_NAME_MAX + 1, "%s", n->name);
				obj->name = buf;
			}
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&table.lock);
	return ret;
}

void node_path(struct node *node, char *buf, size_t size)
{
	const char *parts[16];
	size_t depth = 0, used = 0;

	pthread_mutex_lock(&table.lock);
	for (struct node *n = node; n && n != table.root && depth < 16; n = n->parent)
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
	pthread_mutex_unlock(&table.lock);
}

void node_touch(fuse_ino_t ino)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	pthread_mutex_lock(&table.lock);
	struct node *n = find_ino(ino);
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
	pthread_mutex_unlock(&table.lock);
}

uint32_t node_generation(fuse_ino_t ino)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_ino(ino);
	uint32_t generation = n ? n->generation : 0;
	pthread_mutex_unlock(&table.lock);
	return generation;
}

fuse_ino_t node_find(const char *dir, const char *name, const char *attr)
{
	const char *parts[] = {dir, name, attr};
	struct node *n;

	pthread_mutex_lock(&table.lock);
	n = table.root;
	for (size_t i = 0; n && i < 3 && parts[i]; i++)
		n = find_child(n, parts[i]);
	fuse_ino_t ino = n ? n->ino : 0;
	pthread_mutex_unlock(&table.lock);
	return ino;
}

void node_detach(struct node *parent, const char *name)
{
	pthread_mutex_lock(&table.lock);
	struct node *n = find_child(parent, name);
	if (n)
		unlink_name(n);
	pthread_mutex_unlock(&table.lock);
}
