/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The XenStore watch thread: how changes nobody told hvfs about reach the
 * tree.  XenStore fires @introduceDomain when a domain appears,
 * @releaseDomain when one shuts down or goes, and a path watch for every
 * write; the hypervisor's own flags (a pause by `xl pause`) fire nothing,
 * so the thread also rescans once a second.
 *
 * A rescan compares the domains now with the last snapshot, by domid:
 *
 *   before {0 Domain-0 running, 3 g1 running}   now {0 running, 3 g1 paused, 4 web running}
 *   -> g1: lifecycle suspended;  web: created (or "started" when hvfs has a
 *      definition of it, as the directory already existed)
 *
 * and a domain gone is deleted, or "stopped" when a definition keeps its
 * directory.  Running and blocked flip with every scheduling decision and
 * count as one state here.  Control writes call xen_watch_rescan() right
 * after they act, so that their change is reported at once, exactly once.
 *
 * The thread also owns the shutdown fallback (a guest that ignores
 * control/shutdown is destroyed when the timeout passes) and does what
 * xl's per-domain daemon does for guests built by hvfs: destroy one that
 * powered off or crashed, rebuild one that rebooted. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/xen/xen_private.h"
#include "util/cleanup.h"
#include "util/log.h"

#define RESCAN_INTERVAL_MS 1000

static bool same_state(enum hv_domain_state a, enum hv_domain_state b)
{
	bool a_up = a == HV_DOMAIN_RUNNING || a == HV_DOMAIN_BLOCKED;
	bool b_up = b == HV_DOMAIN_RUNNING || b == HV_DOMAIN_BLOCKED;

	return a == b || (a_up && b_up);
}

/* Whether a shutdown through hvfs is pending for domid; removes it. */
static bool take_pending(struct xen_driver *drv, uint32_t domid)
{
	for (struct xen_pending **p = &drv->pending; *p; p = &(*p)->next) {
		if ((*p)->domid == domid) {
			struct xen_pending *gone = *p;
			*p = gone->next;
			free(gone);
			return true;
		}
	}
	return false;
}

/* Adds the lifecycle change of name from state before to now; tuned: what
 * else the hypervisor says changed meanwhile (enum hv_field bits). */
static void add_lifecycle(struct hv_change_batch *out, const char *name, enum hv_domain_state before,
			  enum hv_domain_state now, uint32_t tuned)
{
	const char *event, *detail;

	switch (now) {
	case HV_DOMAIN_PAUSED:
		event = "suspended", detail = "paused";
		break;
	case HV_DOMAIN_RUNNING:
	case HV_DOMAIN_BLOCKED:
		event = before == HV_DOMAIN_PAUSED ? "resumed" : "started";
		detail = before == HV_DOMAIN_PAUSED ? "unpaused" : "booted";
		break;
	case HV_DOMAIN_SHUTDOWN:
		event = "shutdown", detail = "finished";
		break;
	case HV_DOMAIN_SHUTOFF:
		event = "stopped", detail = "shutdown";
		break;
	case HV_DOMAIN_CRASHED:
		event = "crashed", detail = "panicked";
		break;
	case HV_DOMAIN_PMSUSPENDED:
		event = "pmsuspended", detail = "memory";
		break;
	default:
		event = "changed", detail = NULL;
		break;
	}
	hv_batch_lifecycle(out, HV_KIND_DOMAIN, name, event, detail, HV_FIELD_STATE | HV_FIELD_ID | tuned);
}

/* Whether hvfs is building name now (caller holds drv->lock). */
/* What only the hypervisor knows changed between two snapshots of a domain:
 * a guest bringing a vCPU up or down, or xl mem-max, writes nothing to
 * XenStore, so no watch fires and only the rescan can tell the cached
 * vcpus and max_memory files that they are stale. */
static uint32_t hypervisor_fields_changed(const xc_domaininfo_t *before, const xc_domaininfo_t *now)
{
	uint32_t fields = 0;

	if (before->nr_online_vcpus != now->nr_online_vcpus)
		fields |= HV_FIELD_VCPUS;
	if (before->max_vcpu_id != now->max_vcpu_id)
		fields |= HV_FIELD_MAX_VCPUS;
	if (before->max_pages != now->max_pages)
		fields |= HV_FIELD_MAX_MEMORY;
	return fields;
}

