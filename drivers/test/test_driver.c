/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The test driver: a simulated host, in memory (test:///default) or persisted
 * under a directory (test:///ABS/PATH), in the spirit of libvirt's test
 * driver.  This file holds the connection (URI knobs, open/close), the host,
 * the shutdown timer and the slot table; the objects live in test_domain.c,
 * test_network.c and test_pool.c, and what they do alike in
 * drivers/object_kind.c. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "drivers/lifecycle.h"
#include "drivers/test/test_private.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "util/uri.h"

/* Alphabetical, indexed by enum test_op. */
static const char *const test_op_names[TEST_OP_COUNT] = {
    [TEST_OP_DOMAIN_CONTROL] = "domain_control",
    [TEST_OP_DOMAIN_DEFINE] = "domain_define",
    [TEST_OP_DOMAIN_DEVICE_ATTACH] = "domain_device_attach",
    [TEST_OP_DOMAIN_DEVICE_DETACH] = "domain_device_detach",
    [TEST_OP_DOMAIN_DEVICE_LIST] = "domain_device_list",
    [TEST_OP_DOMAIN_DEVICE_SET] = "domain_device_set",
    [TEST_OP_DOMAIN_GET_XML] = "domain_get_xml",
    [TEST_OP_DOMAIN_INFO] = "domain_info",
    [TEST_OP_DOMAIN_LIST] = "domain_list",
    [TEST_OP_DOMAIN_RENAME] = "domain_rename",
    [TEST_OP_DOMAIN_SET_AUTOSTART] = "domain_set_autostart",
    [TEST_OP_DOMAIN_SET_MAX_MEMORY] = "domain_set_max_memory",
    [TEST_OP_DOMAIN_SET_MAX_VCPUS] = "domain_set_max_vcpus",
    [TEST_OP_DOMAIN_SET_MEMORY] = "domain_set_memory",
    [TEST_OP_DOMAIN_SET_VCPUS] = "domain_set_vcpus",
    [TEST_OP_DOMAIN_STATS] = "domain_stats",
    [TEST_OP_DOMAIN_UNDEFINE] = "domain_undefine",
    [TEST_OP_HOST_CAPABILITIES] = "host_capabilities",
    [TEST_OP_HOST_INFO] = "host_info",
    [TEST_OP_NETWORK_CONTROL] = "network_control",
    [TEST_OP_NETWORK_DEFINE] = "network_define",
    [TEST_OP_NETWORK_GET_XML] = "network_get_xml",
    [TEST_OP_NETWORK_INFO] = "network_info",
    [TEST_OP_NETWORK_LEASES] = "network_leases",
    [TEST_OP_NETWORK_LIST] = "network_list",
    [TEST_OP_NETWORK_RENAME] = "network_rename",
    [TEST_OP_NETWORK_SET_AUTOSTART] = "network_set_autostart",
    [TEST_OP_NETWORK_UNDEFINE] = "network_undefine",
    [TEST_OP_POOL_CONTROL] = "pool_control",
    [TEST_OP_POOL_DEFINE] = "pool_define",
    [TEST_OP_POOL_GET_XML] = "pool_get_xml",
    [TEST_OP_POOL_INFO] = "pool_info",
    [TEST_OP_POOL_LIST] = "pool_list",
    [TEST_OP_POOL_RENAME] = "pool_rename",
    [TEST_OP_POOL_SET_AUTOSTART] = "pool_set_autostart",
    [TEST_OP_POOL_UNDEFINE] = "pool_undefine",
};

uint64_t test_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int test_fault(const struct test_driver *drv, enum test_op op, struct hv_error *err)
{
	if (!(drv->faults & (1ULL << op)))
		return 0;
	log_info("injecting a fault into %s", test_op_names[op]);
	return hv_error_set(err, EIO, "injected fault in %s", test_op_names[op]);
}

/* --- URI knobs ------------------------------------------------------------ */

static int parse_fail_list(struct test_driver *drv, const char *list, struct hv_error *err)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (size_t op = 0; op < TEST_OP_COUNT && len > 0; op++) {
			if (strlen(test_op_names[op]) == len && strncmp(test_op_names[op], p, len) == 0) {
				drv->faults |= 1ULL << op;
				found = true;
			}
		}
		if (len > 0 && !found)
			return hv_error_set(err, EINVAL,
					    "test URI: fail=%.*s names no operation (e.g. domain_control, "
					    "domain_define, network_control)",
					    (int)len, p);
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* A numeric knob into an unsigned field (left as it is when absent). */
static int knob_unsigned(const struct uri *uri, const char *key, uint64_t max, unsigned *out,
			 struct hv_error *err)
{
	uint64_t n = *out;
	int ret = uri_knob_u64(uri, key, max, &n, err);

	*out = (unsigned)n;
	return ret;
}

/* host_devices=sim (the default), sysfs (this machine's /sys) or an
 * absolute path to a tree shaped like sysfs (tests that hot-plug). */
static int parse_host_devices(struct test_driver *drv, const char *value, struct hv_error *err)
{
	const char *root = strcmp(value, "sysfs") == 0 ? "/sys" : value[0] == '/' ? value : NULL;

	free(drv->nodedev_root);
	drv->nodedev_root = NULL;
	if (strcmp(value, "sim") == 0)
		return 0;
	if (!root)
		return hv_error_set(err, EINVAL,
				    "test URI: host_devices=%s: use sim, sysfs or an absolute path", value);
	if (!(drv->nodedev_root = strdup(root)))
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int parse_knobs(struct test_driver *drv, const struct uri *uri, struct hv_error *err)
{
	static const char *const known[] = {"churn_ms",	    "domains",		 "fail",
					    "host_devices", "shutdown_delay_ms", NULL};
	const char *fail = uri_get(uri, "fail"), *host_devices = uri_get(uri, "host_devices");
	int ret = uri_check_knobs(uri, known, err);

	drv->shutdown_delay_ms = TEST_SHUTDOWN_DELAY_MS_DEFAULT;
	if (ret == 0)
		ret = knob_unsigned(uri, "domains", TEST_GENERATED_DOMAINS_MAX, &drv->generated_domains, err);
	if (ret == 0)
		ret = knob_unsigned(uri, "churn_ms", TEST_SHUTDOWN_DELAY_MS_MAX, &drv->churn_ms, err);
	if (ret == 0 && fail)
		ret = parse_fail_list(drv, fail, err);
	if (ret == 0 && host_devices)
		ret = parse_host_devices(drv, host_devices, err);
	if (ret == 0)
		ret = knob_unsigned(uri, "shutdown_delay_ms", TEST_SHUTDOWN_DELAY_MS_MAX,
				    &drv->shutdown_delay_ms, err);
	return ret;
}

/* "/default" is the in-memory host; any other absolute path is a directory
 * to persist into (trailing slashes dropped). */
static int parse_path(struct test_driver *drv, const struct uri *uri, struct hv_error *err)
{
	const char *path = uri->path;
	size_t len = strlen(path);

	if (strcmp(path, "/default") == 0)
		return 0;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (path[0] != '/' || len <= 1)
		return hv_error_set(err, EINVAL,
				    "test URI needs a path: test:///default (in memory) or test:///ABS/PATH "
				    "(persisted there)");
	drv->dir = strndup(path, len);
	if (!drv->dir)
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* --- the shutdown timer --------------------------------------------------- */

static void *timer_main(void *opaque)
{
	struct test_driver *drv = opaque;

	pthread_mutex_lock(&drv->lock);
	while (!drv->timer_stop) {
		struct test_domain *dom = drv->shutdown_head;
		struct hv_change_batch changes = {0};

		if (!dom) {
			pthread_cond_wait(&drv->timer_cond, &drv->lock);
			continue;
		}
		if (dom->shutdown_deadline_ns > test_now_ns()) {
			struct timespec deadline = {
			    .tv_sec = (time_t)(dom->shutdown_deadline_ns / 1000000000ULL),
			    .tv_nsec = (long)(dom->shutdown_deadline_ns % 1000000000ULL),
			};
			pthread_cond_timedwait(&drv->timer_cond, &drv->lock, &deadline);
			continue;
		}
		test_domain_finish_shutdown(drv, dom, &changes);
		pthread_mutex_unlock(&drv->lock);
		hv_batch_emit(drv->conn, &changes);
		pthread_mutex_lock(&drv->lock);
	}
	pthread_mutex_unlock(&drv->lock);
	return NULL;
}

static int timer_start(struct test_driver *drv, struct hv_error *err)
{
	int ret = pthread_create(&drv->timer, NULL, timer_main, drv);

	if (ret != 0)
		return hv_error_set(err, ret, "cannot start the shutdown timer thread: %s", strerror(ret));
	drv->timer_started = true;
	return 0;
}

static void timer_stop(struct test_driver *drv)
{
	if (!drv->timer_started)
		return;
	pthread_mutex_lock(&drv->lock);
	drv->timer_stop = true;
	pthread_cond_signal(&drv->timer_cond);
	pthread_mutex_unlock(&drv->lock);
	pthread_join(drv->timer, NULL);
	drv->timer_started = false;
}

/* --- open / close --------------------------------------------------------- */

static void test_driver_destroy(struct test_driver *drv)
{
	if (!drv)
		return;
	test_churn_stop(drv);
	timer_stop(drv);
	hv_table_finish(&drv->domains, test_domain_destroy);
	hv_table_finish(&drv->networks, hv_kind_destroy);
	hv_table_finish(&drv->pools, hv_kind_destroy);
	test_devices_finish(drv);
	pthread_cond_destroy(&drv->timer_cond);
	pthread_mutex_destroy(&drv->lock);
	if (drv->dir_fd >= 0)
		close(drv->dir_fd);
	free(drv->dir);
	free(drv->nodedev_root);
	free(drv);
}

static struct test_driver *test_driver_create(struct hv_conn *conn)
{
	struct test_driver *drv = calloc(1, sizeof(*drv));
	pthread_condattr_t attr;

	if (!drv)
		return NULL;
	drv->conn = conn;
	drv->dir_fd = -1;
	drv->next_id = 1;
	pthread_mutex_init(&drv->lock, NULL);
	test_kind_host_init(drv);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&drv->timer_cond, &attr);
	pthread_condattr_destroy(&attr);
	if (hv_table_init(&drv->domains) < 0 || hv_table_init(&drv->networks) < 0 ||
	    hv_table_init(&drv->pools) < 0 || test_devices_init(drv, NULL) < 0) {
		test_driver_destroy(drv);
		return NULL;
	}
	return drv;
}

static int test_open(struct hv_conn *conn, const struct uri *uri, struct hv_error *err)
{
	struct test_driver *drv = test_driver_create(conn);
	uint64_t started = test_now_ns();
	int ret;

	if (!drv)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = parse_path(drv, uri, err);
	if (ret == 0)
		ret = parse_knobs(drv, uri, err);
	/* No other thread can see drv yet; the lock is taken because the
	 * functions below are written for callers that hold it. */
	pthread_mutex_lock(&drv->lock);
	if (ret == 0 && drv->dir) {
		ret = test_persist_open(drv, err);
	} else if (ret == 0) {
		ret = test_seed_demo(drv, err);
		if (ret == 0)
			ret = test_seed_generated(drv, drv->generated_domains, err);
	}
	/* Leases are not persisted: domains running now get theirs, once
	 * every network is known. */
	for (struct hv_object *obj = drv->domains.head; ret == 0 && obj; obj = obj->next) {
		struct test_domain *dom = test_container_of(obj, struct test_domain, obj);
		if (hv_domain_state_is_active(dom->state))
			test_leases_acquire(drv, dom, NULL);
	}
	pthread_mutex_unlock(&drv->lock);
	if (ret == 0)
		ret = timer_start(drv, err);
	if (ret < 0) {
		test_driver_destroy(drv);
		return ret;
	}
	conn->priv = drv;
	ret = test_churn_start(drv, err);
	if (ret < 0) {
		conn->priv = NULL;
		test_driver_destroy(drv);
		return ret;
	}
	log_info("test driver: %s, %zu domains, %zu networks, %zu pools, opened in %llu ms",
		 drv->dir ? drv->dir : "in memory", hv_table_count(&drv->domains),
		 hv_table_count(&drv->networks), hv_table_count(&drv->pools),
		 (unsigned long long)((test_now_ns() - started) / 1000000));
	return 0;
}

static void test_close(struct hv_conn *conn)
{
	test_driver_destroy(conn->priv);
	conn->priv = NULL;
}

/* --- host ----------------------------------------------------------------- */

static int test_host_info(struct hv_conn *conn, struct hv_host_info *info, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_HOST_INFO, err);

	if (ret < 0)
		return ret;
	*info = (struct hv_host_info){
	    .hostname = TEST_HOST_HOSTNAME,
	    .cpu_model = TEST_HOST_CPU_MODEL,
	    .hypervisor_version = TEST_HOST_VERSION,
	    .cpus = TEST_HOST_CPUS,
	    .memory_kib = TEST_HOST_MEMORY_KIB,
	};
	pthread_mutex_lock(&drv->lock);
	uint64_t used = test_domains_active_memory(drv);
	pthread_mutex_unlock(&drv->lock);
	/* Overcommitted (generated domains can be): none left, not a wrap. */
	info->free_memory_kib = used < info->memory_kib ? info->memory_kib - used : 0;
	return 0;
}

static int test_host_capabilities(struct hv_conn *conn, char **xml, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct strbuf sb = STRBUF_INIT;
	int ret = test_fault(drv, TEST_OP_HOST_CAPABILITIES, err);

	if (ret < 0)
		return ret;
	ret = strbuf_printf(&sb,
			    "<capabilities>\n"
			    "  <host>\n"
			    "    <uuid>%s</uuid>\n"
			    "    <cpu>\n"
			    "      <arch>x86_64</arch>\n"
			    "      <model>%s</model>\n"
			    "      <topology sockets='1' cores='%d' threads='1'/>\n"
			    "    </cpu>\n"
			    "  </host>\n"
			    "  <guest>\n"
			    "    <os_type>hvm</os_type>\n"
			    "    <arch name='x86_64'>\n"
			    "      <wordsize>64</wordsize>\n"
			    "      <domain type='test'/>\n"
			    "    </arch>\n"
			    "  </guest>\n"
			    "</capabilities>\n",
			    TEST_HOST_UUID, TEST_HOST_CPU_MODEL, TEST_HOST_CPUS);
	if (ret < 0) {
		strbuf_finish(&sb);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	*xml = strbuf_steal(&sb);
	return 0;
}

/* Alphabetical within each group, in driver.h's order of groups. */
const struct hv_driver_ops hv_test_driver_ops = {
    .name = "test",
    .scheme = "test",

    .close = test_close,
    .open = test_open,

    .host_capabilities = test_host_capabilities,
    .host_info = test_host_info,

    .device_classes = hv_libvirt_device_classes,
    .domain_control = test_domain_control,
    .domain_define = test_domain_define,
    .domain_device_attach = test_domain_device_attach,
    .domain_device_detach = test_domain_device_detach,
    .domain_device_list = test_domain_device_list,
    .domain_device_set = test_domain_device_set,
    .domain_get_xml = test_domain_get_xml,
    .domain_info = test_domain_info,
    .domain_list = test_domain_list,
    .domain_rename = test_domain_rename,
    .domain_set_autostart = test_domain_set_autostart,
    .domain_set_max_memory = test_domain_set_max_memory,
    .domain_set_max_vcpus = test_domain_set_max_vcpus,
    .domain_set_memory = test_domain_set_memory,
    .domain_set_vcpus = test_domain_set_vcpus,
    .domain_stats = test_domain_stats,
    .domain_undefine = test_domain_undefine,

    .network_control = test_network_control,
    .network_define = test_network_define,
    .network_get_xml = test_network_get_xml,
    .network_info = test_network_info,
    .network_leases = test_network_leases,
    .network_list = test_network_list,
    .network_rename = test_network_rename,
    .network_set_autostart = test_network_set_autostart,
    .network_undefine = test_network_undefine,

    .pool_control = test_pool_control,
    .pool_define = test_pool_define,
    .pool_get_xml = test_pool_get_xml,
    .pool_info = test_pool_info,
    .pool_list = test_pool_list,
    .pool_rename = test_pool_rename,
    .pool_set_autostart = test_pool_set_autostart,
    .pool_undefine = test_pool_undefine,

    .volume_create = test_volume_create,
    .volume_delete = test_volume_delete,
    .volume_get_xml = test_volume_get_xml,
    .volume_info = test_volume_info,
    .volume_list = test_volume_list,
    .volume_resize = test_volume_resize,
    .nodedev_info = test_nodedev_info,
    .nodedev_list = test_nodedev_list,
};
