/* Storage pools of the test driver.  States are libvirt's; the simulation
 * uses inactive and running (build and delete complete at once), and sizes
 * are simulated: taken from the definition when it states them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"
#include "util/cleanup.h"
#include "util/log.h"

#define SIMULATED_CAPACITY (100ULL << 30)
#define DEFAULT_TARGET_DIR "/var/lib/hvfs/pools"

static struct test_pool *pool_of(struct test_object *obj)
{
	return obj ? test_container_of(obj, struct test_pool, obj) : NULL;
}

static struct test_pool *pool_lookup(struct test_driver *drv, const char *name, struct hv_error *err)
{
	struct test_pool *pool = pool_of(test_table_find(&drv->pools, name));

	if (!pool)
		hv_error_set(err, ENOENT, "no pool named '%s'", name ? name : "");
	return pool;
}

static bool pool_is_active(const struct test_pool *pool)
{
	return pool->state != HV_POOL_INACTIVE;
}

/* Sizes stated by the definition win; a definition without them gets an
 * empty simulated disk. */
static void pool_take_sizes(struct test_pool *pool, const struct hv_pool_def *def)
{
	if (def->capacity > 0) {
		pool->capacity = def->capacity;
		pool->allocation = def->allocation;
		pool->available = def->available		    ? def->available
				  : def->capacity > def->allocation ? def->capacity - def->allocation
								    : 0;
	} else if (pool->capacity == 0) {
		pool->capacity = SIMULATED_CAPACITY;
		pool->allocation = 0;
		pool->available = SIMULATED_CAPACITY;
	}
}

struct test_pool *test_pool_create(const struct hv_pool_def *def, char *xml)
{
	struct test_pool *pool = calloc(1, sizeof(*pool));

	if (!pool)
		return NULL;
	snprintf(pool->obj.name, sizeof(pool->obj.name), "%s", def->name);
	snprintf(pool->obj.uuid, sizeof(pool->obj.uuid), "%s", def->uuid);
	pool->def = *def;
	pool->xml = xml;
	pool->state = HV_POOL_INACTIVE;
	pool_take_sizes(pool, def);
	return pool;
}

void test_pool_destroy_object(struct test_object *obj)
{
	struct test_pool *pool = pool_of(obj);

	if (!pool)
		return;
	free(pool->xml);
	free(pool);
}

/* Persists staged and, only if that worked, makes it the pool.  Consumes
 * staged->xml when it differs from pool->xml. */
static int pool_commit(struct test_driver *drv, struct test_pool *pool, struct test_pool *staged,
		       struct hv_error *err)
{
	int ret = test_persist_pool(drv, staged, err);

	if (ret < 0) {
		if (staged->xml != pool->xml)
			free(staged->xml);
		return ret;
	}
	if (staged->xml != pool->xml)
		free(pool->xml);
	*pool = *staged;
	return 0;
}

/* --- reading -------------------------------------------------------------- */

int test_pool_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_POOL_LIST, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = test_table_list(&drv->pools, out, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

int test_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_POOL_INFO, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_pool *pool = pool_lookup(drv, name, err);
	if (pool) {
		*info = (struct hv_pool_info){
		    .state = pool->state,
		    .autostart = pool->autostart,
		    .persistent = true,
		    .capacity = pool->capacity,
		    .allocation = pool->allocation,
		    .available = pool->available,
		};
		snprintf(info->name, sizeof(info->name), "%s", pool->obj.name);
		snprintf(info->uuid, sizeof(info->uuid), "%s", pool->obj.uuid);
		snprintf(info->type, sizeof(info->type), "%s", pool->def.type);
	}
	pthread_mutex_unlock(&drv->lock);
	return pool ? 0 : -ENOENT;
}

int test_pool_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	char *copy = NULL;
	int ret = test_fault(drv, TEST_OP_POOL_GET_XML, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_pool *pool = pool_lookup(drv, name, err);
	if (pool) {
		copy = strdup(pool->xml);
		ret = copy ? 0 : hv_error_set(err, ENOMEM, "out of memory");
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&drv->lock);
	*xml = copy;
	return ret;
}

/* --- definitions ---------------------------------------------------------- */

static int pool_add(struct test_driver *drv, const struct hv_pool_def *def, char *text,
		    struct test_change *change, struct hv_error *err)
{
	struct test_pool *pool = test_pool_create(def, text);
	int ret;

