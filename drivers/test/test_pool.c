/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage pools of the test driver.  States are libvirt's; the simulation
 * uses inactive and running (build and delete complete at once), and sizes
 * are simulated: taken from the definition when it states them.  What pools
 * do like every kind is in drivers/object_kind.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"

#define SIMULATED_CAPACITY (100ULL << 30)
#define DEFAULT_TARGET_DIR "/var/lib/hvfs/pools"

static struct test_pool *pool_of(struct hv_object *obj)
{
	return obj ? test_container_of(obj, struct test_pool, obj) : NULL;
}

static bool pool_is_active(const struct hv_object *obj)
{
	return test_container_of(obj, const struct test_pool, obj)->state != HV_POOL_INACTIVE;
}

/* Sizes stated by the definition win; a definition without them gets an
 * empty simulated disk.  Returns HV_FIELD_POOL_SIZES when they change. */
static uint32_t pool_take_sizes(struct test_pool *pool, const struct hv_pool_def *def)
{
	uint64_t capacity = pool->capacity, allocation = pool->allocation, available = pool->available;

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
	if (pool->capacity == capacity && pool->allocation == allocation && pool->available == available)
		return 0;
	return HV_FIELD_POOL_SIZES;
}

/* --- the kind ------------------------------------------------------------- */

static void pool_boot(void *driver, struct hv_object *obj, uint64_t now)
{
	pool_of(obj)->state = HV_POOL_RUNNING;
}

static void pool_init(struct hv_object *obj, const void *def_arg)
{
	const union test_def *def = def_arg;
	struct test_pool *pool = pool_of(obj);

	pool->def = def->pool;
	pool->state = HV_POOL_INACTIVE;
	pool_take_sizes(pool, &def->pool);
}

static int pool_parse(const char *xml, size_t len, const char *name, bool stored, void *def_arg,
		      struct hv_error *err)
{
	union test_def *def = def_arg;
	return stored ? hv_pool_def_parse_stored(xml, len, name, &def->pool, err)
		      : hv_pool_def_parse(xml, len, name, &def->pool, err);
}

static void pool_identity(void *def_arg, char **name, char **uuid)
{
	union test_def *def = def_arg;
	*name = def->pool.name;
	*uuid = def->pool.uuid;
}

static int pool_xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	char target[sizeof(DEFAULT_TARGET_DIR) + HV_NAME_MAX + 1];

	snprintf(target, sizeof(target), "%s/%s", DEFAULT_TARGET_DIR, name);
	return hv_pool_xml_default(name, uuid, target, out);
}

/* Of the definition, the type and the sizes have files of their own. */
static uint32_t pool_redefine(struct hv_object *staged, const void *def_arg)
{
	const union test_def *def = def_arg;
	struct test_pool *pool = pool_of(staged);
	uint32_t fields = strcmp(pool->def.type, def->pool.type) != 0 ? HV_FIELD_TYPE : 0;

	pool->def = def->pool;
	return fields | pool_take_sizes(pool, &def->pool);
}

static int pool_rename(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct test_pool *pool = pool_of(staged);

	snprintf(pool->def.name, sizeof(pool->def.name), "%s", new_name);
	return hv_pool_xml_update(staged->xml, strlen(staged->xml), &pool->def, text, err);
}

const struct hv_kind_ops test_pool_kind = {
    .kind = HV_KIND_POOL,
    .size = sizeof(struct test_pool),
    .def_size = sizeof(union test_def),
    .table_offset = offsetof(struct test_driver, pools),
    .op =
	{
	    .define = TEST_OP_POOL_DEFINE,
	    .get_xml = TEST_OP_POOL_GET_XML,
	    .list = TEST_OP_POOL_LIST,
	    .rename = TEST_OP_POOL_RENAME,
	    .set_autostart = TEST_OP_POOL_SET_AUTOSTART,
	    .undefine = TEST_OP_POOL_UNDEFINE,
	},
    .boot = pool_boot,
    .identity = pool_identity,
    .init = pool_init,
    .is_active = pool_is_active,
    .parse = pool_parse,
    .redefine = pool_redefine,
    .rename = pool_rename,
    .xml_default = pool_xml_default,
};

