/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domains of the Xen driver: the hypervisor's list (libxenctrl) named from
 * XenStore (/local/domain/N/name), joined with the definitions in the state
 * directory; their info, statistics, control and live tunables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/definition_rules.h"
#include "drivers/lifecycle.h"
#include "drivers/records.h"
#include "drivers/tunables.h"
#include "drivers/xen/xen_private.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/names.h"

/* xen_map.h restates these so that the mapping builds without Xen. */
_Static_assert(XEN_MAP_DYING == XEN_DOMINF_dying, "dying flag");
_Static_assert(XEN_MAP_SHUTDOWN == XEN_DOMINF_shutdown, "shutdown flag");
_Static_assert(XEN_MAP_PAUSED == XEN_DOMINF_paused, "paused flag");
_Static_assert(XEN_MAP_BLOCKED == XEN_DOMINF_blocked, "blocked flag");
_Static_assert(XEN_MAP_RUNNING == XEN_DOMINF_running, "running flag");
_Static_assert(XEN_MAP_SHUTDOWN_SHIFT == XEN_DOMINF_shutdownshift, "shutdown shift");

#define DOMAIN_CHUNK 256
#define DOMID_LIMIT  DOMID_FIRST_RESERVED

char *xen_dom_read(struct xen_driver *drv, uint32_t domid, const char *path)
{
	char full[256];
	unsigned len;

	snprintf(full, sizeof(full), "/local/domain/%u/%s", domid, path);
	return xs_read(drv->xs, XBT_NULL, full, &len);
}

/* With xenstored gone, names come from the watch thread's last look, so
 * that what the hypervisor alone can answer still is answered. */
static char *last_known_name(struct xen_driver *drv, uint32_t domid)
{
	char *name = NULL;

	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; i < drv->known.count && !name; i++)
		if (drv->known.doms[i].domid == domid)
			name = strdup(drv->known.doms[i].name);
	pthread_mutex_unlock(&drv->lock);
	if (!name && domid == 0)
		name = strdup("Domain-0");
	return name;
}

void xen_dom_list_finish(struct xen_dom_list *list)
{
	hash_map_destroy(list->by_name);
	list->by_name = NULL;
	free(list->doms);
	list->doms = NULL;
	list->count = 0;
}

void xen_dom_list_index(struct xen_dom_list *list)
{
	hash_map_destroy(list->by_name);
	list->by_name = hash_map_create();
	for (size_t i = 0; list->by_name && i < list->count; i++) {
		if (hash_map_put(list->by_name, list->doms[i].name, &list->doms[i]) < 0) {
			hash_map_destroy(list->by_name);
			list->by_name = NULL;
		}
	}
}

/* dom from the hypervisor's info of it, named from XenStore: false for a
 * domain being built (no name yet) or one whose name is no valid object
 * name, which cannot be a directory. */
static bool dom_from_info(struct xen_driver *drv, const xc_domaininfo_t *info, struct xen_dom *dom)
{
	auto_free char *name = xen_dom_read(drv, info->domain, "name");

	if (!name && errno != ENOENT)
		name = last_known_name(drv, info->domain);
	if (!name || !hv_name_is_valid(name)) {
		if (name)
			log_debug("xen: domain %u's name '%.80s' is not usable", info->domain, name);
		return false;
	}
	dom->domid = info->domain;
	dom->info = *info;
	dom->building = false;
	snprintf(dom->name, sizeof(dom->name), "%s", name);
	return true;
}

/* One hypercall and one XenStore read, whatever the number of domains. */
int xen_dom_read_one(struct xen_driver *drv, uint32_t domid, struct xen_dom *out, struct hv_error *err)
{
	xc_domaininfo_t info;
	int n = xc_domain_getinfolist(drv->xc, domid, 1, &info);

	if (n < 0)
		return hv_error_set(err, EIO, "the hypervisor did not read domain %u: %s", domid,
				    strerror(errno));
	/* It answers with the next domain when domid is gone. */
	if (n == 0 || info.domain != domid || !dom_from_info(drv, &info, out))
		return -ENOENT;
	return 0;
}

