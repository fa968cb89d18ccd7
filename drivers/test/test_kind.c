/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What domains, networks and pools of the test driver do alike, written
 * once against struct test_kind_ops: finding an object, staging and
 * committing a change, and the slots define, undefine, rename,
 * set_autostart, list and get_xml.  The kinds' files keep only what is
 * their own (their lifecycle, their info, their model rules).
 *
 * Every slot has the same shape: check for an injected fault, take the
 * lock, do the work in a *_locked helper that stages, persists and commits
 * (see test_private.h) and records at most one change, drop the lock, emit
 * the change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/definition_rules.h"
#include "drivers/test/test_private.h"
#include "util/log.h"

/* Generic code copies objects by size from their struct hv_object. */
_Static_assert(offsetof(struct test_domain, obj) == 0, "struct test_domain must begin with its object");
_Static_assert(offsetof(struct test_network, obj) == 0, "struct test_network must begin with its object");
_Static_assert(offsetof(struct test_pool, obj) == 0, "struct test_pool must begin with its object");

struct hv_object_table *test_kind_table(struct test_driver *drv, const struct test_kind_ops *ops)
{
	return (struct hv_object_table *)((char *)drv + ops->table_offset);
}

struct hv_object *test_kind_lookup(struct test_driver *drv, const struct test_kind_ops *ops, const char *name,
				   struct hv_error *err)
{
	struct hv_object *obj = hv_table_find(test_kind_table(drv, ops), name);

	if (!obj)
		hv_error_set(err, ENOENT, "no %s named '%s'", ops->word, name ? name : "");
	return obj;
}

void test_kind_destroy(struct hv_object *obj)
{
	if (!obj)
		return;
	free(obj->xml);
	free(obj); /* the kind's struct, which begins with it */
}

