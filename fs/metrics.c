/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* metrics: every numeric attribute of every object in the Prometheus text
 * exposition format, rendered afresh at every open (it is volatile: never
 * cached, never notified).  Units follow Prometheus practice: bytes and
 * seconds, so KiB values are multiplied out. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "fs/fs.h"

struct metric {
	const char *name;
	const char *type; /* gauge, counter */
	const char *help;
};

static int header(struct strbuf *out, const struct metric *m)
{
	return strbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", m->name, m->help, m->name, m->type);
}

/* Object names are [A-Za-z0-9_.+-]: nothing in them needs escaping in a
 * label value. */
static int sample(struct strbuf *out, const char *metric, const char *label, const char *name, uint64_t value)
{
	if (label)
		return strbuf_printf(out, "%s{%s=\"%s\"} %" PRIu64 "\n", metric, label, name, value);
	return strbuf_printf(out, "%s %" PRIu64 "\n", metric, value);
}

static int host_metrics(struct fs_ctx *ctx, struct strbuf *out, struct hv_error *err)
{
	static const struct metric cpus = {"hvfs_host_cpus", "gauge", "Logical CPUs of the host."};
	static const struct metric memory = {"hvfs_host_memory_bytes", "gauge", "Memory of the host."};
	static const struct metric free_memory = {"hvfs_host_free_memory_bytes", "gauge",
						  "Free memory of the host."};
	struct hv_host_info info;
	int ret = hv_host_info(ctx->conn, &info, err);

	if (ret < 0)
		return ret;
	header(out, &cpus);
	sample(out, cpus.name, NULL, NULL, info.cpus);
	header(out, &memory);
	sample(out, memory.name, NULL, NULL, info.memory_kib * 1024);
	header(out, &free_memory);
	return sample(out, free_memory.name, NULL, NULL, info.free_memory_kib * 1024);
}

enum domain_metric {
	DOMAIN_STATE,
	DOMAIN_CPU_TIME,
	DOMAIN_MEMORY,
	DOMAIN_MAX_MEMORY,
	DOMAIN_MEMORY_RSS,
	DOMAIN_VCPUS,
	DOMAIN_MAX_VCPUS,
	DOMAIN_AUTOSTART,
	DOMAIN_METRIC_COUNT,
};

static const struct metric domain_metrics[DOMAIN_METRIC_COUNT] = {
    [DOMAIN_STATE] =
	{"hvfs_domain_state", "gauge",
	 "Domain state as virDomainState numbers it: 1 running, 2 blocked, 3 paused, 4 shutdown, "
	 "5 shutoff, 6 crashed, 7 pmsuspended."},
    [DOMAIN_CPU_TIME] = {"hvfs_domain_cpu_time_seconds_total", "counter", "CPU time the domain has used."},
    [DOMAIN_MEMORY] = {"hvfs_domain_memory_bytes", "gauge", "Current memory of the domain."},
    [DOMAIN_MAX_MEMORY] = {"hvfs_domain_max_memory_bytes", "gauge", "Maximum memory of the domain."},
    [DOMAIN_MEMORY_RSS] = {"hvfs_domain_memory_rss_bytes", "gauge", "Resident memory of the domain."},
    [DOMAIN_VCPUS] = {"hvfs_domain_vcpus", "gauge", "Online vCPUs of the domain."},
    [DOMAIN_MAX_VCPUS] = {"hvfs_domain_max_vcpus", "gauge", "Maximum vCPUs of the domain."},
    [DOMAIN_AUTOSTART] = {"hvfs_domain_autostart", "gauge", "1 if the domain starts with the host."},
};

/* One family at a time, as the format wants: the list is walked once per
 * metric, the driver asked once per domain and kept in arrays. */