int xen_dom_list_read(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err)
{
	xc_domaininfo_t chunk[DOMAIN_CHUNK];
	uint32_t next = 0;
	size_t capacity = 0;

	*out = (struct xen_dom_list){0};
	while (next < DOMID_LIMIT) {
		int n = xc_domain_getinfolist(drv->xc, next, DOMAIN_CHUNK, chunk);
		if (n < 0) {
			xen_dom_list_finish(out);
			return hv_error_set(err, EIO, "the hypervisor did not list its domains: %s",
					    strerror(errno));
		}
		for (int i = 0; i < n; i++) {
			struct xen_dom dom;
			if (!dom_from_info(drv, &chunk[i], &dom))
				continue;
			if (out->count == capacity) {
				size_t grown = capacity ? capacity * 2 : 16;
				struct xen_dom *doms = realloc(out->doms, grown * sizeof(*doms));
				if (!doms) {
					xen_dom_list_finish(out);
					return hv_error_set(err, ENOMEM, "out of memory");
				}
				out->doms = doms;
				capacity = grown;
			}
			out->doms[out->count++] = dom;
		}
		if (n < DOMAIN_CHUNK)
			break;
		next = chunk[n - 1].domain + 1;
	}
	return 0;
}

int xen_dom_find(struct xen_driver *drv, const char *name, struct xen_dom *out, struct hv_error *err)
{
	struct xen_dom_list list;
	int ret;

	/* tests/xen counts these: reads must not make any (docs/xen.md, "Lookups"). */
	log_debug("xen: reading every domain to find '%s'", name);
	ret = drv->list_read(drv, &list, err);

	if (ret < 0)
		return ret;
	ret = -ENOENT;
	for (size_t i = 0; i < list.count; i++) {
		if (strcmp(list.doms[i].name, name) == 0) {
			*out = list.doms[i];
			ret = 0;
			break;
		}
	}
	xen_dom_list_finish(&list);
	return ret;
}

int xen_dom_lookup(struct xen_driver *drv, const char *name, struct xen_dom *out, struct hv_error *err)
{
	bool indexed, known = false;
	uint32_t domid = 0;
	int ret;

	pthread_mutex_lock(&drv->lock);
	indexed = drv->dom_read && drv->known.by_name;
	if (indexed) {
		const struct xen_dom *dom = hash_map_get(drv->known.by_name, name);
		if (dom) {
			known = true;
			domid = dom->domid;
		}
	}
	pthread_mutex_unlock(&drv->lock);
	if (!indexed)
		return xen_dom_find(drv, name, out, err);
	if (!known)
		return -ENOENT;
	ret = drv->dom_read(drv, domid, out, err);
	if (ret == 0 && strcmp(out->name, name) == 0)
		return 0;
	if (ret < 0 && ret != -ENOENT)
		return ret;
	/* Gone or renamed since the snapshot, its rescan not yet run. */
	return xen_dom_find(drv, name, out, err);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int xen_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct xen_dom_list running;
	struct hv_name_list defined;
	int ret = drv->list_read(drv, &running, err);

	if (ret < 0)
		return ret;
	ret = hv_record_list(drv->state_dir, HV_KIND_DOMAIN, &defined, err);
	if (ret < 0) {
		xen_dom_list_finish(&running);
		return ret;
	}
	out->count = 0;
	out->names = calloc(running.count + defined.count + 1, sizeof(*out->names));
	if (!out->names)
		goto nomem;
	for (size_t i = 0; i < running.count; i++)
		if (!(out->names[out->count++] = strdup(running.doms[i].name)))
			goto nomem;
	for (size_t i = 0; i < defined.count; i++) {
		bool seen = false;
		for (size_t j = 0; j < running.count && !seen; j++)
			seen = strcmp(running.doms[j].name, defined.names[i]) == 0;
		if (!seen)
			out->names[out->count++] = move_ptr(defined.names[i]);
	}
	qsort(out->names, out->count, sizeof(*out->names), name_cmp);
	xen_dom_list_finish(&running);
	hv_name_list_finish(&defined);
	return 0;
nomem:
	xen_dom_list_finish(&running);
	hv_name_list_finish(&defined);
	hv_name_list_finish(out);
	return hv_error_set(err, ENOMEM, "out of memory");
}

