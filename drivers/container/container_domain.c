/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container driver's domains: definitions (define, undefine, rename,
 * autostart, kept as records by container_store.c), lifecycle
 * commands and the live tunables.  Each slot takes the driver lock, works,
 * unlocks and then reports what changed. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/container/container_private.h"
#include "drivers/definition_rules.h"
#include "drivers/lifecycle.h"
#include "drivers/object_kind.h"
#include "drivers/records.h"
#include "drivers/tunables.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"

#define VCPUS_MAX 4096

/* struct container_driver is the first member of the connection's private
 * data (container_driver.c). */
static struct container_driver *driver_of(struct hv_conn *conn)
{
	return conn->priv;
}

static void domain_free(struct container_domain *dom)
{
	if (!dom)
		return;
	if (dom->pidfd >= 0)
		close(dom->pidfd);
	cgctl_group_destroy(dom->group);
	free(dom->obj.xml);
	free(dom);
}

static void object_free(struct hv_object *obj)
{
	domain_free((struct container_domain *)obj);
}

void container_domains_free(struct container_driver *drv)
{
	hv_table_finish(&drv->domains, object_free);
}

/* The domain other than except that has uuid, or NULL. */
static const struct container_domain *uuid_owner(struct container_driver *drv, const char *uuid,
						 const char *except)
{
	const struct hv_object *owner = hv_table_find_uuid(&drv->domains, uuid);

	return owner && strcmp(owner->name, except) != 0 ? (const struct container_domain *)owner : NULL;
}

/* Parses a definition completely: the shared fields and the container's. */
/* stored: read back from state_dir (conf.h, hv_domain_def_parse_stored). */
static int parse(const char *xml, size_t len, const char *name, bool stored, struct hv_domain_def *def,
		 struct hv_error *err)
{
	struct container_spec spec;
	int ret = stored ? hv_domain_def_parse_stored(xml, len, name, def, err)
			 : hv_domain_def_parse(xml, len, name, def, err);

	if (ret == 0)
		ret = container_spec_parse(xml, len, &spec, err);
	if (ret == 0)
		container_spec_finish(&spec);
	return ret;
}

static int load_one(struct container_driver *drv, const char *name, struct hv_error *err)
{
	struct container_domain *dom = calloc(1, sizeof(*dom));
	char stored_uuid[HV_UUID_STRLEN + 1];
	size_t len;
	int ret;

	if (!dom)
		return hv_error_set(err, ENOMEM, "out of memory");
	dom->pidfd = -1;
	snprintf(dom->obj.name, sizeof(dom->obj.name), "%s", name);
	ret = container_store_read(drv, name, &dom->obj.xml, &len, stored_uuid, &dom->obj.autostart, err);
	if (ret == 0)
		ret = parse(dom->obj.xml, len, name, true, &dom->def, err);
	if (ret == -ENOMEM) {
		domain_free(dom);
		return ret;
	}
	if (ret < 0) {
		/* One bad file must not hide every other container. */
		log_error("skipping the domain %s of %s: %s", name, drv->state_dir, err->message);
		hv_error_clear(err);
		domain_free(dom);
		return 0;
	}
	/* The text's UUID, else the one kept beside it. */
	if (!dom->def.uuid[0])
		snprintf(dom->def.uuid, sizeof(dom->def.uuid), "%s", stored_uuid);
	if (!dom->def.uuid[0] || uuid_owner(drv, dom->def.uuid, name)) {
		/* Lost or clashing: a new one, kept from now on. */
		if (hv_uuid_generate(dom->def.uuid) < 0 ||
		    container_store_write(drv, name, dom->obj.xml, dom->def.uuid, dom->obj.autostart, err) <
			0)
			log_warning("domain %s: cannot store a new UUID", name);
		hv_error_clear(err);
	}
	snprintf(dom->obj.uuid, sizeof(dom->obj.uuid), "%s", dom->def.uuid);
	if (hv_table_add(&drv->domains, &dom->obj) < 0) {
		domain_free(dom);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	container_reattach(drv, dom);
	return 0;
}

int container_domains_load(struct container_driver *drv, struct hv_error *err)
{
	struct hv_name_list names = {0};
	int ret = container_store_migrate(drv, err);

	if (ret >= 0)
		ret = hv_record_list(drv->state_dir, HV_KIND_DOMAIN, &names, err);
	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; ret == 0 && i < names.count; i++)
		ret = load_one(drv, names.names[i], err);
	hv_name_list_finish(&names);
	/* Autostart, as libvirtd does when it starts. */
	CONTAINER_FOREACH(dom, drv) {
		struct hv_error start_err = {0};
		if (ret < 0)
			break;
		if (!dom->obj.autostart || hv_domain_state_is_active(dom->state))
			continue;
		if (container_start(drv, dom, &start_err) == 0)
			dom->state = HV_DOMAIN_RUNNING;
		else
			log_error("domain %s: autostart failed: %s", dom->obj.name, start_err.message);
	}
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

int container_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	*out = (struct hv_name_list){0};
	return hv_kind_list(&driver_of(conn)->kinds, &container_domain_kind, out, err);
}

