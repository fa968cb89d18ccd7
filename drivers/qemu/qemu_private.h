/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The QEMU driver's model, shared by its files and by nothing else
 * (docs/qemu.md).
 *
 * A domain is a definition (a record in STATE_DIR/domains/, kept by the
 * shared kind layer, drivers/object_kind.c) and, while it is active, a run:
 * one qemu-system process hvfs started, detached from hvfs (its own
 * session) so that guests outlive the daemon, and the QMP connection to
 * it.  Files of a run, in STATE_DIR/run/, per domain NAME:
 *   NAME.run      "pid PID START\nshutdown 0|1\n" (START = field 22 of
 *                 /proc/PID/stat, against pid reuse)
 *   NAME.qmp      QEMU's QMP socket
 *   NAME.pid      QEMU's own pidfile
 *   NAME.xml      the live definition: the stored one with the address of
 *                 every device written in (what `devices/` shows)
 *   NAME.log      the serial console and QEMU's stderr (appended)
 *   NAME.crashed  while the domain is crashed: why
 *
 * Locking: qemu_driver.lock guards the domain table and every field of
 * every domain.  A QMP call is never made under it: a slot takes a
 * reference on the run, unlocks, talks to QEMU (bounded by
 * qmp_timeout_ms), then locks again and checks that the run is still the
 * domain's.  Changes are emitted after unlocking, in a struct
 * hv_change_batch. */
#ifndef HVFS_DRIVERS_QEMU_PRIVATE_H
#define HVFS_DRIVERS_QEMU_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "drivers/change_batch.h"
#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "drivers/object_kind.h"
#include "drivers/object_table.h"
#include "drivers/qemu/qmp.h"

#define QEMU_STATE_DIR_DEFAULT	 "/var/lib/hvfs/qemu"
#define QEMU_EMULATOR_DEFAULT	 "/usr/bin/qemu-system-x86_64"
#define QEMU_QMP_TIMEOUT_MS	 5000
#define QEMU_SHUTDOWN_TIMEOUT_MS 60000
#define QEMU_START_TIMEOUT_MS	 30000 /* QEMU up to its QMP socket, on a loaded host */
#define QEMU_SOCKET_PATH_MAX	 108   /* sun_path */
/* The resets of one reboot come within this of each other (SeaBIOS resets
 * the machine again before the kernel runs; seconds under a loaded TCG). */
#define QEMU_RESET_QUIET_NS (10ULL * 1000000000ULL)

/* One run of QEMU.  Shared by the domain (dom->run) and the threads in a
 * QMP call on it; freed with its last reference. */
struct qemu_run {
	unsigned refs; /* under the driver lock */
	pid_t pid;
	uint64_t start_time; /* proc_start_time(pid) */
	int pidfd;	     /* in the monitor's epoll set; -1 */
	struct qmp *qmp;     /* NULL when QEMU's monitor could not be reached */
	uint64_t serial;     /* tells the monitor which run a wake-up is about */
	/* How it is ending: what the monitor makes of the process exiting. */
	bool shutdown_requested;       /* hvfs asked (system_powerdown) */
	bool guest_shutdown;	       /* QEMU said SHUTDOWN: the guest powered off */
	bool panicked;		       /* GUEST_PANICKED */
	bool destroying;	       /* a destroy is in progress: its caller ends the run */
	bool timed_out;		       /* killed at the shutdown deadline */
	uint64_t shutdown_deadline_ns; /* CLOCK_MONOTONIC; 0 = none */
	/* RESETs before this are not reported: one reboot is several resets
	 * (the firmware resets the machine again), and a reset hvfs asked for
	 * it reports itself (CLOCK_MONOTONIC). */
	uint64_t resets_quiet_until_ns;
	/* stop/cont in flight: their STOP/RESUME are that command's to report,
	 * with its origin, and may be read off the socket before its reply. */
	bool suspending, resuming;
};

struct qemu_domain {
	struct hv_object obj;	  /* name, UUID, stored xml, autostart; first */
	struct hv_domain_def def; /* the persistent definition */
	enum hv_domain_state state;
	bool busy;		  /* a start or destroy is under way outside the lock */
	struct qemu_run *run;	  /* while active */
	char *live_xml;		  /* while active: NAME.xml */
	uint64_t live_memory_kib; /* the balloon's actual size */
	unsigned live_vcpus;
	char last_exit[256]; /* how the last run ended ("" none) */
};

struct qemu_driver {
	/* Set in open(), read-only afterwards. */
	struct hv_conn *conn;
	char *state_dir;
	char *run_dir;
	char *emulator;
	unsigned qmp_timeout_ms;
	unsigned shutdown_timeout_ms;
	char qemu_version[32]; /* "7.2.0", from the first QEMU that answered */
	int state_dir_fd;      /* flock()ed: one hvfs per state directory */

