/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container driver (lxc:///): real process-tree containers, each in its
 * own cgroup (cgroupctl/) and namespaces.  This file holds the connection
 * (URI knobs, open/close), the host and the slot table; domains live in
 * container_domain.c, running them in container_run.c and
 * container_launch.c, watching them in container_monitor.c.
 *
 * URI: lxc:/// with optional knobs
 *   state_dir=/ABS/PATH        definitions and run records (default /var/lib/hvfs/lxc)
 *   cgroup_parent=NAME         the cgroup every domain's cgroup is made in (default hvfs)
 *   shutdown_timeout_ms=N      how long shutdown waits before SIGKILL (default 10000)
 *   host_devices=/ABS/PATH     the sysfs root host/devices is read from (default /sys) */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "drivers/container/container_private.h"
#include "drivers/host_linux.h"
#include "drivers/lifecycle.h"
#include "drivers/nodedev/sysfs.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/uri.h"

#define SHUTDOWN_TIMEOUT_MS_MAX 3600000

uint64_t container_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int container_path(const struct container_driver *drv, const char *name, const char *suffix, char *out,
		   size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s.%s", drv->state_dir, name, suffix) >= size)
		return -ENAMETOOLONG;
	return 0;
}

struct container_domain *container_find(struct container_driver *drv, const char *name, struct hv_error *err)
{
	struct container_domain *dom = (struct container_domain *)hv_table_find(&drv->domains, name);

	if (!dom)
		hv_error_set(err, ENOENT, "no domain '%s'", name);
	return dom;
}

/* --- URI knobs ------------------------------------------------------------ */

static int set_string(char **slot, const char *key, const char *value, bool absolute, struct hv_error *err)
{
	if (value[0] == '\0' || (absolute && value[0] != '/'))
		return hv_error_set(err, EINVAL, "lxc URI: %s=%s: %s", key, value,
				    absolute ? "needs an absolute path" : "must not be empty");
	free(*slot);
	if (!(*slot = strdup(value)))
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int parse_knobs(struct container_driver *drv, const struct uri *uri, char **host_devices,
		       struct hv_error *err)
{
	static const char *const known[] = {"cgroup_parent", "host_devices", "shutdown_timeout_ms",
					    "state_dir", NULL};
	uint64_t timeout_ms = CONTAINER_SHUTDOWN_TIMEOUT_MS;
	int ret;

	if (uri->path[0] && strcmp(uri->path, "/") != 0)
		return hv_error_set(err, EINVAL, "lxc URI: the path must be '/' (lxc:///), not '%s'",
				    uri->path);
	ret = uri_check_knobs(uri, known, err);
	if (ret == 0)
		ret = uri_knob_u64(uri, "shutdown_timeout_ms", SHUTDOWN_TIMEOUT_MS_MAX, &timeout_ms, err);
	if (ret < 0)
		return ret;
	drv->shutdown_timeout_ms = (unsigned)timeout_ms;
	for (size_t i = 0; i < uri->param_count; i++) {
		const char *key = uri->params[i].key, *value = uri->params[i].value;

		if (strcmp(key, "cgroup_parent") == 0) {
			ret = set_string(&drv->cgroup_parent, key, value, false, err);
			if (ret == 0 && (value[0] == '/' || strstr(value, "..")))
				ret = hv_error_set(err, EINVAL,
						   "lxc URI: cgroup_parent=%s: a relative path without '..'",
						   value);
		} else if (strcmp(key, "host_devices") == 0) {
			ret = set_string(host_devices, key, value, true, err);
		} else if (strcmp(key, "state_dir") == 0) {
			ret = set_string(&drv->state_dir, key, value, true, err);
		}
		if (ret < 0)
			return ret;
	}
	if (!drv->state_dir && !(drv->state_dir = strdup(CONTAINER_STATE_DIR_DEFAULT)))
		return hv_error_set(err, ENOMEM, "out of memory");
	if (!drv->cgroup_parent && !(drv->cgroup_parent = strdup(CONTAINER_CGROUP_PARENT_DEFAULT)))
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* --- connection ----------------------------------------------------------- */

struct container_conn_priv {
	struct container_driver drv;
	char *host_devices;
};

static void driver_free(struct container_conn_priv *priv)
{
	struct container_driver *drv = &priv->drv;

	container_monitor_stop(drv);
	container_domains_free(drv);
	if (drv->epoll_fd >= 0)
		close(drv->epoll_fd);
	if (drv->wake_fd >= 0)
		close(drv->wake_fd);
	if (drv->state_dir_fd >= 0)
		close(drv->state_dir_fd);
	pthread_mutex_destroy(&drv->lock);
	free(drv->state_dir);
	free(drv->cgroup_parent);
	free(priv->host_devices);
	free(priv);
}

static int open_state_dir(struct container_driver *drv, struct hv_error *err)
{
	int ret = mkdir_parents(drv->state_dir);

	if (ret < 0)
		return hv_error_set(err, -ret, "cannot create %s: %s", drv->state_dir, strerror(-ret));
	drv->state_dir_fd = open(drv->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (drv->state_dir_fd < 0)
		return hv_error_set(err, errno, "cannot open %s: %s", drv->state_dir, strerror(errno));
	/* Two daemons on one state directory would fight over its containers. */
	if (flock(drv->state_dir_fd, LOCK_EX | LOCK_NB) < 0)
		return hv_error_set(err, errno == EWOULDBLOCK ? EBUSY : errno,
				    "%s is in use by another hvfs (flock: %s)", drv->state_dir,
				    strerror(errno));
	return 0;
}

static int container_open(struct hv_conn *conn, const struct uri *uri, struct hv_error *err)
{
	struct container_conn_priv *priv = calloc(1, sizeof(*priv));
	struct container_driver *drv;
	struct cgctl_group *parent;
	int ret;

	if (!priv)
		return hv_error_set(err, ENOMEM, "out of memory");
	drv = &priv->drv;
	drv->conn = conn;
	drv->state_dir_fd = drv->epoll_fd = drv->wake_fd = -1;
	pthread_mutex_init(&drv->lock, NULL);
	container_kind_host_init(drv);
	ret = hv_table_init(&drv->domains);
	if (ret < 0) {
		free(priv);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ret = parse_knobs(drv, uri, &priv->host_devices, err);
	if (ret == 0)
		ret = open_state_dir(drv, err);
	if (ret == 0)
		ret = cgctl_detect(&drv->layout, err);
	if (ret == 0) {
		/* The parent must exist before any domain's group is made in it. */
		parent = cgctl_group_create(&drv->layout, "", drv->cgroup_parent, err);
		if (!parent)
			ret = -(err && err->code ? err->code : EIO);
		cgctl_group_destroy(parent);
	}
	if (ret == 0) {
		drv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		drv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (drv->epoll_fd < 0 || drv->wake_fd < 0)
			ret = hv_error_set(err, errno, "cannot set up the container monitor: %s",
					   strerror(errno));
	}
	conn->priv = priv;
	if (ret == 0)
		ret = container_domains_load(drv, err);
	if (ret == 0)
		ret = container_monitor_start(drv, err);
	if (ret < 0) {
		conn->priv = NULL;
		driver_free(priv);
		return ret;
	}
	log_info("lxc driver: state in %s, cgroups under %s (%s host)", drv->state_dir, drv->cgroup_parent,
		 cgctl_mode_name(drv->layout.mode));
	return 0;
}

/* Containers keep running: closing only stops watching them. */
static void container_close(struct hv_conn *conn)
{
	if (conn->priv)
		driver_free(conn->priv);
	conn->priv = NULL;
}

/* --- host ----------------------------------------------------------------- */

static int container_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err)
{
	struct utsname uts;
	char version[64] = "linux";

	/* The "hypervisor" of containers is the kernel. */
	if (uname(&uts) == 0)
		snprintf(version, sizeof(version), "linux %.50s", uts.release);
	return hv_linux_host_info(info, version, err);
}

static int container_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err)
{
	static const char *const types[] = {"lxc", NULL};

	return hv_linux_host_capabilities("exe", types, xml, err);
}

static const char *devices_root(struct hv_conn *conn)
{
	struct container_conn_priv *priv = conn->priv;

	return priv->host_devices ? priv->host_devices : "/sys";
}

static int container_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	return nodedev_sysfs_list(devices_root(conn), out, err);
}

static int container_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
				  struct hv_error *err)
{
	return nodedev_sysfs_info(devices_root(conn), name, info, err);
}

/* Networks and pools are not the container driver's (docs/container.md):
 * it has none, so networks/ and pools/ list empty, and making one is
 * EOPNOTSUPP (their define slots are NULL), as are domain devices. */
static int container_empty_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	*out = (struct hv_name_list){0};
	return 0;
}

