/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* last_error: why the last failed write to an object failed.  Kept by the
 * filesystem, not the driver, because it describes what a user wrote; one
 * entry per object that has had an error, keyed "kind/name". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/fs.h"
#include "util/hash.h"

struct last_errors {
	pthread_mutex_t lock;
	struct hash_map *messages; /* "domain/test" -> heap string */
};

static void object_key(enum hv_object_kind kind, const char *name, char *key, size_t size)
{
	snprintf(key, size, "%s/%s", hv_object_kind_name(kind), name ? name : "");
}

struct last_errors *last_errors_create(void)
{
	struct last_errors *errors = calloc(1, sizeof(*errors));

	if (!errors)
		return NULL;
	errors->messages = hash_map_create();
	if (!errors->messages) {
		free(errors);
		return NULL;
	}
	pthread_mutex_init(&errors->lock, NULL);
	return errors;
}

static void free_value(const char *key, void *value, void *opaque)
{
	free(value);
}

void last_errors_destroy(struct last_errors *errors)
{
	if (!errors)
		return;
	hash_map_foreach(errors->messages, free_value, NULL);
	hash_map_destroy(errors->messages);
	pthread_mutex_destroy(&errors->lock);
	free(errors);
}

void last_errors_set(struct last_errors *errors, const struct fs_object *obj, const char *message)
{
	char key[HV_NAME_MAX + 32];
	char *copy = strdup(message);

	if (!copy)
		return;
	object_key(obj->kind, obj->name, key, sizeof(key));
	pthread_mutex_lock(&errors->lock);
	char *old = hash_map_get(errors->messages, key);
	if (hash_map_put(errors->messages, key, copy) < 0) {
		free(copy);
	} else {
		free(old);
	}
	pthread_mutex_unlock(&errors->lock);
}

int last_errors_get(struct last_errors *errors, const struct fs_object *obj, struct strbuf *out)
{
	char key[HV_NAME_MAX + 32];
	int ret = 0;

	object_key(obj->kind, obj->name, key, sizeof(key));
	pthread_mutex_lock(&errors->lock);
	const char *message = hash_map_get(errors->messages, key);
	if (message)
		ret = strbuf_printf(out, "%s\n", message);
	pthread_mutex_unlock(&errors->lock);
	return ret;
}

void last_errors_rename(struct last_errors *errors, enum hv_object_kind kind, const char *name,
			const char *new_name)
{
	char key[HV_NAME_MAX + 32], new_key[HV_NAME_MAX + 32];

	object_key(kind, name, key, sizeof(key));
	object_key(kind, new_name, new_key, sizeof(new_key));
	pthread_mutex_lock(&errors->lock);
	char *message = hash_map_remove(errors->messages, key);
	free(hash_map_remove(errors->messages, new_key));
	if (message && hash_map_put(errors->messages, new_key, message) < 0)
		free(message);
	pthread_mutex_unlock(&errors->lock);
}

void last_errors_forget(struct last_errors *errors, enum hv_object_kind kind, const char *name)
{
	char key[HV_NAME_MAX + 32];

	object_key(kind, name, key, sizeof(key));
	pthread_mutex_lock(&errors->lock);
	free(hash_map_remove(errors->messages, key));
	pthread_mutex_unlock(&errors->lock);
}
