/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/names.h"

#include <string.h>

bool hv_name_is_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len > HV_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	/* The character set excludes '/' and NUL, and the first-character rule
	 * excludes "." and "..": no valid name can leave its directory. */
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-") == len;
}