static void format_uuid(const xen_domain_handle_t handle, char out[HV_UUID_STRLEN + 1])
{
	const uint8_t *u = handle;

	snprintf(out, HV_UUID_STRLEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
		 u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* The info of a running domain: the hypervisor's view, with the balloon
 * target from XenStore as memory (what the guest was asked to use). */
static void info_from_dom(struct xen_driver *drv, const struct xen_dom *dom, struct hv_domain_info *info)
{
	const xc_domaininfo_t *xi = &dom->info;
	auto_free char *target = xen_dom_read(drv, dom->domid, "memory/target");
	const uint64_t page_kib = XC_PAGE_SIZE / 1024;
	char *end;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", dom->name);
	format_uuid(xi->handle, info->uuid);
	snprintf(info->os_type, sizeof(info->os_type), "%s",
		 (xi->flags & XEN_DOMINF_hvm_guest) ? "hvm" : "xen");
	info->id = (int)dom->domid;
	info->state = xen_state_from_flags(xi->flags);
	/* Asked to shut down and not yet gone: "shutdown" (being shut down),
	 * as the lifecycle in docs/paths.md has it; the hypervisor knows nothing of it. */
	if ((info->state == HV_DOMAIN_RUNNING || info->state == HV_DOMAIN_BLOCKED) &&
	    xen_watch_shutdown_pending(drv, dom->domid))
		info->state = HV_DOMAIN_SHUTDOWN;
	info->max_memory_kib = (uint64_t)xi->max_pages * page_kib;
	info->memory_kib = (uint64_t)xi->tot_pages * page_kib;
	if (target) {
		unsigned long long kib = strtoull(target, &end, 10);
		if (*target && !*end)
			info->memory_kib = kib;
	}
	/* dom0 is often unlimited (max_pages ~ 2^32): show what it has. */
	if (info->max_memory_kib < info->memory_kib || xi->max_pages >= (1ull << 31))
		info->max_memory_kib = info->memory_kib;
	info->vcpus = xi->nr_online_vcpus;
	info->max_vcpus = xi->max_vcpu_id + 1;
}

int xen_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct xen_dom dom;
	auto_free char *xml = NULL;
	size_t len;
	int ret = xen_dom_lookup(drv, name, &dom, err);
	int def;

	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (ret == 0) {
		info_from_dom(drv, &dom, info);
		info->persistent = xen_def_exists(drv, name);
		return 0;
	}
	def = xen_def_read(drv, name, &xml, &len, err);
	if (def < 0 && def != -ENOENT)
		return def;
	if (def == -ENOENT)
		return hv_error_set(err, ENOENT, "domain '%s' does not exist", name);
	struct hv_domain_def parsed;
	ret = hv_domain_def_parse_stored(xml, len, name, &parsed, err);
	if (ret < 0)
		return hv_error_set(err, EIO, "the stored definition of '%s' is broken", name);
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", parsed.uuid);
	snprintf(info->os_type, sizeof(info->os_type), "%s", parsed.os_type);
	info->id = -1;
	info->state = HV_DOMAIN_SHUTOFF;
	info->memory_kib = parsed.memory_kib;
	info->max_memory_kib = parsed.max_memory_kib;
	info->vcpus = parsed.vcpus;
	info->max_vcpus = parsed.max_vcpus;
	info->persistent = true;
	return 0;
}

int xen_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		     struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct hv_domain_info info;
	struct xen_dom dom;
	int ret = xen_dom_lookup(drv, name, &dom, err);

	stats->cpu_time_ns = UINT64_MAX;
	stats->memory_rss_kib = UINT64_MAX;
	if (ret == -ENOENT) {
		/* Defined but not running: no counters, but it exists. */
		ret = xen_domain_info(conn, name, &info, err);
		if (ret == 0)
			stats->cpu_time_ns = 0;
		return ret;
	}
	if (ret < 0)
		return ret;
	stats->cpu_time_ns = dom.info.cpu_time;
	stats->memory_rss_kib = (uint64_t)dom.info.tot_pages * (XC_PAGE_SIZE / 1024);
	return 0;
}

int xen_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct hv_domain_info info;
	size_t len;
	int ret = xen_def_read(drv, name, xml, &len, err);

	if (ret != -ENOENT)
		return ret;
	ret = xen_domain_info(conn, name, &info, err);
	if (ret < 0)
		return ret;
	if (xen_domain_xml_synth(&info, xml) < 0)
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* The domain other than name that has uuid, running or defined: 1 with
 * its name in owner, 0 when there is none, or -errno. */
