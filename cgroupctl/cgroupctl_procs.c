/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl: the processes of a group (listing, signalling) and the OOM
 * killer's count, kept apart from cgroupctl.c, which is about creating and
 * tuning groups.  Plain file I/O only: libcgroup's task iterators walk one
 * hierarchy at a time and add nothing over reading cgroup.procs. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroupctl/cgroupctl.h"
#include "util/cleanup.h"

/* The directory whose cgroup.procs lists the group's processes: any
 * hierarchy holds all of them (cgctl_group_attach moves a process in every
 * one), so the first the host has will do.  The freezer's comes first
 * because destroy reads it while thawing. */
static const char *procs_dir(const struct cgctl_group *group)
{
	static const enum cgctl_controller order[] = {CGCTL_FREEZER, CGCTL_MEMORY,  CGCTL_PIDS,
						      CGCTL_CPU,     CGCTL_CPUACCT, CGCTL_CPUSET};
	const char *dir;

	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if ((dir = cgctl_group_path(group, order[i])))
			return dir;
	return cgctl_group_unified_path(group);
}

int cgctl_group_pids(struct cgctl_group *group, pid_t **pids, size_t *count, struct hv_error *err)
{
	const char *dir = procs_dir(group);
	char path[PATH_MAX];
	auto_fclose FILE *file = NULL;
	auto_free pid_t *list = NULL;
	size_t n = 0, cap = 0;
	long value;

	*pids = NULL;
	*count = 0;
	if (!dir)
		return hv_error_set(err, ENOENT, "the host has no cgroup hierarchy to list processes in");
	if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= sizeof(path))
		return hv_error_set(err, ENAMETOOLONG, "cgroup path too long: %s", dir);
	file = fopen(path, "re");
	if (!file)
		return hv_error_set(err, errno, "cannot open %s: %s", path, strerror(errno));
	while (fscanf(file, "%ld", &value) == 1) {
		if (n == cap) {
			size_t grown = cap ? cap * 2 : 16;
			pid_t *more = realloc(list, grown * sizeof(*list));
			if (!more)
				return hv_error_set(err, ENOMEM, "out of memory listing %s", path);
			list = more;
			cap = grown;
		}
		list[n++] = (pid_t)value;
	}
	*pids = move_ptr(list);
	*count = n;
	return 0;
}

int cgctl_group_signal(struct cgctl_group *group, int sig, size_t *signalled, struct hv_error *err)
{
	auto_free pid_t *pids = NULL;
	size_t count = 0, sent = 0;
	int ret = cgctl_group_pids(group, &pids, &count, err);

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < count; i++)
		/* ESRCH: it exited between the read and the kill, as wanted. */
		if (kill(pids[i], sig) == 0)
			sent++;
	if (signalled)
		*signalled = sent;
	return 0;
}

int cgctl_group_kill_all(struct cgctl_group *group, unsigned timeout_ms, struct hv_error *err)
{
	struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
	bool frozen = false;
	int ret;

	for (unsigned waited = 0;; waited += 10) {
		auto_free pid_t *pids = NULL;
		size_t count = 0;

		ret = cgctl_group_pids(group, &pids, &count, err);
		if (ret < 0)
			return ret;
		if (count == 0)
			return 0;
		if (waited >= timeout_ms)
			return hv_error_set(err, EBUSY, "%zu process(es) still in the cgroup after %u ms",
					    count, timeout_ms);
		for (size_t i = 0; i < count; i++)
			kill(pids[i], SIGKILL);
		/* A frozen task (v1 freezer) takes its SIGKILL only once
		 * thawed; thawing after the signal means nothing runs again. */
		if (waited == 0 && cgctl_is_frozen(group, &frozen, NULL) == 0 && frozen)
			cgctl_thaw(group, NULL);
		nanosleep(&pause, NULL);
	}
}

/* "key N" lines of a flat-keyed cgroup file. */
static int read_keyed(const char *path, const char *key, uint64_t *value)
{
	auto_fclose FILE *file = fopen(path, "re");
	char name[64];
	uint64_t number;

	if (!file)
		return -errno;
	while (fscanf(file, "%63s %" SCNu64, name, &number) == 2)
		if (strcmp(name, key) == 0) {
			*value = number;
			return 0;
		}
	return -ENOENT;
}

int cgctl_oom_kills(struct cgctl_group *group, uint64_t *count, struct hv_error *err)
{
	const char *dir = cgctl_group_path(group, CGCTL_MEMORY);
	/* v1 memory.oom_control has oom_kill since Linux 4.13; v2 counts in
	 * memory.events. */
	static const char *const files[] = {"memory.oom_control", "memory.events"};
	char path[PATH_MAX];

	if (!dir)
		return hv_error_set(err, EOPNOTSUPP, "the host has no memory controller");
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (read_keyed(path, "oom_kill", count) == 0)
			return 0;
	}
	return hv_error_set(err, EOPNOTSUPP,
			    "%s counts no OOM kills (no oom_kill in memory.oom_control or "
			    "memory.events)",
			    dir);
}
