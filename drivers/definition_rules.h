/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a define, rename or undefine may do, decided once for every driver
 * and kind (docs/design.md, "Shared rules"; docs/paths.md, "UUIDs"): the
 * drivers find the facts their own way (an object table, the hypervisor's
 * list) and ask here, so that the rules and the sentences that refuse
 * them are the same on every driver. */
#ifndef HVFS_DRIVERS_DEFINITION_RULES_H
#define HVFS_DRIVERS_DEFINITION_RULES_H

#include <stdbool.h>

#include "drivers/driver.h"

/* The words a kind's messages use: "domain", "shut off" (what it must be
 * for its UUID to change), "domain is running" (why it cannot go now). */
struct hv_kind_words {
	const char *word;
	const char *idle;
	const char *busy;
};
const struct hv_kind_words *hv_kind_words(enum hv_object_kind kind);

/* A definition of (kind, name) naming uuid ("" for none).  owner: the
 * other object of the kind that has uuid, or NULL; current: the UUID the
 * object has now (NULL for a new object); active: whether it runs.  Any
 * UUID no other object has is taken while the object is idle; an active
 * one keeps the UUID it runs with.  0, -EEXIST or -EBUSY with err set. */
int hv_rule_define_uuid(enum hv_object_kind kind, const char *name, const char *uuid, const char *owner,
			const char *current, bool active, struct hv_error *err);

/* A rename of (kind, name) to new_name; taken: another object has
 * new_name.  1 when there is nothing to do (the same name), 0 when it may
 * go ahead, -EBUSY (active) or -EEXIST with err set. */
int hv_rule_rename(enum hv_object_kind kind, const char *name, const char *new_name, bool taken, bool active,
		   struct hv_error *err);

/* An undefine of an object: 0, or -EBUSY while it is active. */
int hv_rule_undefine(enum hv_object_kind kind, bool active, struct hv_error *err);

#endif
