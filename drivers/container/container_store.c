/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the container driver keeps its definitions: one record per domain,
 * STATE_DIR/domains/NAME, in the format every driver keeps
 * (drivers/records.h): "name", "uuid" (the one the domain has, which its
 * text may not state) and "autostart" lines, then the XML as written.
 * What a run leaves (NAME.run, NAME.exit, NAME.crashed, NAME.log) stays
 * beside domains/ in STATE_DIR.  A state directory of the layout before
 * records (NAME.xml, NAME.uuid, NAME.autostart) is moved into records at
 * open (container_store_migrate). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/container/container_private.h"
#include "drivers/records.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/names.h"

int container_store_write(struct container_driver *drv, const char *name, const char *xml, const char *uuid,
			  bool autostart, struct hv_error *err)
{
	return hv_definition_write(drv->state_dir, HV_KIND_DOMAIN, name, xml, uuid, autostart, err);
}

int container_store_read(struct container_driver *drv, const char *name, char **xml, size_t *len,
			 char uuid[HV_UUID_STRLEN + 1], bool *autostart, struct hv_error *err)
{
	return hv_definition_read(drv->state_dir, HV_KIND_DOMAIN, name, xml, len, uuid, autostart, err);
}

/* Leftovers of a run, kept beside domains/: they follow a rename. */
static const char *const run_files[] = {"crashed", "exit", "log", "run"};
/* The files of the layout before records; NAME.xml, which marks a domain
 * still to move, goes last. */
static const char *const legacy_files[] = {"uuid", "autostart", "xml"};

void container_store_remove(struct container_driver *drv, const char *name)
{
	char path[PATH_MAX];

	hv_record_remove(drv->state_dir, HV_KIND_DOMAIN, name);
	for (size_t i = 0; i < ARRAY_SIZE(run_files); i++)
		if (container_path(drv, name, run_files[i], path, sizeof(path)) == 0)
			atomic_file_remove(path);
}

void container_store_move_runs(struct container_driver *drv, const char *name, const char *new_name)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(run_files); i++) {
		container_path(drv, name, run_files[i], from, sizeof(from));
		container_path(drv, new_name, run_files[i], to, sizeof(to));
		if (rename(from, to) < 0 && errno != ENOENT)
			log_warning("cannot move %s to %s: %s", from, to, strerror(errno));
	}
}

/* NAME.xml, NAME.uuid and NAME.autostart become domains/NAME.  A record
 * already there is the newer copy (a crash between the two steps): the
 * old files only go. */
static int migrate_one(struct container_driver *drv, const char *name)
{
	char path[PATH_MAX], uuid[HV_UUID_STRLEN + 1] = "";
	auto_free char *xml = NULL, *uuid_text = NULL;
	size_t len, uuid_len;
	int ret = hv_record_path(drv->state_dir, HV_KIND_DOMAIN, name, path, sizeof(path));

	if (ret == 0 && access(path, F_OK) != 0) {
		container_path(drv, name, "xml", path, sizeof(path));
		ret = file_read_all(path, HV_XML_MAX, &xml, &len);
		container_path(drv, name, "uuid", path, sizeof(path));
		if (ret == 0 && file_read_all(path, 128, &uuid_text, &uuid_len) == 0) {
			uuid_text[strcspn(uuid_text, "\n")] = '\0';
			if (hv_uuid_normalize(uuid_text, uuid) < 0)
				uuid[0] = '\0';
		}
		container_path(drv, name, "autostart", path, sizeof(path));
		if (ret == 0)
			ret = hv_definition_write(drv->state_dir, HV_KIND_DOMAIN, name, xml, uuid,
						  access(path, F_OK) == 0, NULL);
	}
	for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(legacy_files); i++)
		if (container_path(drv, name, legacy_files[i], path, sizeof(path)) == 0)
			ret = atomic_file_remove(path);
	if (ret < 0)
		log_error("cannot move the definition of %s into %s/domains/: %s", name, drv->state_dir,
			  strerror(-ret));
	else
		log_info("moved the definition of %s into %s/domains/%s", name, drv->state_dir, name);
	return ret;
}

int container_store_migrate(struct container_driver *drv, struct hv_error *err)
{
	struct dirent **entries = NULL;
	int n, moved = 0, ret = hv_record_dir_make(drv->state_dir, HV_KIND_DOMAIN);

	if (ret < 0)
		return hv_error_set(err, -ret, "cannot create %s/domains: %s", drv->state_dir,
				    strerror(-ret));
	n = scandir(drv->state_dir, &entries, NULL, alphasort);
	if (n < 0)
		return hv_error_set(err, errno, "cannot list %s: %s", drv->state_dir, strerror(errno));
	for (int i = 0; i < n; i++) {
		char name[HV_NAME_MAX + 1];
		size_t len = strlen(entries[i]->d_name);

		if (len > 4 && len - 4 <= HV_NAME_MAX && strcmp(entries[i]->d_name + len - 4, ".xml") == 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - 4), entries[i]->d_name);
			if (hv_name_is_valid(name) && migrate_one(drv, name) == 0)
				moved++;
		}
		free(entries[i]);
	}
	free(entries);
	return moved;
}
