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
#define CHANGES_MAX	   64

/* What a rescan found, emitted after drv->lock is released. */
struct found_change {
	enum hv_change_type type;
	char name[HV_NAME_MAX + 1];
	const char *event;
	const char *detail;
	uint32_t fields;
};

static bool same_state(enum hv_domain_state a, enum hv_domain_state b)
{
	bool a_up = a == HV_DOMAIN_RUNNING || a == HV_DOMAIN_BLOCKED;
	bool b_up = b == HV_DOMAIN_RUNNING || b == HV_DOMAIN_BLOCKED;

	return a == b || (a_up && b_up);
}

static bool has_definition(struct xen_driver *drv, const char *name)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s.xml", drv->state_dir, name) >= (int)sizeof(path))
		return false;
	return access(path, F_OK) == 0;
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

static void lifecycle_of(enum hv_domain_state before, enum hv_domain_state now, struct found_change *c)
{
	c->type = HV_CHANGE_LIFECYCLE;
	c->fields = HV_FIELD_STATE | HV_FIELD_ID;
	switch (now) {
	case HV_DOMAIN_PAUSED:
		c->event = "suspended", c->detail = "paused";
		break;
	case HV_DOMAIN_RUNNING:
	case HV_DOMAIN_BLOCKED:
		c->event = before == HV_DOMAIN_PAUSED ? "resumed" : "started";
		c->detail = before == HV_DOMAIN_PAUSED ? "unpaused" : "booted";
		break;
	case HV_DOMAIN_SHUTDOWN:
		c->event = "shutdown", c->detail = "finished";
		break;
	case HV_DOMAIN_SHUTOFF:
		c->event = "stopped", c->detail = "shutdown";
		break;
	case HV_DOMAIN_CRASHED:
		c->event = "crashed", c->detail = "panicked";
		break;
	case HV_DOMAIN_PMSUSPENDED:
		c->event = "pmsuspended", c->detail = "memory";
		break;
	default:
		c->event = "changed", c->detail = NULL;
		break;
	}
}

