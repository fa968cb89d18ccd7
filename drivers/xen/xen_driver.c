/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver (xen:///): the unified model of docs/paths.md (docs/xen.md).  The hypervisor is
 * reached through libxenctrl, names, balloon targets, vCPU availability,
 * device trees and watches through libxenstore, and guests are built and
 * destroyed by libxl, Xen's own toolstack library.  This file holds the
 * connection (URI knobs, open/close), the host and the slot table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/xen/xen_private.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/uri.h"

uint64_t xen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int parse_knobs(struct xen_driver *drv, const struct uri *uri, struct hv_error *err)
{
	static const char *const known[] = {"shutdown_timeout_ms", "state_dir", NULL};
	const char *dir = uri_get(uri, "state_dir");
	uint64_t timeout_ms = XEN_DEFAULT_SHUTDOWN_TIMEOUT;
	int ret;

	if (uri->path[0] && strcmp(uri->path, "/") != 0)
		return hv_error_set(err, EINVAL, "xen URI: the path must be empty or '/' (xen:///), not '%s'",
				    uri->path);
	ret = uri_check_knobs(uri, known, err);
	if (ret < 0)
		return ret;
	if (!dir)
		dir = XEN_DEFAULT_STATE_DIR;
	if (dir[0] != '/' || strlen(dir) >= sizeof(drv->state_dir) - HV_NAME_MAX - 8)
		return hv_error_set(err, EINVAL, "xen URI: state_dir=%s must be an absolute path", dir);
	snprintf(drv->state_dir, sizeof(drv->state_dir), "%s", dir);
	ret = uri_knob_u64(uri, "shutdown_timeout_ms", 3600000, &timeout_ms, err);
	drv->shutdown_timeout_ms = (unsigned)timeout_ms;
	return ret;
}

static void xen_close(struct hv_conn *conn)
{
	struct xen_driver *drv = conn->priv;

	if (!drv)
		return;
	xen_watch_stop(drv);
	xen_libxl_close(drv);
	if (drv->xs)
		xs_close(drv->xs);
	if (drv->xc)
		xc_interface_close(drv->xc);
	xen_dom_list_finish(&drv->known);
	while (drv->pending) {
		struct xen_pending *next = drv->pending->next;
		free(drv->pending);
		drv->pending = next;
	}
	pthread_mutex_destroy(&drv->lock);
	pthread_mutex_destroy(&drv->rescan_lock);
	pthread_mutex_destroy(&drv->libxl_lock);
	pthread_mutex_destroy(&drv->define_lock);
	free(drv);
	conn->priv = NULL;
}

/* Without Xen, libxenctrl's open fails after printing its own complaint;
 * checking for the privcmd device first gives the user one clear reason. */
static int check_hypervisor(struct hv_error *err)
{
	if (access("/proc/xen/capabilities", F_OK) != 0 && access("/dev/xen/privcmd", F_OK) != 0)
		return hv_error_set(err, EIO,
				    "no Xen hypervisor here: neither /proc/xen nor /dev/xen/privcmd exists "
				    "(boot Xen, or load xenfs and xen-privcmd in dom0)");
	return 0;
}

static int xen_open(struct hv_conn *conn, const struct uri *uri, struct hv_error *err)
{
	struct xen_driver *drv = calloc(1, sizeof(*drv));
	int ret;

	if (!drv)
		return hv_error_set(err, ENOMEM, "out of memory");
	drv->conn = conn;
	drv->stop_pipe[0] = drv->stop_pipe[1] = -1;
	pthread_mutex_init(&drv->lock, NULL);
	pthread_mutex_init(&drv->rescan_lock, NULL);
	pthread_mutex_init(&drv->libxl_lock, NULL);
	pthread_mutex_init(&drv->define_lock, NULL);
	drv->list_read = xen_dom_list_read;
	drv->dom_read = xen_dom_read_one;
	conn->priv = drv;
	ret = parse_knobs(drv, uri, err);
	if (ret == 0)
		ret = check_hypervisor(err);
	if (ret < 0)
		goto fail;
	drv->xc = xc_interface_open(NULL, NULL, 0);
	if (!drv->xc) {
		ret = hv_error_set(err, EIO, "cannot open the hypervisor interface (libxenctrl): %s",
				   strerror(errno));
		goto fail;
	}
	drv->xs = xs_open(0);
	if (!drv->xs) {
		ret = hv_error_set(err, EIO, "cannot connect to xenstored: %s (is it running?)",
				   strerror(errno));
		goto fail;
	}
	ret = xen_defs_migrate(drv);
	if (ret < 0) {
		ret = hv_error_set(err, EIO, "cannot move the definitions of %s into records: %s",
				   drv->state_dir, strerror(-ret));
		goto fail;
	}
	ret = xen_libxl_open(drv, err);
	if (ret == 0)
		ret = xen_watch_start(drv, err);
	if (ret < 0)
		goto fail;
	log_info("xen: connected; definitions in %s, shutdown fallback after %u ms", drv->state_dir,
		 drv->shutdown_timeout_ms);
	return 0;
fail:
	xen_close(conn);
	return ret;
}

static void read_cpu_model(char *out, size_t size)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(out, size, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, size, "%s", colon);
		break;
	}
	fclose(f);
}