static bool is_starting(struct xen_driver *drv, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(drv->starting); i++)
		if (strcmp(drv->starting[i], name) == 0)
			return true;
	return false;
}

size_t xen_watch_diff(struct xen_driver *drv, struct xen_dom_list *now, struct hv_change_batch *out)
{
	struct xen_dom_list *before = &drv->known;
	size_t count = out->count;

	for (size_t i = 0; i < now->count; i++) {
		struct xen_dom *dom = &now->doms[i];
		enum hv_domain_state state = xen_state_from_flags(dom->info.flags);
		const struct xen_dom *old = NULL;

		for (size_t j = 0; j < before->count && !old; j++)
			if (before->doms[j].domid == dom->domid)
				old = &before->doms[j];
		if (!old) {
			dom->building = state == HV_DOMAIN_PAUSED && is_starting(drv, dom->name);
			if (xen_def_exists(drv, dom->name))
				add_lifecycle(out, dom->name, HV_DOMAIN_SHUTOFF, HV_DOMAIN_RUNNING, 0);
			else
				hv_batch_add(out, HV_KIND_DOMAIN, HV_CHANGE_CREATED, dom->name, NULL);
		} else if (strcmp(old->name, dom->name) != 0) {
			/* Renamed behind our back (xl rename): the old name goes, the new comes. */
			hv_batch_add(out, HV_KIND_DOMAIN, HV_CHANGE_DELETED, old->name, NULL);
			hv_batch_add(out, HV_KIND_DOMAIN, HV_CHANGE_CREATED, dom->name, NULL);
		} else {
			enum hv_domain_state was = xen_state_from_flags(old->info.flags);
			uint32_t tuned = hypervisor_fields_changed(&old->info, &dom->info);
			dom->building = old->building && state == HV_DOMAIN_PAUSED;
			if (same_state(was, state)) {
				if (tuned)
					hv_batch_modified(out, HV_KIND_DOMAIN, dom->name, tuned);
			} else if (old->building &&
				   (state == HV_DOMAIN_RUNNING || state == HV_DOMAIN_BLOCKED)) {
				/* The start completes: already reported as started/created. */
				hv_batch_modified(out, HV_KIND_DOMAIN, dom->name, HV_FIELD_STATE | tuned);
			} else {
				add_lifecycle(out, dom->name, was, state, tuned);
			}
		}
	}
	for (size_t j = 0; j < before->count; j++) {
		const struct xen_dom *old = &before->doms[j];
		bool still = false;

		for (size_t i = 0; i < now->count && !still; i++)
			still = now->doms[i].domid == old->domid;
		if (still)
			continue;
		if (xen_def_exists(drv, old->name)) {
			bool asked = take_pending(drv, old->domid);
			hv_batch_lifecycle(out, HV_KIND_DOMAIN, old->name, "stopped",
					   asked ? "shutdown" : "destroyed", HV_FIELD_STATE | HV_FIELD_ID);
		} else {
			take_pending(drv, old->domid);
			hv_batch_add(out, HV_KIND_DOMAIN, HV_CHANGE_DELETED, old->name, NULL);
		}
	}
	xen_dom_list_finish(before);
	*before = *now;
	now->doms = NULL;
	now->count = 0;
	xen_dom_list_index(before);
	return out->count - count;
}

/* Rescans and reports what changed.  emit false: only records (the first
 * snapshot, at open).  Runs on the watch thread and on any worker whose
 * control write just acted, concurrently:
 *   - drv->rescan_lock is held from the read of the list to the end of the
 *     comparison, so that two rescans never compare out of order (an older
 *     list after a newer one would report the change backwards);
 *   - drv->lock (inside it) guards drv->known, drv->pending and
 *     drv->starting that xen_watch_diff reads and replaces;
 *   - the changes are emitted with neither held, from changes[], this
 *     call's own copy: nothing emitted points into drv->known, which the
 *     next rescan frees. */
