/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Object tables of the test driver: O(1) lookup by name and by UUID (so that
 * 10,000 domains cost nothing per call) and an intrusive list that keeps
 * listings in creation order, stable across renames. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/test/test_private.h"
#include "util/cleanup.h"

int test_table_init(struct test_table *table)
{
	*table = (struct test_table){0};
	table->by_name = hash_map_create();
	table->by_uuid = hash_map_create();
	if (!table->by_name || !table->by_uuid) {
		hash_map_destroy(table->by_name);
		hash_map_destroy(table->by_uuid);
		*table = (struct test_table){0};
		return -ENOMEM;
	}
	return 0;
}

void test_table_finish(struct test_table *table, void (*destroy_object)(struct test_object *obj))
{
	struct test_object *obj = table->head;

	while (obj) {
		struct test_object *next = obj->next;
		destroy_object(obj);
		obj = next;
	}
	hash_map_destroy(table->by_name);
	hash_map_destroy(table->by_uuid);
	*table = (struct test_table){0};
}

struct test_object *test_table_find(const struct test_table *table, const char *name)
{
	return name ? hash_map_get(table->by_name, name) : NULL;
}

struct test_object *test_table_find_uuid(const struct test_table *table, const char *uuid)
{
	return uuid && uuid[0] ? hash_map_get(table->by_uuid, uuid) : NULL;
}

int test_table_add(struct test_table *table, struct test_object *obj)
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

void test_table_remove(struct test_table *table, struct test_object *obj)
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

int test_table_rename(struct test_table *table, struct test_object *obj, const char *new_name)
{
	int ret = hash_map_put(table->by_name, new_name, obj);

	if (ret < 0)
		return ret;
	hash_map_remove(table->by_name, obj->name);
	snprintf(obj->name, sizeof(obj->name), "%s", new_name);
	return 0;
}

int test_table_add_uuid(struct test_table *table, struct test_object *obj, const char *uuid)
{
	return hash_map_put(table->by_uuid, uuid, obj);
}

void test_table_drop_uuid(struct test_table *table, const char *uuid)
{
	hash_map_remove(table->by_uuid, uuid);
}

int test_table_fresh_uuid(const struct test_table *table, char uuid[HV_UUID_STRLEN + 1], struct hv_error *err)
{
	do {
		int ret = hv_uuid_generate(uuid);
		if (ret < 0)
			return hv_error_set(err, -ret, "cannot generate a UUID");
	} while (test_table_find_uuid(table, uuid));
	return 0;
}

size_t test_table_count(const struct test_table *table)
{
	return hash_map_count(table->by_name);
}

int test_table_list(const struct test_table *table, struct hv_name_list *out, struct hv_error *err)
{
	size_t count = test_table_count(table);
	struct hv_name_list list = {.names = calloc(count ? count : 1, sizeof(char *)), .count = 0};

	if (!list.names)
		return hv_error_set(err, ENOMEM, "out of memory");
	for (const struct test_object *obj = table->head; obj; obj = obj->next) {
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