/* --- slots ---------------------------------------------------------------- */

static int pool_info_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			    void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct test_pool *pool = pool_of(obj);
	struct hv_pool_info *info = args;

	*info = (struct hv_pool_info){
	    .state = pool->state,
	    .autostart = obj->autostart,
	    .persistent = true,
	    .capacity = pool->capacity,
	    .allocation = pool->allocation,
	    .available = pool->available,
	};
	snprintf(info->name, sizeof(info->name), "%s", obj->name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", obj->uuid);
	snprintf(info->type, sizeof(info->type), "%s", pool->def.type);
	test_pool_measure(pool, info);
	return 0;
}

int test_pool_info(struct hv_conn *conn, const char *name, struct hv_pool_info *info, struct hv_error *err)
{
	return test_kind_call(conn, &test_pool_kind, TEST_OP_POOL_INFO, name, pool_info_locked, info, err);
}

/* libvirt's storage pool event words: build and delete are "created" and
 * "deleted" (of the pool's storage, not of the definition).  Every command
 * is a transition of the pool's storage, reported on its state even where
 * the simulation keeps the state word (build, delete, refresh); a refresh
 * measures the sizes again, so readers of them must look again too. */
static int pool_control_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			       void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	enum hv_pool_command command = *(enum hv_pool_command *)args;
	union test_staged staged = {.pool = *pool_of(obj)};
	uint32_t fields = HV_FIELD_STATE;
	const char *event;
	int ret;

	switch (command) {
	case HV_POOL_CMD_BUILD:
		if (pool_is_active(obj))
			return hv_error_set(err, EBUSY, "pool is active");
		ret = test_pool_build_dir(pool_of(obj), err);
		if (ret < 0)
			return ret;
		event = "created";
		break;
	case HV_POOL_CMD_START:
		if (pool_is_active(obj))
			return hv_error_set(err, EBUSY, "pool is already active");
		staged.pool.state = HV_POOL_RUNNING;
		event = "started";
		break;
	case HV_POOL_CMD_STOP:
		if (!pool_is_active(obj))
			return hv_error_set(err, EBUSY, "pool is not active");
		staged.pool.state = HV_POOL_INACTIVE;
		event = "stopped";
		break;
	case HV_POOL_CMD_REFRESH:
		if (staged.pool.state != HV_POOL_RUNNING)
			return hv_error_set(err, EBUSY, "pool is not active");
		event = "refreshed";
		fields |= HV_FIELD_POOL_SIZES;
		break;
	case HV_POOL_CMD_DELETE:
		if (pool_is_active(obj))
			return hv_error_set(err, EBUSY, "pool is active");
		ret = test_pool_delete_dir(pool_of(obj), err);
		if (ret < 0)
			return ret;
		event = "deleted";
		break;
	default:
		return hv_error_set(err, EINVAL, "unknown pool command %d", (int)command);
	}
	/* Build, refresh and delete change nothing the model records. */
	if (staged.pool.state != pool_of(obj)->state) {
		ret = hv_kind_commit(&drv->kinds, ops, obj, &staged.obj, err);
		if (ret < 0)
			return ret;
	}
	hv_batch_lifecycle(changes, HV_KIND_POOL, obj->name, event, NULL, fields);
	return 0;
}

int test_pool_control(struct hv_conn *conn, const char *name, enum hv_pool_command command,
		      struct hv_error *err)
{
	return test_kind_call(conn, &test_pool_kind, TEST_OP_POOL_CONTROL, name, pool_control_locked,
			      &command, err);
}

/* The slots every kind has: list, get_xml, define, undefine, rename and
 * set_autostart, in drivers/object_kind.c. */
TEST_KIND_SLOTS(pool)
