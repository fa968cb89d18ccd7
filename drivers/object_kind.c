/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers/object_kind.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/definition_rules.h"
#include "util/log.h"
#include "util/names.h"

static const char *word(const struct hv_kind_ops *ops)
{
	return hv_kind_words(ops->kind)->word;
}

static int fault(const struct hv_kind_host *host, int op, struct hv_error *err)
{
	return host->fault ? host->fault(host->driver, op, err) : 0;
}

static void destroy(const struct hv_kind_ops *ops, struct hv_object *obj)
{
	if (ops->destroy)
		ops->destroy(obj);
	else
		hv_kind_destroy(obj);
}

struct hv_object_table *hv_kind_table(const struct hv_kind_host *host, const struct hv_kind_ops *ops)
{
	return (struct hv_object_table *)((char *)host->driver + ops->table_offset);
}

struct hv_object *hv_kind_lookup(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
				 const char *name, struct hv_error *err)
{
	struct hv_object *obj = hv_table_find(hv_kind_table(host, ops), name);

	if (!obj)
		hv_error_set(err, ENOENT, "no %s named '%s'", word(ops), name ? name : "");
	return obj;
}

void hv_kind_destroy(struct hv_object *obj)
{
	if (!obj)
		return;
	free(obj->xml);
	free(obj); /* the kind's struct, which begins with it */
}

int hv_kind_insert(const struct hv_kind_host *host, const struct hv_kind_ops *ops, void *def, char *text,
		   struct hv_object **out, struct hv_error *err)
{
	struct hv_object_table *table = hv_kind_table(host, ops);
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
		hv_error_set(err, EEXIST, "%s '%s' already exists", word(ops), obj->name);
	else if (ret == -EEXIST)
		hv_error_set(err, EEXIST, "its UUID is already used by another %s", word(ops));
	else if (ret < 0)
		hv_error_set(err, -ret, "out of memory");
	if (ret < 0) {
		destroy(ops, obj);
		return ret;
	}
	*out = obj;
	return 0;
}

int hv_kind_commit(const struct hv_kind_host *host, const struct hv_kind_ops *ops, struct hv_object *obj,
		   struct hv_object *staged, struct hv_error *err)
{
	int ret = host->persist(host->driver, ops->kind, staged, err);

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

/* A heap copy of obj to edit and commit (the kinds' structs are too big
 * to copy on a worker's stack twice); NULL when out of memory. */
static struct hv_object *stage(const struct hv_kind_ops *ops, const struct hv_object *obj)
{
	struct hv_object *staged = malloc(ops->size);

	if (staged)
		memcpy(staged, obj, ops->size);
	return staged;
}

typedef int object_fn(const struct hv_kind_host *host, const struct hv_kind_ops *ops, struct hv_object *obj,
		      void *args, struct hv_change_batch *changes, struct hv_error *err);

/* Fault check, lock, lookup (-ENOENT), fn, unlock, emit. */
static int call(const struct hv_kind_host *host, const struct hv_kind_ops *ops, int op, const char *name,
		object_fn *fn, void *args, struct hv_error *err)
{
	struct hv_change_batch changes = {0};
	struct hv_object *obj;
	int ret = fault(host, op, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(host->lock);
	obj = hv_kind_lookup(host, ops, name, err);
	ret = obj ? fn(host, ops, obj, args, &changes, err) : -ENOENT;
	pthread_mutex_unlock(host->lock);
	hv_batch_emit(host->conn, &changes);
	return ret;
}

/* --- reading -------------------------------------------------------------- */

int hv_kind_list(const struct hv_kind_host *host, const struct hv_kind_ops *ops, struct hv_name_list *out,
		 struct hv_error *err)
{
	int ret = fault(host, ops->op.list, err);

	if (ret < 0)
		return ret;
	pthread_mutex_lock(host->lock);
	ret = hv_table_list(hv_kind_table(host, ops), out, err);
	pthread_mutex_unlock(host->lock);
	return ret;
}

static int get_xml_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
			  struct hv_object *obj, void *args, struct hv_change_batch *changes,
			  struct hv_error *err)
{
	char **xml = args;

	*xml = strdup(obj->xml);
	return *xml ? 0 : hv_error_set(err, ENOMEM, "out of memory");
}

int hv_kind_get_xml(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		    char **xml, struct hv_error *err)
{
	*xml = NULL;
	return call(host, ops, ops->op.get_xml, name, get_xml_locked, xml, err);
}

/* --- definitions ---------------------------------------------------------- */

/* Adds a new, inactive object and its record; consumes text. */
static int add_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops, void *def, char *text,
		      struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_object *obj;
	int ret = hv_kind_insert(host, ops, def, text, &obj, err);

	if (ret < 0)
		return ret;
	ret = ops->adopt ? ops->adopt(host->driver, obj, NULL, err) : 0;
	if (ret == 0) {
		ret = host->persist(host->driver, ops->kind, obj, err);
		if (ret < 0 && ops->forget)
			ops->forget(host->driver, obj);
	}
	if (ret < 0) {
		hv_table_remove(hv_kind_table(host, ops), obj);
		destroy(ops, obj);
		return ret;
	}
	hv_batch_add(changes, ops->kind, HV_CHANGE_CREATED, obj->name, NULL);
	return 0;
}

