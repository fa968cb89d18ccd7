/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Parsers for values written to attribute files.  Each accepts one optional
 * trailing newline and nothing else around the value. */
#ifndef HVFS_UTIL_PARSE_H
#define HVFS_UTIL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decimal unsigned integer; -EINVAL if malformed, -ERANGE if above max. */
int parse_u64(const char *text, size_t len, uint64_t max, uint64_t *out);
/* "0" or "1" (also "yes"/"no", "true"/"false", "on"/"off"). */
int parse_bool(const char *text, size_t len, bool *out);
/* Copies the value without its trailing newline into out (size outsz);
 * -EINVAL if it contains another newline or a NUL, -EFBIG if too long. */
int parse_word(const char *text, size_t len, char *out, size_t outsz);
/* A byte count with an optional K/M/G/T suffix (binary, 1024-based, also
 * KiB/MiB/...), e.g. "10G". */
int parse_size(const char *text, size_t len, uint64_t *bytes);

#endif
