/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Virtual networks of the test driver: active or inactive, with a bridge
 * name that no two networks share (as libvirt insists).  What networks do
 * like every kind is in drivers/object_kind.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"

static struct test_network *network_of(struct hv_object *obj)
{
	return obj ? test_container_of(obj, struct test_network, obj) : NULL;
}

static const struct test_network *network_of_const(const struct hv_object *obj)
{
	return test_container_of(obj, const struct test_network, obj);
}

static const struct test_network *bridge_user(const struct test_driver *drv, const char *bridge)
{
	if (!bridge[0])
		return NULL;
	for (const struct hv_object *obj = drv->networks.head; obj; obj = obj->next) {
		const struct test_network *net = network_of_const(obj);
		if (strcmp(net->def.bridge, bridge) == 0)
			return net;
	}
	return NULL;
}

/* --- the kind ------------------------------------------------------------- */

static bool network_is_active(const struct hv_object *obj)
{
	return network_of_const(obj)->active;
}

static void network_boot(void *driver, struct hv_object *obj, uint64_t now)
{
	network_of(obj)->active = true;
}

static void network_init(struct hv_object *obj, const void *def_arg)
{
	const union test_def *def = def_arg;
	network_of(obj)->def = def->network;
}

static int network_parse(const char *xml, size_t len, const char *name, bool stored, void *def_arg,
			 struct hv_error *err)
{
	union test_def *def = def_arg;
	return stored ? hv_network_def_parse_stored(xml, len, name, &def->network, err)
		      : hv_network_def_parse(xml, len, name, &def->network, err);
}

static void network_identity(void *def_arg, char **name, char **uuid)
{
	union test_def *def = def_arg;
	*name = def->network.name;
	*uuid = def->network.uuid;
}

/* Isolated, on the first bridge virbrN that no network uses. */
static int network_xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	struct test_driver *drv = driver;
	char bridge[16];

	for (unsigned n = 0;; n++) {
		snprintf(bridge, sizeof(bridge), "virbr%u", n);
		if (!bridge_user(drv, bridge))
			break;
	}
	return hv_network_xml_default(name, uuid, bridge, out);
}

static int network_check(void *driver, const struct hv_object *existing, const void *def_arg,
			 struct hv_error *err)
{
	struct test_driver *drv = driver;
	const union test_def *def = def_arg;
	const struct test_network *other = bridge_user(drv, def->network.bridge);

	if (other && &other->obj != existing)
		return hv_error_set(err, EEXIST, "bridge %s is already used by network '%s'",
				    def->network.bridge, other->obj.name);
	return 0;
}

/* Of the definition, only the bridge has a file of its own. */
static uint32_t network_redefine(struct hv_object *staged, const void *def_arg)
{
	const union test_def *def = def_arg;
	struct test_network *net = network_of(staged);
	uint32_t fields = strcmp(net->def.bridge, def->network.bridge) != 0 ? HV_FIELD_BRIDGE : 0;

	net->def = def->network;
	return fields;
}

static int network_rename(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct test_network *net = network_of(staged);

	snprintf(net->def.name, sizeof(net->def.name), "%s", new_name);
	return hv_network_xml_update(staged->xml, strlen(staged->xml), &net->def, text, err);
}

/* Remembered leases follow their network's name. */
static int network_renamed(void *driver, const char *old_name, const char *new_name, struct hv_error *err)
{
	struct test_driver *drv = driver;

	test_leases_renamed(drv, HV_KIND_NETWORK, old_name, new_name);
	return 0;
}

const struct hv_kind_ops test_network_kind = {
    .kind = HV_KIND_NETWORK,
    .size = sizeof(struct test_network),
    .def_size = sizeof(union test_def),
    .table_offset = offsetof(struct test_driver, networks),
    .op =
	{
	    .define = TEST_OP_NETWORK_DEFINE,
	    .get_xml = TEST_OP_NETWORK_GET_XML,
	    .list = TEST_OP_NETWORK_LIST,
	    .rename = TEST_OP_NETWORK_RENAME,
	    .set_autostart = TEST_OP_NETWORK_SET_AUTOSTART,
	    .undefine = TEST_OP_NETWORK_UNDEFINE,
	},
    .boot = network_boot,
    .check = network_check,
    .identity = network_identity,
    .init = network_init,
    .is_active = network_is_active,
    .parse = network_parse,
    .redefine = network_redefine,
    .rename = network_rename,
    .xml_default = network_xml_default,
    .renamed = network_renamed,
};

/* --- slots ---------------------------------------------------------------- */

static int network_info_locked(struct test_driver *drv, const struct hv_kind_ops *ops, struct hv_object *obj,
			       void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const struct test_network *net = network_of(obj);
	struct hv_network_info *info = args;

	*info = (struct hv_network_info){
	    .active = net->active,
	    .autostart = obj->autostart,
	    .persistent = true,
	};
	snprintf(info->name, sizeof(info->name), "%s", obj->name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", obj->uuid);
	snprintf(info->bridge, sizeof(info->bridge), "%s", net->def.bridge);
	return 0;
}

int test_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
		      struct hv_error *err)
{
	return test_kind_call(conn, &test_network_kind, TEST_OP_NETWORK_INFO, name, network_info_locked, info,
			      err);
}

static int network_control_locked(struct test_driver *drv, const struct hv_kind_ops *ops,
				  struct hv_object *obj, void *args, struct hv_change_batch *changes,
				  struct hv_error *err)
{
	enum hv_network_command command = *(enum hv_network_command *)args;
	union test_staged staged = {.network = *network_of(obj)};
	int ret;

	switch (command) {
	case HV_NETWORK_CMD_START:
		if (staged.network.active)
			return hv_error_set(err, EBUSY, "network is already active");
		staged.network.active = true;
		break;
	case HV_NETWORK_CMD_STOP:
		if (!staged.network.active)
			return hv_error_set(err, EBUSY, "network is not active");
		staged.network.active = false;
		break;
	default:
		return hv_error_set(err, EINVAL, "unknown network command %d", (int)command);
	}
	ret = hv_kind_commit(&drv->kinds, ops, obj, &staged.obj, err);
	if (ret < 0)
		return ret;
	hv_batch_lifecycle(changes, HV_KIND_NETWORK, obj->name, staged.network.active ? "started" : "stopped",
			   NULL, HV_FIELD_STATE);
	if (!staged.network.active)
		test_leases_network_stopped(drv, obj->name, changes);
	return 0;
}

int test_network_control(struct hv_conn *conn, const char *name, enum hv_network_command command,
			 struct hv_error *err)
{
	return test_kind_call(conn, &test_network_kind, TEST_OP_NETWORK_CONTROL, name, network_control_locked,
			      &command, err);
}

/* The slots every kind has: list, get_xml, define, undefine, rename and
 * set_autostart, in drivers/object_kind.c. */
TEST_KIND_SLOTS(network)
