/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers/definition_rules.h"

#include <errno.h>
#include <string.h>

const struct hv_kind_words *hv_kind_words(enum hv_object_kind kind)
{
	static const struct hv_kind_words domain = {"domain", "shut off", "domain is running"};
	static const struct hv_kind_words network = {"network", "inactive", "network is active"};
	static const struct hv_kind_words pool = {"pool", "inactive", "pool is active"};
	static const struct hv_kind_words host = {"host", "idle", "host is busy"};

	switch (kind) {
	case HV_KIND_DOMAIN:
		return &domain;
	case HV_KIND_NETWORK:
		return &network;
	case HV_KIND_POOL:
		return &pool;
	default:
		return &host;
	}
}

int hv_rule_define_uuid(enum hv_object_kind kind, const char *name, const char *uuid, const char *owner,
			const char *current, bool active, struct hv_error *err)
{
	const struct hv_kind_words *w = hv_kind_words(kind);

	if (!uuid || !uuid[0])
		return 0; /* the object keeps its own, or a new one gets a fresh one */
	if (owner)
		return hv_error_set(err, EEXIST, "UUID %s is already used by %s '%s'", uuid, w->word, owner);
	if (current && active && strcmp(current, uuid) != 0)
		return hv_error_set(
		    err, EBUSY,
		    "%s '%s' is active with UUID %s: a new UUID (%s) can be given only while it "
		    "is %s",
		    w->word, name, current, uuid, w->idle);
	return 0;
}

int hv_rule_rename(enum hv_object_kind kind, const char *name, const char *new_name, bool taken, bool active,
		   struct hv_error *err)
{
	const struct hv_kind_words *w = hv_kind_words(kind);

	if (strcmp(name, new_name) == 0)
		return 1;
	if (active)
		return hv_error_set(err, EBUSY, "%s", w->busy);
	if (taken)
		return hv_error_set(err, EEXIST, "%s '%s' already exists", w->word, new_name);
	return 0;
}

int hv_rule_undefine(enum hv_object_kind kind, bool active, struct hv_error *err)
{
	return active ? hv_error_set(err, EBUSY, "%s", hv_kind_words(kind)->busy) : 0;
}
