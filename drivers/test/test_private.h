/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver's model, shared by its files and by nothing else.
 *
 * Locking: one mutex, test_driver.lock, guards everything below except the
 * fields set once in open() (dir, shutdown_delay_ms, faults, conn).  Every
 * function here that takes a struct test_driver expects the lock held unless
 * it says otherwise.  Changes are collected into a struct hv_change_batch while
 * the lock is held and emitted with hv_batch_emit() after unlocking, as
 * driver.h requires.
 *
 * Updates are staged: an operation copies the object, edits the copy,
 * persists the copy and only then commits it over the original, so a failed
 * write to disk leaves the model exactly as it was. */
#ifndef HVFS_DRIVERS_TEST_PRIVATE_H
#define HVFS_DRIVERS_TEST_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/change_batch.h"
#include "drivers/conf/conf.h"
#include "drivers/definition_rules.h"
#include "drivers/driver.h"
#include "drivers/object_kind.h"
#include "drivers/object_table.h"
#include "util/addr_alloc.h"
#include "util/hash.h"
#include "util/strbuf.h"

#define test_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Simulated host (README.md: "seeded with a demo set of objects", like libvirt's test driver). */
#define TEST_HOST_HOSTNAME   "hvfs-test"
#define TEST_HOST_UUID	     "7a3c9e21-4d5b-4f86-a0c1-2b3d4e5f6a7b"
#define TEST_HOST_CPU_MODEL  "Skylake-Server"
#define TEST_HOST_CPUS	     16
#define TEST_HOST_MEMORY_KIB (16ULL * 1024 * 1024)
#define TEST_HOST_VERSION    "test 1.0.0"

/* The demo seed's pool lives at this path, simulated: it has no volumes
 * and build/delete leave the host alone (test_volume.c). */
#define TEST_SEED_POOL_PATH "/var/lib/libvirt/images"

#define TEST_SHUTDOWN_DELAY_MS_DEFAULT 500
#define TEST_SHUTDOWN_DELAY_MS_MAX     3600000
#define TEST_GENERATED_DOMAINS_MAX     100000
#define TEST_VCPUS_MAX		       4096

/* Operations that fail= can make fail; alphabetical, as test_op_names[]. */
enum test_op {
	TEST_OP_DOMAIN_CONTROL,
	TEST_OP_DOMAIN_DEFINE,
	TEST_OP_DOMAIN_DEVICE_ATTACH,
	TEST_OP_DOMAIN_DEVICE_DETACH,
	TEST_OP_DOMAIN_DEVICE_LIST,
	TEST_OP_DOMAIN_DEVICE_SET,
	TEST_OP_DOMAIN_GET_XML,
	TEST_OP_DOMAIN_INFO,
	TEST_OP_DOMAIN_LIST,
	TEST_OP_DOMAIN_RENAME,
	TEST_OP_DOMAIN_SET_AUTOSTART,
	TEST_OP_DOMAIN_SET_MAX_MEMORY,
	TEST_OP_DOMAIN_SET_MAX_VCPUS,
	TEST_OP_DOMAIN_SET_MEMORY,
	TEST_OP_DOMAIN_SET_VCPUS,
	TEST_OP_DOMAIN_STATS,
	TEST_OP_DOMAIN_UNDEFINE,
	TEST_OP_HOST_CAPABILITIES,
	TEST_OP_HOST_INFO,
	TEST_OP_NETWORK_CONTROL,
	TEST_OP_NETWORK_DEFINE,
	TEST_OP_NETWORK_GET_XML,
	TEST_OP_NETWORK_INFO,
	TEST_OP_NETWORK_LEASES,
	TEST_OP_NETWORK_LIST,
	TEST_OP_NETWORK_RENAME,
	TEST_OP_NETWORK_SET_AUTOSTART,
	TEST_OP_NETWORK_UNDEFINE,
	TEST_OP_POOL_CONTROL,
	TEST_OP_POOL_DEFINE,
	TEST_OP_POOL_GET_XML,
	TEST_OP_POOL_INFO,
	TEST_OP_POOL_LIST,
	TEST_OP_POOL_RENAME,
	TEST_OP_POOL_SET_AUTOSTART,
	TEST_OP_POOL_UNDEFINE,
	TEST_OP_COUNT,
};

/* An address a domain's device holds (test_devices.c).  given: it is in
 * the stored XML; otherwise hvfs allocated it and only the persisted
 * header keeps it (a define never rewrites the user's text). */
