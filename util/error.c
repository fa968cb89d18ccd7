/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int hv_error_set(struct hv_error *err, int code, const char *format, ...)
{
	va_list ap;

	if (!err)
		return -code;
	if (err->code == 0 || err->message[0] == '\0') {
		va_start(ap, format);
		vsnprintf(err->message, sizeof(err->message), format, ap);
		va_end(ap);
	}
	err->code = code;
	return -code;
}

void hv_error_clear(struct hv_error *err)
{
	err->code = 0;
	err->message[0] = '\0';
}
