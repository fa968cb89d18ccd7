/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl: one cgroup per domain, on cgroup v1, v2 and hybrid hosts.
 *
 * The only code in hvfs that calls libcgroup.  A domain's cgroup is one
 * directory per hierarchy the host has ("<parent>/<name>" below each v1
 * controller mount and below the cgroup2 mount), and callers never see
 * which: they set tunables and read statistics by meaning, and cgroupctl
 * picks the file the host has (memory.limit_in_bytes or memory.max, ...).
 *
 * Every call returns 0 or -errno and, on failure, records one sentence in
 * err (which may be NULL).  libcgroup's return codes are hints only (see
 * cgroupctl.c), so every result is checked in the cgroup filesystem. */
#ifndef HVFS_CGROUPCTL_CGROUPCTL_H
#define HVFS_CGROUPCTL_CGROUPCTL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

enum cgctl_mode {
	CGCTL_V1,     /* only v1 controller hierarchies */
	CGCTL_V2,     /* one cgroup2 hierarchy holds every controller */
	CGCTL_HYBRID, /* v1 controllers plus a cgroup2 mount (this machine) */
};

/* The controllers hvfs maps its tunables and statistics onto. */
enum cgctl_controller {
	CGCTL_CPU,
	CGCTL_CPUACCT,
	CGCTL_CPUSET,
	CGCTL_MEMORY,
	CGCTL_PIDS,
	CGCTL_FREEZER,
	CGCTL_NCONTROLLERS,
};

/* Where a controller lives.  On v2 cpuacct and freezer are never
 * "present" as controllers: cpu.stat and cgroup.freeze stand in. */
struct cgctl_controller_info {
	bool present;
	bool v2;	      /* in the cgroup2 hierarchy, not a v1 one */
	char mount[PATH_MAX]; /* hierarchy root, e.g. /sys/fs/cgroup/memory */
};

struct cgctl_layout {
	enum cgctl_mode mode;
	char unified[PATH_MAX]; /* cgroup2 mount point, "" when none */
	struct cgctl_controller_info controller[CGCTL_NCONTROLLERS];
};

const char *cgctl_mode_name(enum cgctl_mode mode);
const char *cgctl_controller_name(enum cgctl_controller c);

/* Reads /proc/self/mounts and the cgroup2 root's cgroup.controllers.
 * -ENOENT when the host has no cgroup filesystem at all. */
int cgctl_detect(struct cgctl_layout *layout, struct hv_error *err);

struct cgctl_group;

/* Creates "<parent>/<name>" in every hierarchy the layout has (parent may
 * be "" or "/" for the roots; it must exist).  Creating a group that
 * already exists succeeds, so a restarted hvfs can re-attach.  The layout
 * is copied.  Returns NULL with err set (and nothing left behind). */
struct cgctl_group *cgctl_group_create(const struct cgctl_layout *layout, const char *parent,
				       const char *name, struct hv_error *err);
/* A handle on an existing group, creating nothing: -ENOENT (NULL, errno)
 * when a hierarchy the layout has lacks it. */
struct cgctl_group *cgctl_group_open(const struct cgctl_layout *layout, const char *parent, const char *name,
				     struct hv_error *err);
/* Removes every directory of the group; a directory already gone counts
 * as removed, so this can be called again after a partial failure.  The
 * group must be empty (-EBUSY otherwise).  The handle stays valid. */
int cgctl_group_remove(struct cgctl_group *group, struct hv_error *err);
/* Frees the handle only; the cgroup stays.  NULL is a no-op. */
void cgctl_group_destroy(struct cgctl_group *group);

/* The group's directory in controller c's hierarchy, or NULL when the
 * host lacks that controller. */
const char *cgctl_group_path(const struct cgctl_group *group, enum cgctl_controller c);
/* The directory in the cgroup2 hierarchy, NULL on a v1-only host. */
const char *cgctl_group_unified_path(const struct cgctl_group *group);

/* Moves pid (a whole process) into the group in every hierarchy. */
int cgctl_group_attach(struct cgctl_group *group, pid_t pid, struct hv_error *err);

/* CGCTL_UNLIMITED removes the limit. */
#define CGCTL_UNLIMITED UINT64_MAX
int cgctl_set_memory_limit(struct cgctl_group *group, uint64_t bytes, struct hv_error *err);
int cgctl_get_memory_limit(struct cgctl_group *group, uint64_t *bytes, struct hv_error *err);
int cgctl_set_pids_limit(struct cgctl_group *group, uint64_t max, struct hv_error *err);
int cgctl_get_pids_limit(struct cgctl_group *group, uint64_t *max, struct hv_error *err);

/* Relative cpu weight on v2's scale, 1..10000 (100 is the default);
 * v1 hosts store it as cpu.shares (100 -> 1024). */
int cgctl_set_cpu_weight(struct cgctl_group *group, uint64_t weight, struct hv_error *err);
int cgctl_get_cpu_weight(struct cgctl_group *group, uint64_t *weight, struct hv_error *err);
/* At most quota_us of cpu time per period_us (1000..1000000);
 * quota CGCTL_UNLIMITED removes the cap. */
int cgctl_set_cpu_quota(struct cgctl_group *group, uint64_t quota_us, uint64_t period_us,
			struct hv_error *err);
int cgctl_get_cpu_quota(struct cgctl_group *group, uint64_t *quota_us, uint64_t *period_us,
			struct hv_error *err);
/* A cpu list in the kernel's syntax, "0-3,5". */
int cgctl_set_cpuset(struct cgctl_group *group, const char *cpus, struct hv_error *err);
int cgctl_get_cpuset(struct cgctl_group *group, char *cpus, size_t size, struct hv_error *err);

int cgctl_memory_usage(struct cgctl_group *group, uint64_t *bytes, struct hv_error *err);
int cgctl_pids_current(struct cgctl_group *group, uint64_t *count, struct hv_error *err);
int cgctl_cpu_usage(struct cgctl_group *group, uint64_t *nanoseconds, struct hv_error *err);

/* Freezing returns once the kernel reports the group frozen (or -ETIMEDOUT
 * after about a second); thawing once it reports it thawed. */
int cgctl_freeze(struct cgctl_group *group, struct hv_error *err);
int cgctl_thaw(struct cgctl_group *group, struct hv_error *err);
int cgctl_is_frozen(struct cgctl_group *group, bool *frozen, struct hv_error *err);

/* cgroupctl_procs.c: the group's processes. */
/* Every process in the group (cgroup.procs), as a heap array. */
int cgctl_group_pids(struct cgctl_group *group, pid_t **pids, size_t *count, struct hv_error *err);
/* Sends sig to every process in the group; *signalled (may be NULL) counts
 * the ones that took it. */
int cgctl_group_signal(struct cgctl_group *group, int sig, size_t *signalled, struct hv_error *err);
/* SIGKILLs every process (thawing a frozen group so that they die) until
 * the group is empty: 0, or -EBUSY when some are left after timeout_ms. */
int cgctl_group_kill_all(struct cgctl_group *group, unsigned timeout_ms, struct hv_error *err);
/* How many times the kernel's OOM killer killed a process of the group
 * (memory.oom_control or memory.events, "oom_kill"); -EOPNOTSUPP when the
 * kernel does not count. */
int cgctl_oom_kills(struct cgctl_group *group, uint64_t *count, struct hv_error *err);

#endif