int test_kind_insert(struct test_driver *drv, const struct test_kind_ops *ops, union test_def *def,
		     char *text, struct hv_object **out, struct hv_error *err)
{
	struct hv_object_table *table = test_kind_table(drv, ops);
	struct hv_object *obj = calloc(1, ops->size);
	char *name, *uuid;
	int ret;

	if (!obj) {
		free(text);
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	ops->identity(def, &name, &uuid);
	snprintf(obj->name, sizeof(obj->name), "%s", name);
	snprintf(obj->uuid, sizeof(obj->uuid), "%s", uuid);
	obj->xml = text;
	ops->init(obj, def);
	ret = hv_table_add(table, obj);
	if (ret == -EEXIST && hv_table_find(table, obj->name))
		hv_error_set(err, EEXIST, "%s '%s' already exists", ops->word, obj->name);
	else if (ret == -EEXIST)
		hv_error_set(err, EEXIST, "its UUID is already used by another %s", ops->word);
	else if (ret < 0)
		hv_error_set(err, -ret, "out of memory");
	if (ret < 0) {
		test_kind_destroy(obj);
		return ret;
	}
	*out = obj;
	return 0;
}

int test_kind_commit(struct test_driver *drv, const struct test_kind_ops *ops, struct hv_object *obj,
		     struct hv_object *staged, struct hv_error *err)
{
	int ret = test_persist_object(drv, ops->kind, staged, err);

	if (ret < 0) {
		if (staged->xml != obj->xml)
			free(staged->xml);
		return ret;
	}
	if (staged->xml != obj->xml)
		free(obj->xml);
	memcpy(obj, staged, ops->size);
	return 0;
}

/* A copy of obj to edit and commit. */
static void stage(const struct test_kind_ops *ops, const struct hv_object *obj, union test_staged *staged)
{
	memcpy(staged, obj, ops->size);
}

int test_kind_call(struct hv_conn *conn, const struct test_kind_ops *ops, enum test_op op, const char *name,
		   test_object_fn *fn, void *args, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct hv_change_batch changes = {0};
	struct hv_object *obj;
	int ret = test_fault(drv, op, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	obj = test_kind_lookup(drv, ops, name, err);
	ret = obj ? fn(drv, ops, obj, args, &changes, err) : -ENOENT;
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

/* --- reading -------------------------------------------------------------- */

int test_kind_list(struct hv_conn *conn, const struct test_kind_ops *ops, struct hv_name_list *out,
		   struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret = test_fault(drv, ops->op.list, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(&drv->lock);
	ret = hv_table_list(test_kind_table(drv, ops), out, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

static int get_xml_locked(struct test_driver *drv, const struct test_kind_ops *ops, struct hv_object *obj,
			  void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	char **xml = args;

	*xml = strdup(obj->xml);
	return *xml ? 0 : hv_error_set(err, ENOMEM, "out of memory");
}

int test_kind_get_xml(struct hv_conn *conn, const struct test_kind_ops *ops, const char *name, char **xml,
		      struct hv_error *err)
{
	*xml = NULL;
	return test_kind_call(conn, ops, ops->op.get_xml, name, get_xml_locked, xml, err);
}

/* --- definitions ---------------------------------------------------------- */

/* Adds a new, inactive object and its file; consumes text. */
static int add_locked(struct test_driver *drv, const struct test_kind_ops *ops, union test_def *def,
		      char *text, struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_object *obj;
	int ret = test_kind_insert(drv, ops, def, text, &obj, err);

	if (ret < 0)
		return ret;
	ret = ops->adopt ? ops->adopt(drv, obj, NULL, err) : 0;
	if (ret == 0) {
		ret = test_persist_object(drv, ops->kind, obj, err);
		if (ret < 0 && ops->forget)
			ops->forget(drv, obj);
	}
	if (ret < 0) {
		hv_table_remove(test_kind_table(drv, ops), obj);
		test_kind_destroy(obj);
		return ret;
	}
	hv_batch_add(changes, ops->kind, HV_CHANGE_CREATED, obj->name, NULL);
	return 0;
}

static int define_default_locked(struct test_driver *drv, const struct test_kind_ops *ops, const char *name,
				 struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_object_table *table = test_kind_table(drv, ops);
	char uuid[HV_UUID_STRLEN + 1];
	union test_def def;
	char *text = NULL;
	int ret;

	if (hv_table_find(table, name))
		return hv_error_set(err, EEXIST, "%s '%s' already exists", ops->word, name);
	ret = hv_table_fresh_uuid(table, uuid, err);
	if (ret < 0)
		return ret;
	ret = ops->xml_default(drv, name, uuid, &text);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot build a default definition for %s '%s'", ops->word,
				    name);
	ret = ops->parse(text, strlen(text), name, true, &def, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	return add_locked(drv, ops, &def, text, changes, err);
}

/* A definition names its object's UUID, or none: then an existing object
 * keeps its own and a new one gets a fresh one.  Any UUID no other object
 * of the kind has is taken, also by an existing object while it is not
 * active, so that an exported definition (virsh dumpxml, virt-install
 * --print-xml) can be written into the directory mkdir made, whose UUID
 * nobody chose.  While the object is active its UUID is what it runs
 * with, as in libvirt: EBUSY (docs/paths.md, "UUIDs"). */
static int settle_uuid(struct test_driver *drv, const struct test_kind_ops *ops, const char *name,
		       const struct hv_object *obj, char uuid[HV_UUID_STRLEN + 1], struct hv_error *err)
{
	struct hv_object_table *table = test_kind_table(drv, ops);
	const struct hv_object *other;

	if (!uuid[0] && obj) {
		snprintf(uuid, HV_UUID_STRLEN + 1, "%s", obj->uuid);
		return 0;
	}
	if (!uuid[0])
		return hv_table_fresh_uuid(table, uuid, err);
	other = hv_table_find_uuid(table, uuid);
	return hv_rule_define_uuid(ops->kind, name, uuid, other && other != obj ? other->name : NULL,
				   obj ? obj->uuid : NULL, obj && ops->is_active(obj), err);
}

/* def was parsed from xml (outside the lock); settles its UUID against the
 * model and stores the text. */
static int define_xml_locked(struct test_driver *drv, const struct test_kind_ops *ops, const char *name,
			     const char *xml, size_t len, union test_def *def,
			     struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_object *obj = hv_table_find(test_kind_table(drv, ops), name);
	union test_staged staged, before;
	char *text = NULL, *def_name, *uuid;
	uint32_t fields;
	bool new_uuid;
	int ret;

	ops->identity(def, &def_name, &uuid);
	ret = settle_uuid(drv, ops, name, obj, uuid, err);
	if (ret == 0 && ops->check)
		ret = ops->check(drv, obj, def, err);
	if (ret < 0)
		return ret;

	/* The user's text is kept as written, byte for byte, even without a
	 * <uuid> (the uuid file and the persisted header have the one the
	 * object got): writing the same file again must change nothing, or
	 * configuration tools would report a change on every run. */
	text = strndup(xml, len);
	if (!text)
		return hv_error_set(err, ENOMEM, "out of memory");
	if (!obj)
		return add_locked(drv, ops, def, text, changes, err);

	stage(ops, obj, &staged);
	staged.obj.xml = text;
	new_uuid = strcmp(obj->uuid, uuid) != 0;
	if (new_uuid) {
		/* Indexed under both until the commit decides which stays. */
		ret = hv_table_add_uuid(test_kind_table(drv, ops), obj, uuid);
		if (ret < 0) {
			free(text);
			return hv_error_set(err, -ret, "out of memory");
		}
		snprintf(staged.obj.uuid, sizeof(staged.obj.uuid), "%s", uuid);
	}
	ret = ops->adopt ? ops->adopt(drv, &staged.obj, obj, err) : 0;
	if (ret < 0) {
		free(text);
		if (new_uuid)
			hv_table_drop_uuid(test_kind_table(drv, ops), uuid);
		return ret;
	}
	fields = HV_FIELD_CONFIG | ops->redefine(&staged.obj, def) | (new_uuid ? HV_FIELD_UUID : 0);
	stage(ops, obj, &before);
	ret = test_kind_commit(drv, ops, obj, &staged.obj, err);
	if (ops->adopt_end)
		ops->adopt_end(drv, obj, ret == 0 ? &before.obj : &staged.obj, ret == 0);
	if (new_uuid)
		hv_table_drop_uuid(test_kind_table(drv, ops), ret == 0 ? before.obj.uuid : uuid);
	if (ret < 0)
		return ret;
	hv_batch_modified(changes, ops->kind, name, fields);
	return 0;
}

int test_kind_define(struct hv_conn *conn, const struct test_kind_ops *ops, const char *name, const char *xml,
		     size_t len, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct hv_change_batch changes = {0};
	union test_def def;
	int ret = test_fault(drv, ops->op.define, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "invalid %s name '%.80s'", ops->word, name ? name : "");
	/* Parsing and validation need no model: keep them outside the lock. */
	if (xml) {
		ret = ops->parse(xml, len, name, false, &def, err);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_lock(&drv->lock);
	if (xml)
		ret = define_xml_locked(drv, ops, name, xml, len, &def, &changes, err);
	else
		ret = define_default_locked(drv, ops, name, &changes, err);
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

/* --- undefine, rename, autostart ------------------------------------------ */

static int undefine_locked(struct test_driver *drv, const struct test_kind_ops *ops, struct hv_object *obj,
			   void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	int ret = hv_rule_undefine(ops->kind, ops->is_active(obj), err);

	if (ret == 0)
		ret = test_persist_remove(drv, ops->kind, obj->name, err);
	if (ret < 0)
		return ret;
	hv_batch_add(changes, ops->kind, HV_CHANGE_DELETED, obj->name, NULL);
	if (ops->forget)
		ops->forget(drv, obj);
	hv_table_remove(test_kind_table(drv, ops), obj);
	test_kind_destroy(obj);
	return 0;
}

int test_kind_undefine(struct hv_conn *conn, const struct test_kind_ops *ops, const char *name,
		       struct hv_error *err)
{
	return test_kind_call(conn, ops, ops->op.undefine, name, undefine_locked, NULL, err);
}

/* Rename on disk is "write the new file, then remove the old one": a crash
 * in between leaves two files with one UUID, and the loader keeps the
 * first it reads; the rename then simply did not happen or did. */
static int rename_locked(struct test_driver *drv, const struct test_kind_ops *ops, struct hv_object *obj,
			 void *args, struct hv_change_batch *changes, struct hv_error *err)
{
	const char *new_name = *(const char **)args;
	struct hv_object_table *table = test_kind_table(drv, ops);
	char name[HV_NAME_MAX + 1];
	union test_staged staged;
	char *text = NULL;
	int ret;

	ret = hv_rule_rename(ops->kind, obj->name, new_name, hv_table_find(table, new_name) != NULL,
			     ops->is_active(obj), err);
	if (ret != 0)
		return ret < 0 ? ret : 0; /* 1: the same name, nothing to do */

	snprintf(name, sizeof(name), "%s", obj->name);
	stage(ops, obj, &staged);
	snprintf(staged.obj.name, sizeof(staged.obj.name), "%s", new_name);
	ret = ops->rename(&staged.obj, new_name, &text, err);
	if (ret < 0)
		return ret;
	staged.obj.xml = text;
	ret = ops->renamed ? ops->renamed(drv, name, new_name, err) : 0;
	if (ret < 0)
		goto fail;
	ret = test_persist_object(drv, ops->kind, &staged.obj, err);
	if (ret < 0)
		goto fail_renamed;
	ret = hv_table_rename(table, obj, new_name);
	if (ret < 0) {
		hv_error_set(err, -ret, "out of memory");
		goto fail_file;
	}
	ret = test_persist_remove(drv, ops->kind, name, err);
	if (ret < 0) {
		if (hv_table_rename(table, obj, name) < 0)
			log_error("%s '%s': cannot restore its name after a failed rename", ops->word,
				  new_name);
		goto fail_file;
	}
	free(obj->xml);
	memcpy(obj, &staged, ops->size);
	hv_batch_add(changes, ops->kind, HV_CHANGE_RENAMED, name, new_name);
	return 0;

fail_file:
	test_persist_remove(drv, ops->kind, new_name, NULL);
fail_renamed:
	if (ops->renamed && ops->renamed(drv, new_name, name, NULL) < 0)
		log_error("%s '%s': cannot restore what it holds after a failed rename", ops->word, name);
fail:
	free(text);
	return ret;
}

int test_kind_rename(struct hv_conn *conn, const struct test_kind_ops *ops, const char *name,
		     const char *new_name, struct hv_error *err)
{
	if (!hv_name_is_valid(new_name))
		return hv_error_set(err, EINVAL, "invalid %s name '%.80s'", ops->word,
				    new_name ? new_name : "");
	return test_kind_call(conn, ops, ops->op.rename, name, rename_locked, &new_name, err);
}

/* Autostart is the driver's, not the definition's: config.xml stays. */
static int set_autostart_locked(struct test_driver *drv, const struct test_kind_ops *ops,
				struct hv_object *obj, void *args, struct hv_change_batch *changes,
				struct hv_error *err)
{
	bool autostart = *(bool *)args;
	union test_staged staged;
	int ret;

	if (obj->autostart == autostart)
		return 0;
	stage(ops, obj, &staged);
	staged.obj.autostart = autostart;
	ret = test_kind_commit(drv, ops, obj, &staged.obj, err);
	if (ret < 0)
		return ret;
	hv_batch_modified(changes, ops->kind, obj->name, HV_FIELD_AUTOSTART);
	return 0;
}

int test_kind_set_autostart(struct hv_conn *conn, const struct test_kind_ops *ops, const char *name,
			    bool autostart, struct hv_error *err)
{
	return test_kind_call(conn, ops, ops->op.set_autostart, name, set_autostart_locked, &autostart, err);
}
