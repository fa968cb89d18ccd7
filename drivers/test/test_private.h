/* The test driver's model, shared by its files and by nothing else.
 *
 * Locking: one mutex, test_driver.lock, guards everything below except the
 * fields set once in open() (dir, shutdown_delay_ms, faults, conn).  Every
 * function here that takes a struct test_driver expects the lock held unless
 * it says otherwise.  Changes are collected into a struct test_change while
 * the lock is held and emitted with test_change_emit() after unlocking, as
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

#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "util/hash.h"

#define test_container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* Simulated host (SPEC 5: "seeded like libvirt's test driver"). */
#define TEST_HOST_HOSTNAME   "hvfs-test"
#define TEST_HOST_UUID	     "7a3c9e21-4d5b-4f86-a0c1-2b3d4e5f6a7b"
#define TEST_HOST_CPU_MODEL  "Skylake-Server"
#define TEST_HOST_CPUS	     16
#define TEST_HOST_MEMORY_KIB (16ULL * 1024 * 1024)
#define TEST_HOST_VERSION    "test 1.0.0"

#define TEST_SHUTDOWN_DELAY_MS_DEFAULT 500
#define TEST_SHUTDOWN_DELAY_MS_MAX     3600000
#define TEST_GENERATED_DOMAINS_MAX     100000
#define TEST_VCPUS_MAX		       4096

/* Operations that fail= can make fail; alphabetical, as test_op_names[]. */
enum test_op {
	TEST_OP_DOMAIN_CONTROL,
	TEST_OP_DOMAIN_DEFINE,
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

/* What every object has: a unique name and UUID, and a place in the
 * creation-ordered list that listings follow (stable across renames). */
struct test_object {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	struct test_object *prev, *next;
};

/* One kind of object: name and UUID indexes plus the listing order. */
struct test_table {
	struct hash_map *by_name;
	struct hash_map *by_uuid;
	struct test_object *head, *tail;
};

struct test_domain {
	struct test_object obj;
	struct hv_domain_def def;
	char *xml; /* the config text exactly as stored */
	enum hv_domain_state state;
	int id; /* -1 while inactive */
	bool autostart;
	uint64_t cpu_time_ns;	   /* accrued over finished running periods */
	uint64_t running_since_ns; /* CLOCK_MONOTONIC start of the current period, 0 when not accruing */
	/* Pending shutdown: the queue is FIFO because every deadline is now +
	 * the same delay, so insertion order is deadline order. */
	uint64_t shutdown_deadline_ns;
	struct test_domain *shutdown_prev, *shutdown_next;
	bool shutdown_queued;
};

struct test_network {
	struct test_object obj;
	struct hv_network_def def;
	char *xml;
	bool active;
	bool autostart;
};

struct test_pool {
	struct test_object obj;
	struct hv_pool_def def;
	char *xml;
	enum hv_pool_state state;
	bool autostart;
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

	pthread_mutex_t lock;
	struct test_table domains, networks, pools;
	int next_id;

	/* The timer thread completes shutdowns (SPEC 5: "shutdown takes a moment"). */
	pthread_t timer;
	pthread_cond_t timer_cond; /* on CLOCK_MONOTONIC */
	bool timer_started, timer_stop;
	struct test_domain *shutdown_head, *shutdown_tail;
};

/* A change recorded under the lock, emitted after it (names copied, since
 * the object may be gone by then). */
struct test_change {
	bool pending;
	struct hv_change change;
	char name[HV_NAME_MAX + 1];
	char new_name[HV_NAME_MAX + 1];
};

/* test_driver.c */
uint64_t test_now_ns(void);
/* Lock-free: faults is read-only after open.  -EIO if op was named in fail=. */
int test_fault(const struct test_driver *drv, enum test_op op, struct hv_error *err);
void test_change_set(struct test_change *change, enum hv_object_kind kind, enum hv_change_type type,
		     const char *name, const char *new_name, const char *event, const char *detail);
/* Called WITHOUT the lock. */
void test_change_emit(struct test_driver *drv, struct test_change *change);

/* test_objects.c */
int test_table_init(struct test_table *table);
/* Frees the indexes; destroy_object is called for every object. */
void test_table_finish(struct test_table *table, void (*destroy_object)(struct test_object *obj));
struct test_object *test_table_find(const struct test_table *table, const char *name);
struct test_object *test_table_find_uuid(const struct test_table *table, const char *uuid);
/* Adds at the end of the listing order; 0, -EEXIST or -ENOMEM. */
int test_table_add(struct test_table *table, struct test_object *obj);
void test_table_remove(struct test_table *table, struct test_object *obj);
/* Re-indexes obj under new_name (and sets obj->name); 0 or -ENOMEM. */
int test_table_rename(struct test_table *table, struct test_object *obj, const char *new_name);
int test_table_list(const struct test_table *table, struct hv_name_list *out, struct hv_error *err);
size_t test_table_count(const struct test_table *table);
/* A random UUID that no object of the table has yet. */
int test_table_fresh_uuid(const struct test_table *table, char uuid[HV_UUID_STRLEN + 1],
			  struct hv_error *err);

/* test_domain.c */
struct test_domain *test_domain_create(const struct hv_domain_def *def, char *xml);
void test_domain_destroy(struct test_domain *dom);
void test_domain_destroy_object(struct test_object *obj);
/* Starts an inactive domain without persisting or reporting it (seeding,
 * autostart at open). */
void test_domain_boot(struct test_driver *drv, struct test_domain *dom, uint64_t now);
/* The timer's half of shutdown: shutdown -> shutoff, persisted (a failure
 * is logged: the file then still says shutdown, which a reopen completes). */
void test_domain_finish_shutdown(struct test_driver *drv, struct test_domain *dom,
				 struct test_change *change);
uint64_t test_domain_cpu_time(const struct test_domain *dom, uint64_t now);
uint64_t test_domains_active_memory(const struct test_driver *drv);

/* test_network.c */
struct test_network *test_network_create(const struct hv_network_def *def, char *xml);
void test_network_destroy_object(struct test_object *obj);

/* test_pool.c */
struct test_pool *test_pool_create(const struct hv_pool_def *def, char *xml);
void test_pool_destroy_object(struct test_object *obj);

/* test_seed.c: the demo set and the generated domains (into the model only). */
int test_seed_demo(struct test_driver *drv, struct hv_error *err);
int test_seed_generated(struct test_driver *drv, unsigned count, struct hv_error *err);

/* test_persist.c: no-ops (returning 0) for test:///default. */
/* Loads drv->dir, or seeds it when it is new; completes interrupted
 * shutdowns and honours autostart. */
int test_persist_open(struct test_driver *drv, struct hv_error *err);
int test_persist_domain(struct test_driver *drv, const struct test_domain *dom, struct hv_error *err);
int test_persist_network(struct test_driver *drv, const struct test_network *net, struct hv_error *err);
int test_persist_pool(struct test_driver *drv, const struct test_pool *pool, struct hv_error *err);
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

#endif
