/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QEMU driver (qemu:///system): guests run by qemu-system-x86_64 and
 * driven over QMP, as libvirt's qemu driver drives them (docs/qemu.md).
 * This file holds the connection (URI knobs, open/close), the host and the
 * slot table; definitions live in qemu_domain.c, lifecycle commands and
 * live values in qemu_control.c, runs in qemu_run.c, QEMU's events and
 * ends in qemu_monitor.c, the command line in qemu_command.c.
 *
 * URI: qemu:///system with optional knobs
 *   state_dir=/ABS/PATH        definitions and runs (default /var/lib/hvfs/qemu)
 *   emulator=/ABS/PATH         the QEMU binary (default /usr/bin/qemu-system-x86_64)
 *   qmp_timeout_ms=N           how long a QMP command may take (default 5000)
 *   shutdown_timeout_ms=N      how long shutdown waits before QEMU is killed (default 60000)
 *   host_devices=/ABS/PATH     the sysfs root host/devices is read from (default /sys) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "drivers/host_linux.h"
#include "drivers/nodedev/sysfs.h"
#include "drivers/qemu/qemu_private.h"
#include "drivers/records.h"
#include "util/atomic_file.h"
#include "util/log.h"
#include "util/uri.h"

#define TIMEOUT_MS_MAX 3600000

uint64_t qemu_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int qemu_run_path(const struct qemu_driver *drv, const char *name, const char *suffix, char *out, size_t size)
{
	if ((size_t)snprintf(out, size, "%s/%s.%s", drv->run_dir, name, suffix) >= size)
		return -ENAMETOOLONG;
	return 0;
}

struct qemu_domain *qemu_find(struct qemu_driver *drv, const char *name, struct hv_error *err)
{
	struct qemu_domain *dom = (struct qemu_domain *)hv_table_find(&drv->domains, name);

	if (!dom)
		hv_error_set(err, ENOENT, "no domain '%s'", name);
	return dom;
}

/* --- URI knobs ------------------------------------------------------------ */

struct qemu_conn_priv {
	struct qemu_driver drv; /* first: conn->priv is the driver */
	char *host_devices;
};

static int set_path(char **slot, const char *key, const char *value, struct hv_error *err)
{
	if (value[0] != '/')
		return hv_error_set(err, EINVAL, "qemu URI: %s=%s: needs an absolute path", key, value);
	free(*slot);
	if (!(*slot = strdup(value)))
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int parse_knobs(struct qemu_conn_priv *priv, const struct uri *uri, struct hv_error *err)
{
	static const char *const known[] = {"emulator",	 "host_devices",	"qmp_timeout_ms",
					    "state_dir", "shutdown_timeout_ms", NULL};
	struct qemu_driver *drv = &priv->drv;
	uint64_t qmp_ms = QEMU_QMP_TIMEOUT_MS, shutdown_ms = QEMU_SHUTDOWN_TIMEOUT_MS;
	int ret;

	if (strcmp(uri->path, "/system") != 0)
		return hv_error_set(
		    err, EINVAL, "qemu URI: the path must be /system (qemu:///system), not '%s'", uri->path);
	ret = uri_check_knobs(uri, known, err);
	if (ret == 0)
		ret = uri_knob_u64(uri, "qmp_timeout_ms", TIMEOUT_MS_MAX, &qmp_ms, err);
	if (ret == 0)
		ret = uri_knob_u64(uri, "shutdown_timeout_ms", TIMEOUT_MS_MAX, &shutdown_ms, err);
	if (ret < 0)
		return ret;
	if (qmp_ms == 0)
		return hv_error_set(err, EINVAL, "qemu URI: qmp_timeout_ms must be at least 1");
	drv->qmp_timeout_ms = (unsigned)qmp_ms;
	drv->shutdown_timeout_ms = (unsigned)shutdown_ms;
	for (size_t i = 0; i < uri->param_count && ret == 0; i++) {
		const char *key = uri->params[i].key, *value = uri->params[i].value;

		if (strcmp(key, "emulator") == 0)
			ret = set_path(&drv->emulator, key, value, err);
		else if (strcmp(key, "host_devices") == 0)
			ret = set_path(&priv->host_devices, key, value, err);
		else if (strcmp(key, "state_dir") == 0)
			ret = set_path(&drv->state_dir, key, value, err);
	}
	if (ret < 0)
		return ret;
	if ((!drv->state_dir && !(drv->state_dir = strdup(QEMU_STATE_DIR_DEFAULT))) ||
	    (!drv->emulator && !(drv->emulator = strdup(QEMU_EMULATOR_DEFAULT))) ||
	    asprintf(&drv->run_dir, "%s/run", drv->state_dir) < 0) {
		drv->run_dir = NULL;
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	/* QMP sockets are STATE_DIR/run/NAME.qmp: a UNIX socket's path has
	 * room for 107 bytes, and a name may take HV_NAME_MAX of them. */
	if (strlen(drv->run_dir) + 1 + HV_NAME_MAX + 4 >= QEMU_SOCKET_PATH_MAX)
		return hv_error_set(err, ENAMETOOLONG,
				    "qemu URI: state_dir=%s is too long for QMP sockets (at most %d bytes)",
				    drv->state_dir, QEMU_SOCKET_PATH_MAX - 1 - HV_NAME_MAX - 4 - 1 - 4);
	if (access(drv->emulator, X_OK) < 0)
		return hv_error_set(err, errno == ENOENT ? EOPNOTSUPP : errno,
				    "qemu driver: cannot run %s: %s (Debian package qemu-system-x86)",
				    drv->emulator, strerror(errno));
	return 0;
}

/* --- connection ----------------------------------------------------------- */

static void driver_free(struct qemu_conn_priv *priv)
{
	struct qemu_driver *drv = &priv->drv;

	qemu_monitor_stop(drv);
	qemu_domains_free(drv);
	if (drv->epoll_fd >= 0)
		close(drv->epoll_fd);
	if (drv->wake_fd >= 0)
		close(drv->wake_fd);
	if (drv->state_dir_fd >= 0)
		close(drv->state_dir_fd);
	pthread_mutex_destroy(&drv->lock);
	free(drv->state_dir);
	free(drv->run_dir);
	free(drv->emulator);
	free(priv->host_devices);
	free(priv);
}

static int open_state_dir(struct qemu_driver *drv, struct hv_error *err)
{
	int ret = mkdir_parents(drv->run_dir);

	if (ret == 0)
		ret = hv_record_dir_make(drv->state_dir, HV_KIND_DOMAIN);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot create %s: %s", drv->state_dir, strerror(-ret));
	drv->state_dir_fd = open(drv->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (drv->state_dir_fd < 0)
		return hv_error_set(err, errno, "cannot open %s: %s", drv->state_dir, strerror(errno));
	/* Two daemons on one state directory would fight over its guests. */
	if (flock(drv->state_dir_fd, LOCK_EX | LOCK_NB) < 0)
		return hv_error_set(err, errno == EWOULDBLOCK ? EBUSY : errno,
				    "%s is in use by another hvfs (flock: %s)", drv->state_dir,
				    strerror(errno));
	return 0;
}

static int qemu_open(struct hv_conn *conn, const struct uri *uri, struct hv_error *err)
{
	struct qemu_conn_priv *priv = calloc(1, sizeof(*priv));
	struct qemu_driver *drv;
	int ret;

	if (!priv)
		return hv_error_set(err, ENOMEM, "out of memory");
	drv = &priv->drv;
	drv->conn = conn;
	drv->state_dir_fd = drv->epoll_fd = drv->wake_fd = -1;
	pthread_mutex_init(&drv->lock, NULL);
	qemu_kind_host_init(drv);
	if (hv_table_init(&drv->domains) < 0) {
		pthread_mutex_destroy(&drv->lock);
		free(priv);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ret = parse_knobs(priv, uri, err);
	if (ret == 0)
		ret = open_state_dir(drv, err);
	if (ret == 0) {
		drv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
		drv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (drv->epoll_fd < 0 || drv->wake_fd < 0)
			ret = hv_error_set(err, errno, "cannot set up the QEMU monitor: %s", strerror(errno));
	}
	conn->priv = priv;
	if (ret == 0)
		ret = qemu_domains_load(drv, err);
	if (ret == 0)
		ret = qemu_monitor_start(drv, err);
	if (ret < 0) {
		conn->priv = NULL;
		driver_free(priv);
		return ret;
	}
	log_info("qemu driver: state in %s, emulator %s", drv->state_dir, drv->emulator);
	return 0;
}

/* Guests keep running: closing only stops watching them. */
static void qemu_close(struct hv_conn *conn)
{
	if (conn->priv)
		driver_free(conn->priv);
	conn->priv = NULL;
}

/* --- host ----------------------------------------------------------------- */

static int qemu_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err)
{
	struct qemu_driver *drv = conn->priv;
	char version[64];

	pthread_mutex_lock(&drv->lock);
	snprintf(version, sizeof(version), "qemu %s", drv->qemu_version[0] ? drv->qemu_version : "unknown");
	pthread_mutex_unlock(&drv->lock);
	return hv_linux_host_info(info, version, err);
}

static int qemu_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err)
{
	static const char *const with_kvm[] = {"qemu", "kvm", NULL}, *const tcg_only[] = {"qemu", NULL};

	return hv_linux_host_capabilities("hvm", access("/dev/kvm", R_OK | W_OK) == 0 ? with_kvm : tcg_only,
					  xml, err);
}

static const char *devices_root(struct hv_conn *conn)
{
	struct qemu_conn_priv *priv = conn->priv;

	return priv->host_devices ? priv->host_devices : "/sys";
}

static int qemu_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	return nodedev_sysfs_list(devices_root(conn), out, err);
}

static int qemu_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
			     struct hv_error *err)
{
	return nodedev_sysfs_info(devices_root(conn), name, info, err);
}

/* Networks and pools are not this driver's yet (docs/qemu.md): the lists
 * are empty and making one is EOPNOTSUPP. */
static int qemu_empty_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	*out = (struct hv_name_list){0};
	return 0;
}

