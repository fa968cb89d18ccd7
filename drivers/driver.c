/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Driver registry and dispatch.  Every public hv_* call goes through one
 * macro so that the rules of driver.h (NULL slot = EOPNOTSUPP, names
 * validated before a driver sees them) hold for all of them alike. */
#include "drivers/driver.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/uri.h"

extern const struct hv_driver_ops hv_container_driver_ops;
extern const struct hv_driver_ops hv_qemu_driver_ops;
extern const struct hv_driver_ops hv_test_driver_ops;
extern const struct hv_driver_ops hv_xen_driver_ops;

/* Alphabetical by scheme.  The container and Xen drivers are optional at
 * build time (docs/design.md, "Build configuration"). */
static const struct hv_driver_ops *const drivers[] = {
#ifdef HVFS_WITH_CGROUP
    &hv_container_driver_ops,
#endif
    &hv_qemu_driver_ops,
    &hv_test_driver_ops,
#ifdef HVFS_WITH_XEN
    &hv_xen_driver_ops,
#endif
};

/* Why a scheme this hvfs knows of is not built in, or NULL. */
static const char *left_out_reason(const char *scheme)
{
#ifndef HVFS_WITH_CGROUP
	if (strcmp(scheme, "lxc") == 0)
		return "this hvfs was built without cgroup support (libcgroup), which lxc:/// needs: "
		       "install libcgroup-dev and rebuild";
#endif
#ifndef HVFS_WITH_XEN
	if (strcmp(scheme, "xen") == 0)
		return "this hvfs was built without Xen support: install libxen-dev and rebuild";
#endif
	(void)scheme;
	return NULL;
}

const char *hv_built_drivers(void)
{
	return "test"
#ifdef HVFS_WITH_CGROUP
	       " lxc"
#endif
	       " qemu"
#ifdef HVFS_WITH_XEN
	       " xen"
#endif
	    ;
}

int hv_conn_open(const char *uri_text, hv_change_fn on_change, void *opaque, struct hv_conn **out,
		 struct hv_error *err)
{
	struct uri uri;
	const char *why = NULL;
	const struct hv_driver_ops *ops = NULL;
	int ret;

	ret = uri_parse(uri_text, &uri, &why);
	if (ret < 0)
		return hv_error_set(err, -ret, "invalid URI '%s': %s", uri_text, why ? why : "out of memory");
	for (size_t i = 0; i < ARRAY_SIZE(drivers); i++)
		if (strcmp(drivers[i]->scheme, uri.scheme) == 0)
			ops = drivers[i];
	const char *left_out = ops ? NULL : left_out_reason(uri.scheme);
	if (left_out) {
		ret = hv_error_set(err, EOPNOTSUPP, "%s", left_out);
		uri_finish(&uri);
		return ret;
	}
	if (!ops) {
		ret = hv_error_set(err, EINVAL, "no driver for URI scheme '%s' (known: lxc, test, xen)",
				   uri.scheme);
		uri_finish(&uri);
		return ret;
	}
	struct hv_conn *conn = calloc(1, sizeof(*conn));
	if (!conn || !(conn->uri = strdup(uri_text))) {
		free(conn);
		uri_finish(&uri);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	conn->ops = ops;
	conn->on_change = on_change;
	conn->on_change_opaque = opaque;
	ret = ops->open(conn, &uri, err);
	uri_finish(&uri);
	if (ret < 0) {
		free(conn->uri);
		free(conn);
		return ret;
	}
	*out = conn;
	return 0;
}

void hv_conn_close(struct hv_conn *conn)
{
	if (!conn)
		return;
	conn->ops->close(conn);
	free(conn->uri);
	free(conn);
}

/* The innermost open call scope of this thread (hv_call_begin). */
static __thread struct hv_call_scope *current_call;

void hv_call_begin(struct hv_call_scope *scope, const struct hv_conn *conn, const struct hv_origin *origin,
		   enum hv_object_kind kind, const char *name)
{
	*scope = (struct hv_call_scope){
	    .conn = conn, .origin = origin, .kind = kind, .name = name, .outer = current_call};
	current_call = scope;
}

void hv_call_end(struct hv_call_scope *scope)
{
	current_call = scope->outer;
}

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

void hv_conn_emit(struct hv_conn *conn, const struct hv_change *change)
{
	struct hv_change stamped = *change;
	const struct hv_call_scope *call = current_call;

	if (!conn->on_change)
		return;
	if (!stamped.origin && call && call->conn == conn && call->kind == change->kind &&
	    same_name(call->name, change->name))
		stamped.origin = call->origin;
	conn->on_change(conn->on_change_opaque, &stamped);
}

void hv_name_list_finish(struct hv_name_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
	list->names = NULL;
	list->count = 0;
}

static int check_name(const char *name, struct hv_error *err)
{
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL,
				    "invalid name '%.80s': use 1-64 characters of A-Z a-z 0-9 _ . + -, "
				    "not starting with . or -",
				    name ? name : "");
	return 0;
}

