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
	struct container_driver *drv = driver_of(conn);
	int ret;

	*out = (struct hv_name_list){0};
	pthread_mutex_lock(&drv->lock);
	ret = hv_table_list(&drv->domains, out, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
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
	struct container_driver *drv = driver_of(conn);
	struct container_domain *dom;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom)
		ret = -ENOENT;
	else if (!(*xml = strdup(dom->obj.xml)))
		ret = hv_error_set(err, ENOMEM, "out of memory");
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

/* A new definition of a running domain (docs/paths.md, config.xml): the
 * maxima are fixed while it runs; memory and vcpus follow at once. */
static int redefine_live(struct container_domain *dom, const struct hv_domain_def *def, struct hv_error *err)
{
	int ret = 0;

	if (def->max_memory_kib != dom->def.max_memory_kib || def->max_vcpus != dom->def.max_vcpus)
		return hv_error_set(err, EBUSY, "<memory> and <vcpu> of a running domain cannot change");
	if (def->memory_kib != dom->live_memory_kib)
		ret = container_apply_memory(dom, def->memory_kib, err);
	if (ret == 0 && def->vcpus != dom->live_vcpus)
		ret = container_apply_vcpus(dom, def->vcpus, err);
	if (ret == 0) {
		dom->live_memory_kib = def->memory_kib;
		dom->live_vcpus = def->vcpus;
	}
	return ret;
}

/* A new shut-off domain in the table, with no definition yet. */
static int add_domain(struct container_driver *drv, const char *name, const char *uuid,
		      struct container_domain **out, struct hv_error *err)
{
	struct container_domain *dom = calloc(1, sizeof(*dom));

	if (dom) {
		dom->pidfd = -1;
		dom->state = HV_DOMAIN_SHUTOFF;
		snprintf(dom->obj.name, sizeof(dom->obj.name), "%s", name);
		snprintf(dom->obj.uuid, sizeof(dom->obj.uuid), "%s", uuid);
	}
	if (!dom || hv_table_add(&drv->domains, &dom->obj) < 0) {
		free(dom);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	*out = dom;
	return 0;
}

int container_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			    struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom, *created = NULL;
	const struct container_domain *other;
	struct hv_domain_def def;
	auto_free char *text = NULL, *fixed = NULL;
	char uuid[HV_UUID_STRLEN + 1];
	bool uuid_added = false;
	int ret;

	if (!xml) {
		if (hv_uuid_generate(uuid) < 0 || container_default_xml(name, uuid, &text) < 0)
			return hv_error_set(err, ENOMEM, "out of memory");
		xml = text;
		len = strlen(text);
	}
	ret = parse(xml, len, name, false, &def, err);
	if (ret < 0)
		return ret;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, NULL);
	/* A definition without a UUID keeps the one the domain has (or gets
	 * a new one), written into the text as libvirt would. */
	if (!def.uuid[0]) {
		if (dom)
			snprintf(def.uuid, sizeof(def.uuid), "%s", dom->def.uuid);
		else if (hv_uuid_generate(def.uuid) < 0)
			ret = hv_error_set(err, EIO, "cannot generate a UUID");
	}
	/* Any UUID no other domain has is taken while the domain is shut off
	 * (an exported definition written into the directory mkdir made);
	 * a running container keeps the one it started with (docs/paths.md,
	 * "UUIDs"). */
	bool new_uuid = dom && strcmp(def.uuid, dom->def.uuid) != 0;
	if (ret == 0) {
		other = uuid_owner(drv, def.uuid, name);
		ret = hv_rule_define_uuid(HV_KIND_DOMAIN, name, def.uuid, other ? other->obj.name : NULL,
					  dom ? dom->def.uuid : NULL,
					  dom && hv_domain_state_is_active(dom->state), err);
	}
	if (ret == 0 && dom && hv_domain_state_is_active(dom->state))
		ret = redefine_live(dom, &def, err);
	if (ret == 0)
		ret = hv_domain_xml_update(xml, len, &def, &fixed, err);
	/* The model makes room first (running out of memory then leaves no
	 * file behind), the file is written, then the model commits or goes
	 * back. */
	if (ret == 0 && !dom)
		ret = add_domain(drv, name, def.uuid, &created, err);
	if (ret == 0 && new_uuid) {
		if (hv_table_add_uuid(&drv->domains, &dom->obj, def.uuid) < 0)
			ret = hv_error_set(err, ENOMEM, "out of memory");
		else
			uuid_added = true;
	}
	if (ret == 0)
		ret =
		    container_store_write(drv, name, fixed, def.uuid, dom ? dom->obj.autostart : false, err);
	if (ret < 0) {
		if (created) {
			hv_table_remove(&drv->domains, &created->obj);
			domain_free(created);
			created = NULL;
		}
		if (uuid_added)
			hv_table_drop_uuid(&drv->domains, def.uuid);
	} else {
		if (created)
			dom = created;
		if (uuid_added) {
			hv_table_drop_uuid(&drv->domains, dom->obj.uuid);
			snprintf(dom->obj.uuid, sizeof(dom->obj.uuid), "%s", def.uuid);
		}
		free(dom->obj.xml);
		dom->obj.xml = move_ptr(fixed);
		dom->def = def;
		hv_batch_add(&changes, HV_KIND_DOMAIN, created ? HV_CHANGE_CREATED : HV_CHANGE_MODIFIED, name,
			     NULL);
	}
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

