/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver's private state, shared by its files:
 *   xen_driver.c   connection (URI knobs, open/close), host, the slot table
 *   xen_domain.c   domains: listing, info, control, live tunables
 *   xen_defs.c     persistent definitions under the state directory
 *   xen_libxl.c    building and destroying guests through libxl
 *   xen_watch.c    the XenStore watch thread: change notification, the
 *                  shutdown fallback timer, acting on a guest's own shutdown
 *   xen_devices.c  domains/NAME/devices/ from /local/domain/N/device
 *   xen_store.c    the xenstore/ view's slots
 *   xen_map.c      pure mappings (unit-tested without Xen)
 *
 * Locking (order: define_lock, rescan_lock, then lock; libxl_lock is taken
 * with no other lock of ours held, and none is held across hv_conn_emit()):
 *   - libxenctrl and libxenstore handles are thread-safe and are used
 *     without a lock of ours.
 *   - drv->libxl_lock serialises every call on drv->ctx.  libxl's ctx has a
 *     lock of its own, but a synchronous create or destroy runs libxl's
 *     private event loop and forks hotplug scripts under its SIGCHLD
 *     handler (the default libxl_sigchld_owner_libxl mode); two of them at
 *     once on one ctx (the watch thread rebuilding a rebooted guest while a
 *     worker destroys or starts one) is the least tested path libxl has,
 *     and racing builds of the same name mean nothing anyway.
 *   - drv->lock guards the known snapshot, the pending list and starting[],
 *     and is never held across a call into Xen's libraries.
 *   - drv->rescan_lock is held across one rescan's read of the domain list
 *     (Xen calls, which take drv->lock briefly) and its comparison, never
 *     across hv_conn_emit(): what is emitted is a copy (names copied into
 *     a struct hv_change_batch, events static strings). */
#ifndef HVFS_DRIVERS_XEN_PRIVATE_H
#define HVFS_DRIVERS_XEN_PRIVATE_H

#include <libxl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "drivers/change_batch.h"
#include "drivers/driver.h"
#include "drivers/xen/xen_map.h"
#include "util/hash.h"

#define XEN_DEFAULT_STATE_DIR	     "/var/lib/hvfs/xen"
#define XEN_DEFAULT_SHUTDOWN_TIMEOUT 30000 /* ms before shutdown falls back to destroy */

/* One domain as the hypervisor and XenStore show it. */
struct xen_dom {
	uint32_t domid;
	char name[HV_NAME_MAX + 1];
	xc_domaininfo_t info;
	/* The watch thread's: first seen paused while hvfs builds it
	 * (xen_driver.starting); its unpause ends the start. */
	bool building;
};

struct xen_dom_list {
	struct xen_dom *doms;
	size_t count;
	/* name -> its entry of doms, for the watch thread's snapshot
	 * (drv->known, xen_dom_list_index); NULL in any other list. */
	struct hash_map *by_name;
};

/* A shutdown or reboot asked through control/shutdown, waiting for the
 * guest to act before the fallback applies. */
struct xen_pending {
	struct xen_pending *next;
	uint32_t domid;
	bool reboot;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
	char name[HV_NAME_MAX + 1];
};

struct xen_driver {
	struct hv_conn *conn;
	xc_interface *xc;
	struct xs_handle *xs;
	libxl_ctx *ctx;
	xentoollog_logger_stdiostream *logger;
	char state_dir[PATH_MAX];
	unsigned shutdown_timeout_ms;

	pthread_mutex_t lock;
	/* Serialises rescans (read, then compare), so that a slower one never
	 * compares an older list after a newer one; taken before lock. */
	pthread_mutex_t rescan_lock;
	/* Serialises every libxl call on ctx (see Locking above). */
	pthread_mutex_t libxl_lock;
	/* Serialises definitions: a UUID is checked against every other
	 * domain and written before another definition may look. */
	pthread_mutex_t define_lock;
	struct xen_dom_list known;   /* lock: what the watch thread saw last */
	struct xen_pending *pending; /* lock */
	/* lock: domains hvfs is building now (xen_domain_start): libxl makes
	 * them paused and unpauses them at the end, which is their start, not
	 * a suspend and resume. */
	char starting[8][HV_NAME_MAX + 1];

	/* How a rescan, a lookup and a definition read the domains:
	 * xen_dom_list_read; a unit test puts a fake here to run them
	 * without Xen.  Set before the watch thread starts, read-only
	 * afterwards. */
	int (*list_read)(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err);
	/* How a lookup reads one domain it found in the snapshot, by domid:
	 * xen_dom_read_one; 0, -ENOENT (gone), -EIO.  NULL: every lookup
	 * reads the whole list (unit tests that fake only list_read). */
	int (*dom_read)(struct xen_driver *drv, uint32_t domid, struct xen_dom *out, struct hv_error *err);

	struct hash_map *paths; /* watch thread only: the XenStore paths it knows */

	pthread_t watch_thread;
	bool watch_started;
	int stop_pipe[2];
};

uint64_t xen_now_ns(void);

/* Domains (xen_domain.c) ---------------------------------------------------- */

/* Every domain with a valid name; doms sorted by domid. */
int xen_dom_list_read(struct xen_driver *drv, struct xen_dom_list *out, struct hv_error *err);
void xen_dom_list_finish(struct xen_dom_list *list);
/* Builds list->by_name; without memory the list has none (lookups then
 * read the whole list). */