int container_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
			  struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct container_domain *dom;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom) {
		ret = -ENOENT;
	} else {
		bool active = hv_domain_state_is_active(dom->state);
		*info = (struct hv_domain_info){
		    .id = active ? dom->init_pid : -1,
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

int container_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
			   struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct container_domain *dom;
	uint64_t ns = 0, bytes = 0;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom) {
		ret = -ENOENT;
	} else if (dom->group) {
		ret = cgctl_cpu_usage(dom->group, &ns, err);
		if (ret == 0)
			ret = cgctl_memory_usage(dom->group, &bytes, err);
	}
	pthread_mutex_unlock(&drv->lock);
	if (ret == 0)
		*stats = (struct hv_domain_stats){.cpu_time_ns = ns, .memory_rss_kib = bytes / 1024};
	return ret;
}

int container_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	return hv_kind_get_xml(&driver_of(conn)->kinds, &container_domain_kind, name, xml, err);
}

/* --- the kind (drivers/object_kind.h): definitions are staged, stored as
 * records, then committed; the rules are drivers/definition_rules.c's --- */

static bool domain_is_active(const struct hv_object *obj)
{
	return hv_domain_state_is_active(((const struct container_domain *)obj)->state);
}

static void domain_init(struct hv_object *obj, const void *def)
{
	struct container_domain *dom = (struct container_domain *)obj;

	dom->def = *(const struct hv_domain_def *)def;
	dom->state = HV_DOMAIN_SHUTOFF;
	dom->pidfd = -1;
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

/* The definition is kept with its name and UUID written in, as libvirt
 * keeps it (docs/container.md). */
static int domain_keep_text(const char *xml, size_t len, const void *def, char **text, struct hv_error *err)
{
	return hv_domain_xml_update(xml, len, def, text, err);
}

static int domain_xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	(void)driver;
	return container_default_xml(name, uuid, out);
}

/* A running container's maxima are fixed (docs/paths.md, config.xml). */
static int domain_check(void *driver, const struct hv_object *existing, const void *def_arg,
			struct hv_error *err)
{
	const struct container_domain *dom = (const struct container_domain *)existing;
	const struct hv_domain_def *def = def_arg;

	(void)driver;
	if (!dom || !hv_domain_state_is_active(dom->state))
		return 0;
	if (def->max_memory_kib != dom->def.max_memory_kib || def->max_vcpus != dom->def.max_vcpus)
		return hv_error_set(err, EBUSY, "<memory> and <vcpu> of a running domain cannot change");
	return 0;
}

/* The cgroup/ files of a shut-off container show its definition. */
static uint32_t domain_redefine(struct hv_object *staged, const void *def_arg)
{
	struct container_domain *dom = (struct container_domain *)staged;
	const struct hv_domain_def *def = def_arg;
	uint32_t fields = hv_domain_def_fields(&dom->def, def) | HV_FIELD_KEYS;

	dom->def = *def;
	return fields;
}

static int domain_rename(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct container_domain *dom = (struct container_domain *)staged;

	snprintf(dom->def.name, sizeof(dom->def.name), "%s", new_name);
	return hv_domain_xml_update(staged->xml, strlen(staged->xml), &dom->def, text, err);
}

/* A new definition of a running container: memory and vCPUs follow at
 * once (staged is the copy whose definition it is); both or neither. */
static int domain_adopt(void *driver, struct hv_object *staged, const struct hv_object *prev,
			struct hv_error *err)
{
	struct container_domain *dom = (struct container_domain *)staged;
	uint64_t memory_kib = dom->live_memory_kib;
	int ret = 0;

	(void)driver;
	if (!prev || !hv_domain_state_is_active(dom->state))
		return 0;
	if (dom->def.memory_kib != memory_kib) {
		ret = container_apply_memory(dom, dom->def.memory_kib, err);
		if (ret < 0)
			return ret;
		dom->live_memory_kib = dom->def.memory_kib;
	}
	if (dom->def.vcpus != dom->live_vcpus) {
		ret = container_apply_vcpus(dom, dom->def.vcpus, err);
		if (ret < 0) {
			if (dom->live_memory_kib != memory_kib &&
			    container_apply_memory(dom, memory_kib, NULL) < 0)
				log_error("domain %s: its memory limit could not be set back", dom->obj.name);
			return ret;
		}
		dom->live_vcpus = dom->def.vcpus;
	}
	return 0;
}