static int domain_metrics_render(struct fs_ctx *ctx, struct strbuf *out, struct hv_error *err)
{
	struct hv_name_list names = {0};
	int ret = hv_domain_list(ctx->conn, &names, err);

	if (ret < 0)
		return ret;
	uint64_t(*values)[DOMAIN_METRIC_COUNT] = calloc(names.count ? names.count : 1, sizeof(*values));
	bool *present = calloc(names.count ? names.count : 1, sizeof(*present));
	if (!values || !present) {
		ret = hv_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < names.count; i++) {
		struct hv_domain_info info;
		struct hv_domain_stats stats;
		struct hv_error ignored = {0};
		/* A domain that went meanwhile is simply left out. */
		if (hv_domain_info(ctx->conn, names.names[i], &info, &ignored) < 0)
			continue;
		if (hv_domain_stats(ctx->conn, names.names[i], &stats, &ignored) < 0)
			stats.cpu_time_ns = stats.memory_rss_kib = UINT64_MAX;
		present[i] = true;
		values[i][DOMAIN_STATE] = info.state;
		values[i][DOMAIN_CPU_TIME] = stats.cpu_time_ns;
		values[i][DOMAIN_MEMORY] = info.memory_kib * 1024;
		values[i][DOMAIN_MAX_MEMORY] = info.max_memory_kib * 1024;
		values[i][DOMAIN_MEMORY_RSS] =
		    stats.memory_rss_kib == UINT64_MAX ? UINT64_MAX : stats.memory_rss_kib * 1024;
		values[i][DOMAIN_VCPUS] = info.vcpus;
		values[i][DOMAIN_MAX_VCPUS] = info.max_vcpus;
		values[i][DOMAIN_AUTOSTART] = info.autostart;
	}
	for (int m = 0; m < DOMAIN_METRIC_COUNT; m++) {
		header(out, &domain_metrics[m]);
		for (size_t i = 0; i < names.count; i++) {
			if (!present[i] || values[i][m] == UINT64_MAX)
				continue; /* not measured by this driver */
			if (m == DOMAIN_CPU_TIME)
				strbuf_printf(out, "%s{domain=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n",
					      domain_metrics[m].name, names.names[i],
					      values[i][m] / 1000000000, values[i][m] % 1000000000);
			else
				sample(out, domain_metrics[m].name, "domain", names.names[i], values[i][m]);
		}
	}
out:
	free(values);
	free(present);
	hv_name_list_finish(&names);
	return ret;
}

static int network_metrics(struct fs_ctx *ctx, struct strbuf *out, struct hv_error *err)
{
	static const struct metric active = {"hvfs_network_active", "gauge", "1 if the network is active."};
	static const struct metric leases = {"hvfs_network_leases", "gauge",
					     "DHCP leases the network handed out."};
	struct hv_name_list names = {0};
	int ret = hv_network_list(ctx->conn, &names, err);

	if (ret < 0)
		return ret;
	header(out, &active);
	for (size_t i = 0; i < names.count; i++) {
		struct hv_network_info info;
		struct hv_error ignored = {0};
		if (hv_network_info(ctx->conn, names.names[i], &info, &ignored) == 0)
			sample(out, active.name, "network", names.names[i], info.active);
	}
	/* A metric's samples follow its header: a second pass. */
	header(out, &leases);
	for (size_t i = 0; i < names.count; i++) {
		struct hv_lease_list list = {0};
		struct hv_error ignored = {0};
		int got = hv_network_leases(ctx->conn, names.names[i], &list, &ignored);
		if (got == 0 || got == -EOPNOTSUPP)
			sample(out, leases.name, "network", names.names[i], list.count);
		hv_lease_list_finish(&list);
	}
	hv_name_list_finish(&names);
	return 0;
}

static int pool_metrics(struct fs_ctx *ctx, struct strbuf *out, struct hv_error *err)
{
	static const struct metric metrics[] = {
	    {"hvfs_pool_state", "gauge",
	     "Pool state: 0 inactive, 1 building, 2 running, 3 degraded, 4 inaccessible."},
	    {"hvfs_pool_capacity_bytes", "gauge", "Capacity of the pool."},
	    {"hvfs_pool_allocation_bytes", "gauge", "Space allocated in the pool."},
	    {"hvfs_pool_available_bytes", "gauge", "Space available in the pool."},
	};
	struct hv_name_list names = {0};
	int ret = hv_pool_list(ctx->conn, &names, err);

	if (ret < 0)
		return ret;
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		header(out, &metrics[m]);
		for (size_t i = 0; i < names.count; i++) {
			struct hv_pool_info info;
			struct hv_error ignored = {0};
			if (hv_pool_info(ctx->conn, names.names[i], &info, &ignored) < 0)
				continue;
			uint64_t v = m == 0   ? info.state
				     : m == 1 ? info.capacity
				     : m == 2 ? info.allocation
					      : info.available;
			sample(out, metrics[m].name, "pool", names.names[i], v);
		}
	}
	hv_name_list_finish(&names);
	return 0;
}

int fs_show_metrics(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out, struct hv_error *err)
{
	int ret = host_metrics(ctx, out, err);

	if (ret == 0)
		ret = domain_metrics_render(ctx, out, err);
	if (ret == 0)
		ret = network_metrics(ctx, out, err);
	if (ret == 0)
		ret = pool_metrics(ctx, out, err);
	return ret;
}
