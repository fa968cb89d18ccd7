/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt-style connection URIs: scheme:///path?key=value&key=value */
#ifndef HVFS_UTIL_URI_H
#define HVFS_UTIL_URI_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct uri_param {
	char *key;
	char *value;
};

struct uri {
	char *scheme; /* "test", "lxc", "xen" */
	char *path;   /* "/default", "/var/lib/x" ("" when absent) */
	struct uri_param *params;
	size_t param_count;
};

/* Returns 0 or -EINVAL (with a reason in why, which may be NULL). */
int uri_parse(const char *text, struct uri *out, const char **why);
void uri_finish(struct uri *uri);
/* The value of the last occurrence of key, or NULL. */
const char *uri_get(const struct uri *uri, const char *key);

/* Knobs (the query's keys), checked alike by every driver; messages begin
 * "SCHEME URI: ".  check_knobs: -EINVAL naming the first key that is not in
 * known (NULL-terminated, alphabetical: the message lists them).
 * knob_u64: key's value as a number from 0 to max into *out, which is left
 * as it is when the key is absent; -EINVAL otherwise. */
int uri_check_knobs(const struct uri *uri, const char *const *known, struct hv_error *err);
int uri_knob_u64(const struct uri *uri, const char *key, uint64_t max, uint64_t *out, struct hv_error *err);

#endif
