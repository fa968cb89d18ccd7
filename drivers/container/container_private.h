/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container driver's model, shared by its files and by nothing else.
 *
 * A domain is a process tree: a small supervisor process (forked off hvfs
 * and detached from it, so that containers outlive the daemon) that forks
 * the container's init into new namespaces and waits for it, writing its
 * exit status to the state directory.  hvfs watches the supervisor through a
 * pidfd and learns from that file how init ended.
 *
 * Files in the state directory, per domain NAME:
 *   NAME.xml        the definition, as the user wrote it
 *   NAME.uuid       its UUID (a definition may leave <uuid> out)
 *   NAME.autostart  present when autostart is on
 *   NAME.log        init's stdout and stderr (appended)
 *   NAME.run        while running: "init PID START\nsupervisor PID START\n"
 *                   (START = field 22 of /proc/PID/stat, against pid reuse)
 *   NAME.exit       written by the supervisor when init ends: "STATUS\n"
 *                   (a waitpid status)
 *   NAME.crashed    present while the domain is crashed (shut off on its
 *                   own by a signal or the OOM killer)
 *
 * Locking: container_driver.lock guards the domain list and every field of
 * every domain; fields set in open() are read-only afterwards.  Changes are
 * emitted after unlocking (driver.h), collected in a struct hv_change_batch. */
#ifndef HVFS_DRIVERS_CONTAINER_PRIVATE_H
#define HVFS_DRIVERS_CONTAINER_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroupctl/cgroupctl.h"
#include "drivers/change_batch.h"
#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "drivers/object_kind.h"
#include "drivers/object_table.h"
#include "util/proc.h"

#define CONTAINER_STATE_DIR_DEFAULT	"/var/lib/hvfs/lxc"
#define CONTAINER_CGROUP_PARENT_DEFAULT "hvfs"
#define CONTAINER_SHUTDOWN_TIMEOUT_MS	10000
#define CONTAINER_INITARGS_MAX		64
#define CONTAINER_CPU_PERIOD_US		100000

/* What start needs from the definition, beyond struct hv_domain_def. */
struct container_spec {
	char init[1024];			    /* <os><init>; absolute */
	char *initargs[CONTAINER_INITARGS_MAX + 1]; /* <initarg>s, NULL-terminated, heap */
	unsigned initarg_count;
	char root[1024];	/* <filesystem><target dir='/'><source dir=…>, "" = the host's root */
	bool private_network;	/* an <interface> or <features><privnet/> */
	uint64_t cpu_shares;	/* <cputune><shares>, 0 = unset (libvirt's scale, 1024 default) */
	uint64_t cpu_period_us; /* <cputune><period>, 0 = unset */
	int64_t cpu_quota_us;	/* <cputune><quota>, 0 = unset, < 0 unlimited */
	char cpuset[256];	/* <vcpu cpuset='0-1'>, "" = unset */
	uint64_t pids_limit;	/* <metadata><hvfs:pids_limit>, 0 = unset, CGCTL_UNLIMITED max */
};

/* hvfs's own namespace in <metadata>, for what libvirt has no element for. */
#define CONTAINER_METADATA_NS	  "https://hvfs.dev/xmlns/lxc/1.0"
#define CONTAINER_PIDS_LIMIT_PATH "domain/metadata/hvfs:pids_limit"

/* container_conf.c: pure. */
/* Parses and checks (type='lxc', os type exe, init absolute). */
int container_spec_parse(const char *xml, size_t len, struct container_spec *spec, struct hv_error *err);
void container_spec_finish(struct container_spec *spec);
/* The definition mkdir gives name: busybox-free /sbin/init, 128 MiB, 1 vCPU. */
int container_default_xml(const char *name, const char *uuid, char **out);
/* Whether init is a real init (systemd, sysvinit, busybox init), which
 * takes SIGPWR as "power off"; anything else gets SIGTERM. */
int container_shutdown_signal(const char *init);

/* How init ended, as the domain's new state and the lifecycle event. */
struct container_exit {
	enum hv_domain_state state; /* shutoff or crashed */
	const char *event;	    /* "stopped" */
	const char *detail;	    /* "shutdown", "destroyed", "crashed", "oom-killed", "failed" */
	char reason[128];	    /* for the log: "init exited with status 3" */
};
/* status: waitpid status, or -1 when unknown (the supervisor vanished).
 * requested: a shutdown was asked for (a signal we sent is then no crash).
 * oom_killed: the OOM killer killed in the cgroup during this run. */
void container_classify_exit(int status, bool requested, bool oom_killed, struct container_exit *out);

/* container_launch.c */
struct container_launch {
	const char *name; /* hostname */
	const struct container_spec *spec;
	const char *exit_path;	   /* where the supervisor writes the status */
	struct cgctl_group *group; /* init joins it before it runs its own code */
	pid_t init_pid;		   /* out: host pid */
	pid_t supervisor_pid;	   /* out */
};
int container_launch(struct container_launch *launch, struct hv_error *err);

struct container_domain {
	struct hv_object obj;	  /* name, UUID (def.uuid's), xml, autostart; first */
	struct hv_domain_def def; /* the persistent definition */
	enum hv_domain_state state;

	/* While active. */
	struct cgctl_group *group;
	pid_t init_pid, supervisor_pid;
	uint64_t init_start, supervisor_start;
	int pidfd;	     /* on the supervisor, in the monitor's epoll set; -1 */
	bool watching_init;  /* pidfd is on init: the supervisor is gone */
	uint64_t run_serial; /* tells the monitor which run a wake-up is about */
	uint64_t oom_kills_at_start;
	bool shutdown_requested;
	bool stopping;		       /* destroy/reboot in progress: the monitor keeps off */
	uint64_t shutdown_deadline_ns; /* CLOCK_MONOTONIC; 0 = none */
	uint64_t live_memory_kib;
	unsigned live_vcpus;
};