	pthread_mutex_t lock;
	struct hv_kind_host kinds;
	struct hv_object_table domains; /* of struct qemu_domain */
	uint64_t next_serial;

	/* The monitor thread (qemu_monitor.c). */
	pthread_t monitor;
	bool monitor_started;
	int epoll_fd;
	int wake_fd;
	bool monitor_stop;
};

#define QEMU_FOREACH(dom, drv)                                                                               \
	for (struct qemu_domain *dom = (struct qemu_domain *)(drv)->domains.head; dom;                       \
	     dom = (struct qemu_domain *)dom->obj.next)

/* qemu_driver.c */
uint64_t qemu_now_ns(void);
/* STATE_DIR/run/NAME.SUFFIX; -ENAMETOOLONG when it does not fit. */
int qemu_run_path(const struct qemu_driver *drv, const char *name, const char *suffix, char *out,
		  size_t size);
struct qemu_domain *qemu_find(struct qemu_driver *drv, const char *name, struct hv_error *err);

/* qemu_run.c: runs.  Functions named _locked run under the lock; the
 * others must be called without it. */
void qemu_run_ref(struct qemu_run *run);			    /* locked */
void qemu_run_unref(struct qemu_driver *drv, struct qemu_run *run); /* takes the lock */
/* Starts dom's QEMU (the caller set dom->busy and dropped the lock): the
 * live XML, the command line, the process, QMP, the balloon, cont.  On
 * success *run and *live_xml are the caller's to install. */
int qemu_launch(struct qemu_driver *drv, const char *name, const char *xml, const struct hv_domain_def *def,
		struct qemu_run **run, char **live_xml, struct hv_error *err);
/* Ends a run for good: SIGTERM, then SIGKILL after a grace period; waits
 * until the process is gone (bounded).  Without the lock. */
void qemu_kill(struct qemu_driver *drv, struct qemu_run *run);
/* Records the run in NAME.run (locked). */
int qemu_persist_run(struct qemu_driver *drv, const struct qemu_domain *dom, struct hv_error *err);
/* The run of dom ended (the process is gone): state, files, event (locked). */
void qemu_run_ended_locked(struct qemu_driver *drv, struct qemu_domain *dom, struct hv_change_batch *changes);
/* Finds the QEMU a previous hvfs left running for dom, or settles how it
 * ended (open(), locked, no QMP lock held: it may talk to QEMU). */
void qemu_reattach_locked(struct qemu_driver *drv, struct qemu_domain *dom);
/* Runs a QMP command on dom's run without holding the lock: takes a
 * reference, unlocks, calls, locks again.  -EIO when the run has no
 * monitor.  Called locked; returns locked; dom may be gone afterwards
 * (check with qemu_find). */
int qemu_qmp_call_locked(struct qemu_driver *drv, struct qemu_run *run, const char *command,
			 struct json_object *args, struct json_object **ret, struct hv_error *err);

/* qemu_monitor.c */
int qemu_monitor_start(struct qemu_driver *drv, struct hv_error *err);
void qemu_monitor_stop(struct qemu_driver *drv);
/* Adds the run's pidfd and QMP socket to the watch set (locked). */
int qemu_monitor_watch(struct qemu_driver *drv, struct qemu_run *run);
void qemu_monitor_wake(struct qemu_driver *drv);
/* Handles the QMP events queued on dom's run (locked). */
void qemu_handle_events_locked(struct qemu_driver *drv, struct qemu_domain *dom,
			       struct hv_change_batch *changes);

/* qemu_domain.c: the slots. */
extern const struct hv_kind_ops qemu_domain_kind;
void qemu_kind_host_init(struct qemu_driver *drv);
int qemu_domains_load(struct qemu_driver *drv, struct hv_error *err);
void qemu_domains_free(struct qemu_driver *drv);
int qemu_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int qemu_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		     struct hv_error *err);
int qemu_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		      struct hv_error *err);
int qemu_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int qemu_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		       struct hv_error *err);
int qemu_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int qemu_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int qemu_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

/* qemu_control.c: lifecycle commands and live tunables. */
int qemu_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			struct hv_error *err);
int qemu_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int qemu_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int qemu_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int qemu_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
/* Starts dom (autostart, the start command): locked on entry and exit. */
int qemu_start_locked(struct qemu_driver *drv, struct qemu_domain *dom, struct hv_error *err);

/* qemu_devices.c: devices/ and the qemu/ keys. */
int qemu_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			    struct hv_error *err);
extern const struct hv_device_class qemu_device_classes[];
extern const struct hv_domain_keys qemu_domain_keys;
int qemu_domain_key_get(struct hv_conn *conn, const char *name, const char *key, char **value,
			struct hv_error *err);

#endif
