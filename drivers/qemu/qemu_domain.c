/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QEMU driver's domains as definitions: loading them, the read slots,
 * and define, undefine, rename and autostart on the shared kind layer
 * (drivers/object_kind.c), with the records in STATE_DIR/domains/. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/lifecycle.h"
#include "drivers/object_kind.h"
#include "drivers/qemu/qemu_private.h"
#include "drivers/records.h"
#include "drivers/tunables.h"
#include "util/atomic_file.h"
#include "util/log.h"
#include "util/proc.h"

static struct qemu_driver *driver_of(struct hv_conn *conn)
{
	return conn->priv;
}

static void domain_free(struct qemu_domain *dom)
{
	if (!dom)
		return;
	/* A run still attached is only forgotten: the guest keeps running. */
	if (dom->run) {
		qmp_close(dom->run->qmp);
		if (dom->run->pidfd >= 0)
			close(dom->run->pidfd);
		free(dom->run);
	}
	free(dom->live_xml);
	free(dom->obj.xml);
	free(dom);
}

static void object_free(struct hv_object *obj)
{
	domain_free((struct qemu_domain *)obj);
}

void qemu_domains_free(struct qemu_driver *drv)
{
	hv_table_finish(&drv->domains, object_free);
}

/* A QEMU guest is <domain type='qemu'> (TCG) or 'kvm', with <os><type>hvm. */
static int parse(const char *xml, size_t len, const char *name, bool stored, struct hv_domain_def *def,
		 struct hv_error *err)
{
	int ret = stored ? hv_domain_def_parse_stored(xml, len, name, def, err)
			 : hv_domain_def_parse(xml, len, name, def, err);

	if (ret < 0)
		return ret;
	if (strcmp(def->type, "qemu") != 0 && strcmp(def->type, "kvm") != 0)
		return hv_error_set(
		    err, EINVAL, "<domain type='%s'>: the qemu driver runs type 'qemu' or 'kvm'", def->type);
	if (strcmp(def->os_type, "hvm") != 0)
		return hv_error_set(err, EINVAL, "<os><type>%s</type>: the qemu driver runs 'hvm' guests",
				    def->os_type);
	return 0;
}

static int load_one(struct qemu_driver *drv, const char *name, struct hv_error *err)
{
	struct qemu_domain *dom = calloc(1, sizeof(*dom));
	char stored_uuid[HV_UUID_STRLEN + 1];
	size_t len;
	int ret;

	if (!dom)
		return hv_error_set(err, ENOMEM, "out of memory");
	snprintf(dom->obj.name, sizeof(dom->obj.name), "%s", name);
	ret = hv_definition_read(drv->state_dir, HV_KIND_DOMAIN, name, &dom->obj.xml, &len, stored_uuid,
				 &dom->obj.autostart, err);
	if (ret == 0)
		ret = parse(dom->obj.xml, len, name, true, &dom->def, err);
	if (ret == -ENOMEM) {
		domain_free(dom);
		return ret;
	}
	if (ret < 0) {
		/* One bad record must not hide every other guest. */
		log_error("skipping the domain %s of %s: %s", name, drv->state_dir, err->message);
		hv_error_clear(err);
		domain_free(dom);
		return 0;
	}
	if (!dom->def.uuid[0])
		snprintf(dom->def.uuid, sizeof(dom->def.uuid), "%s", stored_uuid);
	if (!dom->def.uuid[0] || hv_table_find_uuid(&drv->domains, dom->def.uuid)) {
		if (hv_uuid_generate(dom->def.uuid) < 0 ||
		    hv_definition_write(drv->state_dir, HV_KIND_DOMAIN, name, dom->obj.xml, dom->def.uuid,
					dom->obj.autostart, err) < 0)
			log_warning("domain %s: cannot store a new UUID", name);
		hv_error_clear(err);
	}
	snprintf(dom->obj.uuid, sizeof(dom->obj.uuid), "%s", dom->def.uuid);
	dom->state = HV_DOMAIN_SHUTOFF;
	if (hv_table_add(&drv->domains, &dom->obj) < 0) {
		domain_free(dom);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	qemu_reattach_locked(drv, dom);
	return 0;
}

int qemu_domains_load(struct qemu_driver *drv, struct hv_error *err)
{
	struct hv_name_list names = {0};
	int ret = hv_record_list(drv->state_dir, HV_KIND_DOMAIN, &names, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; ret == 0 && i < names.count; i++)
		ret = load_one(drv, names.names[i], err);
	hv_name_list_finish(&names);
	/* Autostart, as libvirtd does when it starts. */
	QEMU_FOREACH(dom, drv)
	{
		struct hv_error start_err = {0};
		if (ret < 0)
			break;
		if (!dom->obj.autostart || hv_domain_state_is_active(dom->state))
			continue;
		if (qemu_start_locked(drv, dom, &start_err) < 0)
			log_error("domain %s: autostart failed: %s", dom->obj.name, start_err.message);
	}
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

int qemu_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	*out = (struct hv_name_list){0};
	return hv_kind_list(&driver_of(conn)->kinds, &qemu_domain_kind, out, err);
}

int qemu_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		     struct hv_error *err)
{
	struct qemu_driver *drv = driver_of(conn);
	struct qemu_domain *dom;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, name, err);
	if (!dom) {
		ret = -ENOENT;
	} else {
		bool active = dom->run != NULL;
		*info = (struct hv_domain_info){
		    .id = active ? dom->run->pid : -1,
		    .state = dom->state,
		    .memory_kib = active ? dom->live_memory_kib : dom->def.memory_kib,
		    .max_memory_kib = dom->def.max_memory_kib,
		    .vcpus = active ? dom->live_vcpus : dom->def.vcpus,
		    .max_vcpus = dom->def.max_vcpus,
		    .autostart = dom->obj.autostart,
		    .persistent = true,
		};
		snprintf(info->name, sizeof(info->name), "%s", dom->obj.name);
		snprintf(info->uuid, sizeof(info->uuid), "%s", dom->def.uuid);
		snprintf(info->os_type, sizeof(info->os_type), "%s", dom->def.os_type);
	}
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

