/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The changes one driver operation made, collected while the driver holds
 * its lock and emitted, in order, after it lets go (docs/design.md, "Change
 * flow").  Every driver batches this way: the names are copied, since the
 * object may be renamed or gone by the time the batch is emitted.  Each
 * change is tied to its object (kind, name, sub); hv_conn_emit() ties it to
 * its origin. */
#ifndef HVFS_DRIVERS_CHANGE_BATCH_H
#define HVFS_DRIVERS_CHANGE_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "drivers/driver.h"

/* Room for a sub-object's id: "CLASS/NAME" of a device, or a volume name. */
#define HV_CHANGE_SUB_MAX (HV_DEVICE_CLASS_MAX + 1 + HV_DEVICE_NAME_MAX + 1)

struct hv_change_entry {
	struct hv_change change; /* its name, new_name and sub point into the entry */
	char name[HV_NAME_MAX + 1];
	char new_name[HV_NAME_MAX + 1];
	char sub[HV_CHANGE_SUB_MAX];
	struct hv_change_entry *next;
};

/* Zero-initialised is empty.  Entries live on the heap, so a batch may be
 * copied by value until it is emitted (the copy then owns them). */
struct hv_change_batch {
	struct hv_change_entry *head, *tail;
	size_t count;
};

/* Adds a change of (kind, name) at the end: CREATED, DELETED or RENAMED
 * (new_name).  Returns the entry, or NULL (logged) when out of memory: the
 * change is then not reported, the operation itself stands. */
struct hv_change_entry *hv_batch_add(struct hv_change_batch *batch, enum hv_object_kind kind,
				     enum hv_change_type type, const char *name, const char *new_name);
/* MODIFIED: fields (enum hv_field bits) says which values changed; 0 means
 * any of them, which makes fs/ report every file of the object. */
struct hv_change_entry *hv_batch_modified(struct hv_change_batch *batch, enum hv_object_kind kind,
					  const char *name, uint32_t fields);
/* LIFECYCLE: libvirt's event and detail words (literals) and, as for
 * MODIFIED, the fields the transition changed. */
struct hv_change_entry *hv_batch_lifecycle(struct hv_change_batch *batch, enum hv_object_kind kind,
					   const char *name, const char *event, const char *detail,
					   uint32_t fields);
/* Makes entry (may be NULL: then nothing) a change of sub ("disk/vda", a
 * volume), and names the one attribute file that changed (a literal, or
 * NULL for any). */
void hv_change_entry_sub(struct hv_change_entry *entry, const char *sub, const char *detail);

/* Names the one file (key) a MODIFIED of a keyed field shows
 * (HV_FIELDS_KEYED): a literal, or a string that outlives the batch. */
void hv_change_entry_detail(struct hv_change_entry *entry, const char *detail);

/* Emits every change in order through hv_conn_emit() and empties the
 * batch.  Call it holding none of the driver's locks. */
void hv_batch_emit(struct hv_conn *conn, struct hv_change_batch *batch);
/* Empties the batch without emitting (an operation that was undone). */
void hv_batch_discard(struct hv_change_batch *batch);

#endif