enum test_addr_kind { TEST_ADDR_PCI, TEST_ADDR_DRIVE, TEST_ADDR_MAC };
#define TEST_DEV_ID_MAX (HV_DEVICE_CLASS_MAX + 1 + HV_DEVICE_NAME_MAX + 1)
struct test_dev_addr {
	char dev[TEST_DEV_ID_MAX]; /* "disk/vda" */
	uint8_t kind;		   /* enum test_addr_kind */
	uint8_t bus;		   /* TEST_ADDR_DRIVE: enum hv_drive_bus */
	bool given;
	struct addr_tuple tuple;
};

struct test_domain {
	struct hv_object obj;
	struct hv_domain_def def;
	/* Every address its devices hold (heap; staged copies share it until
	 * an operation that changes it replaces it). */
	struct test_dev_addr *addrs;
	unsigned addr_count;
	enum hv_domain_state state;
	int id;			   /* -1 while inactive */
	uint64_t cpu_time_ns;	   /* accrued over finished running periods */
	uint64_t running_since_ns; /* CLOCK_MONOTONIC start of the current period, 0 when not accruing */
	/* Pending shutdown: the queue is FIFO because every deadline is now +
	 * the same delay, so insertion order is deadline order. */
	uint64_t shutdown_deadline_ns;
	struct test_domain *shutdown_prev, *shutdown_next;
	bool shutdown_queued;
};

struct test_network {
	struct hv_object obj;
	struct hv_network_def def;
	bool active;
};

struct test_pool {
	struct hv_object obj;
	struct hv_pool_def def;
	enum hv_pool_state state;
	uint64_t capacity, allocation, available; /* bytes, simulated */
};

struct test_driver {
	/* Set in open(), read-only afterwards. */
	struct hv_conn *conn;
	char *dir;  /* persistence directory, NULL for test:///default */
	int dir_fd; /* open on dir and flock()ed while we use it, else -1 */
	unsigned shutdown_delay_ms;
	unsigned generated_domains;
	uint64_t faults; /* bit (1 << enum test_op) */
	/* host_devices=sysfs or =/PATH: the sysfs root host/devices is read
	 * from; NULL for the simulated server (test_nodedev.c). */
	char *nodedev_root;

	pthread_mutex_t lock;
	struct hv_kind_host kinds; /* drivers/object_kind.c's view of this driver */
	struct hv_object_table domains, networks, pools;
	int next_id;
	/* The host's MACs, owned by "domain NAME" (test_devices.c); a domain's
	 * PCI and drive addresses are checked in spaces built per operation
	 * from its records, since only that domain's devices can clash. */
	struct addr_space *macs;
	/* DHCP leases of every network (test_leases.c), creation order. */
	struct test_lease *leases;
	size_t lease_count, lease_cap;

	/* The timer thread completes shutdowns (shutdown_delay_ms, README.md). */
	pthread_t timer;
	pthread_cond_t timer_cond; /* on CLOCK_MONOTONIC */
	bool timer_started, timer_stop;
	struct test_domain *shutdown_head, *shutdown_tail;

	/* churn_ms=N (test_churn.c): objects change behind the filesystem's back. */
	unsigned churn_ms;
	pthread_t churn;
	pthread_mutex_t churn_lock;
	pthread_cond_t churn_cond; /* on CLOCK_MONOTONIC */
	bool churn_started, churn_stop;
};

/* test_churn.c; start after conn->priv is set, stop before anything goes. */
int test_churn_start(struct test_driver *drv, struct hv_error *err);
void test_churn_stop(struct test_driver *drv);

/* Any kind's definition, as parsed (outside the lock) before the model
 * sees it. */
union test_def {
	struct hv_domain_def domain;
	struct hv_network_def network;
	struct hv_pool_def pool;
};

/* Room for a staged copy of any kind's object (see "Updates are staged"). */
union test_staged {
	struct hv_object obj;
	struct test_domain domain;
	struct test_network network;
	struct test_pool pool;
};

/* Each kind's description for drivers/object_kind.c (test_domain.c,
 * test_network.c, test_pool.c). */
extern const struct hv_kind_ops test_domain_kind, test_network_kind, test_pool_kind;

/* test_driver.c */
uint64_t test_now_ns(void);
/* Lock-free: faults is read-only after open.  -EIO if op was named in fail=. */
int test_fault(const struct test_driver *drv, enum test_op op, struct hv_error *err);

/* test_kind.c: the shape of the test driver's own slots on one object.
 * What every kind does alike (define, undefine, rename, autostart, list,
 * get_xml, staging and committing) is drivers/object_kind.c's, reached
 * through drv->kinds. */
/* The work of a slot on one existing object, under the lock; args is the
 * slot's own (read-only unless the slot says otherwise). */