/* What the QEMU process costs, read from /proc: no QMP round trip. */
int qemu_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		      struct hv_error *err)
{
	struct qemu_driver *drv = driver_of(conn);
	struct qemu_domain *dom;
	pid_t pid = 0;

	pthread_mutex_lock(&drv->lock);
	dom = qemu_find(drv, name, err);
	if (dom && dom->run)
		pid = dom->run->pid;
	pthread_mutex_unlock(&drv->lock);
	if (!dom)
		return -ENOENT;
	*stats = (struct hv_domain_stats){.cpu_time_ns = 0, .memory_rss_kib = 0};
	if (pid > 0) {
		stats->cpu_time_ns = proc_cpu_time_ns(pid);
		stats->memory_rss_kib = proc_rss_kib(pid);
	}
	return 0;
}

int qemu_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	return hv_kind_get_xml(&driver_of(conn)->kinds, &qemu_domain_kind, name, xml, err);
}

/* --- the kind (drivers/object_kind.h) ------------------------------------- */

static bool domain_is_active(const struct hv_object *obj)
{
	const struct qemu_domain *dom = (const struct qemu_domain *)obj;

	return dom->run != NULL || dom->busy;
}

static void domain_init(struct hv_object *obj, const void *def)
{
	struct qemu_domain *dom = (struct qemu_domain *)obj;

	dom->def = *(const struct hv_domain_def *)def;
	dom->state = HV_DOMAIN_SHUTOFF;
}

static int domain_parse(const char *xml, size_t len, const char *name, bool stored, void *def,
			struct hv_error *err)
{
	return parse(xml, len, name, stored, def, err);
}

static void domain_identity(void *def, char **name, char **uuid)
{
	struct hv_domain_def *d = def;

	*name = d->name;
	*uuid = d->uuid;
}

/* Kept with its name and UUID written in, as libvirt keeps it. */
static int domain_keep_text(const char *xml, size_t len, const void *def, char **text, struct hv_error *err)
{
	return hv_domain_xml_update(xml, len, def, text, err);
}

static int domain_xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	(void)driver;
	return hv_domain_xml_default(name, uuid, "qemu", out);
}

/* A running guest's maxima are its QEMU's command line (docs/qemu.md). */
static int domain_check(void *driver, const struct hv_object *existing, const void *def_arg,
			struct hv_error *err)
{
	const struct qemu_domain *dom = (const struct qemu_domain *)existing;
	const struct hv_domain_def *def = def_arg;

