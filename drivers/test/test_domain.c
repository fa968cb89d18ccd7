/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Domains of the test driver: the lifecycle (through the shared state
 * machine in drivers/lifecycle.c), live tunables, statistics, and the rules
 * a domain's definition must follow while it runs.  What domains do like
 * every kind (define, undefine, rename, autostart) is in
 * drivers/object_kind.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/lifecycle.h"
#include "drivers/test/test_private.h"
#include "drivers/tunables.h"
#include "util/log.h"

/* Simulated guest load: each vCPU is busy half of the time. */
#define CPU_TIME_SHARE_NUM 1
#define CPU_TIME_SHARE_DEN 2

static struct test_domain *domain_of(struct hv_object *obj)
{
	return obj ? test_container_of(obj, struct test_domain, obj) : NULL;
}

static const struct test_domain *domain_of_const(const struct hv_object *obj)
{
	return test_container_of(obj, const struct test_domain, obj);
}

/* States in which the simulated guest burns CPU time. */
static bool state_accrues(enum hv_domain_state state)
{
	return state == HV_DOMAIN_RUNNING || state == HV_DOMAIN_BLOCKED || state == HV_DOMAIN_SHUTDOWN;
}

uint64_t test_domain_cpu_time(const struct test_domain *dom, uint64_t now)
{
	uint64_t total = dom->cpu_time_ns;

	if (dom->running_since_ns && now > dom->running_since_ns)
		total +=
		    (now - dom->running_since_ns) * dom->def.vcpus * CPU_TIME_SHARE_NUM / CPU_TIME_SHARE_DEN;
	return total;
}

/* Closes the current accounting period, so that a change of vcpus or of
 * state only affects time from now on. */
static void domain_accrue(struct test_domain *dom, uint64_t now)
{
	dom->cpu_time_ns = test_domain_cpu_time(dom, now);
	if (dom->running_since_ns)
		dom->running_since_ns = now;
}

uint64_t test_domains_active_memory(const struct test_driver *drv)
{
	uint64_t total = 0;

	for (const struct hv_object *obj = drv->domains.head; obj; obj = obj->next) {
		const struct test_domain *dom = domain_of_const(obj);
		if (hv_domain_state_is_active(dom->state))
			total += dom->def.memory_kib;
	}
	return total;
}

/* --- the kind ------------------------------------------------------------- */

static bool domain_is_active(const struct hv_object *obj)
{
	return hv_domain_state_is_active(domain_of_const(obj)->state);
}

static void domain_boot(void *driver, struct hv_object *obj, uint64_t now)
{
	struct test_driver *drv = driver;
	struct test_domain *dom = domain_of(obj);

	dom->state = HV_DOMAIN_RUNNING;
	dom->id = drv->next_id++;
	dom->running_since_ns = now;
}

static void domain_init(struct hv_object *obj, const void *def_arg)
{
	const union test_def *def = def_arg;
	struct test_domain *dom = domain_of(obj);

	dom->def = def->domain;
	dom->state = HV_DOMAIN_SHUTOFF;
	dom->id = -1;
}

static int domain_parse(const char *xml, size_t len, const char *name, bool stored, void *def_arg,
			struct hv_error *err)
{
	union test_def *def = def_arg;
	return stored ? hv_domain_def_parse_stored(xml, len, name, &def->domain, err)
		      : hv_domain_def_parse(xml, len, name, &def->domain, err);
}

static void domain_identity(void *def_arg, char **name, char **uuid)
{
	union test_def *def = def_arg;
	*name = def->domain.name;
	*uuid = def->domain.uuid;
}

static int domain_xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	return hv_domain_xml_default(name, uuid, "test", out);
}

/* A running domain's maxima are fixed; its live values follow. */
static int domain_check(void *driver, const struct hv_object *existing, const void *def_arg,
			struct hv_error *err)
{
	const union test_def *def = def_arg;
	const struct test_domain *dom = existing ? domain_of_const(existing) : NULL;

	if (!dom || !hv_domain_state_is_active(dom->state))
		return 0;
	if (def->domain.max_memory_kib != dom->def.max_memory_kib)
		return hv_error_set(err, EBUSY, "max_memory can only change while the domain is shut off");
	if (def->domain.max_vcpus != dom->def.max_vcpus)
		return hv_error_set(err, EBUSY, "max_vcpus can only change while the domain is shut off");
	return 0;
}

static uint32_t domain_redefine(struct hv_object *staged, const void *def_arg)
{
	const union test_def *def = def_arg;
	struct test_domain *dom = domain_of(staged);
	uint32_t fields = hv_domain_def_fields(&dom->def, &def->domain);

	domain_accrue(dom, test_now_ns());
	dom->def = def->domain;
	return fields;
}

static int domain_rename(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct test_domain *dom = domain_of(staged);

	snprintf(dom->def.name, sizeof(dom->def.name), "%s", new_name);
	return hv_domain_xml_update(staged->xml, strlen(staged->xml), &dom->def, text, err);
}

