/* libvirt-style connection URIs: scheme:///path?key=value&key=value */
#ifndef HVFS_UTIL_URI_H
#define HVFS_UTIL_URI_H

#include <stddef.h>

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

#endif
