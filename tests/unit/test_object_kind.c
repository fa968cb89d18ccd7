/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The object layer the in-memory drivers share (drivers/object_kind.h),
 * with a kind no driver has: a "thing" whose definition is one line
 * "NAME UUID VALUE".  Checked: define, redefine, rename, undefine and
 * autostart follow the shared rules, every change is staged (a record
 * that cannot be written leaves the model and the UUID index as they
 * were, and reports nothing), and the batches carry the right changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/object_kind.h"
#include "unit.h"

struct thing_def {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	int value;
};

struct thing {
	struct hv_object obj;
	struct thing_def def;
	bool running;
};

struct driver {
	pthread_mutex_t lock;
	struct hv_object_table things;
	struct hv_kind_host host;
	int fail_writes;
	char last_record[256], last_removed[HV_NAME_MAX + 1];
};

static char changes[16][128];
static unsigned change_count;

static void on_change(void *opaque, const struct hv_change *c)
{
	(void)opaque;
	if (change_count < 16)
		snprintf(changes[change_count++], sizeof(changes[0]), "%d %s%s%s %u", (int)c->type, c->name,
			 c->new_name ? ">" : "", c->new_name ? c->new_name : "", c->fields);
}

static int parse(const char *xml, size_t len, const char *name, bool stored, void *def_arg,
		 struct hv_error *err)
{
	struct thing_def *def = def_arg;
	char text[128], uuid[64] = "";

	(void)stored;
	snprintf(text, sizeof(text), "%.*s", (int)len, xml);
	memset(def, 0, sizeof(*def));
	if (sscanf(text, "%64s %63s %d", def->name, uuid, &def->value) != 3)
		return hv_error_set(err, EINVAL, "not a thing: '%s'", text);
	if (strcmp(uuid, "-") != 0)
		snprintf(def->uuid, sizeof(def->uuid), "%s", uuid);
	if (name && strcmp(name, def->name) != 0)
		return hv_error_set(err, EINVAL, "the thing is called %s, not %s", def->name, name);
	return 0;
}

static void identity(void *def_arg, char **name, char **uuid)
{
	struct thing_def *def = def_arg;

	*name = def->name;
	*uuid = def->uuid;
}

static void init(struct hv_object *obj, const void *def)
{
	((struct thing *)obj)->def = *(const struct thing_def *)def;
}

static bool is_active(const struct hv_object *obj)
{
	return ((const struct thing *)obj)->running;
}

static uint32_t redefine(struct hv_object *staged, const void *def_arg)
{
	struct thing *t = (struct thing *)staged;
	const struct thing_def *def = def_arg;
	uint32_t fields = t->def.value != def->value ? HV_FIELD_MEMORY : 0;

	t->def = *def;
	return fields;
}

static int rename_text(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err)
{
	struct thing *t = (struct thing *)staged;

	snprintf(t->def.name, sizeof(t->def.name), "%s", new_name);
	return asprintf(text, "%s %s %d", new_name, staged->uuid, t->def.value) < 0
		   ? hv_error_set(err, ENOMEM, "out of memory")
		   : 0;
}

static int xml_default(void *driver, const char *name, const char *uuid, char **out)
{
	(void)driver;
	return asprintf(out, "%s %s 1", name, uuid) < 0 ? -ENOMEM : 0;
}

static void destroy(struct hv_object *obj)
{
	free(obj->xml);
	free(obj);
}

static const struct hv_kind_ops thing_kind = {
    .kind = HV_KIND_POOL, /* any kind: the words are a pool's */
    .size = sizeof(struct thing),
    .def_size = sizeof(struct thing_def),
    .table_offset = offsetof(struct driver, things),
    .is_active = is_active,
    .init = init,
    .parse = parse,
    .identity = identity,
    .xml_default = xml_default,
    .redefine = redefine,
    .rename = rename_text,
    .destroy = destroy,
};

static int persist(void *driver, enum hv_object_kind kind, const struct hv_object *obj, struct hv_error *err)
{
	struct driver *d = driver;

	(void)kind;
	if (d->fail_writes)
		return hv_error_set(err, EIO, "the disk is full");
	snprintf(d->last_record, sizeof(d->last_record), "%s %s %d", obj->name, obj->xml, obj->autostart);
	return 0;
}

static int unpersist(void *driver, enum hv_object_kind kind, const char *name, struct hv_error *err)
{
	struct driver *d = driver;

	(void)kind;
	if (d->fail_writes)
		return hv_error_set(err, EIO, "the disk is read-only");
	snprintf(d->last_removed, sizeof(d->last_removed), "%s", name);
	return 0;
}

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

static int define(struct driver *d, const char *name, const char *text, struct hv_error *err)
{
	change_count = 0;
	return hv_kind_define(&d->host, &thing_kind, name, text, text ? strlen(text) : 0, err);
}