const struct hv_kind_ops test_domain_kind = {
    .kind = HV_KIND_DOMAIN,
    .size = sizeof(struct test_domain),
    .def_size = sizeof(union test_def),
    .table_offset = offsetof(struct test_driver, domains),
    .op =
	{
	    .define = TEST_OP_DOMAIN_DEFINE,
	    .get_xml = TEST_OP_DOMAIN_GET_XML,
	    .list = TEST_OP_DOMAIN_LIST,
	    .rename = TEST_OP_DOMAIN_RENAME,
	    .set_autostart = TEST_OP_DOMAIN_SET_AUTOSTART,
	    .undefine = TEST_OP_DOMAIN_UNDEFINE,
	},
    .boot = domain_boot,
    .check = domain_check,
    .identity = domain_identity,
    .init = domain_init,
    .is_active = domain_is_active,
    .parse = domain_parse,
    .redefine = domain_redefine,
    .rename = domain_rename,
    .xml_default = domain_xml_default,
    .adopt = test_devices_adopt,
    .adopt_end = test_devices_adopt_end,
    .forget = test_devices_forget,
    .renamed = test_devices_renamed,
};

/* --- pending shutdowns ---------------------------------------------------- */

static void shutdown_enqueue(struct test_driver *drv, struct test_domain *dom, uint64_t deadline)
{
	dom->shutdown_deadline_ns = deadline;
	dom->shutdown_queued = true;
	dom->shutdown_next = NULL;
	dom->shutdown_prev = drv->shutdown_tail;
	if (drv->shutdown_tail)
		drv->shutdown_tail->shutdown_next = dom;
	else
		drv->shutdown_head = dom;
	drv->shutdown_tail = dom;
	pthread_cond_signal(&drv->timer_cond);
}

static void shutdown_dequeue(struct test_driver *drv, struct test_domain *dom)
{
	if (!dom->shutdown_queued)
		return;
	if (dom->shutdown_prev)
		dom->shutdown_prev->shutdown_next = dom->shutdown_next;
	else
		drv->shutdown_head = dom->shutdown_next;
	if (dom->shutdown_next)
		dom->shutdown_next->shutdown_prev = dom->shutdown_prev;
	else
		drv->shutdown_tail = dom->shutdown_prev;
	dom->shutdown_prev = dom->shutdown_next = NULL;
	dom->shutdown_queued = false;
}

void test_domain_finish_shutdown(struct test_driver *drv, struct test_domain *dom,
				 struct hv_change_batch *changes)
{
	struct hv_error err = {0};
	uint64_t now = test_now_ns();

	/* Dequeue before staging: the commit below copies the queue links. */
	shutdown_dequeue(drv, dom);
	struct test_domain staged = *dom;
	domain_accrue(&staged, now);
	staged.state = HV_DOMAIN_SHUTOFF;
	staged.id = -1;
	staged.running_since_ns = 0;
	if (test_persist_object(drv, HV_KIND_DOMAIN, &staged.obj, &err) < 0)
		log_error("domain '%s' shut down, but saving that failed: %s", dom->obj.name, err.message);
	*dom = staged;
	hv_batch_lifecycle(changes, HV_KIND_DOMAIN, dom->obj.name, "stopped", "shutdown",
			   HV_FIELD_STATE | HV_FIELD_ID);
	test_leases_release(drv, dom->obj.name, NULL, changes);
}

/* --- reading -------------------------------------------------------------- */

static int domain_info_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			      void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct test_domain *dom = domain_of(obj);
	struct hv_domain_info *info = args;

	*info = (struct hv_domain_info){
	    .id = dom->id,
	    .state = dom->state,
	    .memory_kib = dom->def.memory_kib,
	    .max_memory_kib = dom->def.max_memory_kib,
	    .vcpus = dom->def.vcpus,
	    .max_vcpus = dom->def.max_vcpus,
	    .autostart = obj->autostart,
	    .persistent = true,
	};
	snprintf(info->name, sizeof(info->name), "%s", obj->name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", obj->uuid);
	snprintf(info->os_type, sizeof(info->os_type), "%s", dom->def.os_type);
	return 0;
}

int test_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		     struct hv_error *err)
{
	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_INFO, name, domain_info_locked, info,
			      err);
}

static int domain_stats_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			       void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct test_domain *dom = domain_of(obj);
	struct hv_domain_stats *stats = args;

	stats->cpu_time_ns = test_domain_cpu_time(dom, test_now_ns());
	/* A paused or stopping guest still holds its memory. */
	stats->memory_rss_kib = hv_domain_state_is_active(dom->state) ? dom->def.memory_kib : 0;
	return 0;
}

int test_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		      struct hv_error *err)
{
	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_STATS, name, domain_stats_locked, stats,
			      err);
}