static void rescan(struct xen_driver *drv, bool emit)
{
	struct hv_change_batch changes = {0};
	struct xen_dom_list now;
	struct hv_error err = {0};

	pthread_mutex_lock(&drv->rescan_lock);
	if (drv->list_read(drv, &now, &err) < 0) {
		pthread_mutex_unlock(&drv->rescan_lock);
		log_warning("xen: rescan of the domains failed: %s", err.message);
		return;
	}
	pthread_mutex_lock(&drv->lock);
	xen_watch_diff(drv, &now, &changes);
	pthread_mutex_unlock(&drv->lock);
	pthread_mutex_unlock(&drv->rescan_lock);
	if (emit)
		hv_batch_emit(drv->conn, &changes);
	else
		hv_batch_discard(&changes);
}

void xen_watch_rescan(struct xen_driver *drv)
{
	rescan(drv, true);
}

bool xen_watch_shutdown_pending(struct xen_driver *drv, uint32_t domid)
{
	bool pending = false;

	pthread_mutex_lock(&drv->lock);
	for (struct xen_pending *p = drv->pending; p && !pending; p = p->next)
		pending = p->domid == domid && !p->reboot;
	pthread_mutex_unlock(&drv->lock);
	return pending;
}

void xen_watch_pending_add(struct xen_driver *drv, uint32_t domid, const char *name, bool reboot)
{
	struct xen_pending *p = calloc(1, sizeof(*p));

	if (!p) {
		log_error("xen: out of memory: the shutdown of '%s' has no fallback", name);
		return;
	}
	p->domid = domid;
	p->reboot = reboot;
	p->deadline_ns = xen_now_ns() + (uint64_t)drv->shutdown_timeout_ms * 1000000ull;
	snprintf(p->name, sizeof(p->name), "%s", name);
	pthread_mutex_lock(&drv->lock);
	take_pending(drv, domid);
	p->next = drv->pending;
	drv->pending = p;
	pthread_mutex_unlock(&drv->lock);
}

/* Fallbacks whose time came: destroy (and for a reboot start again). */
static void run_fallbacks(struct xen_driver *drv)
{
	uint64_t now = xen_now_ns();
	struct xen_pending *due = NULL;

	pthread_mutex_lock(&drv->lock);
	for (struct xen_pending **p = &drv->pending; *p;) {
		if ((*p)->deadline_ns <= now) {
			struct xen_pending *d = *p;
			*p = d->next;
			d->next = due;
			due = d;
		} else {
			p = &(*p)->next;
		}
	}
	pthread_mutex_unlock(&drv->lock);
	while (due) {
		struct xen_pending *next = due->next;
		struct xen_dom dom;
		struct hv_error err = {0};
		/* Only if the same domain still runs under that name. */
		if (xen_dom_find(drv, due->name, &dom, &err) == 0 && dom.domid == due->domid) {
			log_info("xen: '%s' ignored control/shutdown for %u ms: destroying it", due->name,
				 drv->shutdown_timeout_ms);
			if (xen_libxl_destroy(drv, due->domid, &err) < 0)
				log_warning("xen: fallback for '%s': %s", due->name, err.message);
			else if (due->reboot && xen_domain_start(drv, due->name, &err) < 0)
				log_warning("xen: reboot of '%s': %s", due->name, err.message);
		}
		free(due);
		due = next;
	}
}

/* What xl's daemon does on a guest's own shutdown, for guests hvfs keeps a
 * definition of: clean up a powered-off or crashed one, rebuild one that
 * rebooted. */
static void reap_shut_down(struct xen_driver *drv)
{
	struct xen_dom_list list;
	struct hv_error err = {0};

	if (xen_dom_list_read(drv, &list, &err) < 0)
		return;
	for (size_t i = 0; i < list.count; i++) {
		const struct xen_dom *dom = &list.doms[i];
		if (dom->domid == 0 || !(dom->info.flags & XEN_DOMINF_shutdown) ||
		    (dom->info.flags & XEN_DOMINF_dying) || !xen_def_exists(drv, dom->name))
			continue;
		unsigned reason = xen_shutdown_reason(dom->info.flags);
		if (reason == XEN_SHUTDOWN_SUSPEND || reason == XEN_SHUTDOWN_SOFT_RESET)
			continue;
		log_info("xen: '%s' (domain %u) shut down (reason %u): cleaning up", dom->name, dom->domid,
			 reason);
		/* Its going is then reported as "stopped shutdown", not as a destroy. */
		if (reason == XEN_SHUTDOWN_POWEROFF)
			xen_watch_pending_add(drv, dom->domid, dom->name, false);
		if (xen_libxl_destroy(drv, dom->domid, &err) < 0) {
			log_warning("xen: %s", err.message);
			continue;
		}
		if (reason == XEN_SHUTDOWN_REBOOT && xen_domain_start(drv, dom->name, &err) < 0)
			log_warning("xen: reboot of '%s': %s", dom->name, err.message);
	}
	xen_dom_list_finish(&list);
}

