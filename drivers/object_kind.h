/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every kind of object does alike in a driver that keeps its objects
 * in memory (test, lxc): finding one, staging a change and committing it,
 * and the slots define, undefine, rename, set_autostart, list and get_xml
 * (docs/design.md, "Object kinds").  A driver describes each kind with a
 * struct hv_kind_ops (its parser, what its objects hold, its hooks) and
 * itself with a struct hv_kind_host (its lock, tables and records); the
 * rules the slots follow are drivers/definition_rules.c's.
 *
 * Every slot has the same shape: check for an injected fault, take the
 * lock, stage a copy of the object, persist the copy and only then commit
 * it over the original (a failed write leaves the model as it was), record
 * the changes in a batch, drop the lock, emit the batch. */
#ifndef HVFS_DRIVERS_OBJECT_KIND_H
#define HVFS_DRIVERS_OBJECT_KIND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/change_batch.h"
#include "drivers/driver.h"
#include "drivers/object_table.h"

/* The driver, as the generic code sees it.  driver is the driver's own
 * struct, handed back to every hook. */
struct hv_kind_host {
	pthread_mutex_t *lock; /* guards the tables and every object */
	struct hv_conn *conn;  /* emits the batches */
	void *driver;
	/* -EIO with err set when the driver was told to fail op (the test
	 * driver's fail=); may be NULL.  Called without the lock. */
	int (*fault)(const void *driver, int op, struct hv_error *err);
	/* Writes obj's record / removes name's; 0 or -errno with err set. */
	int (*persist)(void *driver, enum hv_object_kind kind, const struct hv_object *obj,
		       struct hv_error *err);
	int (*unpersist)(void *driver, enum hv_object_kind kind, const char *name, struct hv_error *err);
};

/* One kind of a driver.  Hooks that take the driver run with the lock
 * held; parse and identity need none.  def points at the kind's parsed
 * definition (def_size bytes). */
struct hv_kind_ops {
	enum hv_object_kind kind;
	size_t size;	     /* of the kind's struct, which begins with its struct hv_object */
	size_t def_size;     /* of its parsed definition */
	size_t table_offset; /* of the kind's table in the driver's struct */
	struct {
		int define, get_xml, list, rename, set_autostart, undefine;
	} op; /* what the fault hook calls the generic operations */

	bool (*is_active)(const struct hv_object *obj);
	/* Makes an inactive object active without persisting or reporting it:
	 * for the driver's own seeding and autostart, not the slots here.
	 * May be NULL. */
	void (*boot)(void *driver, struct hv_object *obj, uint64_t now);
	/* Fills the kind's part of a new object from def: obj is zeroed but
	 * for its name, UUID and text, and is to be inactive. */
	void (*init)(struct hv_object *obj, const void *def);
	/* The kind's parser; name may be NULL (seeding).  stored: a
	 * definition read back from the driver's records (conf.h, the
	 * *_def_parse_stored variants). */
	int (*parse)(const char *xml, size_t len, const char *name, bool stored, void *def,
		     struct hv_error *err);
	/* Where def keeps its name and UUID ("" when the XML has none). */
	void (*identity)(void *def, char **name, char **uuid);
	/* The text kept of a definition written: NULL keeps the user's text
	 * byte for byte (writing the same file again then changes nothing);
	 * else *text (heap) from xml and def, whose UUID is settled by now
	 * (a driver that writes the UUID into the text, as libvirt does). */
	int (*keep_text)(const char *xml, size_t len, const void *def, char **text, struct hv_error *err);
	/* The definition mkdir gives name; 0 or -errno. */
	int (*xml_default)(void *driver, const char *name, const char *uuid, char **out);
	/* What the model demands of a definition beyond its XML and the
	 * shared rules (EBUSY, EEXIST); existing is NULL for a new object.
	 * May be NULL. */
	int (*check)(void *driver, const struct hv_object *existing, const void *def, struct hv_error *err);
	/* Makes def the definition of staged, a copy of the object, and
	 * returns the enum hv_field bits whose values that changes (the
	 * caller adds HV_FIELD_CONFIG). */
	uint32_t (*redefine)(struct hv_object *staged, const void *def);
	/* Gives staged, a copy of the object, new_name in its definition and
	 * sets *text to its XML saying so. */
	int (*rename)(struct hv_object *staged, const char *new_name, char **text, struct hv_error *err);

	/* What an object holds besides its definition (a domain's device
	 * addresses, a running container's live values); all may be NULL.
	 * adopt() makes the text in staged->xml (and, redefined, staged's
	 * definition) take effect and fills staged's records; prev is the
	 * object staged replaces (NULL for a new one); on failure nothing
	 * changed.  adopt_end() finishes it
	 * after the commit: kept, the records of dropped (prev's old copy)
	 * are freed; otherwise the adoption is undone (dropped is staged) and
	 * obj holds its own again. */
	int (*adopt)(void *driver, struct hv_object *staged, const struct hv_object *prev,
		     struct hv_error *err);
	void (*adopt_end)(void *driver, struct hv_object *obj, struct hv_object *dropped, bool kept);
	/* The object leaves the model: release what it holds, free records. */
	void (*forget)(void *driver, struct hv_object *obj);
	/* The object is renamed from old_name to its own name (undo: swap). */
	int (*renamed)(void *driver, const char *old_name, const char *new_name, struct hv_error *err);
	/* Frees an object of the kind (after forget); NULL: hv_kind_destroy. */
	void (*destroy)(struct hv_object *obj);
};

struct hv_object_table *hv_kind_table(const struct hv_kind_host *host, const struct hv_kind_ops *ops);
/* The object called name, or NULL with -ENOENT in err. */
struct hv_object *hv_kind_lookup(const struct hv_kind_host *host, const struct hv_kind_ops *ops,
				 const char *name, struct hv_error *err);
/* Creates an object from def and text (consumed either way) and adds it
 * to the model only: no record, no change.  0 or -errno with err set. */
int hv_kind_insert(const struct hv_kind_host *host, const struct hv_kind_ops *ops, void *def, char *text,
		   struct hv_object **out, struct hv_error *err);
/* Frees an object whose struct needs nothing more freed than its text
 * (hv_table_finish's destroy_object); NULL is a no-op. */
void hv_kind_destroy(struct hv_object *obj);
/* Persists staged (a copy of obj, edited) and, only if that worked, makes
 * it obj.  Consumes staged->xml when it differs from obj->xml. */
int hv_kind_commit(const struct hv_kind_host *host, const struct hv_kind_ops *ops, struct hv_object *obj,
		   struct hv_object *staged, struct hv_error *err);

/* The slots every kind has. */
int hv_kind_list(const struct hv_kind_host *host, const struct hv_kind_ops *ops, struct hv_name_list *out,
		 struct hv_error *err);
int hv_kind_get_xml(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		    char **xml, struct hv_error *err);
int hv_kind_define(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		   const char *xml, size_t len, struct hv_error *err);
int hv_kind_undefine(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		     struct hv_error *err);
int hv_kind_rename(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
		   const char *new_name, struct hv_error *err);
int hv_kind_set_autostart(const struct hv_kind_host *host, const struct hv_kind_ops *ops, const char *name,
			  bool autostart, struct hv_error *err);

#endif
