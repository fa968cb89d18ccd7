/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers/change_batch.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

struct hv_change_entry *hv_batch_add(struct hv_change_batch *batch, enum hv_object_kind kind,
				     enum hv_change_type type, const char *name, const char *new_name)
{
	struct hv_change_entry *entry = calloc(1, sizeof(*entry));

	if (!entry) {
		log_error("out of memory: a change of %s is not reported", name ? name : "the host");
		return NULL;
	}
	snprintf(entry->name, sizeof(entry->name), "%s", name ? name : "");
	snprintf(entry->new_name, sizeof(entry->new_name), "%s", new_name ? new_name : "");
	entry->change = (struct hv_change){
	    .kind = kind,
	    .type = type,
	    .name = name ? entry->name : NULL,
	    .new_name = new_name ? entry->new_name : NULL,
	};
	if (batch->tail)
		batch->tail->next = entry;
	else
		batch->head = entry;
	batch->tail = entry;
	batch->count++;
	return entry;
}

struct hv_change_entry *hv_batch_modified(struct hv_change_batch *batch, enum hv_object_kind kind,
					  const char *name, uint32_t fields)
{
	struct hv_change_entry *entry = hv_batch_add(batch, kind, HV_CHANGE_MODIFIED, name, NULL);

	if (entry)
		entry->change.fields = fields;
	return entry;
}

struct hv_change_entry *hv_batch_lifecycle(struct hv_change_batch *batch, enum hv_object_kind kind,
					   const char *name, const char *event, const char *detail,
					   uint32_t fields)
{
	struct hv_change_entry *entry = hv_batch_add(batch, kind, HV_CHANGE_LIFECYCLE, name, NULL);

	if (entry) {
		entry->change.event = event;
		entry->change.detail = detail;
		entry->change.fields = fields;
	}
	return entry;
}

void hv_change_entry_sub(struct hv_change_entry *entry, const char *sub, const char *detail)
{
	if (!entry)
		return;
	snprintf(entry->sub, sizeof(entry->sub), "%s", sub);
	entry->change.sub = entry->sub;
	entry->change.detail = detail;
}

void hv_change_entry_detail(struct hv_change_entry *entry, const char *detail)
{
	if (entry)
		entry->change.detail = detail;
}

static void drain(struct hv_conn *conn, struct hv_change_batch *batch)
{
	struct hv_change_entry *entry = batch->head;

	*batch = (struct hv_change_batch){0};
	while (entry) {
		struct hv_change_entry *next = entry->next;
		if (conn)
			hv_conn_emit(conn, &entry->change);
		free(entry);
		entry = next;
	}
}

void hv_batch_emit(struct hv_conn *conn, struct hv_change_batch *batch)
{
	assert(conn);
	drain(conn, batch);
}

void hv_batch_discard(struct hv_change_batch *batch)
{
	drain(NULL, batch);
}