#define DISPATCH(slot, ...)                                                                                  \
	do {                                                                                                 \
		if (!conn->ops->slot)                                                                        \
			return hv_error_set(err, EOPNOTSUPP, "the %s driver does not support %s",            \
					    conn->ops->name, #slot);                                         \
		return conn->ops->slot(conn, __VA_ARGS__);                                                   \
	} while (0)

#define DISPATCH_NAMED(slot, name, ...)                                                                      \
	do {                                                                                                 \
		int ret_ = check_name(name, err);                                                            \
		if (ret_ < 0)                                                                                \
			return ret_;                                                                         \
		DISPATCH(slot, name, __VA_ARGS__);                                                           \
	} while (0)

#define DISPATCH_RENAME(slot)                                                                                \
	do {                                                                                                 \
		if (check_name(new_name, err) < 0)                                                           \
			return -EINVAL;                                                                      \
		DISPATCH_NAMED(slot, name, new_name, err);                                                   \
	} while (0)

int hv_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err)
{
	DISPATCH(host_info, info, err);
}

int hv_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err)
{
	DISPATCH(host_capabilities, xml, err);
}

int hv_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH(domain_list, out, err);
}

int hv_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info, struct hv_error *err)
{
	DISPATCH_NAMED(domain_info, name, info, err);
}

int hv_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		    struct hv_error *err)
{
	DISPATCH_NAMED(domain_stats, name, stats, err);
}

int hv_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	DISPATCH_NAMED(domain_get_xml, name, xml, err);
}

int hv_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		     struct hv_error *err)
{
	DISPATCH_NAMED(domain_define, name, xml, len, err);
}

int hv_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	DISPATCH_NAMED(domain_undefine, name, err);
}

int hv_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	DISPATCH_RENAME(domain_rename);
}

int hv_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
		      struct hv_error *err)
{
	DISPATCH_NAMED(domain_control, name, command, err);
}

int hv_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	DISPATCH_NAMED(domain_set_memory, name, kib, err);
}

int hv_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	DISPATCH_NAMED(domain_set_max_memory, name, kib, err);
}

int hv_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	DISPATCH_NAMED(domain_set_vcpus, name, vcpus, err);
}

int hv_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	DISPATCH_NAMED(domain_set_max_vcpus, name, vcpus, err);
}

int hv_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	DISPATCH_NAMED(domain_set_autostart, name, autostart, err);
}

int hv_network_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH(network_list, out, err);
}

int hv_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
		    struct hv_error *err)
{
	DISPATCH_NAMED(network_info, name, info, err);
}

int hv_network_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	DISPATCH_NAMED(network_get_xml, name, xml, err);
}

int hv_network_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		      struct hv_error *err)
{
	DISPATCH_NAMED(network_define, name, xml, len, err);
}

int hv_network_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	DISPATCH_NAMED(network_undefine, name, err);
}

int hv_network_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	DISPATCH_RENAME(network_rename);
}

int hv_network_control(struct hv_conn *conn, const char *name, enum hv_network_command command,
		       struct hv_error *err)
{
	DISPATCH_NAMED(network_control, name, command, err);
}

int hv_network_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	DISPATCH_NAMED(network_set_autostart, name, autostart, err);
}

int hv_pool_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH(pool_list, out, err);
}

int hv_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info, struct hv_error *err)
{
	DISPATCH_NAMED(pool_info, name, info, err);
}

