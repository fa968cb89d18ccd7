/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent definitions of the Xen driver: one record per domain,
 * STATE_DIR/domains/NAME, in the format every driver keeps
 * (drivers/records.h), its body the libvirt domain XML as written.  A
 * domain with a definition is "persistent" and can be started; one made
 * behind hvfs's back (xl create) has none and shows a definition
 * synthesised from its state.  Definitions of the layout before
 * (STATE_DIR/NAME.xml) are moved into records at open (xen_defs_migrate). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/records.h"
#include "drivers/xen/xen_private.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/names.h"

int xen_def_read(struct xen_driver *drv, const char *name, char **xml, size_t *len, struct hv_error *err)
{
	struct hv_record *record = malloc(sizeof(*record));
	char path[PATH_MAX];
	char *text = NULL;
	int ret;

	if (!record)
		return hv_error_set(err, ENOMEM, "out of memory");
	ret = hv_record_read(drv->state_dir, HV_KIND_DOMAIN, name, &text, record);
	if (ret == 0) {
		/* The body moves to the front: the caller owns one string. */
		*len = record->body_len;
		memmove(text, record->body, record->body_len + 1);
		*xml = text;
	}
	free(record);
	if (ret == -ENOENT || ret == 0)
		return ret;
	hv_record_path(drv->state_dir, HV_KIND_DOMAIN, name, path, sizeof(path));
	return hv_error_set(err, EIO, "cannot read the definition %s: %s", path,
			    ret == -EINVAL ? "it has no header naming it" : strerror(-ret));
}

bool xen_def_exists(struct xen_driver *drv, const char *name)
{
	char path[PATH_MAX];

	return hv_record_path(drv->state_dir, HV_KIND_DOMAIN, name, path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0;
}

static int write_record(struct xen_driver *drv, const char *name, const char *xml, size_t len)
{
	char header[HV_NAME_MAX + 8];

	snprintf(header, sizeof(header), "name %s\n", name);
	return hv_record_write(drv->state_dir, HV_KIND_DOMAIN, name, header, xml, len);
}

int xen_def_write(struct xen_driver *drv, const char *name, const char *xml, size_t len, struct hv_error *err)
{
	char path[PATH_MAX];
	int ret = hv_record_dir_make(drv->state_dir, HV_KIND_DOMAIN);

	if (ret == 0)
		ret = write_record(drv, name, xml, len);
	if (ret < 0) {
		hv_record_path(drv->state_dir, HV_KIND_DOMAIN, name, path, sizeof(path));
		return hv_error_set(err, EIO, "cannot write the definition %s: %s", path, strerror(-ret));
	}
	return 0;
}

int xen_def_remove(struct xen_driver *drv, const char *name, struct hv_error *err)
{
	char path[PATH_MAX];
	int ret;

	ret = hv_record_remove(drv->state_dir, HV_KIND_DOMAIN, name);
	if (ret < 0) {
		hv_record_path(drv->state_dir, HV_KIND_DOMAIN, name, path, sizeof(path));
		return hv_error_set(err, EIO, "cannot remove the definition %s: %s", path, strerror(-ret));
	}
	return 0;
}

/* One definition of the layout before: NAME.xml becomes domains/NAME.  A
 * record already there is the newer copy (a crash between the two steps):
 * the old file only goes. */
static int migrate_one(struct xen_driver *drv, const char *file, const char *name)
{
	char old[sizeof(drv->state_dir) + HV_NAME_MAX + 8]; /* file is NAME.xml */
	auto_free char *xml = NULL;
	size_t len;
	int ret = 0;

	snprintf(old, sizeof(old), "%s/%s", drv->state_dir, file);
	if (!xen_def_exists(drv, name)) {
		ret = hv_record_dir_make(drv->state_dir, HV_KIND_DOMAIN);
		if (ret == 0)
			ret = file_read_all(old, HV_XML_MAX, &xml, &len);
		if (ret == 0)
			ret = write_record(drv, name, xml, len);
	}
	if (ret == 0)
		ret = atomic_file_remove(old);
	if (ret < 0)
		log_error("xen: cannot move %s into %s/domains/: %s", old, drv->state_dir, strerror(-ret));
	else
		log_info("xen: moved the definition %s to %s/domains/%s", old, drv->state_dir, name);
	return ret;
}

int xen_defs_migrate(struct xen_driver *drv)
{
	DIR *dir = opendir(drv->state_dir);
	struct hv_name_list files = {0};
	struct dirent *entry;
	size_t capacity = 0;
	int ret = 0, moved = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	/* Collected first: the directory changes under a readdir otherwise. */
	while (ret == 0 && (entry = readdir(dir))) {
		size_t len = strlen(entry->d_name);
		if (len <= 4 || len - 4 > HV_NAME_MAX || strcmp(entry->d_name + len - 4, ".xml") != 0)
			continue;
		if (files.count == capacity) {
			size_t grown = capacity ? capacity * 2 : 16;
			char **names = realloc(files.names, grown * sizeof(*names));
			if (!names) {
				ret = -ENOMEM;
				break;
			}
			files.names = names;
			capacity = grown;
		}
		if (!(files.names[files.count] = strdup(entry->d_name)))
			ret = -ENOMEM;
		else
			files.count++;
	}
	closedir(dir);
	for (size_t i = 0; ret == 0 && i < files.count; i++) {
		char name[HV_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%.*s", (int)(strlen(files.names[i]) - 4), files.names[i]);
		if (!hv_name_is_valid(name))
			continue;
		if (migrate_one(drv, files.names[i], name) == 0)
			moved++;
	}
	hv_name_list_finish(&files);
	return ret < 0 ? ret : moved;
}
