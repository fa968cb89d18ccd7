/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tree slots (xenstore/): XenStore itself, read and written through
 * libxenstore with dom0's rights (the store's permissions still apply to
 * what dom0 may not do).  libxenstore reports failures in errno with
 * xenstored's own codes (ENOENT, EACCES, EINVAL, E2BIG, ...); they are
 * passed on, and a lost connection becomes EIO. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/xen/xen_private.h"
#include "util/cleanup.h"
#include "util/hash.h"

bool xen_store_path_is_valid(const char *path)
{
	if (!hv_tree_path_is_valid(path))
		return false;
	for (const char *p = path; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-/_@.", *p))
			return false;
	return true;
}

/* Every slot starts here: the wrappers checked what any tree path must be,
 * this is what XenStore adds. */
#define CHECK_PATH(path, err)                                                                                \
	do {                                                                                                 \
		if (!xen_store_path_is_valid(path))                                                          \
			return hv_error_set(err, EINVAL, "'%.80s' is no XenStore path", path);               \
	} while (0)

/* The errno a failed libxenstore call leaves, as the user should see it. */
static int store_error(struct hv_error *err, const char *what, const char *path)
{
	int code = errno;

	switch (code) {
	case ENOENT:
	case EACCES:
	case EINVAL:
	case EEXIST:
	case ENOSPC:
	case EBUSY:
		break;
	case E2BIG:
		code = EFBIG;
		break;
	case EDQUOT: /* a domain over its node quota */
		code = ENOSPC;
		break;
	default:
		code = EIO;
		break;
	}
	return hv_error_set(err, code, "XenStore %s of %s failed: %s", what, path, strerror(errno));
}

int xen_store_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned n = 0;
	auto_free char **names = NULL;

	CHECK_PATH(path, err);
	out->names = NULL;
	out->count = 0;
	names = xs_directory(drv->xs, XBT_NULL, path, &n);
	if (!names)
		return store_error(err, "directory", path);
	out->names = calloc(n + 1, sizeof(*out->names));
	if (!out->names)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (unsigned i = 0; i < n; i++) {
		if (!(out->names[out->count] = strdup(names[i]))) {
			hv_name_list_finish(out);
			return hv_error_set(err, ENOMEM, "out of memory");
		}
		out->count++;
	}
	return 0;
}

int xen_store_read(struct hv_conn *conn, const char *path, char **value, size_t *len, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned n = 0;
	char *data;

	CHECK_PATH(path, err);
	data = xs_read(drv->xs, XBT_NULL, path, &n);
	if (!data)
		return store_error(err, "read", path);
	*value = data; /* libxenstore NUL-terminates */
	*len = n;
	return 0;
}

int xen_store_write(struct hv_conn *conn, const char *path, const char *value, size_t len,
		    struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;

	CHECK_PATH(path, err);
	if (!xs_write(drv->xs, XBT_NULL, path, value, (unsigned)len))
		return store_error(err, "write", path);
	return 0;
}

int xen_store_mkdir(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;

	CHECK_PATH(path, err);
	if (!xs_mkdir(drv->xs, XBT_NULL, path))
		return store_error(err, "mkdir", path);
	return 0;
}

int xen_store_remove(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	unsigned len;
	auto_free char *value = NULL;

	CHECK_PATH(path, err);
	if (strcmp(path, "/") == 0)
		return hv_error_set(err, EACCES, "the root of XenStore cannot be removed");
	/* xs_rm of a missing node succeeds; rm(1) expects ENOENT. */
	value = xs_read(drv->xs, XBT_NULL, path, &len);
	if (!value)
		return store_error(err, "remove", path);
	if (!xs_rm(drv->xs, XBT_NULL, path))
		return store_error(err, "remove", path);
	return 0;
}

/* --- what the watch saw -------------------------------------------------- *
 *
 * A watch event names a path, not what happened to it.  The watch thread
 * keeps the set of paths it knows (every node at start, then every event),
 * so that, for an event at P:
 *
 *   P exists, unknown  -> created (and so are its unknown ancestors: the
 *                         topmost one is reported, the rest are inside it)
 *   P exists, known    -> modified
 *   P gone, known      -> deleted (P and everything below leave the set)
 *   P gone, unknown    -> nothing
 *
 * Only the watch thread touches drv->paths. */