static int define_default_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
				 const char *name, void *def, struct hv_change_batch *changes,
				 struct hv_error *err)
{
	struct hv_object_table *table = hv_kind_table(host, ops);
	char uuid[HV_UUID_STRLEN + 1];
	char *text = NULL;
	int ret;

	if (hv_table_find(table, name))
		return hv_error_set(err, EEXIST, "%s '%s' already exists", word(ops), name);
	ret = hv_table_fresh_uuid(table, uuid, err);
	if (ret < 0)
		return ret;
	ret = ops->xml_default(host->driver, name, uuid, &text);
	if (ret < 0)
		return hv_error_set(err, -ret, "cannot build a default definition for %s '%s'", word(ops),
				    name);
	ret = ops->parse(text, strlen(text), name, true, def, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	return add_locked(host, ops, def, text, changes, err);
}

/* A definition names its object's UUID, or none: then an existing object
 * keeps its own and a new one gets a fresh one (docs/paths.md, "UUIDs";
 * the rule is drivers/definition_rules.c's). */
static int settle_uuid(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		       const struct hv_object *obj, char uuid[HV_UUID_STRLEN + 1], struct hv_error *err)
{
	struct hv_object_table *table = hv_kind_table(host, ops);
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

/* Replaces obj's definition with def and text (consumed). */
static int redefine_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
			   struct hv_object *obj, const void *def, const char *uuid, char *text,
			   struct hv_change_batch *changes, struct hv_error *err)
{
	struct hv_object_table *table = hv_kind_table(host, ops);
	struct hv_object *staged = stage(ops, obj), *before = stage(ops, obj);
	bool new_uuid = strcmp(obj->uuid, uuid) != 0;
	uint32_t fields;
	int ret = 0;

	if (!staged || !before) {
		ret = hv_error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	staged->xml = text;
	if (new_uuid) {
		/* Indexed under both until the commit decides which stays. */
		ret = hv_table_add_uuid(table, obj, uuid);
		if (ret < 0) {
			hv_error_set(err, -ret, "out of memory");
			goto out;
		}
		snprintf(staged->uuid, sizeof(staged->uuid), "%s", uuid);
	}
	fields = HV_FIELD_CONFIG | ops->redefine(staged, def) | (new_uuid ? HV_FIELD_UUID : 0);
	ret = ops->adopt ? ops->adopt(host->driver, staged, obj, err) : 0;
	if (ret < 0) {
		if (new_uuid)
			hv_table_drop_uuid(table, uuid);
		goto out;
	}
	ret = hv_kind_commit(host, ops, obj, staged, err);
	text = NULL; /* committed or freed */
	if (ops->adopt_end)
		ops->adopt_end(host->driver, obj, ret == 0 ? before : staged, ret == 0);
	if (new_uuid)
		hv_table_drop_uuid(table, ret == 0 ? before->uuid : uuid);
	if (ret == 0)
		hv_batch_modified(changes, ops->kind, obj->name, fields);
out:
	free(text);
	free(staged);
	free(before);
	return ret;
}

/* def was parsed from xml (outside the lock); settles its UUID against the
 * model and stores the text. */
static int define_xml_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
			     const char *xml, size_t len, void *def, struct hv_change_batch *changes,
			     struct hv_error *err)
{
	struct hv_object *obj = hv_table_find(hv_kind_table(host, ops), name);
	char *text = NULL, *def_name, *uuid;
	int ret;

	ops->identity(def, &def_name, &uuid);
	ret = settle_uuid(host, ops, name, obj, uuid, err);
	if (ret == 0 && ops->check)
		ret = ops->check(host->driver, obj, def, err);
	if (ret < 0)
		return ret;

	/* The user's text is kept as written, byte for byte, even without a
	 * <uuid> (the record's header has the one the object got): writing
	 * the same file again must change nothing, or configuration tools
	 * would report a change on every run.  A driver may keep it with the
	 * UUID written in instead (keep_text). */
	if (ops->keep_text) {
		ret = ops->keep_text(xml, len, def, &text, err);
		if (ret < 0)
			return ret;
	} else if (!(text = strndup(xml, len))) {
		return hv_error_set(err, ENOMEM, "out of memory");
	}
	if (!obj)
		return add_locked(host, ops, def, text, changes, err);
	return redefine_locked(host, ops, obj, def, uuid, text, changes, err);
}

int hv_kind_define(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		   const char *xml, size_t len, struct hv_error *err)
{
	struct hv_change_batch changes = {0};
	void *def;
	int ret = fault(host, ops->op.define, err);

	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "invalid %s name '%.80s'", word(ops), name ? name : "");
	def = calloc(1, ops->def_size);
	if (!def)
		return hv_error_set(err, ENOMEM, "out of memory");
	/* Parsing and validation need no model: keep them outside the lock. */
	if (xml)
		ret = ops->parse(xml, len, name, false, def, err);
	if (ret == 0) {
		pthread_mutex_lock(host->lock);
		if (xml)
			ret = define_xml_locked(host, ops, name, xml, len, def, &changes, err);
		else
			ret = define_default_locked(host, ops, name, def, &changes, err);
		pthread_mutex_unlock(host->lock);
	}
	free(def);
	hv_batch_emit(host->conn, &changes);
	return ret;
}

