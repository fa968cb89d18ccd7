/* Virtual networks of the test driver: active or inactive, with a bridge
 * name that no two networks share (as libvirt insists). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"
#include "util/cleanup.h"
#include "util/log.h"

static struct test_network *network_of(struct test_object *obj)
{
	return obj ? test_container_of(obj, struct test_network, obj) : NULL;
}

static struct test_network *network_lookup(struct test_driver *drv, const char *name, struct hv_error *err)
{
	struct test_network *net = network_of(test_table_find(&drv->networks, name));

	if (!net)
		hv_error_set(err, ENOENT, "no network named '%s'", name ? name : "");
	return net;
}

struct test_network *test_network_create(const struct hv_network_def *def, char *xml)
{
	struct test_network *net = calloc(1, sizeof(*net));

	if (!net)
		return NULL;
	snprintf(net->obj.name, sizeof(net->obj.name), "%s", def->name);
	snprintf(net->obj.uuid, sizeof(net->obj.uuid), "%s", def->uuid);
	net->def = *def;
	net->xml = xml;
	return net;
}

void test_network_destroy_object(struct test_object *obj)
{
	struct test_network *net = network_of(obj);

	if (!net)
		return;
	free(net->xml);
	free(net);
}

/* Persists staged and, only if that worked, makes it the network.  Consumes
 * staged->xml when it differs from net->xml. */
static int network_commit(struct test_driver *drv, struct test_network *net, struct test_network *staged,
			  struct hv_error *err)
{
	int ret = test_persist_network(drv, staged, err);

	if (ret < 0) {
		if (staged->xml != net->xml)
			free(staged->xml);
		return ret;
	}
	if (staged->xml != net->xml)
		free(net->xml);
	*net = *staged;
	return 0;
}

static struct test_network *bridge_user(const struct test_driver *drv, const char *bridge)
{
	if (!bridge[0])
		return NULL;
	for (struct test_object *obj = drv->networks.head; obj; obj = obj->next) {
		struct test_network *net = network_of(obj);
		if (strcmp(net->def.bridge, bridge) == 0)
			return net;
	}
	return NULL;
}

/* --- reading -------------------------------------------------------------- */

