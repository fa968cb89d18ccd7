/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* churn_ms=N: another toolstack on the same host, simulated.  Every N ms a
 * thread of the driver defines the domain churn-a, renames it to churn-b,
 * then undefines it, in turn, through the driver's own entry points, so the
 * filesystem learns of objects that appear, move and go without any request
 * of its own (as with `xl create` behind a Xen host's back).  For tests of
 * change notification; off unless asked for. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "drivers/test/test_private.h"
#include "util/log.h"

static void *churn_main(void *opaque)
{
	struct test_driver *drv = opaque;
	struct timespec deadline;
	unsigned step = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	pthread_mutex_lock(&drv->churn_lock);
	while (!drv->churn_stop) {
		deadline.tv_nsec += (long)drv->churn_ms * 1000000L;
		deadline.tv_sec += deadline.tv_nsec / 1000000000L;
		deadline.tv_nsec %= 1000000000L;
		while (!drv->churn_stop &&
		       pthread_cond_timedwait(&drv->churn_cond, &drv->churn_lock, &deadline) == 0)
			;
		if (drv->churn_stop)
			break;
		pthread_mutex_unlock(&drv->churn_lock);
		struct hv_error err = {0};
		int ret = 0;
		switch (step++ % 3) {
		case 0:
			ret = hv_domain_define(drv->conn, "churn-a", NULL, 0, &err);
			break;
		case 1:
			ret = hv_domain_rename(drv->conn, "churn-a", "churn-b", &err);
			break;
		case 2:
			ret = hv_domain_undefine(drv->conn, "churn-b", &err);
			break;
		}
		if (ret < 0)
			log_warning("churn: %s", err.message);
		pthread_mutex_lock(&drv->churn_lock);
	}
	pthread_mutex_unlock(&drv->churn_lock);
	return NULL;
}

int test_churn_start(struct test_driver *drv, struct hv_error *err)
{
	pthread_condattr_t attr;
	int ret;

	if (drv->churn_ms == 0)
		return 0;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&drv->churn_cond, &attr);
	pthread_condattr_destroy(&attr);
	pthread_mutex_init(&drv->churn_lock, NULL);
	ret = pthread_create(&drv->churn, NULL, churn_main, drv);
	if (ret != 0) {
		pthread_cond_destroy(&drv->churn_cond);
		pthread_mutex_destroy(&drv->churn_lock);
		return hv_error_set(err, ret, "cannot start the churn thread: %s", strerror(ret));
	}
	drv->churn_started = true;
	return 0;
}

void test_churn_stop(struct test_driver *drv)
{
	if (!drv->churn_started)
		return;
	pthread_mutex_lock(&drv->churn_lock);
	drv->churn_stop = true;
	pthread_cond_signal(&drv->churn_cond);
	pthread_mutex_unlock(&drv->churn_lock);
	pthread_join(drv->churn, NULL);
	pthread_cond_destroy(&drv->churn_cond);
	pthread_mutex_destroy(&drv->churn_lock);
	drv->churn_started = false;
}
