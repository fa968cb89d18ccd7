/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroupctl: a command-line look at what the cgroupctl library sees, for
 * people inspecting a host or a container hvfs runs.  Read-only.
 *
 *   cgroupctl layout          the host's cgroup mode and where each controller lives
 *   cgroupctl show PATH       a group's limits and statistics, one "key value" per line
 *   cgroupctl procs PATH      the group's processes, one pid per line
 *
 * PATH is the group below the hierarchy roots, e.g. hvfs/web for the
 * container web under the default cgroup_parent. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroupctl/cgroupctl.h"

static int usage(FILE *out)
{
	fprintf(out, "usage: cgroupctl layout\n"
		     "       cgroupctl show PARENT/NAME\n"
		     "       cgroupctl procs PARENT/NAME\n");
	return out == stdout ? 0 : 2;
}

static int fail(const struct hv_error *err)
{
	fprintf(stderr, "cgroupctl: %s\n", err->message);
	return 1;
}

static int show_layout(const struct cgctl_layout *layout)
{
	printf("mode %s\n", cgctl_mode_name(layout->mode));
	printf("unified %s\n", layout->unified[0] ? layout->unified : "-");
	for (int c = 0; c < CGCTL_NCONTROLLERS; c++) {
		const struct cgctl_controller_info *info = &layout->controller[c];
		printf("%s %s %s\n", cgctl_controller_name((enum cgctl_controller)c),
		       !info->present ? "-"
		       : info->v2     ? "v2"
				      : "v1",
		       info->present ? info->mount : "-");
	}
	return 0;
}

/* UINT64_MAX (no limit) prints as "max", as cgroup v2 writes it. */
static void print_value(const char *key, int ret, uint64_t value)
{
	if (ret < 0)
		printf("%s -\n", key);
	else if (value == CGCTL_UNLIMITED)
		printf("%s max\n", key);
	else
		printf("%s %" PRIu64 "\n", key, value);
}

static int show_group(struct cgctl_group *group)
{
	uint64_t value = 0, quota = 0, period = 0;
	char cpus[256];
	bool frozen = false;
	int ret;

	ret = cgctl_get_memory_limit(group, &value, NULL);
	print_value("memory_limit", ret, value);
	ret = cgctl_memory_usage(group, &value, NULL);
	print_value("memory_usage", ret, value);
	ret = cgctl_oom_kills(group, &value, NULL);
	print_value("oom_kills", ret, value);
	ret = cgctl_get_pids_limit(group, &value, NULL);
	print_value("pids_limit", ret, value);
	ret = cgctl_pids_current(group, &value, NULL);
	print_value("pids_current", ret, value);
	ret = cgctl_get_cpu_weight(group, &value, NULL);
	print_value("cpu_weight", ret, value);
	ret = cgctl_get_cpu_quota(group, &quota, &period, NULL);
	print_value("cpu_quota_us", ret, quota);
	print_value("cpu_period_us", ret, period);
	ret = cgctl_cpu_usage(group, &value, NULL);
	print_value("cpu_usage_ns", ret, value);
	ret = cgctl_get_cpuset(group, cpus, sizeof(cpus), NULL);
	printf("cpuset %s\n", ret < 0 ? "-" : cpus);
	ret = cgctl_is_frozen(group, &frozen, NULL);
	printf("frozen %s\n", ret < 0 ? "-" : frozen ? "1" : "0");
	return 0;
}

static int show_procs(struct cgctl_group *group)
{
	struct hv_error err = {0};
	pid_t *pids = NULL;
	size_t count = 0;

	if (cgctl_group_pids(group, &pids, &count, &err) < 0)
		return fail(&err);
	for (size_t i = 0; i < count; i++)
		printf("%d\n", (int)pids[i]);
	free(pids);
	return 0;
}

int main(int argc, char **argv)
{
	struct cgctl_layout layout;
	struct hv_error err = {0};
	struct cgctl_group *group;
	char parent[4096];
	const char *name;
	int ret;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return usage(stdout);
	if (argc < 2)
		return usage(stderr);
	if (cgctl_detect(&layout, &err) < 0)
		return fail(&err);
	if (strcmp(argv[1], "layout") == 0 && argc == 2)
		return show_layout(&layout);
	if (argc != 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "procs") != 0))
		return usage(stderr);

	/* PARENT/NAME: the last component is the group, the rest its parent. */
	snprintf(parent, sizeof(parent), "%s", argv[2]);
	while (strlen(parent) > 1 && parent[strlen(parent) - 1] == '/')
		parent[strlen(parent) - 1] = '\0';
	char *slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		name = slash + 1;
	} else {
		name = parent;
	}
	group = cgctl_group_open(&layout, slash ? parent : "", slash ? name : parent, &err);
	if (!group)
		return fail(&err);
	ret = strcmp(argv[1], "show") == 0 ? show_group(group) : show_procs(group);
	cgctl_group_destroy(group);
	return ret;
}
