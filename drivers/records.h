/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where every driver keeps its objects' definitions (docs/design.md,
 * "Persistence"):
 *
 *     DIR/domains/NAME   DIR/networks/NAME   DIR/pools/NAME
 *
 * each a few "key value" header lines, one of them "name NAME", a blank
 * line, then the definition exactly as the user wrote it.  What a driver
 * keeps beside the text (a UUID the text does not state, autostart, the
 * addresses hvfs gave, a cached summary) goes in the header.  Files are
 * replaced with atomic_file_write(): a crash leaves the old or the new
 * one, never a torn one. */
#ifndef HVFS_DRIVERS_RECORDS_H
#define HVFS_DRIVERS_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conf/conf.h"
#include "drivers/driver.h"

#define HV_RECORD_FIELDS_MAX 1024 /* a test domain has a line per device address */
#define HV_RECORD_MODE	     0600
/* A record's largest size: the definition and its header. */
#define HV_RECORD_MAX (HV_XML_MAX + 64 * 1024)

struct hv_record {
	const char *keys[HV_RECORD_FIELDS_MAX];
	const char *values[HV_RECORD_FIELDS_MAX];
	size_t count;
	const char *body; /* the definition, NUL-terminated */
	size_t body_len;
};

/* Splits text (modified in place, NUL-terminated) into the header fields
 * and the body: 0, or -EINVAL without a well-formed header. */
int hv_record_parse(char *text, size_t len, struct hv_record *r);
const char *hv_record_get(const struct hv_record *r, const char *key);
bool hv_record_u64(const struct hv_record *r, const char *key, uint64_t max, uint64_t *out);
/* Copies the value when it fits in size. */
bool hv_record_copy(const struct hv_record *r, const char *key, char *out, size_t size);

int hv_record_path(const char *dir, enum hv_object_kind kind, const char *name, char *buf, size_t size);
/* Replaces DIR/KIND/NAME with header (its "key value\n" lines, "name NAME"
 * among them, no blank line), a blank line and body.  0 or -errno (-ENOENT
 * without DIR/KIND: a directory someone removed is not made again behind
 * their back, hv_record_dir_make is for when a driver means to). */
int hv_record_write(const char *dir, enum hv_object_kind kind, const char *name, const char *header,
		    const char *body, size_t body_len);
/* mkdir -p DIR/KIND (0700): 0 or -errno. */
int hv_record_dir_make(const char *dir, enum hv_object_kind kind);
/* 0, or -errno; a record that is not there is no error. */
int hv_record_remove(const char *dir, enum hv_object_kind kind, const char *name);
/* Reads DIR/KIND/NAME: 0 with *text (heap) parsed into r, -ENOENT, -EINVAL
 * when it has no header or its name line is not NAME, -errno. */
int hv_record_read(const char *dir, enum hv_object_kind kind, const char *name, char **text,
		   struct hv_record *r);
/* The names of the records in DIR/KIND, sorted; none when it does not
 * exist.  Leftover temporary files (names no object can have) are removed
 * and logged.  0, or -errno with err set (ENOMEM, else EIO). */
int hv_record_list(const char *dir, enum hv_object_kind kind, struct hv_name_list *out, struct hv_error *err);

/* The record of a definition as the lxc and qemu drivers keep it: "name",
 * "uuid" (the one the object has, which its text may not state) and
 * "autostart" lines, then the text.  0, or -errno with err set (EIO
 * naming the file, ENOMEM). */
int hv_definition_write(const char *dir, enum hv_object_kind kind, const char *name, const char *xml,
			const char *uuid, bool autostart, struct hv_error *err);
/* 0 with *xml (heap, *len), the stored UUID ("" when none) and autostart;
 * -EINVAL (no header naming it) or -EIO (ENOENT among them) with err set. */
int hv_definition_read(const char *dir, enum hv_object_kind kind, const char *name, char **xml, size_t *len,
		       char uuid[HV_UUID_STRLEN + 1], bool *autostart, struct hv_error *err);

#endif
