/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Persistent definitions of the Xen driver: one libvirt domain XML per
 * domain, STATE_DIR/NAME.xml, written atomically.  A domain with a
 * definition is "persistent" and can be started; one made behind hvfs's back
 * (xl create) has none and shows a definition synthesised from its state. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/xen/xen_private.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"
#include "util/names.h"

/* state_dir is short enough (checked at open) and name a valid object name:
 * the path always fits; the check keeps it so if that ever changes. */
static void def_path(struct xen_driver *drv, const char *name, char path[PATH_MAX])
{
	if (snprintf(path, PATH_MAX, "%s/%s.xml", drv->state_dir, name) >= PATH_MAX)
		path[0] = '\0';
}

int xen_def_read(struct xen_driver *drv, const char *name, char **xml, size_t *len, struct hv_error *err)
{
	char path[PATH_MAX];
	int ret;

	def_path(drv, name, path);
	ret = file_read_all(path, HV_XML_MAX, xml, len);
	if (ret == -ENOENT)
		return ret;
	if (ret < 0)
		return hv_error_set(err, EIO, "cannot read the definition %s: %s", path, strerror(-ret));
	return 0;
}

bool xen_def_exists(struct xen_driver *drv, const char *name)
{
	char path[PATH_MAX];

	def_path(drv, name, path);
	return path[0] && access(path, F_OK) == 0;
}

int xen_def_write(struct xen_driver *drv, const char *name, const char *xml, size_t len, struct hv_error *err)
{
	char path[PATH_MAX];
	int ret = mkdir_parents(drv->state_dir);

	if (ret < 0)
		return hv_error_set(err, EIO, "cannot create the state directory %s: %s", drv->state_dir,
				    strerror(-ret));
	def_path(drv, name, path);
	ret = atomic_file_write(path, xml, len, 0600);
	if (ret < 0)
		return hv_error_set(err, EIO, "cannot write the definition %s: %s", path, strerror(-ret));
	return 0;
}

int xen_def_remove(struct xen_driver *drv, const char *name, struct hv_error *err)
{
	char path[PATH_MAX];
	int ret;

	def_path(drv, name, path);
	ret = atomic_file_remove(path);
	if (ret < 0 && ret != -ENOENT)
		return hv_error_set(err, EIO, "cannot remove the definition %s: %s", path, strerror(-ret));
	return ret;
}

int xen_def_list(struct xen_driver *drv, struct hv_name_list *out, struct hv_error *err)
{
	DIR *dir = opendir(drv->state_dir);
	struct dirent *entry;
	size_t capacity = 0;

	out->names = NULL;
	out->count = 0;
	if (!dir)
		return errno == ENOENT ? 0
				       : hv_error_set(err, EIO, "cannot list the state directory %s: %s",
						      drv->state_dir, strerror(errno));
	while ((entry = readdir(dir))) {
		size_t len = strlen(entry->d_name);
		char name[HV_NAME_MAX + 1];

		/* NAME.xml only: atomic_file's temporaries and strays are not definitions. */
		if (len <= 4 || len - 4 > HV_NAME_MAX || strcmp(entry->d_name + len - 4, ".xml") != 0)
			continue;
		memcpy(name, entry->d_name, len - 4);
		name[len - 4] = '\0';
		if (!hv_name_is_valid(name))
			continue;
		if (out->count == capacity) {
			size_t grown = capacity ? capacity * 2 : 16;
			char **names = realloc(out->names, grown * sizeof(*names));
			if (!names)
				goto nomem;
			out->names = names;
			capacity = grown;
		}
		if (!(out->names[out->count] = strdup(name)))
			goto nomem;
		out->count++;
	}
	closedir(dir);
	return 0;
nomem:
	closedir(dir);
	hv_name_list_finish(out);
	return hv_error_set(err, ENOMEM, "out of memory");
}
