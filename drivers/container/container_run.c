/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running containers: start, kill, the cgroup tunables, and the two ways a
 * run is found to be over or still going (the monitor's wake-up, a restarted
 * hvfs re-attaching).  Everything here runs under container_driver.lock. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <time.h>
#include <unistd.h>

#include "drivers/container/container_private.h"
#include "drivers/lifecycle.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"

#define KILL_TIMEOUT_MS 3000

int container_apply_memory(struct container_domain *dom, uint64_t kib, struct hv_error *err)
{
	return cgctl_set_memory_limit(dom->group, kib * 1024, err);
}

/* vcpus become a cpu quota (N cpus' worth of time per period) rather than a
 * cpuset: it needs no choice of which cpus and works with more vcpus than
 * the host has cpus. */
int container_apply_vcpus(struct container_domain *dom, unsigned vcpus, struct hv_error *err)
{
	return cgctl_set_cpu_quota(dom->group, (uint64_t)vcpus * CONTAINER_CPU_PERIOD_US,
				   CONTAINER_CPU_PERIOD_US, err);
}

int container_apply_spec_cgroup(struct container_domain *dom, const struct container_spec *spec,
				struct hv_error *err)
{
	int ret = 0;

	if (spec->cpu_shares) {
		/* libvirt's shares are v1's scale (1024 = default), cgroupctl
		 * takes v2's weight (100 = default); rounded as cgroupctl
		 * rounds, so that a weight written to cgroup/cpu_weight and
		 * stored as shares comes back the same. */
		uint64_t weight = (spec->cpu_shares * 100 + 512) / 1024;
		ret = cgctl_set_cpu_weight(dom->group, weight < 1 ? 1 : weight > 10000 ? 10000 : weight, err);
	}
	if (ret == 0 && (spec->cpu_period_us || spec->cpu_quota_us)) {
		uint64_t period = spec->cpu_period_us ? spec->cpu_period_us : CONTAINER_CPU_PERIOD_US;
		uint64_t quota = spec->cpu_quota_us > 0	  ? (uint64_t)spec->cpu_quota_us
				 : spec->cpu_quota_us < 0 ? CGCTL_UNLIMITED
							  : (uint64_t)dom->def.vcpus * period;
		ret = cgctl_set_cpu_quota(dom->group, quota, period, err);
	}
	if (ret == 0 && spec->cpuset[0])
		ret = cgctl_set_cpuset(dom->group, spec->cpuset, err);
	if (ret == 0 && spec->pids_limit)
		ret = cgctl_set_pids_limit(dom->group, spec->pids_limit, err);
	return ret;
}

int container_persist_run(struct container_driver *drv, const struct container_domain *dom,
			  struct hv_error *err)
{
	char path[PATH_MAX], text[256];
	int len, ret;

	container_path(drv, dom->obj.name, "run", path, sizeof(path));
	len = snprintf(text, sizeof(text),
		       "init %d %" PRIu64 "\nsupervisor %d %" PRIu64 "\noom_kills %" PRIu64 "\nshutdown %d\n",
		       (int)dom->init_pid, dom->init_start, (int)dom->supervisor_pid, dom->supervisor_start,
		       dom->oom_kills_at_start, dom->shutdown_requested ? 1 : 0);
	ret = atomic_file_write(path, text, (size_t)len, 0600);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot write %s: %s", path, strerror(-ret));
	return 0;
}

static void remove_file(struct container_driver *drv, const char *name, const char *suffix)
{
	char path[PATH_MAX];

	if (container_path(drv, name, suffix, path, sizeof(path)) == 0)
		atomic_file_remove(path);
}

void container_run_forget(struct container_driver *drv, struct container_domain *dom)
{
	struct hv_error err = {0};

	if (dom->pidfd >= 0)
		close(dom->pidfd); /* leaves the epoll set with it */
	dom->pidfd = -1;
	dom->run_serial = 0;
	dom->init_pid = dom->supervisor_pid = 0;
	dom->init_start = dom->supervisor_start = 0;
	dom->shutdown_requested = false;
	dom->shutdown_deadline_ns = 0;
	if (dom->group) {
		/* The last processes of a dead pid namespace may take a moment
		 * to be reaped; an empty group then goes, a busy one stays
		 * for the next start to reuse. */
		for (int i = 0; i < 50 && cgctl_group_remove(dom->group, &err) == -EBUSY; i++) {
			struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
			hv_error_clear(&err);
			nanosleep(&pause, NULL);
		}
		if (err.code)
			log_warning("domain %s: its cgroup stays: %s", dom->obj.name, err.message);
		cgctl_group_destroy(dom->group);
		dom->group = NULL;
	}
	remove_file(drv, dom->obj.name, "run");
}

static int watch(struct container_driver *drv, struct container_domain *dom, pid_t pid, struct hv_error *err)
{
	dom->watching_init = pid == dom->init_pid;
	dom->pidfd = pidfd_open(pid, 0);
	if (dom->pidfd < 0)
		return hv_error_set(err, errno, "cannot watch process %d: %s", (int)pid, strerror(errno));
	dom->run_serial = ++drv->next_serial;
	if (container_monitor_watch(drv, dom) < 0)
		return hv_error_set(err, EIO, "cannot add process %d to the monitor", (int)pid);
	return 0;
}

