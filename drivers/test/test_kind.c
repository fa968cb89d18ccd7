/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver as drivers/object_kind.c sees it, and the shape of the
 * test driver's own slots on one object (start, info, devices ...): check
 * for an injected fault, take the lock, do the work in a *_locked helper
 * that stages, persists and commits (see test_private.h) and records its
 * changes, drop the lock, emit them. */
#include <errno.h>
#include <stddef.h>

#include "drivers/test/test_private.h"

/* Generic code copies objects by size from their struct hv_object. */
_Static_assert(offsetof(struct test_domain, obj) == 0, "struct test_domain must begin with its object");
_Static_assert(offsetof(struct test_network, obj) == 0, "struct test_network must begin with its object");
_Static_assert(offsetof(struct test_pool, obj) == 0, "struct test_pool must begin with its object");

static int fault(const void *driver, int op, struct hv_error *err)
{
	return test_fault(driver, (enum test_op)op, err);
}

static int persist(void *driver, enum hv_object_kind kind, const struct hv_object *obj, struct hv_error *err)
{
	return test_persist_object(driver, kind, obj, err);
}

static int unpersist(void *driver, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	return test_persist_remove(driver, kind, name, err);
}

void test_kind_host_init(struct test_driver *drv)
{
	drv->kinds = (struct hv_kind_host){
	    .lock = &drv->lock,
	    .conn = drv->conn,
	    .driver = drv,
	    .fault = fault,
	    .persist = persist,
	    .unpersist = unpersist,
	};
}

int test_kind_call(struct hv_conn *conn, const struct hv_kind_ops *ops, enum test_op op, const char *name,
		   test_object_fn *fn, void *args, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct hv_change_batch changes = {0};
	struct hv_object *obj;
	int ret = test_fault(drv, op, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	obj = hv_kind_lookup(&drv->kinds, ops, name, err);
	ret = obj ? fn(drv, ops, obj, args, &changes, err) : -ENOENT;
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}