int hv_pool_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	DISPATCH_NAMED(pool_get_xml, name, xml, err);
}

int hv_pool_define(struct hv_conn *conn, const char *name, const char *xml, size_t len, struct hv_error *err)
{
	DISPATCH_NAMED(pool_define, name, xml, len, err);
}

int hv_pool_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	DISPATCH_NAMED(pool_undefine, name, err);
}

int hv_pool_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	DISPATCH_RENAME(pool_rename);
}

int hv_pool_control(struct hv_conn *conn, const char *name, enum hv_pool_command command,
		    struct hv_error *err)
{
	DISPATCH_NAMED(pool_control, name, command, err);
}

int hv_pool_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	DISPATCH_NAMED(pool_set_autostart, name, autostart, err);
}

/* Volumes are named like objects (docs/paths.md, conventions), inside a named pool. */
#define DISPATCH_VOLUME(slot, ...)                                                                           \
	do {                                                                                                 \
		int ret_ = check_name(pool, err);                                                            \
		if (ret_ == 0)                                                                               \
			ret_ = check_name(name, err);                                                        \
		if (ret_ < 0)                                                                                \
			return ret_;                                                                         \
		DISPATCH(slot, pool, name, __VA_ARGS__);                                                     \
	} while (0)

int hv_volume_list(struct hv_conn *conn, const char *pool, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH_NAMED(volume_list, pool, out, err);
}

int hv_volume_info(struct hv_conn *conn, const char *pool, const char *name, struct hv_volume_info *info,
		   struct hv_error *err)
{
	DISPATCH_VOLUME(volume_info, info, err);
}

int hv_volume_get_xml(struct hv_conn *conn, const char *pool, const char *name, char **xml,
		      struct hv_error *err)
{
	DISPATCH_VOLUME(volume_get_xml, xml, err);
}

int hv_volume_create(struct hv_conn *conn, const char *pool, const char *name, const char *xml, size_t len,
		     struct hv_error *err)
{
	DISPATCH_VOLUME(volume_create, xml, len, err);
}

int hv_volume_delete(struct hv_conn *conn, const char *pool, const char *name, struct hv_error *err)
{
	DISPATCH_VOLUME(volume_delete, err);
}

int hv_volume_resize(struct hv_conn *conn, const char *pool, const char *name, uint64_t capacity,
		     struct hv_error *err)
{
	DISPATCH_VOLUME(volume_resize, capacity, err);
}

int hv_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH(nodedev_list, out, err);
}

int hv_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
		    struct hv_error *err)
{
	if (!name || !name[0] || strchr(name, '/') || strlen(name) > HV_NODEDEV_NAME_MAX)
		return hv_error_set(err, EINVAL, "'%s' is not a device name", name ? name : "");
	DISPATCH(nodedev_info, name, info, err);
}

void hv_device_list_finish(struct hv_device_list *list)
{
	free(list->devices);
	list->devices = NULL;
	list->count = 0;
}

const char *hv_device_attr(const struct hv_device_info *dev, const char *key)
{
	for (unsigned i = 0; i < dev->attr_count; i++)
		if (strcmp(dev->attrs[i].key, key) == 0)
			return dev->attrs[i].value;
	return NULL;
}

const struct hv_device_class *hv_device_class_find(const struct hv_conn *conn, const char *cls)
{
	const struct hv_device_class *any = NULL;

	for (const struct hv_device_class *c = conn->ops->device_classes; c && c->cls; c++) {
		if (strcmp(c->cls, cls) == 0)
			return c;
		if (strcmp(c->cls, "*") == 0)
			any = c;
	}
	return any;
}

void hv_lease_list_finish(struct hv_lease_list *list)
{
	free(list->leases);
	list->leases = NULL;
	list->count = 0;
}

/* Device classes and names are element names and target names, not object
 * names: non-empty, no '/', not "." or "..". */