/* --- undefine, rename, autostart ------------------------------------------ */

static int undefine_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
			   struct hv_object *obj, void *args, struct hv_change_batch *changes,
			   struct hv_error *err)
{
	int ret = hv_rule_undefine(ops->kind, ops->is_active(obj), err);

	if (ret == 0)
		ret = host->unpersist(host->driver, ops->kind, obj->name, err);
	if (ret < 0)
		return ret;
	hv_batch_add(changes, ops->kind, HV_CHANGE_DELETED, obj->name, NULL);
	if (ops->forget)
		ops->forget(host->driver, obj);
	hv_table_remove(hv_kind_table(host, ops), obj);
	destroy(ops, obj);
	return 0;
}

int hv_kind_undefine(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		     struct hv_error *err)
{
	return call(host, ops, ops->op.undefine, name, undefine_locked, NULL, err);
}

/* A rename on disk is "write the new record, then remove the old one": a
 * crash in between leaves two records with one UUID, and the loader keeps
 * the first it reads; the rename then simply did not happen or did. */
static int rename_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
			 struct hv_object *obj, void *args, struct hv_change_batch *changes,
			 struct hv_error *err)
{
	const char *new_name = *(const char **)args;
	struct hv_object_table *table = hv_kind_table(host, ops);
	char name[HV_NAME_MAX + 1];
	struct hv_object *staged;
	char *text = NULL;
	int ret;

	ret = hv_rule_rename(ops->kind, obj->name, new_name, hv_table_find(table, new_name) != NULL,
			     ops->is_active(obj), err);
	if (ret != 0)
		return ret < 0 ? ret : 0; /* 1: the same name, nothing to do */
	if (!(staged = stage(ops, obj)))
		return hv_error_set(err, ENOMEM, "out of memory");

	snprintf(name, sizeof(name), "%s", obj->name);
	snprintf(staged->name, sizeof(staged->name), "%s", new_name);
	ret = ops->rename(staged, new_name, &text, err);
	if (ret < 0)
		goto fail;
	staged->xml = text;
	ret = ops->renamed ? ops->renamed(host->driver, name, new_name, err) : 0;
	if (ret < 0)
		goto fail;
	ret = host->persist(host->driver, ops->kind, staged, err);
	if (ret < 0)
		goto fail_renamed;
	ret = hv_table_rename(table, obj, new_name);
	if (ret < 0) {
		hv_error_set(err, -ret, "out of memory");
		goto fail_record;
	}
	ret = host->unpersist(host->driver, ops->kind, name, err);
	if (ret < 0) {
		if (hv_table_rename(table, obj, name) < 0)
			log_error("%s '%s': cannot restore its name after a failed rename", word(ops),
				  new_name);
		goto fail_record;
	}
	free(obj->xml);
	memcpy(obj, staged, ops->size);
	free(staged);
	hv_batch_add(changes, ops->kind, HV_CHANGE_RENAMED, name, new_name);
	return 0;

fail_record:
	host->unpersist(host->driver, ops->kind, new_name, NULL);
fail_renamed:
	if (ops->renamed && ops->renamed(host->driver, new_name, name, NULL) < 0)
		log_error("%s '%s': cannot restore what it holds after a failed rename", word(ops), name);
fail:
	free(text);
	free(staged);
	return ret;
}

int hv_kind_rename(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		   const char *new_name, struct hv_error *err)
{
	if (!hv_name_is_valid(new_name))
		return hv_error_set(err, EINVAL, "invalid %s name '%.80s'", word(ops),
				    new_name ? new_name : "");
	return call(host, ops, ops->op.rename, name, rename_locked, &new_name, err);
}

/* Autostart is the driver's, not the definition's: config.xml stays. */
static int set_autostart_locked(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
				struct hv_object *obj, void *args, struct hv_change_batch *changes,
				struct hv_error *err)
{
	bool autostart = *(bool *)args;
	struct hv_object *staged;
	int ret;

	if (obj->autostart == autostart)
		return 0;
	if (!(staged = stage(ops, obj)))
		return hv_error_set(err, ENOMEM, "out of memory");
	staged->autostart = autostart;
	ret = hv_kind_commit(host, ops, obj, staged, err);
	free(staged);
	if (ret < 0)
		return ret;
	hv_batch_modified(changes, ops->kind, obj->name, HV_FIELD_AUTOSTART);
	return 0;
}

int hv_kind_set_autostart(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
			  bool autostart, struct hv_error *err)
{
	return call(host, ops, ops->op.set_autostart, name, set_autostart_locked, &autostart, err);
}
