/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the QEMU driver shows of a domain besides the shared files:
 * devices/ (from the live definition while it runs, so every address is
 * the one on QEMU's command line, with each disk's I/O counters from
 * query-blockstats) and qemu/ (the process behind it). */
#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/device_conf.h"
#include "drivers/qemu/qemu_command.h"
#include "drivers/qemu/qemu_private.h"
#include "util/cleanup.h"

static struct qemu_driver *driver_of(struct hv_conn *conn)
{
	return conn->priv;
}

/* --- devices/ ------------------------------------------------------------- */

/* libvirt's device files, and a running disk's I/O counters (volatile:
 * read when the file is opened, never reported changed). */
static const struct hv_device_key disk_keys[] = {
    {"address", false, 0},	 {"bus", false, 0},	 {"format", false, 0},	 {"readonly", false, 0},
    {"source", false, 0},	 {"rd_bytes", false, 0}, {"wr_bytes", false, 0}, {"rd_operations", false, 0},
    {"wr_operations", false, 0}, {NULL, false, 0},
};
static const struct hv_device_key interface_keys[] = {
    {"address", false, 0}, {"mac", false, 0}, {"model", false, 0}, {"network", false, 0}, {NULL, false, 0},
};
static const struct hv_device_key other_keys[] = {
    {"address", false, 0},
    {"model", false, 0},
    {"type", false, 0},
    {NULL, false, 0},
};
const struct hv_device_class qemu_device_classes[] = {
    {"disk", disk_keys},
    {"interface", interface_keys},
    {"*", other_keys},
    {NULL, NULL},
};

/* The blockstats entry of the device QEMU knows as id. */
static struct json_object *blockstats_of(struct json_object *stats, const char *id)
{
	char prefix[HV_DEVICE_NAME_MAX + 32];
	size_t n = json_object_is_type(stats, json_type_array) ? json_object_array_length(stats) : 0;

	snprintf(prefix, sizeof(prefix), "/machine/peripheral/%s/", id);
	for (size_t i = 0; i < n; i++) {
		struct json_object *entry = json_object_array_get_idx(stats, i), *qdev;
		const char *path;
		if (!json_object_object_get_ex(entry, "qdev", &qdev))
			continue;
		path = json_object_get_string(qdev);
		if (strcmp(path, id) == 0 || strncmp(path, prefix, strlen(prefix)) == 0)
			return entry;
	}
	return NULL;
}

static void add_counters(struct hv_device_info *dev, struct json_object *stats)
{
	static const char *const keys[] = {"rd_bytes", "wr_bytes", "rd_operations", "wr_operations"};
	struct json_object *entry, *counters, *value;
	char id[HV_DEVICE_NAME_MAX + 1], text[32];

	if (!stats || qemu_device_id(dev->cls, dev->name, id, sizeof(id)) < 0 ||
	    !(entry = blockstats_of(stats, id)) || !json_object_object_get_ex(entry, "stats", &counters))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (json_object_object_get_ex(counters, keys[i], &value)) {
			snprintf(text, sizeof(text), "%" PRId64, json_object_get_int64(value));
			hv_device_info_set(dev, keys[i], text);
		}
}

int qemu_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			    struct hv_error *err)
{
	struct qemu_driver *drv = driver_of(conn);
	struct json_object *stats = NULL;
	struct hv_device_defs defs = {0};
	struct qemu_domain *dom;
	auto_free char *xml = NULL, *shown = NULL;
	bool live = false;
	int ret = 0;

	*out = (struct hv_device_list){0};
	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, domain, err);
	if (!dom) {
		ret = -ENOENT;
	} else {
		live = dom->live_xml != NULL;
		if (!(xml = strdup(live ? dom->live_xml : dom->obj.xml)))
			ret = hv_error_set(err, ENOMEM, "out of memory");
		/* Counters are a courtesy: a QEMU that does not answer leaves
		 * them out rather than fail the listing. */
		if (ret == 0 && dom->run && dom->run->qmp) {
			struct hv_error ignored = {0};
			qemu_qmp_call_locked(drv, dom->run, "query-blockstats", NULL, &stats, &ignored);
		}
	}
	pthread_mutex_unlock(&drv->lock);
	/* A shut-off domain shows the addresses its devices will get. */
	if (ret == 0 && !live)
		ret = qemu_xml_assign(xml, strlen(xml), &shown, err);
	if (ret == 0)
		ret = hv_domain_devices_parse(shown ? shown : xml, strlen(shown ? shown : xml), &defs, err);
	if (ret == 0 && defs.count) {
		out->devices = calloc(defs.count, sizeof(*out->devices));
		if (!out->devices)
			ret = hv_error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; ret == 0 && i < defs.count; i++) {
		out->devices[i] = defs.devices[i].info;
		if (strcmp(out->devices[i].cls, "disk") == 0)
			add_counters(&out->devices[i], stats);
		out->count++;
	}
	hv_device_defs_finish(&defs);
	json_object_put(stats);
	return ret;
}

/* --- qemu/ ---------------------------------------------------------------- */

static const struct hv_device_key process_keys[] = {
    {"pid", false, HV_FIELD_ID},
    {"monitor", false, HV_FIELD_ID},
    {"console", false, 0},
    {"last_exit", false, HV_FIELD_STATE},
    {NULL, false, 0},
};
const struct hv_domain_keys qemu_domain_keys = {.dir = "qemu", .keys = process_keys};

int qemu_domain_key_get(struct hv_conn *conn, const char *name, const char *key, char **value,
			struct hv_error *err)
{
	struct qemu_driver *drv = driver_of(conn);
	struct qemu_domain *dom;
	char text[PATH_MAX + 8] = "";
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, name, err);
	if (!dom)
		ret = -ENOENT;
	else if (strcmp(key, "pid") == 0 && dom->run)
		snprintf(text, sizeof(text), "%d", (int)dom->run->pid);
	else if (strcmp(key, "monitor") == 0 && dom->run)
		qemu_run_path(drv, name, "monitor", text, sizeof(text));
	else if (strcmp(key, "console") == 0)
		qemu_run_path(drv, name, "log", text, sizeof(text));
	else if (strcmp(key, "last_exit") == 0)
		snprintf(text, sizeof(text), "%s", dom->last_exit);
	pthread_mutex_unlock(&drv->lock);
	if (ret == 0 && !(*value = strdup(text)))
		ret = hv_error_set(err, ENOMEM, "out of memory");
	return ret;
}
