/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t cap;
	char *data;

	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	data = realloc(sb->data, cap);
	if (!data)
		return -ENOMEM;
	sb->data = data;
	sb->cap = cap;
	return 0;
}

int strbuf_append(struct strbuf *sb, const char *data, size_t len)
{
	if (strbuf_reserve(sb, len) < 0)
		return -ENOMEM;
	memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_vprintf(struct strbuf *sb, const char *format, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, format, copy);
	va_end(copy);
	if (n < 0)
		return -EINVAL;
	if (strbuf_reserve(sb, (size_t)n) < 0)
		return -ENOMEM;
	vsnprintf(sb->data + sb->len, (size_t)n + 1, format, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *sb, const char *format, ...)
{
	va_list ap;
	int ret;

	va_start(ap, format);
	ret = strbuf_vprintf(sb, format, ap);
	va_end(ap);
	return ret;
}

int strbuf_resize(struct strbuf *sb, size_t len)
{
	if (len > sb->len) {
		if (strbuf_reserve(sb, len - sb->len) < 0)
			return -ENOMEM;
		memset(sb->data + sb->len, 0, len - sb->len);
	}
	if (!sb->data)
		return 0;
	sb->len = len;
	sb->data[len] = '\0';
	return 0;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->data ? sb->data : "";
}

char *strbuf_steal(struct strbuf *sb)
{
	char *data = sb->data;

	if (!data)
		data = strdup("");
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return data;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void strbuf_finish(struct strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}
