/* Domains of the test driver: definitions, the lifecycle (through the shared
 * state machine in drivers/lifecycle.c), live tunables and statistics.
 *
 * Every public slot has the same shape: check for an injected fault, take
 * the lock, do the work in a *_locked helper that stages, persists and
 * commits (see test_private.h) and records at most one change, drop the
 * lock, emit the change. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/lifecycle.h"
#include "drivers/test/test_private.h"
#include "util/cleanup.h"
#include "util/log.h"

/* Simulated guest load: each vCPU is busy half of the time. */
#define CPU_TIME_SHARE_NUM 1
#define CPU_TIME_SHARE_DEN 2

static struct test_domain *domain_of(struct test_object *obj)
{
	return obj ? test_container_of(obj, struct test_domain, obj) : NULL;
}

static struct test_domain *domain_lookup(struct test_driver *drv, const char *name, struct hv_error *err)
{
	struct test_domain *dom = domain_of(test_table_find(&drv->domains, name));

	if (!dom)
		hv_error_set(err, ENOENT, "no domain named '%s'", name ? name : "");
	return dom;
}

struct test_domain *test_domain_create(const struct hv_domain_def *def, char *xml)
{
	struct test_domain *dom = calloc(1, sizeof(*dom));

	if (!dom)
		return NULL;
	snprintf(dom->obj.name, sizeof(dom->obj.name), "%s", def->name);
	snprintf(dom->obj.uuid, sizeof(dom->obj.uuid), "%s", def->uuid);
	dom->def = *def;
	dom->xml = xml;
	dom->state = HV_DOMAIN_SHUTOFF;
	dom->id = -1;
	return dom;
}

void test_domain_destroy(struct test_domain *dom)
{
	if (!dom)
		return;
	free(dom->xml);
	free(dom);
}

void test_domain_destroy_object(struct test_object *obj)
{
	test_domain_destroy(domain_of(obj));
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

	for (struct test_object *obj = drv->domains.head; obj; obj = obj->next) {
		const struct test_domain *dom = domain_of(obj);
		if (hv_domain_state_is_active(dom->state))
			total += dom->def.memory_kib;
	}
	return total;
}

void test_domain_boot(struct test_driver *drv, struct test_domain *dom, uint64_t now)
{
	dom->state = HV_DOMAIN_RUNNING;
	dom->id = drv->next_id++;
	dom->running_since_ns = now;
}

/* Persists staged and, only if that worked, makes it the domain.  Consumes
 * staged->xml when it differs from dom->xml. */
static int domain_commit(struct test_driver *drv, struct test_domain *dom, struct test_domain *staged,
			 struct hv_error *err)
{
	int ret = test_persist_domain(drv, staged, err);

	if (ret < 0) {
		if (staged->xml != dom->xml)
			free(staged->xml);
		return ret;
	}
	if (staged->xml != dom->xml)
		free(dom->xml);
	*dom = *staged;
	return 0;
}

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

void test_domain_finish_shutdown(struct test_driver *drv, struct test_domain *dom, struct test_change *change)
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
	if (test_persist_domain(drv, &staged, &err) < 0)
		log_error("domain '%s' shut down, but saving that failed: %s", dom->obj.name, err.message);
	*dom = staged;
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_LIFECYCLE, dom->obj.name, NULL, "stopped",
			"shutdown");
}

/* --- reading -------------------------------------------------------------- */

