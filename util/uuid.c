/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

static void uuid_format(const unsigned char bytes[16], char out[HV_UUID_STRLEN + 1])
{
	snprintf(out, HV_UUID_STRLEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0], bytes[1],
		 bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
		 bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
}

int hv_uuid_generate(char out[HV_UUID_STRLEN + 1])
{
	unsigned char bytes[16];

	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		return -errno;
	bytes[6] = (bytes[6] & 0x0f) | 0x40; /* version 4 */
	bytes[8] = (bytes[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	uuid_format(bytes, out);
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int hv_uuid_normalize(const char *in, char out[HV_UUID_STRLEN + 1])
{
	unsigned char bytes[16];
	size_t len = strlen(in);
	bool dashed;
	size_t pos = 0;

	if (len == HV_UUID_STRLEN)
		dashed = true;
	else if (len == 32)
		dashed = false;
	else
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		if (dashed && (pos == 8 || pos == 13 || pos == 18 || pos == 23)) {
			if (in[pos] != '-')
				return -EINVAL;
			pos++;
		}
		int hi = hex_value(in[pos]), lo = hex_value(in[pos + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		bytes[i] = (unsigned char)(hi << 4 | lo);
		pos += 2;
	}
	uuid_format(bytes, out);
	return 0;
}
