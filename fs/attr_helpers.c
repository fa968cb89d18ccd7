/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small show/store helpers shared by the attribute tables, so that every
 * file formats and parses values the same way and every bad value gets a
 * sentence that says what was expected. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fs/fs.h"
#include "util/parse.h"

int fs_show_u64(struct strbuf *out, uint64_t value)
{
	return strbuf_printf(out, "%" PRIu64 "\n", value);
}

int fs_show_str(struct strbuf *out, const char *value)
{
	return strbuf_printf(out, "%s\n", value);
}

int fs_show_last_error(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out,
		       struct hv_error *err)
{
	return last_errors_get(ctx->last_errors, obj, out);
}

/* Quotes at most the first line of what the user wrote, for messages. */
static int quoted_length(const char *value, size_t len)
{
	size_t n = 0;

	while (n < len && n < 40 && value[n] != '\n' && value[n] != '\0')
		n++;
	return (int)n;
}

int fs_parse_u64(const char *value, size_t len, uint64_t max, uint64_t *out, const char *what,
		 struct hv_error *err)
{
	int ret = parse_u64(value, len, max, out);

	if (ret == -ERANGE)
		return hv_error_set(err, EINVAL, "%s '%.*s' is out of range (at most %" PRIu64 ")", what,
				    quoted_length(value, len), value, max);
	if (ret < 0)
		return hv_error_set(err, EINVAL, "%s must be a decimal number, not '%.*s'", what,
				    quoted_length(value, len), value);
	return 0;
}

int fs_parse_bool(const char *value, size_t len, bool *out, struct hv_error *err)
{
	if (parse_bool(value, len, out) < 0)
		return hv_error_set(err, EINVAL, "expected 0 or 1, not '%.*s'", quoted_length(value, len),
				    value);
	return 0;
}

int fs_parse_word(const char *value, size_t len, char *out, size_t size, struct hv_error *err)
{
	if (parse_word(value, len, out, size) < 0)
		return hv_error_set(err, EINVAL, "expected one word, not '%.*s'", quoted_length(value, len),
				    value);
	return 0;
}

int fs_show_config(struct fs_ctx *ctx, const struct fs_object *obj, struct strbuf *out, struct hv_error *err)
{
	char *xml = NULL;
	int ret = hv_object_get_xml(ctx->conn, obj->kind, obj->name, &xml, err);

	if (ret == 0)
		ret = strbuf_puts(out, xml);
	free(xml);
	return ret;
}

int fs_store_config(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		    struct hv_error *err)
{
	return hv_object_define(ctx->conn, obj->kind, obj->name, value, len, err);
}

int fs_store_autostart(struct fs_ctx *ctx, const struct fs_object *obj, const char *value, size_t len,
		       struct hv_error *err)
{
	bool on;
	int ret = fs_parse_bool(value, len, &on, err);

	return ret < 0 ? ret : hv_object_set_autostart(ctx->conn, obj->kind, obj->name, on, err);
}