static int check_device(const char *cls, const char *name, struct hv_error *err)
{
	const char *parts[] = {cls, name};

	for (size_t i = 0; i < 2; i++) {
		const char *p = parts[i];
		size_t max = i == 0 ? HV_DEVICE_CLASS_MAX : HV_DEVICE_NAME_MAX;
		if (!p || !p[0] || strlen(p) > max || strchr(p, '/') || strcmp(p, ".") == 0 ||
		    strcmp(p, "..") == 0)
			return hv_error_set(err, EINVAL, "'%s' is not a device %s", p ? p : "",
					    i == 0 ? "class" : "name");
	}
	return 0;
}

int hv_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			  struct hv_error *err)
{
	DISPATCH_NAMED(domain_device_list, domain, out, err);
}

int hv_domain_device_attach(struct hv_conn *conn, const char *domain, const char *xml, size_t len,
			    struct hv_error *err)
{
	DISPATCH_NAMED(domain_device_attach, domain, xml, len, err);
}

int hv_domain_device_detach(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			    struct hv_error *err)
{
	int ret = check_device(cls, name, err);

	if (ret < 0)
		return ret;
	DISPATCH_NAMED(domain_device_detach, domain, cls, name, err);
}

int hv_domain_device_set(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			 const char *key, const char *value, struct hv_error *err)
{
	int ret = check_device(cls, name, err);

	if (ret < 0)
		return ret;
	DISPATCH_NAMED(domain_device_set, domain, cls, name, key, value, err);
}

int hv_network_leases(struct hv_conn *conn, const char *network, struct hv_lease_list *out,
		      struct hv_error *err)
{
	DISPATCH_NAMED(network_leases, network, out, err);
}

/* --- a domain's named values, the driver's tree --- */

static int check_domain_key(const struct hv_conn *conn, const char *key, struct hv_error *err)
{
	const struct hv_domain_keys *set = conn->ops->domain_keys;

	for (const struct hv_device_key *k = set ? set->keys : NULL; k && k->key && key; k++)
		if (strcmp(key, k->key) == 0)
			return 0;
	return hv_error_set(err, EINVAL, "'%.80s' is not one of the domain's %s keys", key ? key : "",
			    set ? set->dir : "named");
}

int hv_domain_key_get(struct hv_conn *conn, const char *name, const char *key, char **value,
		      struct hv_error *err)
{
	int ret = check_domain_key(conn, key, err);

	if (ret < 0)
		return ret;
	DISPATCH_NAMED(domain_key_get, name, key, value, err);
}

int hv_domain_key_set(struct hv_conn *conn, const char *name, const char *key, const char *value,
		      struct hv_error *err)
{
	int ret = check_domain_key(conn, key, err);

	if (ret < 0)
		return ret;
	DISPATCH_NAMED(domain_key_set, name, key, value, err);
}

/* What every tree path must be to become a path of the mount: each
 * component a directory entry name.  The driver adds its own rules. */
bool hv_tree_path_is_valid(const char *path)
{
	size_t len = path ? strlen(path) : 0;

	if (len == 0 || len > HV_TREE_PATH_MAX || path[0] != '/')
		return false;
	if (len == 1)
		return true;
	if (path[len - 1] == '/')
		return false;
	for (const char *p = path + 1; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

#define DISPATCH_TREE(slot, ...)                                                                             \
	do {                                                                                                 \
		if (!hv_tree_path_is_valid(path))                                                            \
			return hv_error_set(err, EINVAL, "'%.80s' is no path of %s/", path ? path : "",      \
					    conn->ops->tree_dir ? conn->ops->tree_dir : "the tree");         \
		DISPATCH(slot, path, __VA_ARGS__);                                                           \
	} while (0)

int hv_tree_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err)
{
	DISPATCH_TREE(tree_list, out, err);
}

int hv_tree_read(struct hv_conn *conn, const char *path, char **value, size_t *len, struct hv_error *err)
{
	DISPATCH_TREE(tree_read, value, len, err);
}

int hv_tree_write(struct hv_conn *conn, const char *path, const char *value, size_t len, struct hv_error *err)
{
	DISPATCH_TREE(tree_write, value, len, err);
}

int hv_tree_mkdir(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	DISPATCH_TREE(tree_mkdir, err);
}

int hv_tree_remove(struct hv_conn *conn, const char *path, struct hv_error *err)
{
	DISPATCH_TREE(tree_remove, err);
}