static int xen_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	xc_physinfo_t phys = {0};
	xen_extraversion_t extra = {0};
	int version;

	if (xc_physinfo(drv->xc, &phys) != 0)
		return hv_error_set(err, EIO, "the hypervisor did not answer physinfo: %s", strerror(errno));
	version = xc_version(drv->xc, XENVER_version, NULL);
	if (version < 0 || xc_version(drv->xc, XENVER_extraversion, &extra) < 0)
		return hv_error_set(err, EIO, "the hypervisor did not tell its version: %s", strerror(errno));
	memset(info, 0, sizeof(*info));
	if (gethostname(info->hostname, sizeof(info->hostname) - 1) != 0)
		snprintf(info->hostname, sizeof(info->hostname), "localhost");
	read_cpu_model(info->cpu_model, sizeof(info->cpu_model));
	snprintf(info->hypervisor_version, sizeof(info->hypervisor_version), "xen %d.%d%.40s", version >> 16,
		 version & 0xffff, extra);
	info->cpus = phys.nr_cpus;
	info->memory_kib = (uint64_t)phys.total_pages * (XC_PAGE_SIZE / 1024);
	info->free_memory_kib = (uint64_t)phys.free_pages * (XC_PAGE_SIZE / 1024);
	return 0;
}

static int xen_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err)
{
	struct hv_host_info info;
	struct strbuf sb = STRBUF_INIT;
	int ret = xen_host_info(conn, &info, err);

	if (ret < 0)
		return ret;
	/* Only PV guests: the one kind xen_guest_def_parse accepts. */
	ret = strbuf_printf(&sb, "<capabilities>\n"
				 "  <host>\n"
				 "    <cpu>\n"
				 "      <arch>x86_64</arch>\n"
				 "    </cpu>\n"
				 "  </host>\n"
				 "  <guest>\n"
				 "    <os_type>xen</os_type>\n"
				 "    <arch name='x86_64'>\n"
				 "      <wordsize>64</wordsize>\n"
				 "      <domain type='xen'/>\n"
				 "    </arch>\n"
				 "  </guest>\n"
				 "</capabilities>\n");
	if (ret < 0) {
		strbuf_finish(&sb);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	*xml = strbuf_steal(&sb);
	return 0;
}

/* Alphabetical within each group, in driver.h's order of groups. */
const struct hv_driver_ops hv_xen_driver_ops = {
    .name = "xen",
    .scheme = "xen",

    .close = xen_close,
    .open = xen_open,

    .host_capabilities = xen_host_capabilities,
    .host_info = xen_host_info,

    .device_classes = xen_device_classes,
    .domain_control = xen_domain_control,
    .domain_define = xen_domain_define,
    .domain_device_list = xen_domain_device_list,
    .domain_get_xml = xen_domain_get_xml,
    .domain_info = xen_domain_info,
    .domain_list = xen_domain_list,
    .domain_set_memory = xen_domain_set_memory,
    .domain_set_vcpus = xen_domain_set_vcpus,
    .domain_stats = xen_domain_stats,
    .domain_undefine = xen_domain_undefine,

    .tree_dir = "xenstore",
    .tree_list = xen_store_list,
    .tree_mkdir = xen_store_mkdir,
    .tree_read = xen_store_read,
    .tree_remove = xen_store_remove,
    .tree_write = xen_store_write,
};