int container_start(struct container_driver *drv, struct container_domain *dom, struct hv_error *err)
{
	struct container_spec spec;
	char exit_path[PATH_MAX];
	struct container_launch launch = {.name = dom->obj.name, .spec = &spec, .exit_path = exit_path};
	int ret;

	ret = container_spec_parse(dom->obj.xml, strlen(dom->obj.xml), &spec, err);
	if (ret < 0)
		return ret;
	container_path(drv, dom->obj.name, "exit", exit_path, sizeof(exit_path));
	/* The parent was made at open, but may have been removed since
	 * (by hand, or by a cleanup of empty cgroups): make it again. */
	cgctl_group_destroy(cgctl_group_create(&drv->layout, "", drv->cgroup_parent, NULL));
	dom->group = cgctl_group_create(&drv->layout, drv->cgroup_parent, dom->obj.name, err);
	if (!dom->group) {
		container_spec_finish(&spec);
		return -(err && err->code ? err->code : EIO);
	}
	launch.group = dom->group;
	/* A group left busy by an earlier run must not be inherited. */
	ret = cgctl_group_kill_all(dom->group, KILL_TIMEOUT_MS, err);
	if (ret == 0)
		ret = cgctl_thaw(dom->group, err);
	if (ret == 0)
		ret = container_apply_memory(dom, dom->def.memory_kib, err);
	if (ret == 0)
		ret = container_apply_vcpus(dom, dom->def.vcpus, err);
	if (ret == 0)
		ret = container_apply_spec_cgroup(dom, &spec, err);
	dom->oom_kills_at_start = 0;
	if (ret == 0)
		cgctl_oom_kills(dom->group, &dom->oom_kills_at_start, NULL);
	if (ret == 0)
		ret = container_launch(&launch, err);
	container_spec_finish(&spec);
	if (ret == 0) {
		dom->init_pid = launch.init_pid;
		dom->supervisor_pid = launch.supervisor_pid;
		dom->init_start = proc_start_time(launch.init_pid);
		dom->supervisor_start = proc_start_time(launch.supervisor_pid);
		ret = watch(drv, dom, launch.supervisor_pid, err);
	}
	if (ret == 0)
		ret = container_persist_run(drv, dom, err);
	if (ret < 0) {
		cgctl_group_kill_all(dom->group, KILL_TIMEOUT_MS, NULL);
		container_run_forget(drv, dom);
		return ret;
	}
	dom->live_memory_kib = dom->def.memory_kib;
	dom->live_vcpus = dom->def.vcpus;
	remove_file(drv, dom->obj.name, "crashed");
	log_info("domain %s: started, init is pid %d (supervisor %d)", dom->obj.name, (int)dom->init_pid,
		 (int)dom->supervisor_pid);
	return 0;
}

int container_kill(struct container_driver *drv, struct container_domain *dom, struct hv_error *err)
{
	int ret = 0;

	if (dom->group)
		ret = cgctl_group_kill_all(dom->group, KILL_TIMEOUT_MS, err);
	if (ret < 0)
		return ret;
	container_run_forget(drv, dom);
	return 0;
}

/* NAME.exit: the supervisor's record of init's waitpid status; -1 unknown. */
static int read_exit_status(struct container_driver *drv, const char *name)
{
	char path[PATH_MAX];
	auto_free char *text = NULL;
	size_t len;
	char *end;
	long status;

	container_path(drv, name, "exit", path, sizeof(path));
	if (file_read_all(path, 64, &text, &len) < 0)
		return -1;
	status = strtol(text, &end, 10);
	atomic_file_remove(path);
	return end == text ? -1 : (int)status;
}

static void settle(struct container_driver *drv, struct container_domain *dom, int status, bool oom,
		   struct hv_change_batch *changes)
{
	struct container_exit how;
	char path[PATH_MAX];

	container_classify_exit(status, dom->shutdown_requested, oom, &how);
	log_info("domain %s: %s: now %s", dom->obj.name, how.reason, hv_domain_state_name(how.state));
	if (dom->group)
		cgctl_group_kill_all(dom->group, KILL_TIMEOUT_MS, NULL);
	container_run_forget(drv, dom);
	dom->state = how.state;
	container_path(drv, dom->obj.name, "crashed", path, sizeof(path));
	if (how.state == HV_DOMAIN_CRASHED)
		atomic_file_write(path, how.reason, strlen(how.reason), 0600);
	if (changes)
		hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, how.event, how.detail,
				   HV_FIELD_STATE | HV_FIELD_ID);
}

static bool oom_since_start(struct container_domain *dom)
{
	uint64_t now = 0;

	return dom->group && cgctl_oom_kills(dom->group, &now, NULL) == 0 && now > dom->oom_kills_at_start;
}