	(void)driver;
	if (!dom || !domain_is_active(existing))
		return 0;
	if (def->max_memory_kib != dom->def.max_memory_kib || def->max_vcpus != dom->def.max_vcpus)
		return hv_error_set(err, EBUSY, "<memory> and <vcpu> of a running domain cannot change");
	return 0;
}

/* A new definition of a running guest takes effect at its next start,
 * as libvirt's persistent definition does: the live values stay. */
static uint32_t domain_redefine(struct hv_object *staged, const void *def_arg)
{
	struct qemu_domain *dom = (struct qemu_domain *)staged;
	const struct hv_domain_def *def = def_arg;
	uint32_t fields = hv_domain_def_fields(&dom->def, def);

	if (domain_is_active(staged))
		fields &= ~(uint32_t)(HV_FIELD_MEMORY | HV_FIELD_VCPUS);
	dom->def = *def;
	return fields;
}

static int domain_rename(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct qemu_domain *dom = (struct qemu_domain *)staged;

	snprintf(dom->def.name, sizeof(dom->def.name), "%s", new_name);
	return hv_domain_xml_update(staged->xml, strlen(staged->xml), &dom->def, text, err);
}

static int domain_renamed(void *driver, const char *old_name, const char *new_name, struct hv_error *err)
{
	struct qemu_driver *drv = driver;
	char from[PATH_MAX], to[PATH_MAX];

	(void)err;
	/* Only a shut-off domain is renamed: what is left is its log and
	 * crash note. */
	for (const char *const *suffix = (const char *const[]){"log", "crashed", NULL}; *suffix; suffix++) {
		if (qemu_run_path(drv, old_name, *suffix, from, sizeof(from)) < 0 ||
		    qemu_run_path(drv, new_name, *suffix, to, sizeof(to)) < 0)
			continue;
		if (rename(from, to) < 0 && errno != ENOENT)
			log_warning("cannot move %s to %s: %s", from, to, strerror(errno));
	}
	return 0;
}

static void object_destroy(struct hv_object *obj)
{
	domain_free((struct qemu_domain *)obj);
}

const struct hv_kind_ops qemu_domain_kind = {
    .kind = HV_KIND_DOMAIN,
    .size = sizeof(struct qemu_domain),
    .def_size = sizeof(struct hv_domain_def),
    .table_offset = offsetof(struct qemu_driver, domains),
    .is_active = domain_is_active,
    .init = domain_init,
    .parse = domain_parse,
    .identity = domain_identity,
    .keep_text = domain_keep_text,
    .xml_default = domain_xml_default,
    .check = domain_check,
    .redefine = domain_redefine,
    .rename = domain_rename,
    .renamed = domain_renamed,
    .destroy = object_destroy,
};

static int persist(void *driver, enum hv_object_kind kind, const struct hv_object *obj, struct hv_error *err)
{
	struct qemu_driver *drv = driver;

	return hv_definition_write(drv->state_dir, kind, obj->name, obj->xml, obj->uuid, obj->autostart, err);
}

static int unpersist(void *driver, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	struct qemu_driver *drv = driver;
	char path[PATH_MAX];
	int ret = hv_record_remove(drv->state_dir, kind, name);

	if (ret < 0)
		return hv_error_set(err, EIO, "cannot remove the record of %s: %s", name, strerror(-ret));
	for (const char *const *suffix = (const char *const[]){"log", "crashed", NULL}; *suffix; suffix++)
		if (qemu_run_path(drv, name, *suffix, path, sizeof(path)) == 0)
			atomic_file_remove(path);
	return 0;
}

void qemu_kind_host_init(struct qemu_driver *drv)
{
	drv->kinds = (struct hv_kind_host){
	    .lock = &drv->lock,
	    .conn = drv->conn,
	    .driver = drv,
	    .persist = persist,
	    .unpersist = unpersist,
	};
}

int qemu_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		       struct hv_error *err)
{
	return hv_kind_define(&driver_of(conn)->kinds, &qemu_domain_kind, name, xml, len, err);
}

int qemu_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	return hv_kind_undefine(&driver_of(conn)->kinds, &qemu_domain_kind, name, err);
}

int qemu_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	return hv_kind_rename(&driver_of(conn)->kinds, &qemu_domain_kind, name, new_name, err);
}

int qemu_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	return hv_kind_set_autostart(&driver_of(conn)->kinds, &qemu_domain_kind, name, autostart, err);
}
