/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The monitor thread: state follows reality.  It sleeps in epoll_wait on
 * one pidfd per running container (on its supervisor, which exits right
 * after recording how init ended) and wakes when one exits, or when the
 * earliest shutdown deadline passes (then init gets SIGKILL, as libvirt's
 * LXC driver escalates), or when told to stop. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "drivers/container/container_private.h"
#include "util/log.h"

#define WAKE_TAG 0 /* run serials start at 1 */

int container_monitor_watch(struct container_driver *drv, struct container_domain *dom)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = dom->run_serial};

	if (epoll_ctl(drv->epoll_fd, EPOLL_CTL_ADD, dom->pidfd, &ev) < 0)
		return -errno;
	return 0;
}

void container_monitor_wake(struct container_driver *drv)
{
	uint64_t one = 1;

	if (write(drv->wake_fd, &one, sizeof(one)) < 0)
		log_warning("cannot wake the container monitor: %s", strerror(errno));
}

/* Milliseconds until the earliest shutdown deadline, -1 for none. */
static int next_timeout(struct container_driver *drv, uint64_t now)
{
	uint64_t earliest = 0;

	CONTAINER_FOREACH(dom, drv)
		if (dom->shutdown_deadline_ns && (!earliest || dom->shutdown_deadline_ns < earliest))
			earliest = dom->shutdown_deadline_ns;
	if (!earliest)
		return -1;
	if (earliest <= now)
		return 0;
	return (int)((earliest - now + 999999) / 1000000);
}

static void escalate(struct container_driver *drv, uint64_t now)
{
	CONTAINER_FOREACH(dom, drv) {
		if (!dom->shutdown_deadline_ns || dom->shutdown_deadline_ns > now)
			continue;
		dom->shutdown_deadline_ns = 0;
		log_info("domain %s: still running %u ms after shutdown: killing it", dom->obj.name,
			 drv->shutdown_timeout_ms);
		if (dom->group)
			cgctl_group_signal(dom->group, SIGKILL, NULL, NULL);
	}
}

static void handle(struct container_driver *drv, uint64_t serial, struct hv_change_batch *changes)
{
	CONTAINER_FOREACH(dom, drv)
		if (dom->run_serial == serial && dom->pidfd >= 0) {
			container_ended(drv, dom, changes);
			return;
		}
}

static void *monitor_main(void *opaque)
{
	struct container_driver *drv = opaque;
	struct epoll_event evs[16];
	int timeout, n;

	for (;;) {
		pthread_mutex_lock(&drv->lock);
		if (drv->monitor_stop) {
			pthread_mutex_unlock(&drv->lock);
			return NULL;
		}
		timeout = next_timeout(drv, container_now_ns());
		pthread_mutex_unlock(&drv->lock);

		n = epoll_wait(drv->epoll_fd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout);
		if (n < 0 && errno != EINTR) {
			log_error("container monitor: epoll_wait: %s", strerror(errno));
			return NULL;
		}
		struct hv_change_batch changes = {0};
		pthread_mutex_lock(&drv->lock);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == WAKE_TAG) {
				uint64_t count;
				if (read(drv->wake_fd, &count, sizeof(count)) < 0)
					(void)0; /* nonblocking: already drained */
				continue;
			}
			handle(drv, evs[i].data.u64, &changes);
		}
		escalate(drv, container_now_ns());
		pthread_mutex_unlock(&drv->lock);
		hv_batch_emit(drv->conn, &changes);
	}
}

int container_monitor_start(struct container_driver *drv, struct hv_error *err)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TAG};
	int ret;

	if (epoll_ctl(drv->epoll_fd, EPOLL_CTL_ADD, drv->wake_fd, &ev) < 0)
		return hv_error_set(err, errno, "epoll_ctl: %s", strerror(errno));
	ret = pthread_create(&drv->monitor, NULL, monitor_main, drv);
	if (ret)
		return hv_error_set(err, ret, "cannot start the container monitor: %s", strerror(ret));
	drv->monitor_started = true;
	return 0;
}

void container_monitor_stop(struct container_driver *drv)
{
	if (!drv->monitor_started)
		return;
	pthread_mutex_lock(&drv->lock);
	drv->monitor_stop = true;
	pthread_mutex_unlock(&drv->lock);
	container_monitor_wake(drv);
	pthread_join(drv->monitor, NULL);
	drv->monitor_started = false;
}