/* The record could not be written: the cgroup gets obj's values back from
 * those of dropped, the definition that was not stored. */
static void domain_adopt_end(void *driver, struct hv_object *obj, struct hv_object *dropped, bool kept)
{
	struct container_domain *dom = (struct container_domain *)obj;
	const struct container_domain *gone = (const struct container_domain *)dropped;
	int ret = 0;

	(void)driver;
	if (kept || !hv_domain_state_is_active(dom->state))
		return;
	if (gone->live_memory_kib != dom->live_memory_kib)
		ret = container_apply_memory(dom, dom->live_memory_kib, NULL);
	if (gone->live_vcpus != dom->live_vcpus && container_apply_vcpus(dom, dom->live_vcpus, NULL) < 0)
		ret = -EIO;
	if (ret < 0)
		log_error("domain %s: its cgroup keeps the values of a definition that was not stored",
			  dom->obj.name);
}

/* What runs left (a crash report) follows the name. */
static int domain_renamed(void *driver, const char *old_name, const char *new_name, struct hv_error *err)
{
	(void)err;
	container_store_move_runs(driver, old_name, new_name);
	return 0;
}

static void object_destroy(struct hv_object *obj)
{
	domain_free((struct container_domain *)obj);
}

const struct hv_kind_ops container_domain_kind = {
    .kind = HV_KIND_DOMAIN,
    .size = sizeof(struct container_domain),
    .def_size = sizeof(struct hv_domain_def),
    .table_offset = offsetof(struct container_driver, domains),
    .is_active = domain_is_active,
    .init = domain_init,
    .parse = domain_parse,
    .identity = domain_identity,
    .keep_text = domain_keep_text,
    .xml_default = domain_xml_default,
    .check = domain_check,
    .redefine = domain_redefine,
    .rename = domain_rename,
    .adopt = domain_adopt,
    .adopt_end = domain_adopt_end,
    .renamed = domain_renamed,
    .destroy = object_destroy,
};

static int persist(void *driver, enum hv_object_kind kind, const struct hv_object *obj, struct hv_error *err)
{
	(void)kind;
	return container_store_write(driver, obj->name, obj->xml, obj->uuid, obj->autostart, err);
}

static int unpersist(void *driver, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	(void)kind;
	(void)err;
	container_store_remove(driver, name);
	return 0;
}

void container_kind_host_init(struct container_driver *drv)
{
	drv->kinds = (struct hv_kind_host){
	    .lock = &drv->lock,
	    .conn = drv->conn,
	    .driver = drv,
	    .persist = persist,
	    .unpersist = unpersist,
	};
}

int container_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			    struct hv_error *err)
{
	return hv_kind_define(&driver_of(conn)->kinds, &container_domain_kind, name, xml, len, err);
}

int container_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	return hv_kind_undefine(&driver_of(conn)->kinds, &container_domain_kind, name, err);
}

int container_domain_rename(struct hv_conn *conn, const char *name, const char *new_name,
			    struct hv_error *err)
{
	return hv_kind_rename(&driver_of(conn)->kinds, &container_domain_kind, name, new_name, err);
}

int container_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart,
				   struct hv_error *err)
{
	return hv_kind_set_autostart(&driver_of(conn)->kinds, &container_domain_kind, name, autostart, err);
}

