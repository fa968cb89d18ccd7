/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The change batch every driver collects its changes in under its lock
 * (drivers/change_batch.h): changes come out in the order they were made,
 * with their own copies of the names, each tied to its object, sub-object
 * and origin; a discarded batch says nothing. */
#include <stdio.h>
#include <string.h>

#include "drivers/change_batch.h"
#include "unit.h"

static char seen[8][160];
static const struct hv_origin *seen_origin[8];
static unsigned seen_count;

static void record(void *opaque, const struct hv_change *c)
{
	(void)opaque;
	if (seen_count == 8)
		return;
	snprintf(seen[seen_count], sizeof(seen[0]), "%d %d %s%s%s %s %s %s %u", (int)c->kind, (int)c->type,
		 c->name ? c->name : "-", c->new_name ? ">" : "", c->new_name ? c->new_name : "",
		 c->sub ? c->sub : "-", c->event ? c->event : "-", c->detail ? c->detail : "-", c->fields);
	seen_origin[seen_count++] = c->origin;
}

static void reset(void)
{
	memset(seen, 0, sizeof(seen));
	memset(seen_origin, 0, sizeof(seen_origin));
	seen_count = 0;
}

int main(void)
{
	struct hv_conn conn = {.on_change = record};
	struct hv_change_batch batch = {0};
	char name[HV_NAME_MAX + 1] = "web";
	char sub[32] = "interface/net0";

	/* Names are copied: the caller's buffers may change (a rename) or be
	 * freed (an undefine) before the batch is emitted. */
	hv_batch_add(&batch, HV_KIND_DOMAIN, HV_CHANGE_RENAMED, name, "web2");
	hv_change_entry_sub(hv_batch_modified(&batch, HV_KIND_DOMAIN, name, HV_FIELD_DEVICES), sub, "ip");
	hv_batch_lifecycle(&batch, HV_KIND_NETWORK, "default", "started", NULL, HV_FIELD_STATE);
	hv_change_entry_detail(hv_batch_modified(&batch, HV_KIND_DOMAIN, name, HV_FIELD_KEYS), "cpuset");
	hv_batch_add(&batch, HV_KIND_HOST, HV_CHANGE_MODIFIED, NULL, NULL);
	strcpy(name, "gone");
	strcpy(sub, "YYY");
	CHECK_INT(batch.count, 5, "five changes collected");
	reset();
	hv_batch_emit(&conn, &batch);
	CHECK_INT(seen_count, 5, "all five emitted");
	CHECK_STR(seen[0], "1 2 web>web2 - - - 0", "first the rename, with both names copied");
	CHECK_STR(seen[1], "1 3 web interface/net0 - ip 16384", "then the device's ip, sub copied");
	CHECK_STR(seen[2], "2 4 default - started - 1", "then the network's lifecycle event");
	CHECK_STR(seen[3], "1 3 web - - cpuset 65536", "then the keyed cgroup change");
	CHECK_STR(seen[4], "0 3 - - - - 0", "and the host's change has no name");
	CHECK(batch.head == NULL && batch.tail == NULL && batch.count == 0, "emit empties the batch");

	reset();
	hv_batch_emit(&conn, &batch);
	CHECK_INT(seen_count, 0, "an empty batch emits nothing");

	/* An operation undone emits nothing of what it had collected. */
	hv_batch_add(&batch, HV_KIND_POOL, HV_CHANGE_CREATED, "p", NULL);
	hv_batch_discard(&batch);
	reset();
	hv_batch_emit(&conn, &batch);
	CHECK_INT(seen_count, 0, "a discarded batch emits nothing");

	/* Origin (docs/design.md, "Change flow"): the change of the object the
	 * call asked about carries the call's origin, the others none. */
	struct hv_call_scope scope;
	const struct hv_origin *origin = (const struct hv_origin *)&scope;
	hv_call_begin(&scope, &conn, origin, HV_KIND_DOMAIN, "web");
	hv_batch_lifecycle(&batch, HV_KIND_DOMAIN, "web", "started", "booted", HV_FIELD_STATE);
	hv_batch_modified(&batch, HV_KIND_NETWORK, "default", HV_FIELD_LEASES);
	hv_batch_modified(&batch, HV_KIND_DOMAIN, "db", HV_FIELD_STATE);
	reset();
	hv_batch_emit(&conn, &batch);
	hv_call_end(&scope);
	CHECK_INT(seen_count, 3, "three changes in the call");
	CHECK(seen_origin[0] == origin, "the asked-for object's change carries the call's origin");
	CHECK(seen_origin[1] == NULL, "another kind's change has no origin");
	CHECK(seen_origin[2] == NULL, "another domain's change has no origin");

	/* A sub-object or detail on a lost (NULL: out of memory) entry is a
	 * no-op, not a crash. */
	hv_change_entry_sub(NULL, "disk/vda", NULL);
	hv_change_entry_detail(NULL, "ip");
	return UNIT_DONE();
}