static int uuid_owner(struct xen_driver *drv, const char *name, const char *uuid, char owner[HV_NAME_MAX + 1],
		      struct hv_error *err)
{
	struct xen_dom_list running;
	struct hv_name_list defined;
	int ret = drv->list_read(drv, &running, err);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < running.count && ret == 0; i++) {
		char other[HV_UUID_STRLEN + 1];
		format_uuid(running.doms[i].info.handle, other);
		if (strcmp(running.doms[i].name, name) != 0 && strcmp(other, uuid) == 0) {
			snprintf(owner, HV_NAME_MAX + 1, "%s", running.doms[i].name);
			ret = 1;
		}
	}
	xen_dom_list_finish(&running);
	if (ret != 0)
		return ret;
	ret = hv_record_list(drv->state_dir, HV_KIND_DOMAIN, &defined, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < defined.count && ret == 0; i++) {
		auto_free char *xml = NULL;
		struct hv_domain_def def;
		struct hv_error ignored = {0};
		size_t len;
		/* A definition that cannot be read or parsed holds no UUID
		 * anyone could start it with. */
		if (strcmp(defined.names[i], name) == 0 ||
		    xen_def_read(drv, defined.names[i], &xml, &len, &ignored) < 0 ||
		    hv_domain_def_parse_stored(xml, len, defined.names[i], &def, &ignored) < 0)
			continue;
		if (strcmp(def.uuid, uuid) == 0) {
			snprintf(owner, HV_NAME_MAX + 1, "%s", defined.names[i]);
			ret = 1;
		}
	}
	hv_name_list_finish(&defined);
	return ret;
}

/* What the definition's UUID may be (docs/paths.md, "UUIDs"): none (the
 * domain keeps what it has), or one no other domain has; a running
 * domain's is the hypervisor's handle, fixed until it is built again. */
static int check_uuid(struct xen_driver *drv, const char *name, const char *uuid, struct hv_error *err)
{
	char owner[HV_NAME_MAX + 1], running[HV_UUID_STRLEN + 1];
	struct xen_dom dom;
	int owned, ret;

	if (!uuid[0])
		return 0;
	owned = uuid_owner(drv, name, uuid, owner, err);
	if (owned < 0)
		return owned;
	ret = xen_dom_find(drv, name, &dom, err);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (ret == 0)
		format_uuid(dom.info.handle, running);
	return hv_rule_define_uuid(HV_KIND_DOMAIN, name, uuid, owned ? owner : NULL,
				   ret == 0 ? running : NULL, ret == 0, err);
}

static int define_locked(struct xen_driver *drv, const char *name, const char *xml, size_t len, bool *existed,
			 struct hv_error *err)
{
	struct xen_guest_def guest;
	auto_free char *generated = NULL;
	auto_free char *old = NULL;
	size_t old_len;
	int ret = xen_def_read(drv, name, &old, &old_len, err);

	if (ret < 0 && ret != -ENOENT)
		return ret;
	*existed = ret == 0;
	if (!xml) {
		char uuid[HV_UUID_STRLEN + 1];
		if (ret == 0)
			return hv_error_set(err, EEXIST, "domain '%s' is already defined", name);
		if (hv_uuid_generate(uuid) < 0 || xen_domain_xml_default(name, uuid, &generated) < 0)
			return hv_error_set(err, ENOMEM, "out of memory");
		xml = generated;
		len = strlen(generated);
	}
	ret = xen_guest_def_parse(xml, len, name, false, &guest, err);
	if (ret == 0)
		ret = check_uuid(drv, name, guest.def.uuid, err);
	if (ret == 0)
		ret = xen_def_write(drv, name, xml, len, err);
	return ret;
}

/* Serialised (drv->define_lock), so that two definitions cannot both take
 * one UUID. */