int test_network_list(struct hv_conn *conn, struct hv_name_list *out, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_NETWORK_LIST, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = test_table_list(&drv->networks, out, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

int test_network_info(struct hv_conn *conn, const char *name, struct hv_network_info *info,
		      struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, TEST_OP_NETWORK_INFO, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_network *net = network_lookup(drv, name, err);
	if (net) {
		*info = (struct hv_network_info){
		    .active = net->active,
		    .autostart = net->autostart,
		    .persistent = true,
		};
		snprintf(info->name, sizeof(info->name), "%s", net->obj.name);
		snprintf(info->uuid, sizeof(info->uuid), "%s", net->obj.uuid);
		snprintf(info->bridge, sizeof(info->bridge), "%s", net->def.bridge);
	}
	pthread_mutex_unlock(&drv->lock);
	return net ? 0 : -ENOENT;
}

int test_network_get_xml(struct hv_conn *conn, const char *name, char **xml, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	char *copy = NULL;
	int ret = test_fault(drv, TEST_OP_NETWORK_GET_XML, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	struct test_network *net = network_lookup(drv, name, err);
	if (net) {
		copy = strdup(net->xml);
		ret = copy ? 0 : hv_error_set(err, ENOMEM, "out of memory");
	} else {
		ret = -ENOENT;
	}
	pthread_mutex_unlock(&drv->lock);
	*xml = copy;
	return ret;
}

/* --- definitions ---------------------------------------------------------- */

static int network_add(struct test_driver *drv, const struct hv_network_def *def, char *text,
		       struct test_change *change, struct hv_error *err)
{
	struct test_network *net = test_network_create(def, text);
	int ret;

	if (!net) {
		free(text);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ret = test_table_add(&drv->networks, &net->obj);
	if (ret < 0) {
		test_network_destroy_object(&net->obj);
		return hv_error_set(err, -ret, "cannot add network '%s'", def->name);
	}
	ret = test_persist_network(drv, net, err);
	if (ret < 0) {
		test_table_remove(&drv->networks, &net->obj);
		test_network_destroy_object(&net->obj);
		return ret;
	}
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_CREATED, def->name, NULL, NULL, NULL);
	return 0;
}

static int network_define_default_locked(struct test_driver *drv, const char *name,
					 struct test_change *change, struct hv_error *err)
{
	char uuid[HV_UUID_STRLEN + 1], bridge[16];
	struct hv_network_def def;
	char *text = NULL;
	int ret;

	if (test_table_find(&drv->networks, name))
		return hv_error_set(err, EEXIST, "network '%s' already exists", name);
	ret = test_table_fresh_uuid(&drv->networks, uuid, err);
	if (ret < 0)
		return ret;
	for (unsigned n = 0;; n++) {
		snprintf(bridge, sizeof(bridge), "virbr%u", n);
		if (!bridge_user(drv, bridge))
			break;
	}
	ret = hv_network_xml_default(name, uuid, bridge, &text);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot build a default definition for network '%s'", name);
	ret = hv_network_def_parse(text, strlen(text), name, &def, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	return network_add(drv, &def, text, change, err);
}

static int network_define_xml_locked(struct test_driver *drv, const char *name, const char *xml, size_t len,
				     struct hv_network_def *def, struct test_change *change,
				     struct hv_error *err)
{
	struct test_network *net = network_of(test_table_find(&drv->networks, name));
	struct test_network *other;
	bool uuid_missing = def->uuid[0] == '\0';
	char *text = NULL;
	int ret;

	if (!uuid_missing) {
		other = network_of(test_table_find_uuid(&drv->networks, def->uuid));
		if (other && other != net)
			return hv_error_set(err, EEXIST, "UUID %s is already used by network '%s'", def->uuid,
					    other->obj.name);
		if (net && strcmp(net->obj.uuid, def->uuid) != 0)
			return hv_error_set(err, EEXIST, "network '%s' already exists with UUID %s", name,
					    net->obj.uuid);
	} else if (net) {
		snprintf(def->uuid, sizeof(def->uuid), "%s", net->obj.uuid);
	} else {
		ret = test_table_fresh_uuid(&drv->networks, def->uuid, err);
		if (ret < 0)
			return ret;
	}
	other = bridge_user(drv, def->bridge);
	if (other && other != net)
		return hv_error_set(err, EEXIST, "bridge %s is already used by network '%s'", def->bridge,
				    other->obj.name);

	if (uuid_missing) {
		ret = hv_network_xml_update(xml, len, def, &text, err);
		if (ret < 0)
			return ret;
	} else {
		text = strndup(xml, len);
		if (!text)
			return hv_error_set(err, ENOMEM, "out of memory");
	}
	if (!net)
		return network_add(drv, def, text, change, err);

	struct test_network staged = *net;
	staged.def = *def;
	staged.xml = text;
	ret = network_commit(drv, net, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

int test_network_define(struct hv_conn *conn, const char *name, const char *xml, size_t len,
			struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	struct hv_network_def def;
	int ret = test_fault(drv, TEST_OP_NETWORK_DEFINE, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "invalid network name '%.80s'", name ? name : "");
	if (xml) {
		ret = hv_network_def_parse(xml, len, name, &def, err);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_lock(&drv->lock);
	if (xml)
		ret = network_define_xml_locked(drv, name, xml, len, &def, &change, err);
	else
		ret = network_define_default_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

static int network_undefine_locked(struct test_driver *drv, const char *name, struct test_change *change,
				   struct hv_error *err)
{
	struct test_network *net = network_lookup(drv, name, err);
	int ret;

	if (!net)
		return -ENOENT;
	if (net->active)
		return hv_error_set(err, EBUSY, "network is active");
	ret = test_persist_remove(drv, HV_KIND_NETWORK, name, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_DELETED, name, NULL, NULL, NULL);
	test_table_remove(&drv->networks, &net->obj);
	test_network_destroy_object(&net->obj);
	return 0;
}

int test_network_undefine(struct hv_conn *conn, const char *name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_NETWORK_UNDEFINE, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = network_undefine_locked(drv, name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* Same order as domains: new file, re-index, remove the old file. */
static int network_rename_locked(struct test_driver *drv, const char *name, const char *new_name,
				 struct test_change *change, struct hv_error *err)
{
	struct test_network *net = network_lookup(drv, name, err);
	char *text = NULL;
	int ret;

	if (!net)
		return -ENOENT;
	if (strcmp(name, new_name) == 0)
		return 0;
	if (net->active)
		return hv_error_set(err, EBUSY, "network is active");
	if (test_table_find(&drv->networks, new_name))
		return hv_error_set(err, EEXIST, "network '%s' already exists", new_name);

	struct test_network staged = *net;
	snprintf(staged.def.name, sizeof(staged.def.name), "%s", new_name);
	snprintf(staged.obj.name, sizeof(staged.obj.name), "%s", new_name);
	ret = hv_network_xml_update(net->xml, strlen(net->xml), &staged.def, &text, err);
	if (ret < 0)
		return ret;
	staged.xml = text;
	ret = test_persist_network(drv, &staged, err);
	if (ret < 0)
		goto fail;
	ret = test_table_rename(&drv->networks, &net->obj, new_name);
	if (ret < 0) {
		hv_error_set(err, -ret, "out of memory");
		goto fail_file;
	}
	ret = test_persist_remove(drv, HV_KIND_NETWORK, name, err);
	if (ret < 0) {
		if (test_table_rename(&drv->networks, &net->obj, name) < 0)
			log_error("network '%s': cannot restore its name after a failed rename", new_name);
		goto fail_file;
	}
	free(net->xml);
	*net = staged;
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_RENAMED, name, new_name, NULL, NULL);
	return 0;

fail_file:
	test_persist_remove(drv, HV_KIND_NETWORK, new_name, NULL);
fail:
	free(text);
	return ret;
}

int test_network_rename(struct hv_conn *conn, const char *name, const char *new_name, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_NETWORK_RENAME, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(new_name))
		return hv_error_set(err, EINVAL, "invalid network name '%.80s'", new_name ? new_name : "");
	pthread_mutex_lock(&drv->lock);
	ret = network_rename_locked(drv, name, new_name, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

/* --- control and autostart ------------------------------------------------ */

static int network_control_locked(struct test_driver *drv, const char *name, enum hv_network_command command,
				  struct test_change *change, struct hv_error *err)
{
	struct test_network *net = network_lookup(drv, name, err);
	int ret;

	if (!net)
		return -ENOENT;
	struct test_network staged = *net;
	switch (command) {
	case HV_NETWORK_CMD_START:
		if (net->active)
			return hv_error_set(err, EBUSY, "network is already active");
		staged.active = true;
		break;
	case HV_NETWORK_CMD_STOP:
		if (!net->active)
			return hv_error_set(err, EBUSY, "network is not active");
		staged.active = false;
		break;
	default:
		return hv_error_set(err, EINVAL, "unknown network command %d", (int)command);
	}
	ret = network_commit(drv, net, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_LIFECYCLE, name, NULL,
			net->active ? "started" : "stopped", NULL);
	return 0;
}

int test_network_control(struct hv_conn *conn, const char *name, enum hv_network_command command,
			 struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_NETWORK_CONTROL, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = network_control_locked(drv, name, command, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}

static int network_set_autostart_locked(struct test_driver *drv, const char *name, bool autostart,
					struct test_change *change, struct hv_error *err)
{
	struct test_network *net = network_lookup(drv, name, err);
	int ret;

	if (!net)
		return -ENOENT;
	if (net->autostart == autostart)
		return 0;
	struct test_network staged = *net;
	staged.autostart = autostart;
	ret = network_commit(drv, net, &staged, err);
	if (ret < 0)
		return ret;
	test_change_set(change, HV_KIND_NETWORK, HV_CHANGE_MODIFIED, name, NULL, NULL, NULL);
	return 0;
}

int test_network_set_autostart(struct hv_conn *conn, const char *name, bool autostart, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct test_change change = {0};
	int ret = test_fault(drv, TEST_OP_NETWORK_SET_AUTOSTART, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = network_set_autostart_locked(drv, name, autostart, &change, err);
	pthread_mutex_unlock(&drv->lock);
	test_change_emit(drv, &change);
	return ret;
}
