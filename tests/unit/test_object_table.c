/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object table the test and lxc drivers keep their objects in
 * (drivers/object_table.h): lookups by name and UUID, duplicates refused,
 * listings in creation order that renames do not disturb, and a UUID
 * change in two steps that a failed commit can take back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "drivers/object_table.h"
#include "unit.h"

static struct hv_object *object(const char *name, unsigned n)
{
	struct hv_object *obj = calloc(1, sizeof(*obj));

	if (obj) {
		snprintf(obj->name, sizeof(obj->name), "%s", name);
		snprintf(obj->uuid, sizeof(obj->uuid), "00000000-0000-4000-8000-%012u", n);
	}
	return obj;
}

static unsigned destroyed;

static void destroy(struct hv_object *obj)
{
	destroyed++;
	free(obj);
}

static const char *listing(const struct hv_object_table *table)
{
	static char text[256];
	struct hv_name_list names = {0};
	struct hv_error err = {0};

	text[0] = '\0';
	if (hv_table_list(table, &names, &err) < 0)
		return "(error)";
	for (size_t i = 0; i < names.count; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "%s%s", i ? " " : "",
			 names.names[i]);
	hv_name_list_finish(&names);
	return text;
}

int main(void)
{
	struct hv_object_table table;
	struct hv_object *a = object("a", 1), *b = object("b", 2), *c = object("c", 3);
	struct hv_object *dup_name = object("a", 9), *dup_uuid = object("z", 2);
	struct hv_error err = {0};
	char uuid[HV_UUID_STRLEN + 1];

	CHECK_INT(hv_table_init(&table), 0, "a table");
	CHECK_INT(hv_table_add(&table, a), 0, "add a");
	CHECK_INT(hv_table_add(&table, b), 0, "add b");
	CHECK_INT(hv_table_add(&table, c), 0, "add c");
	CHECK_INT(hv_table_add(&table, dup_name), -EEXIST, "a second 'a' is refused");
	CHECK_INT(hv_table_add(&table, dup_uuid), -EEXIST, "a second holder of b's UUID is refused");
	CHECK_INT(hv_table_count(&table), 3, "three objects");
	CHECK(hv_table_find(&table, "b") == b, "found by name");
	CHECK(hv_table_find_uuid(&table, b->uuid) == b, "found by UUID");
	CHECK(hv_table_find(&table, "nosuch") == NULL && hv_table_find(&table, NULL) == NULL,
	      "unknown names");
	CHECK(hv_table_find_uuid(&table, "") == NULL, "the empty UUID is nobody's");

	CHECK_INT(hv_table_rename(&table, a, "x"), 0, "rename a to x");
	CHECK_STR(a->name, "x", "the object has its new name");
	CHECK(hv_table_find(&table, "x") == a && hv_table_find(&table, "a") == NULL,
	      "and is found by it only");
	CHECK_STR(listing(&table), "x b c", "listed in creation order, a rename keeps its place");

	/* A new UUID: indexed first, the old one dropped at the commit ... */
	CHECK_INT(hv_table_add_uuid(&table, c, "11111111-2222-4333-8444-555555555555"), 0, "c's next UUID");
	CHECK(hv_table_find_uuid(&table, c->uuid) == c, "both UUIDs find c meanwhile");
	hv_table_drop_uuid(&table, c->uuid);
	snprintf(c->uuid, sizeof(c->uuid), "11111111-2222-4333-8444-555555555555");
	CHECK(hv_table_find_uuid(&table, "00000000-0000-4000-8000-000000000003") == NULL,
	      "the old one is gone");
	CHECK(hv_table_find_uuid(&table, c->uuid) == c, "the new one finds c");
	/* ... or the new one dropped when the commit failed. */
	CHECK_INT(hv_table_add_uuid(&table, b, "66666666-2222-4333-8444-555555555555"), 0, "b's next UUID");
	hv_table_drop_uuid(&table, "66666666-2222-4333-8444-555555555555");
	CHECK(hv_table_find_uuid(&table, b->uuid) == b, "a failed commit keeps b's UUID");

	CHECK_INT(hv_table_fresh_uuid(&table, uuid, &err), 0, "a fresh UUID");
	CHECK(hv_table_find_uuid(&table, uuid) == NULL, "that nobody has");

	hv_table_remove(&table, b);
	free(b);
	CHECK(hv_table_find(&table, "b") == NULL, "b is removed");
	CHECK_STR(listing(&table), "x c", "and no longer listed");

	/* Many objects cost a lookup each the same: 10,000 of them. */
	for (unsigned i = 0; i < 10000; i++) {
		char name[32];
		snprintf(name, sizeof(name), "dom%u", i);
		struct hv_object *obj = object(name, 1000 + i);
		if (!obj || hv_table_add(&table, obj) < 0) {
			free(obj);
			CHECK(false, "object %u added", i);
			break;
		}
	}
	CHECK_INT(hv_table_count(&table), 10002, "10,002 objects");
	CHECK(hv_table_find(&table, "dom9999") &&
		  hv_table_find_uuid(&table, "00000000-0000-4000-8000-000000010999"),
	      "the last one is found by name and UUID");

	hv_table_finish(&table, destroy);
	CHECK_INT(destroyed, 10002, "finish destroys each object once");
	free(dup_name);
	free(dup_uuid);
	return UNIT_DONE();
}
