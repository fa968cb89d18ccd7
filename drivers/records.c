/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Definition records (records.h): one format and one layout for every
 * driver's state directory. */
#include "drivers/records.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "util/log.h"
#include "util/names.h"
#include "util/parse.h"
#include "util/strbuf.h"

int hv_record_parse(char *text, size_t len, struct hv_record *r)
{
	char *p = text, *end = text + len;

	r->count = 0;
	r->body = NULL;
	r->body_len = 0;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return -EINVAL;
		if (nl == p) {
			r->body = nl + 1;
			r->body_len = (size_t)(end - r->body);
			return 0;
		}
		*nl = '\0';
		char *space = strchr(p, ' ');
		if (!space)
			return -EINVAL;
		*space = '\0';
		if (r->count < HV_RECORD_FIELDS_MAX) {
			r->keys[r->count] = p;
			r->values[r->count] = space + 1;
			r->count++;
		}
		p = nl + 1;
	}
	return -EINVAL;
}

const char *hv_record_get(const struct hv_record *r, const char *key)
{
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->keys[i], key) == 0)
			return r->values[i];
	return NULL;
}

bool hv_record_u64(const struct hv_record *r, const char *key, uint64_t max, uint64_t *out)
{
	const char *value = hv_record_get(r, key);

	return value && parse_u64(value, strlen(value), max, out) == 0;
}

bool hv_record_copy(const struct hv_record *r, const char *key, char *out, size_t size)
{
	const char *value = hv_record_get(r, key);

	if (!value || strlen(value) >= size)
		return false;
	memcpy(out, value, strlen(value) + 1);
	return true;
}

static int kind_dir(const char *dir, enum hv_object_kind kind, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", dir, hv_object_kind_dir(kind));

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int hv_record_path(const char *dir, enum hv_object_kind kind, const char *name, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s/%s", dir, hv_object_kind_dir(kind), name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int hv_record_write(const char *dir, enum hv_object_kind kind, const char *name, const char *header,
		    const char *body, size_t body_len)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX];
	int ret = hv_record_path(dir, kind, name, path, sizeof(path));

	if (ret == 0)
		ret = strbuf_printf(&sb, "%s\n", header);
	if (ret == 0)
		ret = strbuf_append(&sb, body, body_len);
	if (ret == 0)
		ret = atomic_file_write(path, strbuf_str(&sb), sb.len, HV_RECORD_MODE);
	strbuf_finish(&sb);
	return ret;
}

int hv_record_dir_make(const char *dir, enum hv_object_kind kind)
{
	char path[PATH_MAX];
	int ret = kind_dir(dir, kind, path, sizeof(path));

	return ret < 0 ? ret : mkdir_parents(path);
}

int hv_record_remove(const char *dir, enum hv_object_kind kind, const char *name)
{
	char path[PATH_MAX];
	int ret = hv_record_path(dir, kind, name, path, sizeof(path));

	return ret < 0 ? ret : atomic_file_remove(path);
}

int hv_record_read(const char *dir, enum hv_object_kind kind, const char *name, char **text,
		   struct hv_record *r)
{
	char path[PATH_MAX];
	size_t len = 0;
	const char *named;
	int ret = hv_record_path(dir, kind, name, path, sizeof(path));

	*text = NULL;
	if (ret == 0)
		ret = file_read_all(path, HV_RECORD_MAX, text, &len);
	if (ret == 0 && (hv_record_parse(*text, len, r) < 0 || !(named = hv_record_get(r, "name")) ||
			 strcmp(named, name) != 0))
		ret = -EINVAL;
	if (ret < 0) {
		free(*text);
		*text = NULL;
	}
	return ret;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int hv_record_list(const char *dir, enum hv_object_kind kind, struct hv_name_list *out, struct hv_error *err)
{
	struct hv_name_list list = {0};
	char path[PATH_MAX];
	size_t cap = 0;
	struct dirent *entry;
	int ret = kind_dir(dir, kind, path, sizeof(path));
	DIR *d = ret == 0 ? opendir(path) : NULL;

	*out = list;
	if (ret < 0)
		return hv_error_set(err, EIO, "cannot list %s/%s: %s", dir, hv_object_kind_dir(kind),
				    strerror(-ret));
	if (!d)
		return errno == ENOENT ? 0
				       : hv_error_set(err, EIO, "cannot list %s: %s", path, strerror(errno));
	while ((entry = readdir(d))) {
		const char *name = entry->d_name;
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (!hv_name_is_valid(name)) {
			/* atomic_file_write's ".tmp-*" and the like: never the
			 * real copy, since rename is what commits a file. */
			log_warning("%s: removing leftover temporary file %s", path, name);
			unlinkat(dirfd(d), name, 0);
			continue;
		}
		if (list.count == cap) {
			size_t grown = cap ? cap * 2 : 64;
			char **names = realloc(list.names, grown * sizeof(*names));
			if (!names)
				goto nomem;
			list.names = names;
			cap = grown;
		}
		if (!(list.names[list.count] = strdup(name)))
			goto nomem;
		list.count++;
	}
	closedir(d);
	if (list.count)
		qsort(list.names, list.count, sizeof(*list.names), compare_names);
	*out = list;
	return 0;
nomem:
	closedir(d);
	hv_name_list_finish(&list);
	return hv_error_set(err, ENOMEM, "out of memory listing %s", path);
}

static int definition_error(const char *dir, enum hv_object_kind kind, const char *what, const char *name,
			    int ret, struct hv_error *err)
{
	char path[PATH_MAX];

	hv_record_path(dir, kind, name, path, sizeof(path));
	return hv_error_set(err, ret == -ENOMEM ? ENOMEM : EIO, "cannot %s %s: %s", what, path,
			    strerror(-ret));
}

int hv_definition_write(const char *dir, enum hv_object_kind kind, const char *name, const char *xml,
			const char *uuid, bool autostart, struct hv_error *err)
{
	char header[HV_NAME_MAX + HV_UUID_STRLEN + 48];
	int ret;

	snprintf(header, sizeof(header), "name %s\nuuid %s\nautostart %d\n", name, uuid, autostart);
	ret = hv_record_write(dir, kind, name, header, xml, strlen(xml));
	return ret < 0 ? definition_error(dir, kind, "write", name, ret, err) : 0;
}

int hv_definition_read(const char *dir, enum hv_object_kind kind, const char *name, char **xml, size_t *len,
		       char uuid[HV_UUID_STRLEN + 1], bool *autostart, struct hv_error *err)
{
	struct hv_record *record = malloc(sizeof(*record));
	char *text = NULL;
	int ret;

	if (!record)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = hv_record_read(dir, kind, name, &text, record);
	if (ret == 0) {
		const char *value = hv_record_get(record, "uuid");
		if (!value || hv_uuid_normalize(value, uuid) < 0)
			uuid[0] = '\0';
		value = hv_record_get(record, "autostart");
		*autostart = value && strcmp(value, "1") == 0;
		*len = record->body_len;
		memmove(text, record->body, record->body_len + 1);
		*xml = text;
	}
	free(record);
	if (ret == -EINVAL)
		return hv_error_set(err, EINVAL, "%s/%s/%s has no header naming it", dir,
				    hv_object_kind_dir(kind), name);
	return ret < 0 ? definition_error(dir, kind, "read", name, ret, err) : 0;
}
