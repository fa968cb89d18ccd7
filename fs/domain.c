/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* domains/ and domains/NAME/: the domain attribute table (docs/paths.md). */
#include <errno.h>
#include <stdlib.h>

#include "fs/fs.h"
#include "util/parse.h"

#define DOMAIN_SHOW(field, render)                                                                           \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_domain_info info;                                                                  \
		int ret = hv_domain_info(ctx->conn, obj->name, &info, err);                                  \
		return ret < 0 ? ret : render;                                                               \
	}

DOMAIN_SHOW(autostart, fs_show_u64(out, info.autostart))
DOMAIN_SHOW(id, strbuf_printf(out, "%d\n", info.id))
DOMAIN_SHOW(max_memory, fs_show_u64(out, info.max_memory_kib))
DOMAIN_SHOW(max_vcpus, fs_show_u64(out, info.max_vcpus))
DOMAIN_SHOW(memory, fs_show_u64(out, info.memory_kib))
DOMAIN_SHOW(os_type, fs_show_str(out, info.os_type))
DOMAIN_SHOW(persistent, fs_show_u64(out, info.persistent))
DOMAIN_SHOW(state, fs_show_str(out, hv_domain_state_name(info.state)))
DOMAIN_SHOW(uuid, fs_show_str(out, info.uuid))
DOMAIN_SHOW(vcpus, fs_show_u64(out, info.vcpus))

static int store_control(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			 struct hv_error *err)
{
	enum hv_domain_command command;
	char word[32] = "";

	if (fs_parse_word(value, len, word, sizeof(word), err) < 0 ||
	    hv_domain_command_parse(word, &command) < 0)
		return hv_error_set(err, EINVAL,
				    "unknown command '%.32s': write one of start, shutdown, reboot, reset, "
				    "destroy, suspend, resume",
				    word);
	return hv_domain_control(ctx->conn, obj->name, command, err);
}

/* Memory files are in KiB; a value with a suffix (512M, 2G, 1048576K) is
 * converted, as virsh setmem does. */
static int parse_memory_kib(const char *value, size_t len, uint64_t *kib, struct hv_error *err)
{
	uint64_t bytes;

	if (parse_u64(value, len, UINT64_MAX / 1024, kib) == 0)
		return 0;
	if (parse_size(value, len, &bytes) < 0 || bytes % 1024 != 0)
		return hv_error_set(err, EINVAL, "memory is a number of KiB, or a size such as 512M or 2G");
	*kib = bytes / 1024;
	return 0;
}

static int store_memory(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			struct hv_error *err)
{
	uint64_t kib;
	int ret = parse_memory_kib(value, len, &kib, err);

	return ret < 0 ? ret : hv_domain_set_memory(ctx->conn, obj->name, kib, err);
}

static int store_max_memory(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			    struct hv_error *err)
{
	uint64_t kib;
	int ret = parse_memory_kib(value, len, &kib, err);

	return ret < 0 ? ret : hv_domain_set_max_memory(ctx->conn, obj->name, kib, err);
}

static int store_vcpus(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		       struct hv_error *err)
{
	uint64_t vcpus;
	int ret = fs_parse_u64(value, len, 4096, &vcpus, "vcpus", err);

	return ret < 0 ? ret : hv_domain_set_vcpus(ctx->conn, obj->name, (unsigned)vcpus, err);
}

static int store_max_vcpus(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			   struct hv_error *err)
{
	uint64_t vcpus;
	int ret = fs_parse_u64(value, len, 4096, &vcpus, "max_vcpus", err);

	return ret < 0 ? ret : hv_domain_set_max_vcpus(ctx->conn, obj->name, (unsigned)vcpus, err);
}

#define STATS_SHOW(field, member)                                                                            \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_domain_stats stats;                                                                \
		int ret = hv_domain_stats(ctx->conn, obj->name, &stats, err);                                \
		if (ret < 0)                                                                                 \
			return ret;                                                                          \
		if (stats.member == UINT64_MAX)                                                              \
			return hv_error_set(err, EOPNOTSUPP, "the driver does not measure " #field);         \
		return fs_show_u64(out, stats.member);                                                       \
	}

STATS_SHOW(cpu_time, cpu_time_ns)
STATS_SHOW(memory_rss, memory_rss_kib)

static const struct fs_attr stats_attrs[] = {
    {"cpu_time", 0444, FS_ATTR_VOLATILE, 0, show_cpu_time, NULL},
    {"memory_rss", 0444, FS_ATTR_VOLATILE, 0, show_memory_rss, NULL},
    {NULL},
};

static const struct fs_dir_type stats_type = {
    .name = "domain stats",
    .attrs = stats_attrs,
};

static const struct fs_attr domain_attrs[] = {
    {"autostart", 0644, 0, HV_FIELD_AUTOSTART, show_autostart, fs_store_autostart},
    {"config.xml", 0644, FS_ATTR_DOCUMENT, HV_FIELD_CONFIG, fs_show_config, fs_store_config},
    {"control", 0200, 0, 0, NULL, store_control},
    {"id", 0444, 0, HV_FIELD_ID, show_id, NULL},
    {"last_error", 0444, 0, 0, fs_show_last_error, NULL},
    {"max_memory", 0644, 0, HV_FIELD_MAX_MEMORY, show_max_memory, store_max_memory},
    {"max_vcpus", 0644, 0, HV_FIELD_MAX_VCPUS, show_max_vcpus, store_max_vcpus},
    {"memory", 0644, 0, HV_FIELD_MEMORY, show_memory, store_memory},
    {"os_type", 0444, 0, HV_FIELD_OS_TYPE, show_os_type, NULL},
    {"persistent", 0444, 0, HV_FIELD_PERSISTENT, show_persistent, NULL},
    {"state", 0444, 0, HV_FIELD_STATE, show_state, NULL},
    {"uuid", 0444, 0, HV_FIELD_UUID, show_uuid, NULL},
    {"vcpus", 0644, 0, HV_FIELD_VCPUS, show_vcpus, store_vcpus},
    {NULL},
};

static const struct fs_subdir domain_subdirs[] = {
    {.name = "devices", .type = &fs_devices_type},
    {.name = "stats", .type = &stats_type},
    {.name_of = fs_domain_keys_dir, .type_of = fs_domain_keys_type}, /* the driver's domain_keys */
    {NULL},
};

static const struct fs_dir_type domain_type = {
    .name = "domain",
    .is_object = true,
    .kind = HV_KIND_DOMAIN,
    .attrs = domain_attrs,
    .subdirs = domain_subdirs,
};

static const struct fs_collection domains_collection = {
    .kind = HV_KIND_DOMAIN,
    .child_type = &domain_type,
};

static const struct fs_attr no_attrs[] = {
    {NULL},
};

const struct fs_dir_type fs_domains_type = {
    .name = "domains",
    .attrs = no_attrs,
    .collection = &domains_collection,
};