void container_ended(struct container_driver *drv, struct container_domain *dom,
		     struct hv_change_batch *changes)
{
	struct hv_error err = {0};
	bool oom;

	/* The supervisor went but init did not (someone killed it): watch
	 * init itself rather than end a container that still runs. */
	if (!dom->watching_init && proc_start_time(dom->init_pid) == dom->init_start) {
		log_warning("domain %s: its supervisor is gone; watching init (pid %d) directly",
			    dom->obj.name, (int)dom->init_pid);
		close(dom->pidfd);
		if (watch(drv, dom, dom->init_pid, &err) == 0)
			return;
		log_error("domain %s: %s", dom->obj.name, err.message);
	}
	oom = oom_since_start(dom);

	settle(drv, dom, read_exit_status(drv, dom->obj.name), oom, changes);
}

/* Reads NAME.run; false when there is none or it is malformed. */
static bool read_run(struct container_driver *drv, struct container_domain *dom)
{
	char path[PATH_MAX];
	auto_free char *text = NULL;
	size_t len;
	int init, supervisor, shutdown = 0;

	container_path(drv, dom->obj.name, "run", path, sizeof(path));
	if (file_read_all(path, 4096, &text, &len) < 0)
		return false;
	if (sscanf(text, "init %d %" SCNu64 "\nsupervisor %d %" SCNu64 "\noom_kills %" SCNu64 "\nshutdown %d",
		   &init, &dom->init_start, &supervisor, &dom->supervisor_start, &dom->oom_kills_at_start,
		   &shutdown) < 5)
		return false;
	dom->init_pid = init;
	dom->supervisor_pid = supervisor;
	dom->shutdown_requested = shutdown == 1;
	return init > 0 && supervisor > 0;
}

static bool group_holds(struct cgctl_group *group, pid_t pid)
{
	auto_free pid_t *pids = NULL;
	size_t count = 0;

	if (cgctl_group_pids(group, &pids, &count, NULL) < 0)
		return false;
	for (size_t i = 0; i < count; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

void container_reattach(struct container_driver *drv, struct container_domain *dom)
{
	struct hv_error err = {0};
	char path[PATH_MAX];
	bool frozen = false, init_alive, supervisor_alive;

	container_path(drv, dom->obj.name, "crashed", path, sizeof(path));
	dom->state = access(path, F_OK) == 0 ? HV_DOMAIN_CRASHED : HV_DOMAIN_SHUTOFF;
	if (!read_run(drv, dom)) {
		remove_file(drv, dom->obj.name, "run");
		return;
	}
	/* Opened, not created: a container whose cgroup is gone is not one
	 * this driver can control any more. */
	dom->group = cgctl_group_open(&drv->layout, drv->cgroup_parent, dom->obj.name, &err);
	if (!dom->group) {
		log_warning("domain %s: its cgroup is gone (%s): it is no longer watched", dom->obj.name,
			    err.message);
		settle(drv, dom, read_exit_status(drv, dom->obj.name), false, NULL);
		return;
	}
	/* Same pid, same start time and still in our cgroup: the same
	 * process, not a stranger that got a recycled pid. */
	init_alive =
	    proc_start_time(dom->init_pid) == dom->init_start && group_holds(dom->group, dom->init_pid);
	supervisor_alive = proc_start_time(dom->supervisor_pid) == dom->supervisor_start;
	if (!init_alive) {
		/* It ended while hvfs was away. */
		settle(drv, dom, read_exit_status(drv, dom->obj.name), oom_since_start(dom), NULL);
		return;
	}
	/* Without its supervisor (killed along with hvfs, e.g. by a service
	 * manager) the container still runs and is watched through init
	 * itself; how it ends will then be unknown but for an OOM kill. */
	if (!supervisor_alive)
		log_warning("domain %s: its supervisor is gone; watching init (pid %d) directly",
			    dom->obj.name, (int)dom->init_pid);
	/* Unwatched, it is still controllable (destroy works); only its
	 * ending by itself would go unnoticed. */
	if (watch(drv, dom, supervisor_alive ? dom->supervisor_pid : dom->init_pid, &err) < 0)
		log_error("domain %s: its end will not be noticed: %s", dom->obj.name, err.message);
	cgctl_is_frozen(dom->group, &frozen, NULL);
	dom->state = frozen		       ? HV_DOMAIN_PAUSED
		     : dom->shutdown_requested ? HV_DOMAIN_SHUTDOWN
					       : HV_DOMAIN_RUNNING;
	if (dom->shutdown_requested)
		dom->shutdown_deadline_ns =
		    container_now_ns() + (uint64_t)drv->shutdown_timeout_ms * 1000000ULL;
	dom->live_memory_kib = dom->def.memory_kib;
	dom->live_vcpus = dom->def.vcpus;
	if (cgctl_get_memory_limit(dom->group, &dom->live_memory_kib, NULL) == 0)
		dom->live_memory_kib /= 1024;
	log_info("domain %s: re-attached to init pid %d (%s)", dom->obj.name, (int)dom->init_pid,
		 hv_domain_state_name(dom->state));
}