typedef int test_object_fn(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			   void *args, struct hv_change_batch *changes, struct hv_error *err);
/* The shape of such a slot: fault check, lock, lookup (-ENOENT), fn,
 * unlock, emit the change fn recorded. */
int test_kind_call(struct hv_conn *conn, const struct hv_kind_ops *ops, enum test_op op, const char *name,
		   test_object_fn *fn, void *args, struct hv_error *err);
/* The generic layer's view of drv (set up in open()). */
void test_kind_host_init(struct test_driver *drv);

/* Defines, in the file of kind (domain, network, pool), the slots that
 * only hand the kind's ops to drivers/object_kind.c: test_<kind>_list, _get_xml,
 * _define, _undefine, _rename and _set_autostart, declared below. */
static inline const struct hv_kind_host *test_kinds(const struct hv_conn *conn)
{
	return &((const struct test_driver *)conn->priv)->kinds;
}
#define TEST_KIND_SLOTS(kind)                                                                                \
	int test_##kind##_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)         \
	{                                                                                                    \
		return hv_kind_list(test_kinds(conn), &test_##kind##_kind, out, err);                        \
	}                                                                                                    \
	int test_##kind##_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)  \
	{                                                                                                    \
		return hv_kind_get_xml(test_kinds(conn), &test_##kind##_kind, name, xml, err);               \
	}                                                                                                    \
	int test_##kind##_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,        \
				 struct hv_error *err)                                                       \
	{                                                                                                    \
		return hv_kind_define(test_kinds(conn), &test_##kind##_kind, name, xml, len, err);           \
	}                                                                                                    \
	int test_##kind##_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)             \
	{                                                                                                    \
		return hv_kind_undefine(test_kinds(conn), &test_##kind##_kind, name, err);                   \
	}                                                                                                    \
	int test_##kind##_rename(struct hv_conn *conn, const char *name, const char *new_name,               \
				 struct hv_error *err)                                                       \
	{                                                                                                    \
		return hv_kind_rename(test_kinds(conn), &test_##kind##_kind, name, new_name, err);           \
	}                                                                                                    \
	int test_##kind##_set_autostart(struct hv_conn *conn, const char *name, bool autostart,              \
					struct hv_error *err)                                                \
	{                                                                                                    \
		return hv_kind_set_autostart(test_kinds(conn), &test_##kind##_kind, name, autostart, err);   \
	}

/* test_domain.c */
/* The timer's half of shutdown: shutdown -> shutoff, persisted (a failure
 * is logged: the file then still says shutdown, which a reopen completes). */
void test_domain_finish_shutdown(struct test_driver *drv, struct test_domain *dom,
				 struct hv_change_batch *changes);
uint64_t test_domain_cpu_time(const struct test_domain *dom, uint64_t now);
uint64_t test_domains_active_memory(const struct test_driver *drv);

/* test_devices.c: device trees and their addresses. */
int test_devices_init(struct test_driver *drv, struct hv_error *err);
void test_devices_finish(struct test_driver *drv);
/* hv_table_finish's destroy_object for domains. */
void test_domain_destroy(struct hv_object *obj);
int test_devices_adopt(void *driver, struct hv_object *staged, const struct hv_object *prev,
		       struct hv_error *err);
void test_devices_adopt_end(void *driver, struct hv_object *obj, struct hv_object *dropped, bool kept);
void test_devices_forget(void *driver, struct hv_object *obj);
int test_devices_renamed(void *driver, const char *old_name, const char *new_name, struct hv_error *err);
/* Persistence: the header lines of dom's addresses, and reading them back
 * (a line "address DEV KIND TEXT given|auto"; false for a malformed one). */
int test_devices_render(const struct test_domain *dom, struct strbuf *sb);
bool test_devices_parse_line(const char *value, struct test_dev_addr *out);
/* After loading dom with records read from its header: trusted, they are
 * reserved as they are; otherwise they are hints and the XML decides. */
void test_devices_load(struct test_driver *drv, struct test_domain *dom, bool trusted);

/* test_leases.c: DHCP leases of the networks. */
struct test_lease {
	char network[HV_NAME_MAX + 1];
	char domain[HV_NAME_MAX + 1];
	char dev[TEST_DEV_ID_MAX]; /* "interface/0" */
	char mac[18];
	uint32_t ip;	 /* host order */
	uint64_t expiry; /* seconds since the epoch */
	bool active;	 /* false: released, remembered until expiry for the same MAC */
};
/* A domain starts: its interfaces on active networks get leases. */
void test_leases_acquire(struct test_driver *drv, const struct test_domain *dom,
			 struct hv_change_batch *changes);
/* A domain stops (or an interface goes: dev not NULL): leases released. */
void test_leases_release(struct test_driver *drv, const char *domain, const char *dev,
			 struct hv_change_batch *changes);
/* A network stops or goes: every lease of it is released. */
void test_leases_network_stopped(struct test_driver *drv, const char *network,
				 struct hv_change_batch *changes);
void test_leases_renamed(struct test_driver *drv, enum hv_object_kind kind, const char *old_name,
			 const char *new_name);
/* The active lease of (domain, dev), or NULL. */
const struct test_lease *test_leases_find(const struct test_driver *drv, const char *domain, const char *dev);
void test_leases_format_ip(uint32_t ip, char buf[16]);
int test_network_leases(struct hv_conn *conn, const char *network, struct hv_lease_list *out,
			struct hv_error *err);

/* test_seed.c: the demo set and the generated domains (into the model only). */
int test_seed_demo(struct test_driver *drv, struct hv_error *err);
int test_seed_generated(struct test_driver *drv, unsigned count, struct hv_error *err);

/* test_persist.c: no-ops (returning 0) for test:///default. */
/* Loads drv->dir, or seeds it when it is new; completes interrupted
 * shutdowns and honours autostart. */
int test_persist_open(struct test_driver *drv, struct hv_error *err);
int test_persist_object(struct test_driver *drv, enum hv_object_kind kind, const struct hv_object *obj,
			struct hv_error *err);
int test_persist_remove(struct test_driver *drv, enum hv_object_kind kind, const char *name,
			struct hv_error *err);

/* The driver's slots, gathered into hv_test_driver_ops by test_driver.c. */
int test_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int test_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		     struct hv_error *err);
int test_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		      struct hv_error *err);
int test_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int test_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		       struct hv_error *err);
int test_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int test_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int test_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			struct hv_error *err);
int test_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int test_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err);
int test_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int test_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err);
int test_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);
int test_domain_device_list(struct hv_conn *conn, const char *domain, struct hv_device_list *out,
			    struct hv_error *err);
