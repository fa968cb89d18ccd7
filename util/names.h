/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Object names (docs/paths.md, conventions): 1-64 characters of [A-Za-z0-9_.+-], not starting
 * with '.' or '-'.  Such a name can never escape its directory. */
#ifndef HVFS_UTIL_NAMES_H
#define HVFS_UTIL_NAMES_H

#include <stdbool.h>

#define HV_NAME_MAX 64

bool hv_name_is_valid(const char *name);

#endif