/* Compares now with drv->known (under drv->lock) and replaces it. */
static size_t diff_locked(struct xen_driver *drv, struct xen_dom_list *now, struct found_change *out)
{
	struct xen_dom_list *before = &drv->known;
	size_t n = 0;

	for (size_t i = 0; i < now->count && n < CHANGES_MAX; i++) {
		const struct xen_dom *dom = &now->doms[i];
		enum hv_domain_state state = xen_state_from_flags(dom->info.flags);
		const struct xen_dom *old = NULL;

		for (size_t j = 0; j < before->count && !old; j++)
			if (before->doms[j].domid == dom->domid)
				old = &before->doms[j];
		struct found_change *c = &out[n];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", dom->name);
		if (!old) {
			if (has_definition(drv, dom->name)) {
				lifecycle_of(HV_DOMAIN_SHUTOFF, state, c);
			} else {
				c->type = HV_CHANGE_CREATED;
			}
			n++;
		} else if (strcmp(old->name, dom->name) != 0) {
			/* Renamed behind our back (xl rename): the old name goes, the new comes. */
			c->type = HV_CHANGE_DELETED;
			snprintf(c->name, sizeof(c->name), "%s", old->name);
			if (n + 1 < CHANGES_MAX) {
				n++;
				out[n] = (struct found_change){.type = HV_CHANGE_CREATED};
				snprintf(out[n].name, sizeof(out[n].name), "%s", dom->name);
			}
			n++;
		} else {
			enum hv_domain_state was = xen_state_from_flags(old->info.flags);
			if (!same_state(was, state)) {
				lifecycle_of(was, state, c);
				n++;
			}
		}
	}
	for (size_t j = 0; j < before->count && n < CHANGES_MAX; j++) {
		const struct xen_dom *old = &before->doms[j];
		bool still = false;

		for (size_t i = 0; i < now->count && !still; i++)
			still = now->doms[i].domid == old->domid;
		if (still)
			continue;
		struct found_change *c = &out[n++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", old->name);
		if (has_definition(drv, old->name)) {
			c->type = HV_CHANGE_LIFECYCLE;
			c->event = "stopped";
			c->detail = take_pending(drv, old->domid) ? "shutdown" : "destroyed";
			c->fields = HV_FIELD_STATE | HV_FIELD_ID;
		} else {
			take_pending(drv, old->domid);
			c->type = HV_CHANGE_DELETED;
		}
	}
	xen_dom_list_finish(before);
	*before = *now;
	now->doms = NULL;
	now->count = 0;
	return n;
}

static void emit_found(struct xen_driver *drv, const struct found_change *changes, size_t count)
{
	for (size_t i = 0; i < count; i++)
		hv_conn_emit(drv->conn, &(struct hv_change){
					    .kind = HV_KIND_DOMAIN,
					    .type = changes[i].type,
					    .name = changes[i].name,
					    .event = changes[i].event,
					    .detail = changes[i].detail,
					    .fields = changes[i].fields,
				    });
}

/* Rescans and reports what changed.  emit false: only records (the first
 * snapshot, at open). */
static void rescan(struct xen_driver *drv, bool emit)
{
	struct found_change changes[CHANGES_MAX];
	struct xen_dom_list now;
	struct hv_error err = {0};
	size_t count;

	if (xen_dom_list_read(drv, &now, &err) < 0) {
		log_warning("xen: rescan of the domains failed: %s", err.message);
		return;
	}
	pthread_mutex_lock(&drv->lock);
	count = diff_locked(drv, &now, changes);
	pthread_mutex_unlock(&drv->lock);
	if (emit)
		emit_found(drv, changes, count);
}

void xen_watch_rescan(struct xen_driver *drv)
{
	rescan(drv, true);
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
		    (dom->info.flags & XEN_DOMINF_dying) || !has_definition(drv, dom->name))
			continue;
		unsigned reason = xen_shutdown_reason(dom->info.flags);
		if (reason == XEN_SHUTDOWN_SUSPEND || reason == XEN_SHUTDOWN_SOFT_RESET)
			continue;
		log_info("xen: '%s' (domain %u) shut down (reason %u): cleaning up", dom->name, dom->domid, reason);
		if (xen_libxl_destroy(drv, dom->domid, &err) < 0) {
			log_warning("xen: %s", err.message);
			continue;
		}
		if (reason == XEN_SHUTDOWN_REBOOT && xen_domain_start(drv, dom->name, &err) < 0)
			log_warning("xen: reboot of '%s': %s", dom->name, err.message);
	}
	xen_dom_list_finish(&list);
}

/* A path under /local/domain/N: the files of domain N it shows. */
static void report_path(struct xen_driver *drv, const char *path)
{
	unsigned domid;
	int used = 0;
	char name[HV_NAME_MAX + 1] = "";
	uint32_t fields = 0;

	if (sscanf(path, "/local/domain/%u/%n", &domid, &used) != 1 || used == 0)
		return;
	const char *rest = path + used;
	if (strcmp(rest, "memory/target") == 0)
		fields = HV_FIELD_MEMORY;
	else if (strncmp(rest, "cpu/", 4) == 0)
		fields = HV_FIELD_VCPUS;
	else if (strncmp(rest, "device/", 7) == 0)
		fields = HV_FIELD_DEVICES;
	else
		return;
	pthread_mutex_lock(&drv->lock);
	for (size_t i = 0; i < drv->known.count; i++)
		if (drv->known.doms[i].domid == domid)
			snprintf(name, sizeof(name), "%s", drv->known.doms[i].name);
	pthread_mutex_unlock(&drv->lock);
	if (!name[0])
		return;
	hv_conn_emit(drv->conn, &(struct hv_change){
				    .kind = HV_KIND_DOMAIN,
				    .type = HV_CHANGE_MODIFIED,
				    .name = name,
				    .fields = fields,
			    });
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

	if (!xs || !xs_watch(xs, "@introduceDomain", "domains") || !xs_watch(xs, "@releaseDomain", "domains") ||
	    !xs_watch(xs, "/", "store")) {
		log_error("xen: cannot watch XenStore (%s): changes made outside hvfs go unnoticed", strerror(errno));
		if (xs)
			xs_close(xs);
		return NULL;
	}
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
			while ((event = xs_check_watch(xs))) {
				const char *path = event[XS_WATCH_PATH];
				domains = domains || path[0] == '@';
				report_path(drv, path);
				free(event);
			}
		}
		if (domains)
			reap_shut_down(drv);
		run_fallbacks(drv);
		rescan(drv, true);
	}
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
