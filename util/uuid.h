/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef HVFS_UTIL_UUID_H
#define HVFS_UTIL_UUID_H

#include <stdbool.h>

#define HV_UUID_STRLEN 36 /* without the NUL */

/* Random (version 4) UUID in canonical lower-case form. Returns 0 or -errno. */
int hv_uuid_generate(char out[HV_UUID_STRLEN + 1]);
/* Accepts the canonical form, either case, or 32 hex digits without dashes,
 * and writes the canonical lower-case form.  Returns 0 or -EINVAL. */
int hv_uuid_normalize(const char *in, char out[HV_UUID_STRLEN + 1]);

#endif
