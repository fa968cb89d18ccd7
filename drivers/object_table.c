/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Object tables (object_table.h): O(1) lookup by name and by UUID (so
 * that 10,000 domains cost nothing per call) and an intrusive list that
 * keeps listings in creation order, stable across renames. */
#include "drivers/object_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

int hv_table_init(struct hv_object_table *table)
{
	*table = (struct hv_object_table){0};
	table->by_name = hash_map_create();
	table->by_uuid = hash_map_create();
	if (!table->by_name || !table->by_uuid) {
		hash_map_destroy(table->by_name);
		hash_map_destroy(table->by_uuid);
		*table = (struct hv_object_table){0};
		return -ENOMEM;
	}
	return 0;
}

void hv_table_finish(struct hv_object_table *table, void (*destroy_object)(struct hv_object *obj))
{
	struct hv_object *obj = table->head;

	while (obj) {
		struct hv_object *next = obj->next;
		destroy_object(obj);
		obj = next;
	}
	hash_map_destroy(table->by_name);
	hash_map_destroy(table->by_uuid);
	*table = (struct hv_object_table){0};
}

struct hv_object *hv_table_find(const struct hv_object_table *table, const char *name)
{
	return name ? hash_map_get(table->by_name, name) : NULL;
}

struct hv_object *hv_table_find_uuid(const struct hv_object_table *table, const char *uuid)
{
	return uuid && uuid[0] ? hash_map_get(table->by_uuid, uuid) : NULL;
}

int hv_table_add(struct hv_object_table *table, struct hv_object *obj)
{
	int ret;

	if (hash_map_get(table->by_name, obj->name) || hash_map_get(table->by_uuid, obj->uuid))
		return -EEXIST;
	ret = hash_map_put(table->by_name, obj->name, obj);
	if (ret < 0)
		return ret;
	ret = hash_map_put(table->by_uuid, obj->uuid, obj);
	if (ret < 0) {
		hash_map_remove(table->by_name, obj->name);
		return ret;
	}
	obj->next = NULL;
	obj->prev = table->tail;
	if (table->tail)
		table->tail->next = obj;
	else
		table->head = obj;
	table->tail = obj;
	return 0;
}

void hv_table_remove(struct hv_object_table *table, struct hv_object *obj)
{
	hash_map_remove(table->by_name, obj->name);
	hash_map_remove(table->by_uuid, obj->uuid);
	if (obj->prev)
		obj->prev->next = obj->next;
	else
		table->head = obj->next;
	if (obj->next)
		obj->next->prev = obj->prev;
	else
		table->tail = obj->prev;
	obj->prev = obj->next = NULL;
}

int hv_table_rename(struct hv_object_table *table, struct hv_object *obj, const char *new_name)
{
	int ret = hash_map_put(table->by_name, new_name, obj);

	if (ret < 0)
		return ret;
	hash_map_remove(table->by_name, obj->name);
	snprintf(obj->name, sizeof(obj->name), "%s", new_name);
	return 0;
}

int hv_table_add_uuid(struct hv_object_table *table, struct hv_object *obj, const char *uuid)
{
	return hash_map_put(table->by_uuid, uuid, obj);
}

void hv_table_drop_uuid(struct hv_object_table *table, const char *uuid)
{
	hash_map_remove(table->by_uuid, uuid);
}

int hv_table_fresh_uuid(const struct hv_object_table *table, char uuid[HV_UUID_STRLEN + 1],
			struct hv_error *err)
{
	do {
		int ret = hv_uuid_generate(uuid);
		if (ret < 0)
			return hv_error_set(err, -ret, "cannot generate a UUID");
	} while (hv_table_find_uuid(table, uuid));
	return 0;
}

size_t hv_table_count(const struct hv_object_table *table)
{
	return hash_map_count(table->by_name);
}

int hv_table_list(const struct hv_object_table *table, struct hv_name_list *out, struct hv_error *err)
{
	size_t count = hv_table_count(table);
	struct hv_name_list list = {.names = calloc(count ? count : 1, sizeof(char *)), .count = 0};

	if (!list.names)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (const struct hv_object *obj = table->head; obj; obj = obj->next) {
		list.names[list.count] = strdup(obj->name);
		if (!list.names[list.count]) {
			hv_name_list_finish(&list);
			return hv_error_set(err, ENOMEM, "out of memory");
		}
		list.count++;
	}
	*out = list;
	return 0;
}