int test_domain_device_attach(struct hv_conn *conn, const char *domain, const char *xml, size_t len,
			      struct hv_error *err);
int test_domain_device_detach(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			      struct hv_error *err);
int test_domain_device_set(struct hv_conn *conn, const char *domain, const char *cls, const char *name,
			   const char *key, const char *value, struct hv_error *err);

int test_network_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int test_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
		      struct hv_error *err);
int test_network_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int test_network_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			struct hv_error *err);
int test_network_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int test_network_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int test_network_control(struct hv_conn *conn, const char *name, enum hv_network_command command,
			 struct hv_error *err);
int test_network_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

int test_pool_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int test_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info, struct hv_error *err);
int test_pool_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err);
int test_pool_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		     struct hv_error *err);
int test_pool_undefine(struct hv_conn *conn, const char *name, struct hv_error *err);
int test_pool_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err);
int test_pool_control(struct hv_conn *conn, const char *name, enum hv_pool_command command,
		      struct hv_error *err);
int test_pool_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err);

/* test_volume.c: volumes, and what a real (dir) pool does on disk. */
bool test_pool_is_real(const struct test_pool *pool);
/* Overrides info's sizes with the filesystem's, for a real pool whose
 * directory exists. */
void test_pool_measure(const struct test_pool *pool, struct hv_pool_info *info);
/* build: mkdir -p of a real pool's directory; delete: rmdir (EBUSY while
 * it holds files).  No-ops for simulated pools. */
int test_pool_build_dir(const struct test_pool *pool, struct hv_error *err);
int test_pool_delete_dir(const struct test_pool *pool, struct hv_error *err);
int test_volume_list(struct hv_conn *conn, const char *pool, struct hv_name_list *out, struct hv_error *err);
int test_volume_info(struct hv_conn *conn, const char *pool, const char *name, struct hv_volume_info *info,
		     struct hv_error *err);
int test_volume_get_xml(struct hv_conn *conn, const char *pool, const char *name, char **xml,
			struct hv_error *err);
int test_volume_create(struct hv_conn *conn, const char *pool, const char *name, const char *xml, size_t len,
		       struct hv_error *err);
int test_volume_delete(struct hv_conn *conn, const char *pool, const char *name, struct hv_error *err);
int test_volume_resize(struct hv_conn *conn, const char *pool, const char *name, uint64_t capacity,
		       struct hv_error *err);

/* test_nodedev.c */
int test_nodedev_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err);
int test_nodedev_info(struct hv_conn *conn, const char *name, struct hv_nodedev_info *info,
		      struct hv_error *err);

#endif