int test_domain_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_DOMAIN_LIST, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = test_table_list(&drv->domains, out, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

int test_domain_info(struct hv_conn *conn, const char *name, struct hv_domain_info *info,
		     struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_DOMAIN_INFO, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_domain *dom = domain_lookup(drv, name, err);
	if (dom) {
		*info = (struct hv_domain_info){
		    .id = dom->id,
		    .state = dom->state,
		    .memory_kib = dom->def.memory_kib,
		    .max_memory_kib = dom->def.max_memory_kib,
		    .vcpus = dom->def.vcpus,
		    .max_vcpus = dom->def.max_vcpus,
		    .autostart = dom->autostart,
		    .persistent = true,
		};
		snprintf(info->name, sizeof(info->name), "%s", dom->obj.name);
		snprintf(info->uuid, sizeof(info->uuid), "%s", dom->obj.uuid);
		snprintf(info->os_type, sizeof(info->os_type), "%s", dom->def.os_type);
	}
	pthread_mutex_unlock(&drv->lock);
	return dom ? 0 : -ENOENT;
}

int test_domain_stats(struct hv_conn *conn, const char *name, struct hv_domain_stats *stats,
		      struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_DOMAIN_STATS, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_domain *dom = domain_lookup(drv, name, err);
	if (dom) {
		stats->cpu_time_ns = test_domain_cpu_time(dom, test_now_ns());
		/* A paused or stopping guest still holds its memory. */
		stats->memory_rss_kib = hv_domain_state_is_active(dom->state) ? dom->def.memory_kib : 0;
	}
	pthread_mutex_unlock(&drv->lock);
	return dom ? 0 : -ENOENT;
}

int test_domain_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	char *copy = NULL;
	int ret = test_fault(drv, TEST_OP_DOMAIN_GET_XML, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_domain *dom = domain_lookup(drv, name, err);
	if (dom) {
		copy = strdup(dom->xml);
		ret = copy ? 0 : hv_error_set(err, ENOMEM, "out of memory");
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&drv->lock);
	*xml = copy;
	return ret;
}

/* --- definitions ---------------------------------------------------------- */

/* Adds a new shut-off domain; consumes text. */
static int domain_add(struct test_driver *drv, const struct hv_domain_def *def, char *text,
		      struct test_change *change, struct hv_error *err)
{
	struct test_domain *dom = test_domain_create(def, text);
	int ret;

	if (!dom) {
		free(text);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ret = test_table_add(&drv->domains, &dom->obj);
	if (ret < 0) {
		test_domain_destroy(dom);
		return hv_error_set(err, -ret, "cannot add domain '%s'", def->name);
	}
	ret = test_persist_domain(drv, dom, err);
	if (ret < 0) {
		test_table_remove(&drv->domains, &dom->obj);
		test_domain_destroy(dom);
		return ret;
	}
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_CREATED, def->name, NULL, NULL, NULL);
	return 0;
}

static int domain_define_default_locked(struct test_driver *drv, const char *name, struct test_change *change,
					struct hv_error *err)
{
	char uuid[HV_UUID_STRLEN + 1];
	struct hv_domain_def def;
	char *text = NULL;
	int ret;

	if (test_table_find(&drv->domains, name))
		return hv_error_set(err, EEXIST, "domain '%s' already exists", name);
	ret = test_table_fresh_uuid(&drv->domains, uuid, err);
	if (ret < 0)
		return ret;
	ret = hv_domain_xml_default(name, uuid, "test", &text);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot build a default definition for domain '%s'", name);
	ret = hv_domain_def_parse(text, strlen(text), name, &def, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	return domain_add(drv, &def, text, change, err);
}

/* def was parsed from xml (outside the lock); settles its UUID against the
 * model and stores the text. */
static int domain_define_xml_locked(struct test_driver *drv, const char *name, const char *xml, size_t len,
				    struct hv_domain_def *def, struct test_change *change,
				    struct hv_error *err)
{
	struct test_domain *dom = domain_of(test_table_find(&drv->domains, name));
	bool uuid_missing = def->uuid[0] == '\0';
	char *text = NULL;
	int ret;

	if (!uuid_missing) {
		struct test_domain *other = domain_of(test_table_find_uuid(&drv->domains, def->uuid));
		if (other && other != dom)
			return hv_error_set(err, EEXIST, "UUID %s is already used by domain '%s'", def->uuid,
					    other->obj.name);
		if (dom && strcmp(dom->obj.uuid, def->uuid) != 0)
			return hv_error_set(err, EEXIST, "domain '%s' already exists with UUID %s", name,
					    dom->obj.uuid);
	} else if (dom) {
		snprintf(def->uuid, sizeof(def->uuid), "%s", dom->obj.uuid);
	} else {
		ret = test_table_fresh_uuid(&drv->domains, def->uuid, err);
		if (ret < 0)
			return ret;
	}

	if (dom && hv_domain_state_is_active(dom->state)) {
		if (def->max_memory_kib != dom->def.max_memory_kib)
			return hv_error_set(err, EBUSY,
					    "max_memory can only change while the domain is shut off");
		if (def->max_vcpus != dom->def.max_vcpus)
			return hv_error_set(err, EBUSY,
					    "max_vcpus can only change while the domain is shut off");
	}

	/* The user's text is kept as written; only a missing UUID is filled
	 * in, so that config.xml shows the one the domain really has. */
	if (uuid_missing) {
		ret = hv_domain_xml_update(xml, len, def, &text, err);
		if (ret < 0)
			return ret;
	} else {
		text = strndup(xml, len);
		if (!text)
			return hv_error_set(err, ENOMEM, "out of memory");
	}

	if (!dom)
		return domain_add(drv, def, text, change, err);

	struct test_domain staged = *dom;
	domain_accrue(&staged, test_now_ns());
	staged.def = *def;
	staged.xml = text;
	ret = domain_commit(drv, dom, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

int test_domain_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		       struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	struct hv_domain_def def;
	int ret = test_fault(drv, TEST_OP_DOMAIN_DEFINE, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "invalid domain name '%.80s'", name ? name : "");
	/* Parsing and validation need no model: keep them outside the lock. */
	if (xml) {
		ret = hv_domain_def_parse(xml, len, name, &def, err);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_lock(&drv->lock);
	if (xml)
		ret = domain_define_xml_locked(drv, name, xml, len, &def, &change, err);
	else
		ret = domain_define_default_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

static int domain_undefine_locked(struct test_driver *drv, const char *name, struct test_change *change,
				  struct hv_error *err)
{
	struct test_domain *dom = domain_lookup(drv, name, err);
	int ret;

	if (!dom)
		return -ENOENT;
	if (hv_domain_state_is_active(dom->state))
		return hv_error_set(err, EBUSY, "domain is running");
	ret = test_persist_remove(drv, HV_KIND_DOMAIN, name, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_DELETED, name, NULL, NULL, NULL);
	test_table_remove(&drv->domains, &dom->obj);
	test_domain_destroy(dom);
	return 0;
}

int test_domain_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_DOMAIN_UNDEFINE, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = domain_undefine_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* Rename on disk is "write the new file, then remove the old one": a crash
 * in between leaves two files with one UUID, and the loader keeps the
 * first it reads; the rename then simply did not happen or did. */
static int domain_rename_locked(struct test_driver *drv, const char *name, const char *new_name,
				struct test_change *change, struct hv_error *err)
{
	struct test_domain *dom = domain_lookup(drv, name, err);
	char *text = NULL;
	int ret;

	if (!dom)
		return -ENOENT;
	if (strcmp(name, new_name) == 0)
		return 0;
	if (hv_domain_state_is_active(dom->state))
		return hv_error_set(err, EBUSY, "domain is running");
	if (test_table_find(&drv->domains, new_name))
		return hv_error_set(err, EEXIST, "domain '%s' already exists", new_name);

	struct test_domain staged = *dom;
	snprintf(staged.def.name, sizeof(staged.def.name), "%s", new_name);
	snprintf(staged.obj.name, sizeof(staged.obj.name), "%s", new_name);
	ret = hv_domain_xml_update(dom->xml, strlen(dom->xml), &staged.def, &text, err);
	if (ret < 0)
		return ret;
	staged.xml = text;
	ret = test_persist_domain(drv, &staged, err);
	if (ret < 0)
		goto fail;
	ret = test_table_rename(&drv->domains, &dom->obj, new_name);
	if (ret < 0) {
		hv_error_set(err, -ret, "out of memory");
		goto fail_file;
	}
	ret = test_persist_remove(drv, HV_KIND_DOMAIN, name, err);
	if (ret < 0) {
		if (test_table_rename(&drv->domains, &dom->obj, name) < 0)
			log_error("domain '%s': cannot restore its name after a failed rename", new_name);
		goto fail_file;
	}
	free(dom->xml);
	*dom = staged;
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_RENAMED, name, new_name, NULL, NULL);
	return 0;

fail_file:
	test_persist_remove(drv, HV_KIND_DOMAIN, new_name, NULL);
fail:
	free(text);
	return ret;
}

int test_domain_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_DOMAIN_RENAME, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(new_name))
		return hv_error_set(err, EINVAL, "invalid domain name '%.80s'", new_name ? new_name : "");
	pthread_mutex_lock(&drv->lock);
	ret = domain_rename_locked(drv, name, new_name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* --- the lifecycle -------------------------------------------------------- */

static int domain_control_locked(struct test_driver *drv, const char *name, enum hv_domain_command command,
				 struct test_change *change, struct hv_error *err)
{
	struct test_domain *dom = domain_lookup(drv, name, err);
	struct hv_transition next;
	uint64_t now = test_now_ns();
	int ret;

	if (!dom)
		return -ENOENT;
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
	ret = domain_commit(drv, dom, &staged, err);
	if (ret < 0)
		return ret;
	if (is_active && !was_active)
		drv->next_id++;

	shutdown_dequeue(drv, dom);
	if (next.next == HV_DOMAIN_SHUTDOWN)
		shutdown_enqueue(drv, dom, now + (uint64_t)drv->shutdown_delay_ms * 1000000ULL);
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_LIFECYCLE, name, NULL, next.event, next.detail);
	return 0;
}

int test_domain_control(struct hv_conn *conn, const char *name, enum hv_domain_command command,
			struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_DOMAIN_CONTROL, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = domain_control_locked(drv, name, command, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* --- tunables ------------------------------------------------------------- */

enum domain_tunable {
	TUNE_AUTOSTART,
	TUNE_MAX_MEMORY,
	TUNE_MAX_VCPUS,
	TUNE_MEMORY,
	TUNE_VCPUS,
};

/* Checks value against the domain's state and bounds and fills *def with
 * the definition that results.  Returns 1 when nothing would change. */
static int tunable_apply(const struct test_domain *dom, enum domain_tunable tunable, uint64_t value,
			 struct hv_domain_def *def, struct hv_error *err)
{
	bool shut_off = !hv_domain_state_is_active(dom->state);

	*def = dom->def;
	switch (tunable) {
	case TUNE_AUTOSTART:
		return dom->autostart == (value != 0);
	case TUNE_MAX_MEMORY:
		/* Writing back the value it has is no change, so configuration
		 * tools that rewrite every file keep working on a running domain. */
		if (value == def->max_memory_kib)
			return 1;
		if (!shut_off)
			return hv_error_set(err, EBUSY,
					    "max_memory can only change while the domain is shut off");
		if (value < 1)
			return hv_error_set(err, EINVAL, "max_memory must be at least 1 KiB");
		def->max_memory_kib = value;
		if (def->memory_kib > value)
			def->memory_kib = value;
		break;
	case TUNE_MAX_VCPUS:
		if (value == def->max_vcpus)
			return 1;
		if (!shut_off)
			return hv_error_set(err, EBUSY,
					    "max_vcpus can only change while the domain is shut off");
		if (value < 1 || value > TEST_VCPUS_MAX)
			return hv_error_set(err, EINVAL, "max_vcpus %llu is not between 1 and %d",
					    (unsigned long long)value, TEST_VCPUS_MAX);
		def->max_vcpus = (unsigned)value;
		if (def->vcpus > value)
			def->vcpus = (unsigned)value;
		break;
	case TUNE_MEMORY:
		if (value < 1)
			return hv_error_set(err, EINVAL, "memory must be at least 1 KiB");
		if (value > def->max_memory_kib)
			return hv_error_set(err, EINVAL, "memory %llu KiB exceeds max_memory %llu KiB",
					    (unsigned long long)value,
					    (unsigned long long)def->max_memory_kib);
		def->memory_kib = value;
		break;
	case TUNE_VCPUS:
		if (value < 1)
			return hv_error_set(err, EINVAL, "vcpus must be at least 1");
		if (value > def->max_vcpus)
			return hv_error_set(err, EINVAL, "vcpus %llu exceeds max_vcpus %u",
					    (unsigned long long)value, def->max_vcpus);
		def->vcpus = (unsigned)value;
		break;
	}
	return def->memory_kib == dom->def.memory_kib && def->max_memory_kib == dom->def.max_memory_kib &&
	       def->vcpus == dom->def.vcpus && def->max_vcpus == dom->def.max_vcpus;
}

static int domain_tune_locked(struct test_driver *drv, const char *name, enum domain_tunable tunable,
			      uint64_t value, struct test_change *change, struct hv_error *err)
{
	struct test_domain *dom = domain_lookup(drv, name, err);
	struct hv_domain_def def;
	int ret;

	if (!dom)
		return -ENOENT;
	ret = tunable_apply(dom, tunable, value, &def, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;

	struct test_domain staged = *dom;
	if (tunable == TUNE_AUTOSTART) {
		staged.autostart = value != 0;
	} else {
		ret = hv_domain_xml_update(dom->xml, strlen(dom->xml), &def, &staged.xml, err);
		if (ret < 0)
			return ret;
		domain_accrue(&staged, test_now_ns());
		staged.def = def;
	}
	ret = domain_commit(drv, dom, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_DOMAIN, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

static int domain_tune(struct hv_conn *conn, enum test_op op, const char *name, enum domain_tunable tunable,
		       uint64_t value, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, op, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = domain_tune_locked(drv, name, tunable, value, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

int test_domain_set_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MEMORY, name, TUNE_MEMORY, kib, err);
}

int test_domain_set_max_memory(struct hv_conn *conn, const char *name, uint64_t kib, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MAX_MEMORY, name, TUNE_MAX_MEMORY, kib, err);
}

int test_domain_set_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_VCPUS, name, TUNE_VCPUS, vcpus, err);
}

int test_domain_set_max_vcpus(struct hv_conn *conn, const char *name, unsigned vcpus, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_MAX_VCPUS, name, TUNE_MAX_VCPUS, vcpus, err);
}

int test_domain_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	return domain_tune(conn, TEST_OP_DOMAIN_SET_AUTOSTART, name, TUNE_AUTOSTART, autostart, err);
}