int xen_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		      struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	bool existed = false;
	int ret;

	if (strcmp(name, "Domain-0") == 0)
		return hv_error_set(err, EBUSY,
				    "Domain-0 is the host's own domain: it has no definition to replace");
	pthread_mutex_lock(&drv->define_lock);
	ret = define_locked(drv, name, xml, len, &existed, err);
	pthread_mutex_unlock(&drv->define_lock);
	if (ret < 0)
		return ret;
	hv_conn_emit(conn, &(struct hv_change){
			       .kind = HV_KIND_DOMAIN,
			       .type = existed ? HV_CHANGE_MODIFIED : HV_CHANGE_CREATED,
			       .name = name,
			       .fields = existed ? HV_FIELD_CONFIG | HV_FIELD_MEMORY | HV_FIELD_MAX_MEMORY |
						       HV_FIELD_VCPUS | HV_FIELD_MAX_VCPUS | HV_FIELD_UUID |
						       HV_FIELD_OS_TYPE
						 : 0,
			   });
	return 0;
}

int xen_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct xen_dom dom;
	auto_free char *xml = NULL;
	size_t len;
	int ret = xen_dom_find(drv, name, &dom, err);

	if (ret == 0)
		return hv_error_set(err, EBUSY, "domain '%s' is running (id %u): destroy it first", name,
				    dom.domid);
	if (ret != -ENOENT)
		return ret;
	ret = xen_def_read(drv, name, &xml, &len, err);
	if (ret == -ENOENT)
		return hv_error_set(err, ENOENT, "domain '%s' does not exist", name);
	if (ret < 0)
		return ret;
	ret = xen_def_remove(drv, name, err);
	if (ret < 0)
		return ret;
	hv_conn_emit(conn,
		     &(struct hv_change){.kind = HV_KIND_DOMAIN, .type = HV_CHANGE_DELETED, .name = name});
	return 0;
}

static int write_shutdown(struct xen_driver *drv, const struct xen_dom *dom, const char *how,
			  struct hv_error *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", dom->domid);
	if (!xs_write(drv->xs, XBT_NULL, path, how, strlen(how)))
		return hv_error_set(err, EIO, "XenStore write of %s to %s failed: %s (is xenstored running?)",
				    how, path, strerror(errno));
	return 0;
}

/* The commands of a running domain.  Each goes to the layer that does it:
 * pause/unpause to the hypervisor, shutdown/reboot to the guest through
 * control/shutdown (the PV protocol; the watch thread falls back to destroy
 * after the timeout), destroy to libxl, which also tears down backends. */
static int control_running(struct xen_driver *drv, const char *name, struct xen_dom *dom,
			   enum hv_domain_command command, struct hv_error *err)
{
	struct hv_transition next;
	enum hv_domain_state state = xen_state_from_flags(dom->info.flags);
	int ret;

	if (dom->domid == 0 && command != HV_DOMAIN_CMD_SUSPEND && command != HV_DOMAIN_CMD_RESUME)
		return hv_error_set(err, EBUSY, "Domain-0 is the host itself: it cannot be %s here",
				    command == HV_DOMAIN_CMD_START ? "started" : "stopped");
	if (dom->domid == 0)
		return hv_error_set(err, EBUSY, "Domain-0 is the host itself: it cannot be paused");
	/* A domain the hypervisor lists is active even when it shut down and
	 * waits to be cleaned up: the shared state machine decides what applies. */
	if (!hv_domain_state_is_active(state) ||
	    ((state == HV_DOMAIN_RUNNING || state == HV_DOMAIN_BLOCKED) &&
	     xen_watch_shutdown_pending(drv, dom->domid)))
		state = HV_DOMAIN_SHUTDOWN;
	ret = hv_lifecycle_next(state, command, &next, err);
	if (ret < 0)
		return ret;
	switch (command) {
	case HV_DOMAIN_CMD_SUSPEND:
		if (xc_domain_pause(drv->xc, dom->domid) != 0)
			return hv_error_set(err, EIO, "the hypervisor did not pause domain %u: %s",
					    dom->domid, strerror(errno));
		break;
	case HV_DOMAIN_CMD_RESUME:
		if (xc_domain_unpause(drv->xc, dom->domid) != 0)
			return hv_error_set(err, EIO, "the hypervisor did not unpause domain %u: %s",
					    dom->domid, strerror(errno));
		break;
	case HV_DOMAIN_CMD_SHUTDOWN:
	case HV_DOMAIN_CMD_REBOOT:
		ret =
		    write_shutdown(drv, dom, command == HV_DOMAIN_CMD_SHUTDOWN ? "poweroff" : "reboot", err);
		if (ret < 0)
			return ret;
		xen_watch_pending_add(drv, dom->domid, name, command == HV_DOMAIN_CMD_REBOOT);
		/* The rest is reported when the guest acts (or the fallback). */
		if (command == HV_DOMAIN_CMD_SHUTDOWN)
			hv_conn_emit(drv->conn, &(struct hv_change){
						    .kind = HV_KIND_DOMAIN,
						    .type = HV_CHANGE_LIFECYCLE,
						    .name = name,
						    .event = next.event,
						    .detail = next.detail,
						    .fields = HV_FIELD_STATE,
						});
		return 0;
	case HV_DOMAIN_CMD_DESTROY:
	case HV_DOMAIN_CMD_RESET:
		ret = xen_libxl_destroy(drv, dom->domid, err);
		if (ret < 0)
			return ret;
		if (command == HV_DOMAIN_CMD_RESET)
			return xen_domain_start(drv, name, err);
		break;
	case HV_DOMAIN_CMD_START:
		break;
	}
	xen_watch_rescan(drv); /* reports the new state, once */
	return 0;
}

