/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor thread: state follows QEMU.  It sleeps in epoll_wait on two
 * fds per run, the QEMU process's pidfd (it exited) and its QMP socket
 * (events), and wakes for them, for the earliest shutdown deadline (then
 * QEMU is killed) or when told to.  It never sends a QMP command: a QEMU
 * that hangs must not hold up the events of every other guest.  What needs
 * QEMU to act is done with signals: SIGTERM is QEMU's own clean quit. */
#include <errno.h>
#include <json.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "drivers/qemu/qemu_private.h"
#include "util/log.h"

/* epoll data: a run's serial times two, plus one for its QMP socket;
 * serials start at 1, so 0 is the wake-up eventfd. */
#define WAKE_TAG 0

static uint64_t pid_tag(const struct qemu_run *run)
{
	return run->serial * 2;
}

static uint64_t qmp_tag(const struct qemu_run *run)
{
	return run->serial * 2 + 1;
}

static void notify_events(void *opaque)
{
	qemu_monitor_wake(opaque);
}

int qemu_monitor_watch(struct qemu_driver *drv, struct qemu_run *run)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = pid_tag(run)};

	if (epoll_ctl(drv->epoll_fd, EPOLL_CTL_ADD, run->pidfd, &ev) < 0)
		return -errno;
	if (!run->qmp)
		return 0;
	qmp_set_event_notify(run->qmp, notify_events, drv);
	ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = qmp_tag(run)};
	if (epoll_ctl(drv->epoll_fd, EPOLL_CTL_ADD, qmp_fd(run->qmp), &ev) < 0)
		return -errno;
	/* Events queued before the notification was set (at connect). */
	qemu_monitor_wake(drv);
	return 0;
}

void qemu_monitor_wake(struct qemu_driver *drv)
{
	uint64_t one = 1;

	if (write(drv->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warning("cannot wake the QEMU monitor: %s", strerror(errno));
}

static bool data_bool(struct json_object *data, const char *key)
{
	struct json_object *field;

	return data && json_object_object_get_ex(data, key, &field) && json_object_get_boolean(field);
}

static const char *data_string(struct json_object *data, const char *key)
{
	struct json_object *field;

	return data && json_object_object_get_ex(data, key, &field) ? json_object_get_string(field) : "";
}

static void set_state(struct qemu_domain *dom, enum hv_domain_state state, const char *event,
		      const char *detail, struct hv_change_batch *changes)
{
	if (dom->state == state)
		return;
	dom->state = state;
	hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, event, detail, HV_FIELD_STATE);
}

/* One QMP event (docs/qemu.md, "Events").  Ends that follow (SHUTDOWN,
 * GUEST_PANICKED) are QEMU asked to quit; the pidfd then reports it gone. */
static void handle_event(struct qemu_domain *dom, const char *name, struct json_object *data,
			 struct hv_change_batch *changes)
{
	struct qemu_run *run = dom->run;

	if (strcmp(name, "SHUTDOWN") == 0) {
		/* The guest powered off (-no-shutdown keeps QEMU there), or
		 * QEMU is quitting: either way this run is over. */
		if (data_bool(data, "guest") || strcmp(data_string(data, "reason"), "guest-shutdown") == 0)
			run->guest_shutdown = true;
		if (!run->destroying && !run->panicked)
			set_state(dom, HV_DOMAIN_SHUTDOWN, "shutdown", "finished", changes);
		pidfd_send_signal(run->pidfd, SIGTERM, NULL, 0);
	} else if (strcmp(name, "GUEST_PANICKED") == 0) {
		run->panicked = true;
		set_state(dom, HV_DOMAIN_CRASHED, "crashed", "panicked", changes);
		/* on_crash preserve keeps the guest for inspection, paused. */
		if (strcmp(dom->def.on_crash, "preserve") != 0)
			pidfd_send_signal(run->pidfd, SIGTERM, NULL, 0);
	} else if (strcmp(name, "STOP") == 0) {
		/* Also the last word of a guest that powered off or panicked. */
		if (!run->guest_shutdown && !run->panicked && !run->destroying && !run->suspending &&
		    dom->state == HV_DOMAIN_RUNNING)
			set_state(dom, HV_DOMAIN_PAUSED, "suspended", "paused", changes);
	} else if (strcmp(name, "RESUME") == 0) {
		if (!run->resuming && dom->state == HV_DOMAIN_PAUSED)
			set_state(dom, HV_DOMAIN_RUNNING, "resumed", "unpaused", changes);
	} else if (strcmp(name, "RESET") == 0) {
		uint64_t now = qemu_now_ns();
		if (now >= run->resets_quiet_until_ns)
			hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, "started",
					   data_bool(data, "guest") ? "rebooted" : "reset", HV_FIELD_STATE);
		run->resets_quiet_until_ns = now + QEMU_RESET_QUIET_NS;
	} else if (strcmp(name, "BALLOON_CHANGE") == 0) {
		struct json_object *actual;
		if (data && json_object_object_get_ex(data, "actual", &actual)) {
			uint64_t kib = (uint64_t)json_object_get_int64(actual) / 1024;
			if (kib != dom->live_memory_kib) {
				dom->live_memory_kib = kib;
				hv_batch_modified(changes, HV_KIND_DOMAIN, dom->obj.name, HV_FIELD_MEMORY);
			}
		}
	}
}

