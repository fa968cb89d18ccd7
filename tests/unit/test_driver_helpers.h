/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the test driver's unit tests (test_test_driver.c and
 * test_test_persist.c): a recorder for the change callback, connection and
 * query shorthands, and the domain definitions both files use.  Each test
 * is its own program, so the recorder's state is per binary. */
#ifndef HVFS_TESTS_UNIT_TEST_DRIVER_HELPERS_H
#define HVFS_TESTS_UNIT_TEST_DRIVER_HELPERS_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drivers/driver.h"
#include "tests/unit/unit.h"

/* --- recording changes ---------------------------------------------------- */

struct recorded {
	enum hv_object_kind kind;
	enum hv_change_type type;
	char name[HV_NAME_MAX + 1];
	char new_name[HV_NAME_MAX + 1];
	char event[32];
	char detail[32];
	char sub[96];
	uint32_t fields;
	enum hv_domain_state state_seen; /* domain state read back from inside the callback */
};

#define RECORDED_MAX 512

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct recorded items[RECORDED_MAX];
	size_t count;
	struct hv_conn *conn; /* for reading back from inside the callback */
} rec = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static inline void on_change(void *opaque, const struct hv_change *change)
{
	struct recorded r = {
	    .kind = change->kind,
	    .type = change->type,
	    .fields = change->fields,
	    .state_seen = HV_DOMAIN_NOSTATE,
	};

	snprintf(r.name, sizeof(r.name), "%s", change->name ? change->name : "");
	snprintf(r.new_name, sizeof(r.new_name), "%s", change->new_name ? change->new_name : "");
	snprintf(r.event, sizeof(r.event), "%s", change->event ? change->event : "");
	snprintf(r.detail, sizeof(r.detail), "%s", change->detail ? change->detail : "");
	snprintf(r.sub, sizeof(r.sub), "%s", change->sub ? change->sub : "");
	/* driver.h: the change is visible and no driver lock is held, so
	 * calling back in must work and must see the new state. */
	if (change->kind == HV_KIND_DOMAIN && change->type == HV_CHANGE_LIFECYCLE && rec.conn) {
		struct hv_domain_info info;
		struct hv_error err = {0};
		if (hv_domain_info(rec.conn, change->name, &info, &err) == 0)
			r.state_seen = info.state;
	}
	pthread_mutex_lock(&rec.lock);
	if (rec.count < RECORDED_MAX)
		rec.items[rec.count] = r;
	rec.count++;
	pthread_cond_broadcast(&rec.cond);
	pthread_mutex_unlock(&rec.lock);
}

static inline size_t events_count(void)
{
	pthread_mutex_lock(&rec.lock);
	size_t n = rec.count;
	pthread_mutex_unlock(&rec.lock);
	return n;
}

static inline struct recorded event_at(size_t i)
{
	struct recorded r = {0};

	pthread_mutex_lock(&rec.lock);
	if (i < rec.count && i < RECORDED_MAX)
		r = rec.items[i];
	pthread_mutex_unlock(&rec.lock);
	return r;
}

static inline struct recorded event_last(void)
{
	size_t n = events_count();

	return n ? event_at(n - 1) : (struct recorded){0};
}

/* Waits until an event for name with the given event word arrives after
 * index `from`; returns its index or -1. */
static inline long events_wait(size_t from, const char *name, const char *event, int timeout_ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&rec.lock);
	for (;;) {
		for (size_t i = from; i < rec.count && i < RECORDED_MAX; i++) {
			if (strcmp(rec.items[i].name, name) == 0 && strcmp(rec.items[i].event, event) == 0) {
				pthread_mutex_unlock(&rec.lock);
				return (long)i;
			}
		}
		if (pthread_cond_timedwait(&rec.cond, &rec.lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&rec.lock);
	return -1;
}

/* enum hv_field bits as words ("state|id"), so that a failed check shows
 * what differs; "0" for none. */
static inline const char *fields_text(uint32_t fields, char *buf, size_t size)
{
	static const char *const words[] = {
	    "state",	 "id",	 "config",  "memory", "max_memory", "vcpus", "max_vcpus",
	    "autostart", "uuid", "os_type", "bridge", "pool_sizes", "type",  "persistent",
	};
	size_t used = 0;

	snprintf(buf, size, "0");
	for (size_t bit = 0; bit < 32; bit++) {
		if (!(fields & (1u << bit)))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? "|" : "",
				 bit < sizeof(words) / sizeof(words[0]) ? words[bit] : "?");
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}

/* --- helpers -------------------------------------------------------------- */

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How long something took, as a TAP comment: tests assert behaviour, never
 * speed, which a loaded machine does not give (make bench measures it). */
static inline void report_time(uint64_t took, uint64_t target_ms, const char *what)
{
	printf("# %s: %llu ms (target %llu ms, measured by make bench)\n", what, (unsigned long long)took,
	       (unsigned long long)target_ms);
}

static inline struct hv_conn *conn_open(const char *uri)
{
	struct hv_conn *conn = NULL;
	struct hv_error err = {0};
	int ret = hv_conn_open(uri, on_change, NULL, &conn, &err);

	CHECK_INT(ret, 0, "open %s (%s)", uri, err.message);
	rec.conn = conn;
	return conn;
}

static inline void conn_close(struct hv_conn *conn)
{
	rec.conn = NULL;
	hv_conn_close(conn);
}

static inline struct hv_domain_info domain(struct hv_conn *conn, const char *name)
{
	struct hv_domain_info info = {.state = HV_DOMAIN_NOSTATE, .id = -2};
	struct hv_error err = {0};

	if (hv_domain_info(conn, name, &info, &err) < 0)
		printf("# domain_info %s: %s\n", name, err.message);
	return info;
}

static inline int control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			  struct hv_error *err)
{
	hv_error_clear(err);
	return hv_domain_control(conn, name, command, err);
}

static inline bool list_has(const struct hv_name_list *list, const char *name)
{
	for (size_t i = 0; i < list->count; i++)
		if (strcmp(list->names[i], name) == 0)
			return true;
	return false;
}

static inline char *domain_xml(struct hv_conn *conn, const char *name)
{
	char *xml = NULL;
	struct hv_error err = {0};

	if (hv_domain_get_xml(conn, name, &xml, &err) < 0)
		printf("# get_xml %s: %s\n", name, err.message);
	return xml;
}

/* --- definitions both files use ------------------------------------------- */

static const char web_xml[] = "<domain type='test'>\n"
			      "  <!-- kept as written -->\n"
			      "  <name>web2</name>\n"
			      "  <uuid>3e1c0b7a-9d24-4c61-8f53-a2b6e0d9c417</uuid>\n"
			      "  <memory unit='MiB'>512</memory>\n"
			      "  <vcpu>2</vcpu>\n"
			      "  <os><type>hvm</type></os>\n"
			      "</domain>\n";

static const char web_no_uuid_xml[] = "<domain type='test'>\n"
				      "  <name>web1</name>\n"
				      "  <memory unit='KiB'>262144</memory>\n"
				      "  <vcpu>1</vcpu>\n"
				      "  <os><type>hvm</type></os>\n"
				      "</domain>\n";

#endif