	if (!pool) {
		free(text);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ret = test_table_add(&drv->pools, &pool->obj);
	if (ret < 0) {
		test_pool_destroy_object(&pool->obj);
		return hv_error_set(err, -ret, "cannot add pool '%s'", def->name);
	}
	ret = test_persist_pool(drv, pool, err);
	if (ret < 0) {
		test_table_remove(&drv->pools, &pool->obj);
		test_pool_destroy_object(&pool->obj);
		return ret;
	}
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_CREATED, def->name, NULL, NULL, NULL);
	return 0;
}

static int pool_define_default_locked(struct test_driver *drv, const char *name, struct test_change *change,
				      struct hv_error *err)
{
	char uuid[HV_UUID_STRLEN + 1], target[sizeof(DEFAULT_TARGET_DIR) + HV_NAME_MAX + 1];
	struct hv_pool_def def;
	char *text = NULL;
	int ret;

	if (test_table_find(&drv->pools, name))
		return hv_error_set(err, EEXIST, "pool '%s' already exists", name);
	ret = test_table_fresh_uuid(&drv->pools, uuid, err);
	if (ret < 0)
		return ret;
	snprintf(target, sizeof(target), "%s/%s", DEFAULT_TARGET_DIR, name);
	ret = hv_pool_xml_default(name, uuid, target, &text);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot build a default definition for pool '%s'", name);
	ret = hv_pool_def_parse(text, strlen(text), name, &def, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	return pool_add(drv, &def, text, change, err);
}

static int pool_define_xml_locked(struct test_driver *drv, const char *name, const char *xml, size_t len,
				  struct hv_pool_def *def, struct test_change *change, struct hv_error *err)
{
	struct test_pool *pool = pool_of(test_table_find(&drv->pools, name));
	bool uuid_missing = def->uuid[0] == '\0';
	char *text = NULL;
	int ret;

	if (!uuid_missing) {
		struct test_pool *other = pool_of(test_table_find_uuid(&drv->pools, def->uuid));
		if (other && other != pool)
			return hv_error_set(err, EEXIST, "UUID %s is already used by pool '%s'", def->uuid,
					    other->obj.name);
		if (pool && strcmp(pool->obj.uuid, def->uuid) != 0)
			return hv_error_set(err, EEXIST, "pool '%s' already exists with UUID %s", name,
					    pool->obj.uuid);
	} else if (pool) {
		snprintf(def->uuid, sizeof(def->uuid), "%s", pool->obj.uuid);
	} else {
		ret = test_table_fresh_uuid(&drv->pools, def->uuid, err);
		if (ret < 0)
			return ret;
	}

	if (uuid_missing) {
		ret = hv_pool_xml_update(xml, len, def, &text, err);
		if (ret < 0)
			return ret;
	} else {
		text = strndup(xml, len);
		if (!text)
			return hv_error_set(err, ENOMEM, "out of memory");
	}
	if (!pool)
		return pool_add(drv, def, text, change, err);