struct container_driver {
	/* Set in open(), read-only afterwards. */
	struct hv_conn *conn;
	char *state_dir;
	char *cgroup_parent;
	unsigned shutdown_timeout_ms;
	struct cgctl_layout layout;
	int state_dir_fd; /* flock()ed: one hvfs per state directory */

	pthread_mutex_t lock;
	struct hv_kind_host kinds;	/* drivers/object_kind.c's view of this driver */
	struct hv_object_table domains; /* of struct container_domain */
	uint64_t next_serial;

	/* The monitor thread (container_monitor.c). */
	pthread_t monitor;
	bool monitor_started;
	int epoll_fd;
	int wake_fd; /* eventfd: stop, or a deadline moved */
	bool monitor_stop;
};

/* container_driver.c */
uint64_t container_now_ns(void);
/* state_dir/NAME.SUFFIX */
int container_path(const struct container_driver *drv, const char *name, const char *suffix, char *out,
		   size_t size);
struct container_domain *container_find(struct container_driver *drv, const char *name, struct hv_error *err);
/* Every domain, in creation order (under the lock). */
#define CONTAINER_FOREACH(dom, drv)                                                                          \
	for (struct container_domain *dom = (struct container_domain *)(drv)->domains.head; dom;             \
	     dom = (struct container_domain *)dom->obj.next)

/* container_store.c: definitions in STATE_DIR/domains/ (records), under the lock. */
int container_store_write(struct container_driver *drv, const char *name, const char *xml, const char *uuid,
			  bool autostart, struct hv_error *err);
/* 0 with *xml (heap, *len), the stored UUID ("" when none) and autostart;
 * -ENOENT; -EINVAL or -EIO with err set. */
int container_store_read(struct container_driver *drv, const char *name, char **xml, size_t *len,
			 char uuid[HV_UUID_STRLEN + 1], bool *autostart, struct hv_error *err);
/* The record and what runs left. */
void container_store_remove(struct container_driver *drv, const char *name);
/* What runs left follows a rename. */
void container_store_move_runs(struct container_driver *drv, const char *name, const char *new_name);
/* Makes STATE_DIR/domains/ and moves definitions of the layout before
 * records into it: how many, or -errno with err set. */
int container_store_migrate(struct container_driver *drv, struct hv_error *err);

/* container_run.c: start and stop, under the lock. */
int container_start(struct container_driver *drv, struct container_domain *dom, struct hv_error *err);
/* Kills everything in the cgroup, waits until it is empty, forgets the
 * run; the state is the caller's to set. */
int container_kill(struct container_driver *drv, struct container_domain *dom, struct hv_error *err);
/* Forgets the run (pidfd, group, NAME.run) once nothing runs. */
void container_run_forget(struct container_driver *drv, struct container_domain *dom);
int container_persist_run(struct container_driver *drv, const struct container_domain *dom,
			  struct hv_error *err);
/* The live cgroup tunables from memory and vcpus. */
int container_apply_memory(struct container_domain *dom, uint64_t kib, struct hv_error *err);
int container_apply_vcpus(struct container_domain *dom, unsigned vcpus, struct hv_error *err);
/* Re-attaches to a run recorded in NAME.run, or settles how it ended. */
void container_reattach(struct container_driver *drv, struct container_domain *dom);
/* Init ended (the supervisor is gone): state, files, event. */
void container_ended(struct container_driver *drv, struct container_domain *dom,
		     struct hv_change_batch *changes);

/* The cgroup tunables of the definition, applied at start. */
int container_apply_spec_cgroup(struct container_domain *dom, const struct container_spec *spec,
				struct hv_error *err);

/* container_cgroup.c: the domains/NAME/cgroup/ slots. */
extern const struct hv_domain_keys container_cgroup_keys;
int container_domain_cgroup_get(struct hv_conn *conn, const char *name, const char *key, char **value,
				struct hv_error *err);
int container_domain_cgroup_set(struct hv_conn *conn, const char *name, const char *key, const char *value,
				struct hv_error *err);

/* container_monitor.c */
int container_monitor_start(struct container_driver *drv, struct hv_error *err);
void container_monitor_stop(struct container_driver *drv);
/* Adds dom's pidfd to the watch set; 0 or -errno. */
int container_monitor_watch(struct container_driver *drv, struct container_domain *dom);
/* A deadline changed: recompute the wait. */
void container_monitor_wake(struct container_driver *drv);

/* container_domain.c: the slots. */
/* The domains as drivers/object_kind.c sees them; set up in open(). */
extern const struct hv_kind_ops container_domain_kind;
void container_kind_host_init(struct container_driver *drv);
int container_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int container_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
			  struct hv_error *err);
int container_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
			   struct hv_error *err);
int container_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int container_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			    struct hv_error *err);
int container_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int container_domain_rename(struct hv_conn *conn, const char *name, const char *new_name,
			    struct hv_error *err);
int container_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			     struct hv_error *err);
int container_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int container_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib,
				    struct hv_error *err);
int container_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int container_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus,
				   struct hv_error *err);
int container_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart,
				   struct hv_error *err);
/* Replaces dom's definition text (its hv_domain_def fields unchanged) on
 * disk and in memory; under the lock. */
int container_replace_xml(struct container_driver *drv, struct container_domain *dom, const char *xml,
			  struct hv_error *err);
/* Loads every NAME.xml of the state directory (open()). */
int container_domains_load(struct container_driver *drv, struct hv_error *err);
void container_domains_free(struct container_driver *drv);

#endif