int xen_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
		       struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct hv_transition next;
	struct xen_dom dom;
	int ret = xen_dom_find(drv, name, &dom, err);

	if (ret == 0)
		return control_running(drv, name, &dom, command, err);
	if (ret != -ENOENT)
		return ret;
	/* Not running: only start applies, and only with a definition. */
	ret = hv_lifecycle_next(HV_DOMAIN_SHUTOFF, command, &next, err);
	if (ret < 0)
		return ret;
	return xen_domain_start(drv, name, err);
}

/* Marks name as being built by hvfs, or no longer (see xen_driver.starting).
 * With every slot taken the start is still right, only reported as a
 * suspend and resume. */
static void set_starting(struct xen_driver *drv, const char *name, bool on)
{
	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; i < ARRAY_SIZE(drv->starting); i++) {
		if (on && !drv->starting[i][0]) {
			snprintf(drv->starting[i], sizeof(drv->starting[i]), "%s", name);
			break;
		}
		if (!on && strcmp(drv->starting[i], name) == 0) {
			drv->starting[i][0] = '\0';
			break;
		}
	}
	pthread_mutex_unlock(&drv->lock);
}

int xen_domain_start(struct xen_driver *drv, const char *name, struct hv_error *err)
{
	struct xen_guest_def guest;
	auto_free char *xml = NULL;
	size_t len;
	uint32_t domid;
	int ret = xen_def_read(drv, name, &xml, &len, err);

	if (ret == -ENOENT)
		return hv_error_set(err, ENOENT, "domain '%s' has no definition to start from", name);
	if (ret < 0)
		return ret;
	ret = xen_guest_def_parse(xml, len, name, true, &guest, err);
	if (ret < 0)
		return ret;
	if (!guest.kernel[0])
		return hv_error_set(
		    err, EINVAL, "domain '%s' has no <os><kernel>: a PV guest needs a kernel to boot", name);
	set_starting(drv, name, true);
	ret = xen_libxl_create(drv, &guest, &domid, err);
	set_starting(drv, name, false);
	if (ret < 0)
		return ret;
	log_info("xen: started '%s' as domain %u", name, domid);
	xen_watch_rescan(drv);
	return 0;
}

/* The least memory Xen builds a domain with. */
static const struct hv_tunable_limits xen_limits = {.min_memory_kib = 1024, .max_vcpus = 4096};

/* Writes memory or vcpus (tunable) into name's definition, touching only
 * that element, as the shared rules allow a shut-off domain.  -ENOENT
 * without one. */
static int update_definition(struct xen_driver *drv, const char *name, enum hv_tunable tunable,
			     uint64_t value, struct hv_error *err)
{
	struct hv_domain_def def;
	auto_free char *xml = NULL;
	auto_free char *updated = NULL;
	size_t len;
	int ret = xen_def_read(drv, name, &xml, &len, err);

	if (ret < 0)
		return ret;
	ret = hv_domain_def_parse_stored(xml, len, name, &def, err);
	if (ret < 0)
		return hv_error_set(err, EIO, "the stored definition of '%s' is broken", name);
	/* A running domain's value was checked against what Xen has. */
	ret = hv_tunable_apply(&def, false, tunable, value, &xen_limits, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	ret = hv_domain_xml_update(xml, len, &def, &updated, err);
	if (ret == 0)
		ret = xen_def_write(drv, name, updated, strlen(updated), err);
	if (ret < 0)
		return ret;
	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_DOMAIN,
				    .type = HV_CHANGE_MODIFIED,
				    .name = name,
				    .fields = hv_tunable_fields(tunable),
				});
	return 0;
}