	struct test_pool staged = *pool;
	staged.def = *def;
	staged.xml = text;
	pool_take_sizes(&staged, def);
	ret = pool_commit(drv, pool, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

int test_pool_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
		     struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	struct hv_pool_def def;
	int ret = test_fault(drv, TEST_OP_POOL_DEFINE, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "invalid pool name '%.80s'", name ? name : "");
	if (xml) {
		ret = hv_pool_def_parse(xml, len, name, &def, err);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_lock(&drv->lock);
	if (xml)
		ret = pool_define_xml_locked(drv, name, xml, len, &def, &change, err);
	else
		ret = pool_define_default_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

static int pool_undefine_locked(struct test_driver *drv, const char *name, struct test_change *change,
				struct hv_error *err)
{
	struct test_pool *pool = pool_lookup(drv, name, err);
	int ret;

	if (!pool)
		return -ENOENT;
	if (pool_is_active(pool))
		return hv_error_set(err, EBUSY, "pool is active");
	ret = test_persist_remove(drv, HV_KIND_POOL, name, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_DELETED, name, NULL, NULL, NULL);
	test_table_remove(&drv->pools, &pool->obj);
	test_pool_destroy_object(&pool->obj);
	return 0;
}

int test_pool_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_POOL_UNDEFINE, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = pool_undefine_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* Same order as domains: new file, re-index, remove the old file. */
static int pool_rename_locked(struct test_driver *drv, const char *name, const char *new_name,
			      struct test_change *change, struct hv_error *err)
{
	struct test_pool *pool = pool_lookup(drv, name, err);
	char *text = NULL;
	int ret;

	if (!pool)
		return -ENOENT;
	if (strcmp(name, new_name) == 0)
		return 0;
	if (pool_is_active(pool))
		return hv_error_set(err, EBUSY, "pool is active");
	if (test_table_find(&drv->pools, new_name))
		return hv_error_set(err, EEXIST, "pool '%s' already exists", new_name);

	struct test_pool staged = *pool;
	snprintf(staged.def.name, sizeof(staged.def.name), "%s", new_name);
	snprintf(staged.obj.name, sizeof(staged.obj.name), "%s", new_name);
	ret = hv_pool_xml_update(pool->xml, strlen(pool->xml), &staged.def, &text, err);
	if (ret < 0)
		return ret;
	staged.xml = text;
	ret = test_persist_pool(drv, &staged, err);
	if (ret < 0)
		goto fail;
	ret = test_table_rename(&drv->pools, &pool->obj, new_name);
	if (ret < 0) {
		hv_error_set(err, -ret, "out of memory");
		goto fail_file;
	}
	ret = test_persist_remove(drv, HV_KIND_POOL, name, err);
	if (ret < 0) {
		if (test_table_rename(&drv->pools, &pool->obj, name) < 0)
			log_error("pool '%s': cannot restore its name after a failed rename", new_name);
		goto fail_file;
	}
	free(pool->xml);
	*pool = staged;
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_RENAMED, name, new_name, NULL, NULL);
	return 0;

fail_file:
	test_persist_remove(drv, HV_KIND_POOL, new_name, NULL);
fail:
	free(text);
	return ret;
}

int test_pool_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_POOL_RENAME, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(new_name))
		return hv_error_set(err, EINVAL, "invalid pool name '%.80s'", new_name ? new_name : "");
	pthread_mutex_lock(&drv->lock);
	ret = pool_rename_locked(drv, name, new_name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* --- control and autostart ------------------------------------------------ */

/* libvirt's storage pool event words: build and delete are "created" and
 * "deleted" (of the pool's storage, not of the definition). */
static int pool_control_locked(struct test_driver *drv, const char *name, enum hv_pool_command command,
			       struct test_change *change, struct hv_error *err)
{
	struct test_pool *pool = pool_lookup(drv, name, err);
	const char *event;
	int ret;

	if (!pool)
		return -ENOENT;
	struct test_pool staged = *pool;
	switch (command) {
	case HV_POOL_CMD_BUILD:
		if (pool_is_active(pool))
			return hv_error_set(err, EBUSY, "pool is active");
		event = "created";
		break;
	case HV_POOL_CMD_START:
		if (pool_is_active(pool))
			return hv_error_set(err, EBUSY, "pool is already active");
		staged.state = HV_POOL_RUNNING;
		event = "started";
		break;
	case HV_POOL_CMD_STOP:
		if (!pool_is_active(pool))
			return hv_error_set(err, EBUSY, "pool is not active");
		staged.state = HV_POOL_INACTIVE;
		event = "stopped";
		break;
	case HV_POOL_CMD_REFRESH:
		if (pool->state != HV_POOL_RUNNING)
			return hv_error_set(err, EBUSY, "pool is not active");
		event = "refreshed";
		break;
	case HV_POOL_CMD_DELETE:
		if (pool_is_active(pool))
			return hv_error_set(err, EBUSY, "pool is active");
		event = "deleted";
		break;
	default:
		return hv_error_set(err, EINVAL, "unknown pool command %d", (int)command);
	}
	/* Build, refresh and delete change nothing the model records. */
	if (staged.state != pool->state) {
		ret = pool_commit(drv, pool, &staged, err);
		if (ret < 0)
			return ret;
	}
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_LIFECYCLE, name, NULL, event, NULL);
	return 0;
}

int test_pool_control(struct hv_conn *conn, const char *name, enum hv_pool_command command,
		      struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_POOL_CONTROL, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = pool_control_locked(drv, name, command, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

static int pool_set_autostart_locked(struct test_driver *drv, const char *name, bool autostart,
				     struct test_change *change, struct hv_error *err)
{
	struct test_pool *pool = pool_lookup(drv, name, err);
	int ret;

	if (!pool)
		return -ENOENT;
	if (pool->autostart == autostart)
		return 0;
	struct test_pool staged = *pool;
	staged.autostart = autostart;
	ret = pool_commit(drv, pool, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_POOL, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

int test_pool_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_POOL_SET_AUTOSTART, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = pool_set_autostart_locked(drv, name, autostart, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}
