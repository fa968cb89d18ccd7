/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* networks/ and networks/NAME/. */
#include <errno.h>
#include <stdlib.h>

#include "fs/fs.h"

#define NETWORK_SHOW(field, render)                                                                          \
	static int show_##field(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,         \
				struct hv_error *err)                                                        \
	{                                                                                                    \
		struct hv_network_info info;                                                                 \
		int ret = hv_network_info(ctx->conn, obj->name, &info, err);                                 \
		return ret < 0 ? ret : render;                                                               \
	}

NETWORK_SHOW(autostart, fs_show_u64(out, info.autostart))
NETWORK_SHOW(bridge, fs_show_str(out, info.bridge))
NETWORK_SHOW(persistent, fs_show_u64(out, info.persistent))
NETWORK_SHOW(state, fs_show_str(out, info.active ? "active" : "inactive"))
NETWORK_SHOW(uuid, fs_show_str(out, info.uuid))

static int store_control(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
			 struct hv_error *err)
{
	enum hv_network_command command;
	char word[32] = "";

	if (fs_parse_word(value, len, word, sizeof(word), err) < 0 ||
	    hv_network_command_parse(word, &command) < 0)
		return hv_error_set(err, EINVAL, "unknown command '%.32s': write start or stop", word);
	return hv_network_control(ctx->conn, obj->name, command, err);
}

/* One line per lease, as dnsmasq's lease file: expiry (seconds since the
 * epoch), MAC, IP, hostname (the domain). */
static int show_leases(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err)
{
	struct hv_lease_list leases = {0};
	int ret = hv_network_leases(ctx->conn, obj->name, &leases, err);

	for (size_t i = 0; ret == 0 && i < leases.count; i++) {
		const struct hv_lease *l = &leases.leases[i];
		ret = strbuf_printf(out, "%llu %s %s %s\n", (unsigned long long)l->expiry, l->mac, l->ip,
				    l->hostname[0] ? l->hostname : "*");
	}
	hv_lease_list_finish(&leases);
	/* A driver without DHCP has no leases: an empty file, not an error. */
	if (ret == -EOPNOTSUPP) {
		hv_error_clear(err);
		ret = 0;
	}
	return ret;
}

static const struct fs_attr network_attrs[] = {
    {"autostart", 0644, 0, HV_FIELD_AUTOSTART, show_autostart, fs_store_autostart},
    {"bridge", 0444, 0, HV_FIELD_BRIDGE, show_bridge, NULL},
    {"config.xml", 0644, FS_ATTR_DOCUMENT, HV_FIELD_CONFIG, fs_show_config, fs_store_config},
    {"control", 0200, 0, 0, NULL, store_control},
    {"last_error", 0444, 0, 0, fs_show_last_error, NULL},
    {"leases", 0444, 0, HV_FIELD_LEASES, show_leases, NULL},
    {"persistent", 0444, 0, HV_FIELD_PERSISTENT, show_persistent, NULL},
    {"state", 0444, 0, HV_FIELD_STATE, show_state, NULL},
    {"uuid", 0444, 0, HV_FIELD_UUID, show_uuid, NULL},
    {NULL},
};

static const struct fs_dir_type network_type = {
    .name = "network",
    .is_object = true,
    .kind = HV_KIND_NETWORK,
    .attrs = network_attrs,
};

static const struct fs_collection networks_collection = {
    .kind = HV_KIND_NETWORK,
    .child_type = &network_type,
};

static const struct fs_attr no_attrs[] = {
    {NULL},
};

const struct fs_dir_type fs_networks_type = {
    .name = "networks",
    .attrs = no_attrs,
    .collection = &networks_collection,
};