/* A live change of a running domain also goes into its definition, so
 * that config.xml says what runs (as with the other drivers). */
static void follow_in_definition(struct xen_driver *drv, const char *name, enum hv_tunable tunable,
				 uint64_t value)
{
	struct hv_error err = {0};
	int ret = update_definition(drv, name, tunable, value, &err);

	if (ret < 0 && ret != -ENOENT)
		log_warning("xen: '%s' changed live, but its definition was not updated: %s", name,
			    err.message);
}

int xen_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct hv_domain_info info;
	struct xen_dom dom;
	char path[64], value[32];
	int ret = xen_dom_find(drv, name, &dom, err);

	if (ret == -ENOENT) {
		ret = update_definition(drv, name, HV_TUNABLE_MEMORY, kib, err);
		return ret == -ENOENT ? hv_error_set(err, ENOENT, "domain '%s' does not exist", name) : ret;
	}
	if (ret < 0)
		return ret;
	info_from_dom(drv, &dom, &info);
	struct hv_domain_def live = {.memory_kib = info.memory_kib, .max_memory_kib = info.max_memory_kib};
	/* "No change" still writes the target: the balloon may not be there yet. */
	if ((ret = hv_tunable_apply(&live, true, HV_TUNABLE_MEMORY, kib, &xen_limits, err)) < 0)
		return ret;
	/* The balloon target: the guest's balloon driver gives memory back to
	 * or takes it from the hypervisor until it uses this much. */
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", dom.domid);
	snprintf(value, sizeof(value), "%llu", (unsigned long long)kib);
	if (!xs_write(drv->xs, XBT_NULL, path, value, strlen(value)))
		return hv_error_set(err, EIO, "XenStore write of %s failed: %s (is xenstored running?)", path,
				    strerror(errno));
	follow_in_definition(drv, name, HV_TUNABLE_MEMORY, kib);
	return 0; /* the watch on /local/domain reports the change of memory */
}

int xen_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	struct xen_driver *drv = conn->priv;
	struct xen_dom dom;
	unsigned max;
	int ret = xen_dom_find(drv, name, &dom, err);

	if (ret == -ENOENT) {
		ret = update_definition(drv, name, HV_TUNABLE_VCPUS, vcpus, err);
		return ret == -ENOENT ? hv_error_set(err, ENOENT, "domain '%s' does not exist", name) : ret;
	}
	if (ret < 0)
		return ret;
	max = dom.info.max_vcpu_id + 1;
	struct hv_domain_def live = {.vcpus = max, .max_vcpus = max};
	if ((ret = hv_tunable_apply(&live, true, HV_TUNABLE_VCPUS, vcpus, &xen_limits, err)) < 0)
		return ret;
	/* PV vCPU hotplug: the guest brings cpu/N up or down as it reads
	 * cpu/N/availability; all in one transaction so it sees one change. */
	for (int attempt = 0; attempt < 5; attempt++) {
		xs_transaction_t t = xs_transaction_start(drv->xs);
		bool ok = t != XBT_NULL;
		for (unsigned i = 0; ok && i < max; i++) {
			char path[96];
			const char *value = i < vcpus ? "online" : "offline";
			snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", dom.domid, i);
			ok = xs_write(drv->xs, t, path, value, strlen(value));
		}
		if (t == XBT_NULL)
			break;
		if (!ok) {
			xs_transaction_end(drv->xs, t, true);
			break;
		}
		if (xs_transaction_end(drv->xs, t, false)) {
			follow_in_definition(drv, name, HV_TUNABLE_VCPUS, vcpus);
			return 0;
		}
		if (errno != EAGAIN)
			break;
	}
	return hv_error_set(err, EIO, "cannot set the vCPU availability of domain %u in XenStore: %s",
			    dom.domid, strerror(errno));
}