/* The name of running domain domid as last seen, into name ("" if none). */
static void known_name(struct xen_driver *drv, uint32_t domid, char name[HV_NAME_MAX + 1])
{
	name[0] = '\0';
	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; i < drv->known.count; i++)
		if (drv->known.doms[i].domid == domid)
			snprintf(name, HV_NAME_MAX + 1, "%s", drv->known.doms[i].name);
	pthread_mutex_unlock(&drv->lock);
}

/* A path under /local/domain/N: the files of domain N it shows. */
static void report_path(struct xen_driver *drv, const char *path)
{
	unsigned domid;
	int used = 0;
	char name[HV_NAME_MAX + 1];
	uint32_t fields = 0;

	if (sscanf(path, "/local/domain/%u/%n", &domid, &used) != 1 || used == 0)
		return;
	const char *rest = path + used;
	if (strcmp(rest, "memory/target") == 0)
		fields = HV_FIELD_MEMORY;
	else if (strncmp(rest, "cpu/", 4) == 0)
		fields = HV_FIELD_VCPUS;
	else
		return;
	known_name(drv, domid, name);
	if (!name[0])
		return;
	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_DOMAIN,
				    .type = HV_CHANGE_MODIFIED,
				    .name = name,
				    .fields = fields,
				});
}

/* A PV device an event touched: its frontend directory
 * /local/domain/N/device/CLASS/DEVID, from a path at or below it or below
 * its backend /local/domain/B/backend/CLASS/N/DEVID. */
struct device_ref {
	uint32_t domid;
	bool frontend; /* the event is in the frontend's directory */
	char cls[16];
	char devid[HV_DEVICE_NAME_MAX + 1];
	char dir[128];
};

static bool device_of(const char *path, struct device_ref *ref)
{
	unsigned domid, backend_domid;
	int used = 0;

	memset(ref, 0, sizeof(*ref));
	if (sscanf(path, "/local/domain/%u/device/%15[^/]/%63[^/]%n", &domid, ref->cls, ref->devid, &used) ==
		3 &&
	    used > 0 && (path[used] == '\0' || path[used] == '/')) {
		ref->frontend = true;
	} else if (sscanf(path, "/local/domain/%u/backend/%15[^/]/%u/%63[^/]%n", &backend_domid, ref->cls,
			  &domid, ref->devid, &used) == 4 &&
		   used > 0 && (path[used] == '\0' || path[used] == '/')) {
		ref->frontend = false;
	} else {
		return false;
	}
	if (strcmp(ref->cls, "vbd") != 0 && strcmp(ref->cls, "vif") != 0)
		return false;
	ref->domid = domid;
	snprintf(ref->dir, sizeof(ref->dir), "/local/domain/%u/device/%s/%s", domid, ref->cls, ref->devid);
	return true;
}

/* devices/CLASS/DEVID of the domain appeared, went or changed. */
static void report_device(struct xen_driver *drv, const struct device_ref *ref, bool was_known)
{
	char name[HV_NAME_MAX + 1], sub[96];
	bool now_known = xen_store_known(drv, ref->dir);
	enum hv_change_type type;

	if (ref->frontend && now_known && !was_known)
		type = HV_CHANGE_CREATED;
	else if (ref->frontend && !now_known && was_known)
		type = HV_CHANGE_DELETED;
	else if (now_known)
		type = HV_CHANGE_MODIFIED;
	else
		return;
	known_name(drv, ref->domid, name);
	if (!name[0])
		return;
	snprintf(sub, sizeof(sub), "%s/%s", ref->cls, ref->devid);
	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_DOMAIN,
				    .type = type,
				    .name = name,
				    .sub = sub,
				    .fields = HV_FIELD_DEVICES,
				});
}