int main(void)
{
	struct hv_conn conn = {.on_change = on_change};
	struct driver d = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct hv_error err = {0};
	struct hv_name_list names = {0};
	char *xml = NULL;

	CHECK_INT(hv_table_init(&d.things), 0, "table");
	d.host = (struct hv_kind_host){
	    .lock = &d.lock, .conn = &conn, .driver = &d, .persist = persist, .unpersist = unpersist};

	CHECK_INT(define(&d, "a", "a " U1 " 5", &err), 0, "define a: %s", err.message);
	CHECK_STR(changes[0], "0 a 0", "a is created");
	CHECK_STR(d.last_record, "a a " U1 " 5 0", "and its record written");
	CHECK_INT(define(&d, "b", NULL, &err), 0, "define b with the default definition");
	CHECK_INT(hv_kind_get_xml(&d.host, &thing_kind, "b", &xml, &err), 0, "b's text");
	CHECK(xml && strncmp(xml, "b ", 2) == 0 && strlen(xml) > 10, "is the default, with a UUID: %s", xml);
	free(xml);

	CHECK_INT(define(&d, "a", "a - 7", &err), 0, "redefine a without a UUID");
	CHECK_STR(changes[0], "3 a 12", "a is modified: config and the value's field");
	CHECK(strcmp(hv_table_find(&d.things, "a")->uuid, U1) == 0, "a keeps its UUID");
	CHECK_INT(hv_kind_get_xml(&d.host, &thing_kind, "a", &xml, &err), 0, "a's text");
	CHECK_STR(xml, "a - 7", "kept byte for byte");
	free(xml);

	/* Staged: a record that cannot be written changes nothing. */
	d.fail_writes = 1;
	CHECK_INT(define(&d, "a", "a " U2 " 9", &err), -EIO, "a new UUID, the disk full");
	hv_error_clear(&err);
	CHECK_INT(change_count, 0, "nothing is reported");
	CHECK(strcmp(hv_table_find(&d.things, "a")->uuid, U1) == 0, "a keeps its UUID");
	CHECK(hv_table_find_uuid(&d.things, U2) == NULL, "the new UUID is not indexed");
	CHECK_INT(((struct thing *)hv_table_find(&d.things, "a"))->def.value, 7, "nor its value");
	CHECK_INT(define(&d, "c", "c - 1", &err), -EIO, "a new thing, the disk full");
	hv_error_clear(&err);
	CHECK(hv_table_find(&d.things, "c") == NULL, "is not in the model");
	CHECK_INT(hv_kind_undefine(&d.host, &thing_kind, "b", &err), -EIO, "undefine, the disk read-only");
	hv_error_clear(&err);
	CHECK(hv_table_find(&d.things, "b") != NULL, "b stays");
	d.fail_writes = 0;

	/* The shared rules. */
	CHECK_INT(define(&d, "b", "b " U1 " 1", &err), -EEXIST, "a's UUID for b");
	CHECK_STR(err.message, "UUID " U1 " is already used by pool 'a'", "names a");
	hv_error_clear(&err);
	((struct thing *)hv_table_find(&d.things, "a"))->running = true;
	CHECK_INT(define(&d, "a", "a " U2 " 7", &err), -EBUSY, "a new UUID while running");
	hv_error_clear(&err);
	CHECK_INT(hv_kind_rename(&d.host, &thing_kind, "a", "z", &err), -EBUSY, "no rename while running");
	hv_error_clear(&err);
	CHECK_INT(hv_kind_undefine(&d.host, &thing_kind, "a", &err), -EBUSY, "no undefine while running");
	hv_error_clear(&err);
	((struct thing *)hv_table_find(&d.things, "a"))->running = false;
	CHECK_INT(hv_kind_rename(&d.host, &thing_kind, "a", "b", &err), -EEXIST, "not onto b");
	hv_error_clear(&err);

	change_count = 0;
	CHECK_INT(hv_kind_rename(&d.host, &thing_kind, "a", "z", &err), 0, "rename a to z: %s", err.message);
	CHECK_STR(changes[0], "2 a>z 0", "reported as a rename");
	CHECK(hv_table_find(&d.things, "a") == NULL && hv_table_find(&d.things, "z"), "z it is");
	CHECK_STR(d.last_record, "z z " U1 " 7 0", "its record says so");
	CHECK_STR(d.last_removed, "a", "and a's record is gone");
	change_count = 0;
	CHECK_INT(hv_kind_set_autostart(&d.host, &thing_kind, "z", true, &err), 0, "autostart z");
	CHECK_STR(changes[0], "3 z 128", "a change of autostart alone");
	CHECK_INT(hv_kind_set_autostart(&d.host, &thing_kind, "z", true, &err), 0, "again");
	CHECK_INT(change_count, 1, "changes nothing more");

	CHECK_INT(hv_kind_list(&d.host, &thing_kind, &names, &err), 0, "list");
	CHECK(names.count == 2 && strcmp(names.names[0], "z") == 0 && strcmp(names.names[1], "b") == 0,
	      "z and b, in creation order");
	hv_name_list_finish(&names);
	change_count = 0;
	CHECK_INT(hv_kind_undefine(&d.host, &thing_kind, "z", &err), 0, "undefine z");
	CHECK_STR(changes[0], "1 z 0", "reported deleted");
	CHECK_STR(d.last_removed, "z", "its record gone");
	CHECK_INT(hv_kind_undefine(&d.host, &thing_kind, "z", &err), -ENOENT, "twice: ENOENT");
	hv_error_clear(&err);
	CHECK_INT(define(&d, "bad/name", "x - 1", &err), -EINVAL, "an invalid name");
	hv_error_clear(&err);

	hv_table_finish(&d.things, destroy);
	return UNIT_DONE();
}