void qemu_handle_events_locked(struct qemu_driver *drv, struct qemu_domain *dom,
			       struct hv_change_batch *changes)
{
	struct hv_error err = {0};
	struct json_object *data;
	char *name;

	(void)drv;
	if (!dom->run || !dom->run->qmp)
		return;
	if (qmp_poll(dom->run->qmp, &err) < 0) {
		/* QEMU closed its monitor: it is quitting, the pidfd tells when. */
		epoll_ctl(drv->epoll_fd, EPOLL_CTL_DEL, qmp_fd(dom->run->qmp), NULL);
	}
	while (dom->run && qmp_next_event(dom->run->qmp, &name, &data) == 1) {
		handle_event(dom, name, data, changes);
		free(name);
		json_object_put(data);
	}
}

/* Milliseconds until the earliest shutdown deadline, -1 for none. */
static int next_timeout(struct qemu_driver *drv, uint64_t now)
{
	uint64_t earliest = 0;

	QEMU_FOREACH(dom, drv)
	if (dom->run && dom->run->shutdown_deadline_ns &&
	    (!earliest || dom->run->shutdown_deadline_ns < earliest))
		earliest = dom->run->shutdown_deadline_ns;
	if (!earliest)
		return -1;
	if (earliest <= now)
		return 0;
	return (int)((earliest - now + 999999) / 1000000);
}

static void escalate(struct qemu_driver *drv, uint64_t now)
{
	QEMU_FOREACH(dom, drv)
	{
		struct qemu_run *run = dom->run;
		if (!run || !run->shutdown_deadline_ns || run->shutdown_deadline_ns > now)
			continue;
		run->shutdown_deadline_ns = 0;
		run->timed_out = true;
		log_info("domain %s: still running %u ms after shutdown: killing QEMU", dom->obj.name,
			 drv->shutdown_timeout_ms);
		pidfd_send_signal(run->pidfd, SIGKILL, NULL, 0);
	}
}

static void handle(struct qemu_driver *drv, uint64_t tag, struct hv_change_batch *changes)
{
	QEMU_FOREACH(dom, drv)
	{
		struct qemu_run *run = dom->run;
		if (!run || run->serial != tag / 2)
			continue;
		/* A destroy in progress ends the run itself, on its caller's
		 * thread, so that the event carries the write that asked. */
		if (tag == qmp_tag(run))
			qemu_handle_events_locked(drv, dom, changes);
		else if (run->destroying)
			epoll_ctl(drv->epoll_fd, EPOLL_CTL_DEL, run->pidfd, NULL); /* stays readable */
		else
			qemu_run_ended_locked(drv, dom, changes);
		return;
	}
}

static void *monitor_main(void *opaque)
{
	struct qemu_driver *drv = opaque;
	struct epoll_event evs[16];
	int timeout, n;

	for (;;) {
		pthread_mutex_lock(&drv->lock);
		if (drv->monitor_stop) {
			pthread_mutex_unlock(&drv->lock);
			return NULL;
		}
		timeout = next_timeout(drv, qemu_now_ns());
		pthread_mutex_unlock(&drv->lock);

		n = epoll_wait(drv->epoll_fd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout);
		if (n < 0 && errno != EINTR) {
			log_error("QEMU monitor: epoll_wait: %s", strerror(errno));
			return NULL;
		}
		struct hv_change_batch changes = {0};
		bool woken = false;
		pthread_mutex_lock(&drv->lock);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == WAKE_TAG) {
				uint64_t count;
				if (read(drv->wake_fd, &count, sizeof(count)) < 0)
					(void)0; /* nonblocking: already drained */
				woken = true;
				continue;
			}
			handle(drv, evs[i].data.u64, &changes);
		}
		/* Woken: events a command's caller read off a socket wait in
		 * some queue. */
		if (woken)
			QEMU_FOREACH(dom, drv)
		qemu_handle_events_locked(drv, dom, &changes);
		escalate(drv, qemu_now_ns());
		pthread_mutex_unlock(&drv->lock);
		hv_batch_emit(drv->conn, &changes);
	}
}

int qemu_monitor_start(struct qemu_driver *drv, struct hv_error *err)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
	int ret;

	if (epoll_ctl(drv->epoll_fd, EPOLL_CTL_ADD, drv->wake_fd, &ev) < 0)
		return hv_error_set(err, errno, "epoll_ctl: %s", strerror(errno));
	ret = pthread_create(&drv->monitor, NULL, monitor_main, drv);
	if (ret)
		return hv_error_set(err, ret, "cannot start the QEMU monitor: %s", strerror(ret));
	drv->monitor_started = true;
	return 0;
}

void qemu_monitor_stop(struct qemu_driver *drv)
{
	if (!drv->monitor_started)
		return;
	pthread_mutex_lock(&drv->lock);
	drv->monitor_stop = true;
	pthread_mutex_unlock(&drv->lock);
	qemu_monitor_wake(drv);
	pthread_join(drv->monitor, NULL);
	drv->monitor_started = false;
}