/* The slots every kind has: list, get_xml, define, undefine, rename and
 * set_autostart, in drivers/object_kind.c. */
TEST_KIND_SLOTS(domain)

/* --- the lifecycle -------------------------------------------------------- */

/* Every transition is reported on the state, even a reboot that leaves
 * the word "running" as it was, and on the id when it comes or goes. */
static int domain_control_locked(struct test_driver *drv, const struct hv_kind_ops *ops,
				 struct hv_object *obj, void *args, struct hv_change_batch *changes,
				 struct hv_error *err)
{
	enum hv_domain_command command = *(enum hv_domain_command *)args;
	struct test_domain *dom = domain_of(obj);
	struct hv_transition next;
	uint64_t now = test_now_ns();
	uint32_t fields = HV_FIELD_STATE;
	int ret;

	ret = hv_lifecycle_next(dom->state, command, &next, err);
	if (ret < 0)
		return ret;

	bool was_active = hv_domain_state_is_active(dom->state);
	bool is_active = hv_domain_state_is_active(next.next);
	struct test_domain staged = *dom;
	domain_accrue(&staged, now);
	staged.state = next.next;
	if (!is_active)
		staged.id = -1;
	else if (!was_active)
		staged.id = drv->next_id;
	staged.running_since_ns = state_accrues(next.next) ? now : 0;
	if (staged.id != dom->id)
		fields |= HV_FIELD_ID;
	ret = hv_kind_commit(&drv->kinds, ops, obj, &staged.obj, err);
	if (ret < 0)
		return ret;
	if (is_active && !was_active)
		drv->next_id++;

	shutdown_dequeue(drv, dom);
	if (next.next == HV_DOMAIN_SHUTDOWN)
		shutdown_enqueue(drv, dom, now + (uint64_t)drv->shutdown_delay_ms * 1000000ULL);
	hv_batch_lifecycle(changes, HV_KIND_DOMAIN, obj->name, next.event, next.detail, fields);
	/* The guest's DHCP client asks when it boots; a stopped guest's lease
	 * is released (a reboot keeps it). */
	if (is_active && !was_active)
		test_leases_acquire(drv, dom, changes);
	else if (was_active && !is_active)
		test_leases_release(drv, obj->name, NULL, changes);
	return 0;
}

int test_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			struct hv_error *err)
{
	return test_kind_call(conn, &test_domain_kind, TEST_OP_DOMAIN_CONTROL, name, domain_control_locked,
			      &command, err);
}

/* --- tunables ------------------------------------------------------------- */

struct tune_args {
	enum hv_tunable tunable;
	uint64_t value;
};

/* Checks value against the domain's state and bounds (drivers/tunables.c)
 * and fills *def with the definition that results.  Returns 1 when nothing
 * would change. */
static int tunable_apply(const struct test_domain *dom, enum hv_tunable tunable, uint64_t value,
			 struct hv_domain_def *def, struct hv_error *err)
{
	static const struct hv_tunable_limits limits = {.min_memory_kib = 1, .max_vcpus = TEST_VCPUS_MAX};

	*def = dom->def;
	return hv_tunable_apply(def, hv_domain_state_is_active(dom->state), tunable, value, &limits, err);
}

/* A tunable is part of the definition: config.xml changes with it. */
static int domain_tune_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			      void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct tune_args *tune = args;
	struct test_domain *dom = domain_of(obj);
	struct hv_domain_def def;
	uint32_t fields;
	int ret;

	ret = tunable_apply(dom, tune->tunable, tune->value, &def, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;

	struct test_domain staged = *dom;
	ret = hv_domain_xml_update(obj->xml, strlen(obj->xml), &def, &staged.obj.xml, err);
	if (ret < 0)
		return ret;
	domain_accrue(&staged, test_now_ns());
	staged.def = def;
	fields = HV_FIELD_CONFIG | hv_domain_def_fields(&dom->def, &def);
	ret = hv_kind_commit(&drv->kinds, ops, obj, &staged.obj, err);
	if (ret < 0)
		return ret;
	hv_batch_modified(changes, HV_KIND_DOMAIN, obj->name, fields);
	return 0;
}

static int domain_tune(struct hv_conn *conn, enum test_op op, const char *name, enum hv_tunable tunable,
		       uint64_t value, struct hv_error *err)
{
	struct tune_args args = {.tunable = tunable, .value = value};

	return test_kind_call(conn, &test_domain_kind, op, name, domain_tune_locked, &args, err);
}

int test_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MEMORY, name, HV_TUNABLE_MEMORY, kib, err);
}

int test_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MAX_MEMORY, name, HV_TUNABLE_MAX_MEMORY, kib, err);
}

int test_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_VCPUS, name, HV_TUNABLE_VCPUS, vcpus, err);
}

int test_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MAX_VCPUS, name, HV_TUNABLE_MAX_VCPUS, vcpus, err);
}
