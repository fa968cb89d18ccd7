/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both address test programs need: a tuple from a literal, a tuple as
 * its space writes it, and "does the message say this". */
#ifndef HVFS_TESTS_UNIT_ADDR_HELPERS_H
#define HVFS_TESTS_UNIT_ADDR_HELPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/addr_alloc.h"

static inline struct addr_tuple tuple4(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return (struct addr_tuple){{a, b, c, d}};
}

/* Four rotating buffers: a CHECK message may show a few at once. */
static inline const char *fmt(const struct addr_space *s, struct addr_tuple t)
{
	static char bufs[4][ADDR_TEXT_MAX];
	static unsigned next;
	char *buf = bufs[next++ % 4];

	addr_space_format(s, &t, buf, ADDR_TEXT_MAX);
	return buf;
}

static inline bool contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

#endif
