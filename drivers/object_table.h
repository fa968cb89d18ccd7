/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The objects of one kind a driver keeps (domains, networks, pools):
 * indexed by name and by UUID, so that a lookup costs the same with 10 or
 * 10,000 of them, and listed in creation order, stable across renames.
 * Shared by the drivers that hold their model in memory (test, lxc);
 * docs/design.md, "Object tables".  Not thread-safe: the driver locks. */
#ifndef HVFS_DRIVERS_OBJECT_TABLE_H
#define HVFS_DRIVERS_OBJECT_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/driver.h"

/* What every object has: a unique name and UUID, its definition as the
 * user wrote it, the autostart flag, and its place in the listing order.
 * A driver's own struct begins with it, so that generic code can copy a
 * whole object knowing only its size. */
struct hv_object {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char *xml; /* the config text exactly as stored */
	bool autostart;
	struct hv_object *prev, *next;
};

struct hv_object_table {
	struct hash_map *by_name;
	struct hash_map *by_uuid;
	struct hv_object *head, *tail;
};

int hv_table_init(struct hv_object_table *table);
/* Frees the indexes; destroy_object is called for every object. */
void hv_table_finish(struct hv_object_table *table, void (*destroy_object)(struct hv_object *obj));
struct hv_object *hv_table_find(const struct hv_object_table *table, const char *name);
struct hv_object *hv_table_find_uuid(const struct hv_object_table *table, const char *uuid);
/* Adds at the end of the listing order; 0, -EEXIST or -ENOMEM. */
int hv_table_add(struct hv_object_table *table, struct hv_object *obj);
void hv_table_remove(struct hv_object_table *table, struct hv_object *obj);
/* Re-indexes obj under new_name (and sets obj->name); 0 or -ENOMEM. */
int hv_table_rename(struct hv_object_table *table, struct hv_object *obj, const char *new_name);
/* A new UUID for obj, in two steps so that a failed commit can go back:
 * add_uuid indexes obj under uuid as well (before the commit that gives
 * obj that UUID; 0 or -ENOMEM), drop_uuid then forgets the UUID that lost
 * (the old one after the commit, uuid after a failed one). */
int hv_table_add_uuid(struct hv_object_table *table, struct hv_object *obj, const char *uuid);
void hv_table_drop_uuid(struct hv_object_table *table, const char *uuid);
int hv_table_list(const struct hv_object_table *table, struct hv_name_list *out, struct hv_error *err);
size_t hv_table_count(const struct hv_object_table *table);
/* A random UUID that no object of the table has yet. */
int hv_table_fresh_uuid(const struct hv_object_table *table, char uuid[HV_UUID_STRLEN + 1],
			struct hv_error *err);

#endif