void xen_dom_list_index(struct xen_dom_list *list);
int xen_dom_read_one(struct xen_driver *drv, uint32_t domid, struct xen_dom *out, struct hv_error *err);
/* The running domain called name, read now through drv->list_read: 0,
 * -ENOENT (no error set), -EIO.  For what acts on a domain. */
int xen_dom_find(struct xen_driver *drv, const char *name, struct xen_dom *out, struct hv_error *err);
/* The same for what only reads (info, stats, devices): the name is looked
 * up in the watch thread's snapshot and only that domain is read, so the
 * cost does not grow with the number of domains (docs/xen.md, "Lookups").
 * A domain started behind hvfs's back is found once the rescan its
 * XenStore event causes has run; the change it reports follows. */
int xen_dom_lookup(struct xen_driver *drv, const char *name, struct xen_dom *out, struct hv_error *err);
/* A XenStore value of domain domid (path relative to /local/domain/N), a
 * new heap string, or NULL. */
char *xen_dom_read(struct xen_driver *drv, uint32_t domid, const char *path);

/* Definitions (xen_defs.c) -------------------------------------------------- */

/* The persistent definition of name: 0 (*xml heap, *len), -ENOENT, -EIO. */
int xen_def_read(struct xen_driver *drv, const char *name, char **xml, size_t *len, struct hv_error *err);
/* Whether name has a persistent definition, without reading it. */
bool xen_def_exists(struct xen_driver *drv, const char *name);
int xen_def_write(struct xen_driver *drv, const char *name, const char *xml, size_t len,
		  struct hv_error *err);
int xen_def_remove(struct xen_driver *drv, const char *name, struct hv_error *err);
/* Moves the definitions of the layout before records (STATE_DIR/NAME.xml)
 * into STATE_DIR/domains/: how many it moved, or -errno. */
int xen_defs_migrate(struct xen_driver *drv);

/* libxl (xen_libxl.c) ------------------------------------------------------- */

int xen_libxl_open(struct xen_driver *drv, struct hv_error *err);
void xen_libxl_close(struct xen_driver *drv);
/* Builds and unpauses the guest; *domid its id. */
int xen_libxl_create(struct xen_driver *drv, const struct xen_guest_def *guest, uint32_t *domid,
		     struct hv_error *err);
int xen_libxl_destroy(struct xen_driver *drv, uint32_t domid, struct hv_error *err);
/* Starts name from its definition (used by start, reset and reboot). */
int xen_domain_start(struct xen_driver *drv, const char *name, struct hv_error *err);

/* The watch thread (xen_watch.c) -------------------------------------------- */

int xen_watch_start(struct xen_driver *drv, struct hv_error *err);
void xen_watch_stop(struct xen_driver *drv);
/* Compares now with drv->known, adds what changed to out (emitted after
 * drv->lock is released), returns how many, and makes now the known list
 * (now is emptied).  The caller holds drv->lock. */
size_t xen_watch_diff(struct xen_driver *drv, struct xen_dom_list *now, struct hv_change_batch *out);
/* Reads the domains now (drv->list_read) and reports what changed since
 * the last look.  Safe from any thread, with none of drv's locks held. */
void xen_watch_rescan(struct xen_driver *drv);
/* Whether a shutdown of domid asked through hvfs is under way. */
bool xen_watch_shutdown_pending(struct xen_driver *drv, uint32_t domid);
/* Arms the fallback of a shutdown (reboot false) or reboot of domid. */
void xen_watch_pending_add(struct xen_driver *drv, uint32_t domid, const char *name, bool reboot);

/* Slots ------------------------------------------------------------------- */

int xen_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int xen_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		    struct hv_error *err);
int xen_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		     struct hv_error *err);
int xen_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int xen_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		      struct hv_error *err);
int xen_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int xen_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
		       struct hv_error *err);
int xen_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int xen_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
/* XenStore's own rule for node names (xenstored's valid_chars) on top of
 * hv_tree_path_is_valid. */
bool xen_store_path_is_valid(const char *path);
int xen_store_list(struct hv_conn *conn, const char *path, struct hv_name_list *out, struct hv_error *err);
int xen_store_read(struct hv_conn *conn, const char *path, char **value, size_t *len, struct hv_error *err);
int xen_store_write(struct hv_conn *conn, const char *path, const char *value, size_t len,
		    struct hv_error *err);
int xen_store_mkdir(struct hv_conn *conn, const char *path, struct hv_error *err);
int xen_store_remove(struct hv_conn *conn, const char *path, struct hv_error *err);
/* The watch thread's set of known XenStore paths (xen_store.c). */
enum xen_store_event {
	XEN_STORE_NOTHING,
	XEN_STORE_CREATED,
	XEN_STORE_MODIFIED,
	XEN_STORE_DELETED,
};
/* Walks the whole store into drv->paths.  0 or -ENOMEM. */
int xen_store_track_start(struct xen_driver *drv);
void xen_store_track_finish(struct xen_driver *drv);
/* What an event at path means, updating the set; for CREATED, created
 * gets the topmost new node (path or an ancestor made with it). */
enum xen_store_event xen_store_track(struct xen_driver *drv, const char *path, char *created,
				     size_t created_size);
bool xen_store_known(struct xen_driver *drv, const char *path);
/* Reports it for the xenstore/ view. */
void xen_store_report(struct xen_driver *drv, const char *path, enum xen_store_event event);
extern const struct hv_device_class xen_device_classes[];
int xen_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			   struct hv_error *err);

#endif