#define WALK_MAX 200000 /* nodes remembered at start; beyond, creations read as changes */

static bool node_exists(struct xen_driver *drv, const char *path)
{
	unsigned len;
	char *value = xs_read(drv->xs, XBT_NULL, path, &len);

	if (value) {
		free(value);
		return true;
	}
	return errno != ENOENT; /* unreadable (EACCES) still exists */
}

static void walk(struct xen_driver *drv, const char *path, size_t *budget)
{
	unsigned n = 0;
	auto_free char **children = NULL;

	if (*budget == 0 || hash_map_put(drv->paths, path, drv) < 0)
		return;
	(*budget)--;
	children = xs_directory(drv->xs, XBT_NULL, path, &n);
	for (unsigned i = 0; children && i < n; i++) {
		char child[HV_TREE_PATH_MAX + 1];
		if (snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") == 0 ? "" : path, children[i]) <
		    (int)sizeof(child))
			walk(drv, child, budget);
	}
}

int xen_store_track_start(struct xen_driver *drv)
{
	size_t budget = WALK_MAX;

	drv->paths = hash_map_create();
	if (!drv->paths)
		return -ENOMEM;
	walk(drv, "/", &budget);
	return 0;
}

void xen_store_track_finish(struct xen_driver *drv)
{
	hash_map_destroy(drv->paths);
	drv->paths = NULL;
}

struct prefix_collect {
	const char *prefix;
	size_t len;
	char **keys;
	size_t count, cap;
};

static void collect_below(const char *key, void *value, void *opaque)
{
	struct prefix_collect *c = opaque;

	if (strncmp(key, c->prefix, c->len) != 0 || key[c->len] != '/')
		return;
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **more = realloc(c->keys, cap * sizeof(*more));
		if (!more)
			return;
		c->keys = more;
		c->cap = cap;
	}
	if ((c->keys[c->count] = strdup(key)))
		c->count++;
}

static void forget_below(struct xen_driver *drv, const char *path)
{
	struct prefix_collect c = {.prefix = path, .len = strlen(path)};

	hash_map_remove(drv->paths, path);
	hash_map_foreach(drv->paths, collect_below, &c);
	for (size_t i = 0; i < c.count; i++) {
		hash_map_remove(drv->paths, c.keys[i]);
		free(c.keys[i]);
	}
	free(c.keys);
}

enum xen_store_event xen_store_track(struct xen_driver *drv, const char *path, char *created,
				     size_t created_size)
{
	bool exists = node_exists(drv, path);
	bool known = drv->paths && hash_map_get(drv->paths, path);

	snprintf(created, created_size, "%s", path);
	if (!drv->paths)
		return exists ? XEN_STORE_MODIFIED : XEN_STORE_DELETED;
	if (exists && known)
		return XEN_STORE_MODIFIED;
	if (!exists) {
		if (!known)
			return XEN_STORE_NOTHING;
		forget_below(drv, path);
		return XEN_STORE_DELETED;
	}
	/* New: it and each unknown ancestor; the topmost is what appeared. */
	char walk_path[HV_TREE_PATH_MAX + 1];
	snprintf(walk_path, sizeof(walk_path), "%s", path);
	for (;;) {
		hash_map_put(drv->paths, walk_path, drv);
		snprintf(created, created_size, "%s", walk_path);
		char *slash = strrchr(walk_path, '/');
		if (!slash || slash == walk_path)
			break;
		*slash = '\0';
		if (hash_map_get(drv->paths, walk_path))
			break;
	}
	return XEN_STORE_CREATED;
}

bool xen_store_known(struct xen_driver *drv, const char *path)
{
	return drv->paths && hash_map_get(drv->paths, path);
}

void xen_store_report(struct xen_driver *drv, const char *path, enum xen_store_event event)
{
	static const enum hv_change_type types[] = {
	    [XEN_STORE_CREATED] = HV_CHANGE_CREATED,
	    [XEN_STORE_MODIFIED] = HV_CHANGE_MODIFIED,
	    [XEN_STORE_DELETED] = HV_CHANGE_DELETED,
	};

	if (event == XEN_STORE_NOTHING)
		return;
	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_HOST,
				    .type = types[event],
				    .tree_path = path,
				});
}
