/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the records of host devices (see nodedev.h). */
#include "drivers/nodedev/nodedev.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hv_nodedev_set_attr(struct hv_nodedev_info *info, const char *key, const char *value)
{
	unsigned i;

	for (i = 0; i < info->attr_count; i++)
		if (strcmp(info->attrs[i].key, key) == 0)
			break;
	if (i == HV_NODEDEV_ATTRS_MAX)
		return -ENOSPC;
	if (i == info->attr_count)
		info->attr_count++;
	snprintf(info->attrs[i].key, sizeof(info->attrs[i].key), "%s", key);
	/* Attribute files hold one line: a multi-line sysfs value would make
	 * two values of one. */
	size_t len = strcspn(value, "\n");
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	if (len >= sizeof(info->attrs[i].value))
		len = sizeof(info->attrs[i].value) - 1;
	memcpy(info->attrs[i].value, value, len);
	info->attrs[i].value[len] = '\0';
	return 0;
}

const char *hv_nodedev_get_attr(const struct hv_nodedev_info *info, const char *key)
{
	for (unsigned i = 0; i < info->attr_count; i++)
		if (strcmp(info->attrs[i].key, key) == 0)
			return info->attrs[i].value;
	return NULL;
}

void hv_nodedev_sanitize_name(char *name)
{
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80)
			*p = '_';
}

int hv_nodedev_list_add(struct hv_name_list *list, const char *name)
{
	char **more = realloc(list->names, (list->count + 1) * sizeof(*more));
	if (!more)
		return -ENOMEM;
	list->names = more;
	if (!(list->names[list->count] = strdup(name)))
		return -ENOMEM;
	list->count++;
	return 0;
}
