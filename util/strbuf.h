/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A growable, always NUL-terminated byte buffer. */
#ifndef HVFS_UTIL_STRBUF_H
#define HVFS_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data; /* NULL until the first append; strbuf_str() never returns NULL */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT                                                                                          \
	{                                                                                                    \
		NULL, 0, 0                                                                                   \
	}

/* All appenders return 0 or -ENOMEM (the buffer is left as it was). */
int strbuf_append(struct strbuf *sb, const char *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_printf(struct strbuf *sb, const char *format, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *format, va_list ap);
/* Grows or shrinks to len bytes; new bytes are zero. */
int strbuf_resize(struct strbuf *sb, size_t len);
const char *strbuf_str(const struct strbuf *sb);
/* Hands the buffer to the caller (never NULL on success) and resets sb. */
char *strbuf_steal(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_finish(struct strbuf *sb);

#endif