static int qemu_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
			     struct hv_error *err)
{
	return hv_error_set(err, ENOENT, "no network '%s': the qemu driver manages no networks", name);
}

static int qemu_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info,
			  struct hv_error *err)
{
	return hv_error_set(err, ENOENT, "no pool '%s': the qemu driver manages no storage pools", name);
}

const struct hv_driver_ops hv_qemu_driver_ops = {
    .name = "qemu",
    .scheme = "qemu",
    .open = qemu_open,
    .close = qemu_close,
    .host_info = qemu_host_info,
    .host_capabilities = qemu_host_capabilities,
    .domain_list = qemu_domain_list,
    .domain_info = qemu_domain_info,
    .domain_stats = qemu_domain_stats,
    .domain_get_xml = qemu_domain_get_xml,
    .domain_define = qemu_domain_define,
    .domain_undefine = qemu_domain_undefine,
    .domain_rename = qemu_domain_rename,
    .domain_control = qemu_domain_control,
    .domain_set_memory = qemu_domain_set_memory,
    .domain_set_max_memory = qemu_domain_set_max_memory,
    .domain_set_vcpus = qemu_domain_set_vcpus,
    .domain_set_max_vcpus = qemu_domain_set_max_vcpus,
    .domain_set_autostart = qemu_domain_set_autostart,
    .domain_device_list = qemu_domain_device_list,
    .device_classes = qemu_device_classes,
    .domain_keys = &qemu_domain_keys,
    .domain_key_get = qemu_domain_key_get,
    .network_list = qemu_empty_list,
    .network_info = qemu_network_info,
    .pool_list = qemu_empty_list,
    .pool_info = qemu_pool_info,
    .nodedev_list = qemu_nodedev_list,
    .nodedev_info = qemu_nodedev_info,
};