/* One XenStore path the watch fired for. */
static void handle_path(struct xen_driver *drv, const char *path)
{
	char created[HV_TREE_PATH_MAX + 1];
	struct device_ref ref;
	bool is_device = device_of(path, &ref);
	bool device_known = is_device && xen_store_known(drv, ref.dir);
	enum xen_store_event event = xen_store_track(drv, path, created, sizeof(created));

	xen_store_report(drv, event == XEN_STORE_CREATED ? created : path, event);
	report_path(drv, path);
	if (is_device)
		report_device(drv, &ref, device_known);
}

static int next_timeout_ms(struct xen_driver *drv)
{
	uint64_t now = xen_now_ns();
	int64_t timeout = RESCAN_INTERVAL_MS;

	pthread_mutex_lock(&drv->lock);
	for (struct xen_pending *p = drv->pending; p; p = p->next) {
		int64_t ms = p->deadline_ns > now ? (int64_t)((p->deadline_ns - now) / 1000000 + 1) : 0;
		if (ms < timeout)
			timeout = ms;
	}
	pthread_mutex_unlock(&drv->lock);
	return (int)timeout;
}

static void *watch_main(void *opaque)
{
	struct xen_driver *drv = opaque;
	struct xs_handle *xs = xs_open(0);
	struct pollfd fds[2];
	unsigned idle_wakeups = 0;

	if (!xs || !xs_watch(xs, "@introduceDomain", "domains") ||
	    !xs_watch(xs, "@releaseDomain", "domains") || !xs_watch(xs, "/", "store")) {
		log_error("xen: cannot watch XenStore (%s): changes made outside hvfs go unnoticed",
			  strerror(errno));
		if (xs)
			xs_close(xs);
		return NULL;
	}
	if (xen_store_track_start(drv) < 0)
		log_warning("xen: out of memory: XenStore creations will read as changes");
	fds[0] = (struct pollfd){.fd = drv->stop_pipe[0], .events = POLLIN};
	fds[1] = (struct pollfd){.fd = xs_fileno(xs), .events = POLLIN};
	for (;;) {
		int ready = poll(fds, 2, next_timeout_ms(drv));
		bool domains = false;

		if (ready < 0 && errno != EINTR)
			break;
		if (fds[0].revents)
			break;
		if (ready > 0 && fds[1].revents) {
			char **event;
			unsigned count = 0;
			while ((event = xs_check_watch(xs))) {
				const char *path = event[XS_WATCH_PATH];
				if (path[0] == '@')
					domains = true;
				else
					handle_path(drv, path);
				free(event);
				count++;
			}
			/* A dead xenstored leaves the descriptor readable with
			 * nothing to read: stop listening rather than spin. */
			idle_wakeups = count ? 0 : idle_wakeups + 1;
			if ((count == 0 && errno != EAGAIN) || idle_wakeups > 3) {
				log_error(
				    "xen: lost the XenStore watch connection: changes made outside hvfs "
				    "are seen only by the rescan");
				fds[1].fd = -1;
			}
		}
		if (domains)
			reap_shut_down(drv);
		run_fallbacks(drv);
		rescan(drv, true);
	}
	xen_store_track_finish(drv);
	xs_close(xs);
	return NULL;
}

int xen_watch_start(struct xen_driver *drv, struct hv_error *err)
{
	int ret;

	rescan(drv, false);
	if (pipe2(drv->stop_pipe, O_CLOEXEC) != 0)
		return hv_error_set(err, EIO, "cannot create a pipe: %s", strerror(errno));
	ret = pthread_create(&drv->watch_thread, NULL, watch_main, drv);
	if (ret != 0)
		return hv_error_set(err, EIO, "cannot start the XenStore watch thread: %s", strerror(ret));
	drv->watch_started = true;
	return 0;
}

void xen_watch_stop(struct xen_driver *drv)
{
	if (drv->watch_started) {
		ssize_t n = write(drv->stop_pipe[1], "x", 1);
		(void)n;
		pthread_join(drv->watch_thread, NULL);
		drv->watch_started = false;
	}
	for (int i = 0; i < 2; i++)
		if (drv->stop_pipe[i] >= 0)
			close(drv->stop_pipe[i]);
	drv->stop_pipe[0] = drv->stop_pipe[1] = -1;
}
