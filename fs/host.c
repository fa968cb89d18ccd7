/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* host/: the node's attributes (read-only). */
#include <stdlib.h>

#include "fs/fs.h"

static int host_info(struct fs_ctx *ctx, struct hv_host_info *info, struct hv_error *err)
{
	return hv_host_info(ctx->conn, info, err);
}

#define HOST_SHOW(field, render)                                                                             \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_host_info info;                                                                    \
		int ret = host_info(ctx, &info, err);                                                        \
		return ret < 0 ? ret : render;                                                               \
	}

HOST_SHOW(cpu_model, fs_show_str(out, info.cpu_model))
HOST_SHOW(cpus, fs_show_u64(out, info.cpus))
HOST_SHOW(free_memory, fs_show_u64(out, info.free_memory_kib))
HOST_SHOW(hostname, fs_show_str(out, info.hostname))
HOST_SHOW(hypervisor_version, fs_show_str(out, info.hypervisor_version))
HOST_SHOW(memory, fs_show_u64(out, info.memory_kib))

static int show_capabilities(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
			     struct hv_error *err)
{
	char *xml = NULL;
	int ret = hv_host_capabilities(ctx->conn, &xml, err);

	if (ret == 0)
		ret = strbuf_puts(out, xml);
	free(xml);
	return ret;
}

static int show_driver(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err)
{
	return fs_show_str(out, ctx->conn->ops->name);
}

static int show_uri(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out, struct hv_error *err)
{
	return fs_show_str(out, ctx->conn->uri);
}

static const struct fs_attr host_attrs[] = {
    {"capabilities.xml", 0444, FS_ATTR_DOCUMENT, 0, show_capabilities, NULL},
    {"cpu_model", 0444, 0, 0, show_cpu_model, NULL},
    {"cpus", 0444, 0, 0, show_cpus, NULL},
    {"driver", 0444, 0, 0, show_driver, NULL},
    {"free_memory", 0444, FS_ATTR_VOLATILE, 0, show_free_memory, NULL},
    {"hostname", 0444, 0, 0, show_hostname, NULL},
    {"hypervisor_version", 0444, 0, 0, show_hypervisor_version, NULL},
    {"memory", 0444, 0, 0, show_memory, NULL},
    {"uri", 0444, 0, 0, show_uri, NULL},
    {NULL},
};

static const struct fs_subdir host_subdirs[] = {
    {.name = "devices", .type = &fs_host_devices_type},
    {NULL},
};

const struct fs_dir_type fs_host_type = {
    .name = "host",
    .is_object = true,
    .kind = HV_KIND_HOST,
    .attrs = host_attrs,
    .subdirs = host_subdirs,
};