int container_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	int ret = -ENOENT;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, NULL);
	if (!dom) {
		hv_error_set(err, ENOENT, "no domain '%s'", name);
	} else if ((ret = hv_rule_undefine(HV_KIND_DOMAIN, hv_domain_state_is_active(dom->state), err)) ==
		   0) {
		container_store_remove(drv, name);
		hv_table_remove(&drv->domains, &dom->obj);
		domain_free(dom);
		hv_batch_add(&changes, HV_KIND_DOMAIN, HV_CHANGE_DELETED, name, NULL);
		ret = 0;
	}
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

int container_domain_rename(struct hv_conn *conn, const char *name, const char *new_name,
			    struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	struct hv_domain_def def;
	auto_free char *fixed = NULL;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom)
		ret = -ENOENT;
	else
		ret = hv_rule_rename(HV_KIND_DOMAIN, name, new_name,
				     container_find(drv, new_name, NULL) != NULL,
				     hv_domain_state_is_active(dom->state), err);
	if (ret == 0) {
		def = dom->def;
		snprintf(def.name, sizeof(def.name), "%s", new_name);
		ret = hv_domain_xml_update(dom->obj.xml, strlen(dom->obj.xml), &def, &fixed, err);
		/* Indexed under the new name before the file is written, so
		 * that running out of memory leaves nothing to undo on disk. */
		if (ret == 0 && hv_table_rename(&drv->domains, &dom->obj, new_name) < 0)
			ret = hv_error_set(err, ENOMEM, "out of memory");
		else if (ret == 0 &&
			 (ret = container_store_write(drv, new_name, fixed, def.uuid, dom->obj.autostart,
						      err)) < 0 &&
			 hv_table_rename(&drv->domains, &dom->obj, name) < 0)
			log_error("domain %s: out of memory: it is listed as %s until restart", name,
				  new_name);
		if (ret == 0) {
			/* The new definition is in place; the rest follows it. */
			container_store_move_runs(drv, name, new_name);
			container_store_remove(drv, name);
			dom->def = def;
			free(dom->obj.xml);
			dom->obj.xml = move_ptr(fixed);
			hv_batch_add(&changes, HV_KIND_DOMAIN, HV_CHANGE_RENAMED, name, new_name);
		}
	}
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret < 0 ? ret : 0; /* 1: the same name, nothing to do */
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

int container_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart,
				   struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	int ret = 0;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom) {
		ret = -ENOENT;
	} else if (dom->obj.autostart != autostart) {
		ret = container_store_write(drv, name, dom->obj.xml, dom->def.uuid, autostart, err);
		if (ret == 0) {
			dom->obj.autostart = autostart;
			hv_batch_modified(&changes, HV_KIND_DOMAIN, name, HV_FIELD_AUTOSTART);
		}
	}
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}