static int container_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
				  struct hv_error *err)
{
	return hv_error_set(err, ENOENT, "no network '%s': the lxc driver manages no networks", name);
}

static int container_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info,
			       struct hv_error *err)
{
	return hv_error_set(err, ENOENT, "no pool '%s': the lxc driver manages no storage pools", name);
}

const struct hv_driver_ops hv_container_driver_ops = {
    .name = "container",
    .scheme = "lxc",
    .open = container_open,
    .close = container_close,
    .host_info = container_host_info,
    .host_capabilities = container_host_capabilities,
    .domain_list = container_domain_list,
    .domain_info = container_domain_info,
    .domain_stats = container_domain_stats,
    .domain_get_xml = container_domain_get_xml,
    .domain_define = container_domain_define,
    .domain_undefine = container_domain_undefine,
    .domain_rename = container_domain_rename,
    .domain_control = container_domain_control,
    .domain_set_memory = container_domain_set_memory,
    .domain_set_max_memory = container_domain_set_max_memory,
    .domain_set_vcpus = container_domain_set_vcpus,
    .domain_set_max_vcpus = container_domain_set_max_vcpus,
    .domain_set_autostart = container_domain_set_autostart,
    .domain_keys = &container_cgroup_keys,
    .domain_key_get = container_domain_cgroup_get,
    .domain_key_set = container_domain_cgroup_set,
    .network_list = container_empty_list,
    .network_info = container_network_info,
    .pool_list = container_empty_list,
    .pool_info = container_pool_info,
    .nodedev_list = container_nodedev_list,
    .nodedev_info = container_nodedev_info,
};