/* The lifecycle command on dom, under the lock: 0 with the transition made. */
static int control(struct container_driver *drv, struct container_domain *dom, enum hv_domain_command command,
		   const struct hv_transition *next, struct hv_error *err)
{
	struct container_spec spec;
	int ret = 0;

	switch (command) {
	case HV_DOMAIN_CMD_START:
		ret = container_start(drv, dom, err);
		break;
	case HV_DOMAIN_CMD_SHUTDOWN:
		ret = container_spec_parse(dom->obj.xml, strlen(dom->obj.xml), &spec, err);
		if (ret < 0)
			break;
		/* init of a pid namespace ignores signals it has no handler
		 * for: a program that does not handle it is killed at the
		 * deadline (container_monitor.c). */
		if (kill(dom->init_pid, container_shutdown_signal(spec.init)) < 0 && errno != ESRCH)
			ret = hv_error_set(err, errno, "cannot signal init (pid %d): %s", (int)dom->init_pid,
					   strerror(errno));
		container_spec_finish(&spec);
		if (ret < 0)
			break;
		dom->shutdown_requested = true;
		dom->shutdown_deadline_ns =
		    container_now_ns() + (uint64_t)drv->shutdown_timeout_ms * 1000000ULL;
		container_persist_run(drv, dom, NULL);
		container_monitor_wake(drv);
		break;
	case HV_DOMAIN_CMD_REBOOT:
	case HV_DOMAIN_CMD_RESET:
		ret = container_kill(drv, dom, err);
		if (ret == 0)
			ret = container_start(drv, dom, err);
		if (ret < 0)
			dom->state = HV_DOMAIN_SHUTOFF; /* the old run is gone either way */
		break;
	case HV_DOMAIN_CMD_DESTROY:
		ret = container_kill(drv, dom, err);
		break;
	case HV_DOMAIN_CMD_SUSPEND:
		ret = cgctl_freeze(dom->group, err);
		break;
	case HV_DOMAIN_CMD_RESUME:
		ret = cgctl_thaw(dom->group, err);
		break;
	}
	if (ret == 0)
		dom->state = next->next;
	return ret;
}

int container_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			     struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	struct hv_transition next;
	enum hv_domain_state before = HV_DOMAIN_NOSTATE;
	int ret;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	ret = dom ? hv_lifecycle_next(dom->state, command, &next, err) : -ENOENT;
	if (ret == 0) {
		before = dom->state;
		ret = control(drv, dom, command, &next, err);
	}
	if (ret == 0 || (dom && dom->state != before && before != HV_DOMAIN_NOSTATE))
		hv_batch_lifecycle(&changes, HV_KIND_DOMAIN, name, ret == 0 ? next.event : "stopped",
				   ret == 0 ? next.detail : "failed", HV_FIELD_STATE | HV_FIELD_ID);
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

/* Writes def (changed by a setter) into dom's text and file. */
static int update_def(struct container_driver *drv, struct container_domain *dom,
		      const struct hv_domain_def *def, struct hv_error *err)
{
	auto_free char *fixed = NULL;
	int ret = hv_domain_xml_update(dom->obj.xml, strlen(dom->obj.xml), def, &fixed, err);

	if (ret == 0)
		ret = container_store_write(drv, dom->obj.name, fixed, def->uuid, dom->obj.autostart, err);
	if (ret == 0) {
		free(dom->obj.xml);
		dom->obj.xml = move_ptr(fixed);
		dom->def = *def;
	}
	return ret;
}

int container_replace_xml(struct container_driver *drv, struct container_domain *dom, const char *xml,
			  struct hv_error *err)
{
	char *copy = strdup(xml);
	int ret;

	if (!copy)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = container_store_write(drv, dom->obj.name, copy, dom->def.uuid, dom->obj.autostart, err);
	if (ret < 0) {
		free(copy);
		return ret;
	}
	free(dom->obj.xml);
	dom->obj.xml = copy;
	return 0;
}

static int set_value(struct hv_conn *conn, const char *name, enum hv_tunable what, uint64_t value,
		     struct hv_error *err)
{
	static const struct hv_tunable_limits limits = {.min_memory_kib = 1, .max_vcpus = VCPUS_MAX};
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	struct hv_domain_def def;
	bool active;
	int ret;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom) {
		pthread_mutex_unlock(&drv->lock);
		return -ENOENT;
	}
	def = dom->def;
	active = hv_domain_state_is_active(dom->state);
	ret = hv_tunable_apply(&def, active, what, value, &limits, err);
	if (ret == 1) {
		pthread_mutex_unlock(&drv->lock);
		return 0;
	}
	if (ret == 0 && active && what == HV_TUNABLE_MEMORY)
		ret = container_apply_memory(dom, value, err);
	else if (ret == 0 && active && what == HV_TUNABLE_VCPUS)
		ret = container_apply_vcpus(dom, (unsigned)value, err);
	if (ret == 0)
		ret = update_def(drv, dom, &def, err);
	if (ret == 0 && active) {
		dom->live_memory_kib = def.memory_kib;
		dom->live_vcpus = def.vcpus;
	}
	if (ret == 0)
		hv_batch_modified(&changes, HV_KIND_DOMAIN, name, hv_tunable_fields(what));
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

int container_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MEMORY, kib, err);
}

int container_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib,
				    struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MAX_MEMORY, kib, err);
}

int container_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_VCPUS, vcpus, err);
}

int container_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus,
				   struct hv_error *err)
{
	return set_value(conn, name, HV_TUNABLE_MAX_VCPUS, vcpus, err);
}
