/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/NAME/cgroup/: the resource controls of drivers that place
 * domains in cgroups (the container driver), one file per tunable.  A read
 * is the live value of a running domain (read from the cgroup filesystem),
 * the configured one of a shut-off domain; a write applies it live and
 * stores it in the definition.  The directory exists only when the driver
 * has the cgroup slots (drivers/driver.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"

bool fs_cgroup_present(const struct fs_ctx *ctx)
{
	return hv_domain_has_cgroup(ctx->conn);
}

static int show_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *key, struct strbuf *out,
		    struct hv_error *err)
{
	char *value = NULL;
	int ret = hv_domain_cgroup_get(ctx->conn, obj->name, key, &value, err);

	if (ret == 0)
		ret = fs_show_str(out, value);
	free(value);
	return ret;
}

/* The value written, without its trailing newline: one line of printable
 * text. */
static int store_key(struct fs_ctx *ctx, const struct fs_object *obj, const char *key, const char *value,
		     size_t len, struct hv_error *err)
{
	char text[256];

	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len >= sizeof(text))
		return hv_error_set(err, EINVAL, "%s: the value is longer than %zu characters", key,
				    sizeof(text) - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return hv_error_set(err, EINVAL, "%s: one line of text, please", key);
	memcpy(text, value, len);
	text[len] = '\0';
	return hv_domain_cgroup_set(ctx->conn, obj->name, key, text, err);
}

#define CGROUP_FILE(key)                                                                                     \
	static int show_##key(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,           \
			      struct hv_error *err)                                                          \
	{                                                                                                    \
		return show_key(ctx, obj, #key, out, err);                                                   \
	}                                                                                                    \
	static int store_##key(struct fs_ctx *ctx, const struct fs_object *obj, const char *value,           \
			       size_t len, struct hv_error *err)                                             \
	{                                                                                                    \
		return store_key(ctx, obj, #key, value, len, err);                                           \
	}

CGROUP_FILE(cpu_quota)
CGROUP_FILE(cpu_weight)
CGROUP_FILE(cpuset)
CGROUP_FILE(memory_limit)
CGROUP_FILE(pids_limit)

static int show_path(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		     struct hv_error *err)
{
	return show_key(ctx, obj, "path", out, err);
}

/* Alphabetical.  A file changes with its key (HV_FIELD_CGROUP, detail: a
 * keyed field) and with the domain files that set the same cgroup file;
 * the notifier reports them with the domain's own (fs/notify.c). */
static const struct fs_attr cgroup_attrs[] = {
    {"cpu_quota", 0644, 0, HV_FIELD_CGROUP | HV_FIELD_VCPUS, show_cpu_quota, store_cpu_quota},
    {"cpu_weight", 0644, 0, HV_FIELD_CGROUP, show_cpu_weight, store_cpu_weight},
    {"cpuset", 0644, 0, HV_FIELD_CGROUP, show_cpuset, store_cpuset},
    {"memory_limit", 0644, 0, HV_FIELD_CGROUP | HV_FIELD_MEMORY, show_memory_limit, store_memory_limit},
    {"path", 0444, 0, HV_FIELD_CGROUP, show_path, NULL},
    {"pids_limit", 0644, 0, HV_FIELD_CGROUP, show_pids_limit, store_pids_limit},
    {NULL},
};

const struct fs_dir_type fs_cgroup_type = {
    .name = "domain cgroup",
    /* A sub-directory of the domain's own, like a device's: it takes the
     * scratch files of tools that replace a file by rename (sed -i). */
    .is_sub = true,
    .attrs = cgroup_attrs,
    .present = fs_cgroup_present,
};
