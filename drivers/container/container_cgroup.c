/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/cgroup/: the container's cgroup tunables, one key each.
 *
 * A running container's values are read from its cgroup (cgroupctl); a
 * shut-off one's from its definition.  A write is checked, applied to the
 * cgroup (when running) and stored in the definition, both or neither:
 *
 *   cpu_weight   1..10000 (v2's scale)  cpu.weight / cpu.shares   <cputune><shares> (x 1024/100)
 *   cpu_quota    "max [P]" | "Q [P]"    cpu.max / cfs_quota_us    <cputune><quota>, <period>
 *   cpuset       "0-1,3"                cpuset.cpus               <vcpu cpuset='…'>
 *   memory_limit KiB                    memory.max / limit_in_bytes  <currentMemory> (= memory)
 *   pids_limit   "max" | N              pids.max                  <metadata><hvfs:pids_limit>
 *   path         "/PARENT/NAME", read-only
 *
 * Everything runs under container_driver.lock, except memory_limit, which
 * is the memory file under another name and goes through its setter. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/conf/xml_splice.h"
#include "drivers/container/container_private.h"
#include "drivers/lifecycle.h"
#include "util/cleanup.h"
#include "util/log.h"

#define PIDS_LIMIT_MAX 4194304 /* the kernel's PID_MAX_LIMIT */

static struct container_driver *driver_of(struct hv_conn *conn)
{
	return conn->priv;
}

static bool running(const struct container_domain *dom)
{
	return hv_domain_state_is_active(dom->state) && dom->group;
}

static int format_limit(char *out, size_t size, uint64_t value)
{
	if (value == CGCTL_UNLIMITED)
		return snprintf(out, size, "max") < 0 ? -EIO : 0;
	return snprintf(out, size, "%" PRIu64, value) < 0 ? -EIO : 0;
}

/* "max" or a number in 1..max. */
static int parse_limit(const char *value, uint64_t max, uint64_t *out)
{
	char *end;

	if (strcmp(value, "max") == 0) {
		*out = CGCTL_UNLIMITED;
		return 0;
	}
	if (value[0] < '0' || value[0] > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	if (*end || errno || n < 1 || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/* "max", "max PERIOD", "QUOTA" or "QUOTA PERIOD" (µs; period 1000..1000000,
 * quota at least 1000); a missing period is the default. */
static int parse_quota(const char *value, uint64_t *quota, uint64_t *period, struct hv_error *err)
{
	char first[32] = "", second[32] = "", extra[2] = "";
	int n = sscanf(value, "%31s %31s %1s", first, second, extra);

	*period = CONTAINER_CPU_PERIOD_US;
	if (n < 1 || n > 2 || (n == 2 && parse_limit(second, 1000000, period) < 0) || *period < 1000 ||
	    parse_limit(first, 17592186044415ULL, quota) < 0 || *quota < 1000)
		return hv_error_set(err, EINVAL,
				    "cpu_quota is 'max' or 'QUOTA PERIOD' in µs (quota at least 1000, period "
				    "1000..1000000), not '%.64s'",
				    value);
	return 0;
}

/* A cpu list whose cpus exist: "0-1,3". */
static int parse_cpuset(const char *value, struct hv_error *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	const char *p = value;

	if (!*value || strlen(value) > 255 || strspn(value, "0123456789,-") != strlen(value))
		goto bad;
	while (*p) {
		char *end;
		unsigned long first = strtoul(p, &end, 10), last = first;
		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			last = strtoul(p, &end, 10);
			if (end == p || last < first)
				goto bad;
		}
		if ((long)last >= cpus)
			return hv_error_set(err, EINVAL, "cpuset '%.64s': the host has cpus 0-%ld", value,
					    cpus - 1);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	return 0;
bad:
	return hv_error_set(err, EINVAL, "cpuset is a cpu list such as 0-1,3, not '%.64s'", value);
}

/* The host's cpus, as a cpuset shows them. */
static void host_cpus(char *out, size_t size)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	snprintf(out, size, cpus > 1 ? "0-%ld" : "0", cpus - 1);
}

static int get_locked(struct container_driver *drv, struct container_domain *dom, const char *key, char *out,
		      size_t size, struct hv_error *err)
{
	struct container_spec spec;
	bool live = running(dom);
	uint64_t a, b;
	int ret = container_spec_parse(dom->obj.xml, strlen(dom->obj.xml), &spec, err);

	if (ret < 0)
		return ret;
	if (strcmp(key, "path") == 0) {
		snprintf(out, size, "/%s/%s", drv->cgroup_parent, dom->obj.name);
	} else if (strcmp(key, "cpu_weight") == 0) {
		if (live)
			ret = cgctl_get_cpu_weight(dom->group, &a, err);
		else
			a = spec.cpu_shares ? (spec.cpu_shares * 100 + 512) / 1024 : 100;
		snprintf(out, size, "%" PRIu64, a < 1 ? 1 : a);
	} else if (strcmp(key, "cpu_quota") == 0) {
		if (live) {
			ret = cgctl_get_cpu_quota(dom->group, &a, &b, err);
		} else {
			b = spec.cpu_period_us ? spec.cpu_period_us : CONTAINER_CPU_PERIOD_US;
			a = spec.cpu_quota_us > 0   ? (uint64_t)spec.cpu_quota_us
			    : spec.cpu_quota_us < 0 ? CGCTL_UNLIMITED
						    : (uint64_t)dom->def.vcpus * b;
		}
		if (ret == 0 && a == CGCTL_UNLIMITED)
			snprintf(out, size, "max %" PRIu64, b);
		else if (ret == 0)
			snprintf(out, size, "%" PRIu64 " %" PRIu64, a, b);
	} else if (strcmp(key, "cpuset") == 0) {
		if (live)
			ret = cgctl_get_cpuset(dom->group, out, size, err);
		else if (spec.cpuset[0])
			snprintf(out, size, "%s", spec.cpuset);
		else
			host_cpus(out, size);
	} else if (strcmp(key, "memory_limit") == 0) {
		if (live && (ret = cgctl_get_memory_limit(dom->group, &a, err)) == 0)
			format_limit(out, size, a == CGCTL_UNLIMITED ? a : a / 1024);
		else if (!live)
			format_limit(out, size, dom->def.memory_kib);
	} else if (strcmp(key, "pids_limit") == 0) {
		if (live)
			ret = cgctl_get_pids_limit(dom->group, &a, err);
		else
			a = spec.pids_limit ? spec.pids_limit : CGCTL_UNLIMITED;
		if (ret == 0)
			format_limit(out, size, a);
	} else {
		ret = hv_error_set(err, EINVAL, "'%s' is not a cgroup tunable", key);
	}
	container_spec_finish(&spec);
	return ret;
}

/* domains/NAME/cgroup/ (driver.h, domain_keys): a file changes with its
 * key and with the domain files that set the same cgroup file. */
static const struct hv_device_key cgroup_keys[] = {
    {"cpu_quota", true, HV_FIELD_VCPUS},
    {"cpu_weight", true, 0},
    {"cpuset", true, 0},
    {"memory_limit", true, HV_FIELD_MEMORY},
    {"path", false, 0},
    {"pids_limit", true, 0},
    {NULL},
};
const struct hv_domain_keys container_cgroup_keys = {.dir = "cgroup", .keys = cgroup_keys};

int container_domain_cgroup_get(struct hv_conn *conn, const char *name, const char *key, char **value,
				struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct container_domain *dom;
	char text[512] = "";
	int ret;

	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	ret = dom ? get_locked(drv, dom, key, text, sizeof(text), err) : -ENOENT;
	pthread_mutex_unlock(&drv->lock);
	if (ret == 0 && !(*value = strdup(text)))
		ret = hv_error_set(err, ENOMEM, "out of memory");
	return ret;
}

/* Sets <parent/name> to text, making the element when it is missing
 * (after the first of after that exists, else at the end of parent), and
 * parent too (after the first of parent_after). */
static int splice_element(struct splice_doc *doc, const char *parent, const char *const *parent_after,
			  const char *name, const char *const *after, const char *text, struct hv_error *err)
{
	static const char *const none[] = {NULL};
	char path[128], grand[128];
	const char *slash = strrchr(parent, '/');
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", parent, name);
	snprintf(grand, sizeof(grand), "%.*s", (int)(slash - parent), parent);
	if (!splice_exists(doc, parent))
		ret = splice_insert(doc, grand, parent_after, slash + 1, "", err);
	if (ret == 0 && splice_exists(doc, path))
		return splice_set_text(doc, path, text, err);
	return ret < 0 ? ret : splice_insert(doc, parent, after ? after : none, name, text, err);
}

/* libvirt's order of the elements in front of <cputune> and <metadata>. */
static const char *const before_cputune[] = {"iothreads", "vcpus", "vcpu", "currentMemory", "memory", NULL};
static const char *const before_metadata[] = {"description", "title", "uuid", "name", NULL};

/* The definition with key set to value (already checked); *xml heap. */
static int edit_definition(const struct container_domain *dom, const char *key, const char *value, char **xml,
			   struct hv_error *err)
{
	struct splice_doc doc;
	char text[64];
	int ret = splice_open(&doc, dom->obj.xml, strlen(dom->obj.xml), err);

	if (ret < 0)
		return ret;
	if (strcmp(key, "cpu_weight") == 0) {
		uint64_t weight = strtoull(value, NULL, 10), shares = (weight * 1024 + 50) / 100;
		snprintf(text, sizeof(text), "%" PRIu64, shares < 2 ? 2 : shares);
		ret = splice_element(&doc, "domain/cputune", before_cputune, "shares", NULL, text, err);
	} else if (strcmp(key, "cpu_quota") == 0) {
		static const char *const after_shares[] = {"shares", NULL};
		static const char *const after_period[] = {"period", "shares", NULL};
		uint64_t quota, period;
		ret = parse_quota(value, &quota, &period, err);
		snprintf(text, sizeof(text), "%" PRIu64, period);
		if (ret == 0)
			ret = splice_element(&doc, "domain/cputune", before_cputune, "period", after_shares,
					     text, err);
		if (quota == CGCTL_UNLIMITED)
			snprintf(text, sizeof(text), "-1");
		else
			snprintf(text, sizeof(text), "%" PRIu64, quota);
		if (ret == 0)
			ret = splice_element(&doc, "domain/cputune", before_cputune, "quota", after_period,
					     text, err);
	} else if (strcmp(key, "cpuset") == 0) {
		ret = splice_set_attr(&doc, "domain/vcpu", "cpuset", value, err);
	} else if (strcmp(key, "pids_limit") == 0) {
		if (splice_exists(&doc, CONTAINER_PIDS_LIMIT_PATH)) {
			ret = splice_set_text(&doc, CONTAINER_PIDS_LIMIT_PATH, value, err);
		} else {
			char fragment[256];
			snprintf(fragment, sizeof(fragment),
				 "<hvfs:pids_limit xmlns:hvfs='%s'>%s</hvfs:pids_limit>",
				 CONTAINER_METADATA_NS, value);
			if (!splice_exists(&doc, "domain/metadata"))
				ret = splice_insert(&doc, "domain", before_metadata, "metadata", "", err);
			if (ret == 0)
				ret = splice_append_raw(&doc, "domain/metadata", fragment, err);
		}
	} else {
		ret = hv_error_set(err, EACCES, "%s is read-only", key);
	}
	if (ret == 0)
		*xml = splice_take(&doc);
	splice_close(&doc);
	return ret;
}

/* Applies key=value (checked) to the running container's cgroup. */
static int apply_live(struct container_domain *dom, const char *key, const char *value, struct hv_error *err)
{
	uint64_t a, b;

	if (strcmp(key, "cpu_weight") == 0)
		return cgctl_set_cpu_weight(dom->group, strtoull(value, NULL, 10), err);
	if (strcmp(key, "cpu_quota") == 0)
		return parse_quota(value, &a, &b, err) ?: cgctl_set_cpu_quota(dom->group, a, b, err);
	if (strcmp(key, "cpuset") == 0)
		return cgctl_set_cpuset(dom->group, value, err);
	if (strcmp(key, "pids_limit") == 0)
		return parse_limit(value, PIDS_LIMIT_MAX, &a) ?: cgctl_set_pids_limit(dom->group, a, err);
	return hv_error_set(err, EACCES, "%s is read-only", key);
}

static int check_value(const char *key, const char *value, struct hv_error *err)
{
	uint64_t a, b;

	if (strcmp(key, "path") == 0)
		return hv_error_set(err, EACCES, "path is read-only");
	if (strcmp(key, "cpu_weight") == 0 && parse_limit(value, 10000, &a) == 0 && a != CGCTL_UNLIMITED)
		return 0;
	if (strcmp(key, "cpu_weight") == 0)
		return hv_error_set(err, EINVAL, "cpu_weight is 1..10000 (100 is the default), not '%.64s'",
				    value);
	if (strcmp(key, "cpu_quota") == 0)
		return parse_quota(value, &a, &b, err);
	if (strcmp(key, "cpuset") == 0)
		return parse_cpuset(value, err);
	if (strcmp(key, "pids_limit") == 0 && parse_limit(value, PIDS_LIMIT_MAX, &a) < 0)
		return hv_error_set(err, EINVAL, "pids_limit is max or 1..%d, not '%.64s'", PIDS_LIMIT_MAX,
				    value);
	return 0;
}

/* memory_limit is memory under its cgroup name: KiB, within max_memory. */
static int set_memory_limit(struct hv_conn *conn, const char *name, const char *value, struct hv_error *err)
{
	struct hv_change_batch changes = {0};
	uint64_t kib;

	if (parse_limit(value, UINT64_MAX / 1024, &kib) < 0 || kib == CGCTL_UNLIMITED)
		return hv_error_set(err, EINVAL, "memory_limit is a number of KiB, not '%.64s'", value);
	int ret = container_domain_set_memory(conn, name, kib, err);
	if (ret == 0) {
		hv_change_entry_detail(hv_batch_modified(&changes, HV_KIND_DOMAIN, name, HV_FIELD_KEYS),
				       "memory_limit");
		hv_batch_emit(conn, &changes);
	}
	return ret;
}

int container_domain_cgroup_set(struct hv_conn *conn, const char *name, const char *key, const char *value,
				struct hv_error *err)
{
	struct container_driver *drv = driver_of(conn);
	struct hv_change_batch changes = {0};
	struct container_domain *dom;
	struct container_spec spec;
	auto_free char *xml = NULL;
	char old[512];
	bool live;
	int ret = check_value(key, value, err);

	if (ret < 0)
		return ret;
	if (strcmp(key, "memory_limit") == 0)
		return set_memory_limit(conn, name, value, err);
	pthread_mutex_lock(&drv->lock);
	dom = container_find(drv, name, err);
	if (!dom) {
		pthread_mutex_unlock(&drv->lock);
		return -ENOENT;
	}
	live = running(dom);
	ret = edit_definition(dom, key, value, &xml, err);
	/* The edited definition must still be one the driver runs. */
	if (ret == 0 && (ret = container_spec_parse(xml, strlen(xml), &spec, err)) == 0)
		container_spec_finish(&spec);
	if (ret == 0 && live)
		ret = get_locked(drv, dom, key, old, sizeof(old), err);
	if (ret == 0 && live)
		ret = apply_live(dom, key, value, err);
	/* libcgroup reports every refused write as "not allowed"; as root the
	 * kernel refuses only values that conflict with the hierarchy (a
	 * cpuset wider than the parent's): a bad value here. */
	if ((ret == -EACCES || ret == -EPERM) && live && err) {
		char reason[HV_ERROR_MESSAGE_MAX];
		snprintf(reason, sizeof(reason), "%s", err->message);
		hv_error_clear(err);
		ret = hv_error_set(err, EINVAL, "the kernel refused %s '%.64s' (%s)", key, value, reason);
	}
	if (ret == 0) {
		ret = container_replace_xml(drv, dom, xml, err);
		/* Nothing half-applied: the cgroup gets its old value back. */
		if (ret < 0 && live && apply_live(dom, key, old, NULL) < 0)
			log_error("%s: cgroup %s could not be set back to '%s'", name, key, old);
	}
	if (ret == 0)
		hv_change_entry_detail(
		    hv_batch_modified(&changes, HV_KIND_DOMAIN, name, HV_FIELD_KEYS | HV_FIELD_CONFIG), key);
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	if (ret == 0)
		log_info("%s: cgroup %s = %s (%s)", name, key, value,
			 live ? "live and persisted" : "persisted");
	return ret;
}
