/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Byte-preserving edits of an XML document (see xml_splice.h).
 *
 * Nothing is kept between calls but the text: every edit scans for the
 * element it needs, then builds a new text from the old one and the
 * replacement.  Documents are at most 1 MiB and an update makes a handful of
 * edits, so rescanning costs little, and a later edit always sees what an
 * earlier one inserted (a <vcpu> goes after a <currentMemory> just added). */
#include "drivers/conf/xml_splice.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

enum token_kind {
	TOKEN_TEXT, /* character data, references included */
	TOKEN_CDATA,
	TOKEN_COMMENT,
	TOKEN_PI, /* the XML declaration too */
	TOKEN_START,
	TOKEN_EMPTY, /* <x/> */
	TOKEN_END,
	TOKEN_EOF,
};

struct token {
	enum token_kind kind;
	size_t start, end; /* the bytes [start, end) */
	size_t name_len;   /* tags: the name is at start + 1, or start + 2 in an end tag */
	size_t attrs_end;  /* start tags: after the last attribute, or after the name */
	char quote;	   /* start tags: the first attribute's quote, 0 without one */
};

struct attr {
	size_t start; /* the whitespace in front of its name */
	size_t name, name_len;
	size_t value, value_len; /* between the quotes */
	char quote;
};

struct element {
	struct token open;
	size_t content; /* after the start tag */
	size_t close;	/* at the end tag's '<'; = content for <x/> */
	size_t end;	/* after the end tag */
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Enough to find where a name ends; the parser has judged the names.  The
 * text's terminating NUL ends every scan (splice_open refuses inner NULs). */
static bool ends_name(char c)
{
	return is_space(c) || c == '/' || c == '>' || c == '=' || c == '<' || c == '\0';
}

static unsigned line_of(const struct splice_doc *doc, size_t pos)
{
	unsigned line = 1;

	for (size_t i = 0; i < pos && i < doc->len; i++)
		line += doc->text[i] == '\n';
	return line;
}

static int malformed(const struct splice_doc *doc, size_t pos, const char *what, struct hv_error *err)
{
	return hv_error_set(err, EINVAL, "cannot edit the XML in place: %s at line %u", what,
			    line_of(doc, pos));
}

/* --- scanning ------------------------------------------------------------- */

/* Reads the attribute after pos in a start tag: 1 with *attr, 0 where the
 * tag ends instead, -EINVAL. */
static int next_attr(const char *t, size_t pos, struct attr *attr)
{
	size_t p = pos;
	const char *close;

	while (is_space(t[p]))
		p++;
	if (t[p] == '>' || (t[p] == '/' && t[p + 1] == '>'))
		return 0;
	if (p == pos || ends_name(t[p]))
		return -EINVAL;
	attr->start = pos;
	attr->name = p;
	while (!ends_name(t[p]))
		p++;
	attr->name_len = p - attr->name;
	while (is_space(t[p]))
		p++;
	if (t[p] != '=')
		return -EINVAL;
	p++;
	while (is_space(t[p]))
		p++;
	if (t[p] != '\'' && t[p] != '"')
		return -EINVAL;
	attr->quote = t[p++];
	close = strchr(t + p, attr->quote);
	if (!close)
		return -EINVAL;
	attr->value = p;
	attr->value_len = (size_t)(close - (t + p));
	return 1;
}

static size_t attr_end(const struct attr *attr)
{
	return attr->value + attr->value_len + 1;
}

/* A token that runs from its opener to the first closer after it. */
static int delimited(const struct splice_doc *doc, struct token *tok, enum token_kind kind, size_t opener,
		     const char *closer, const char *what, struct hv_error *err)
{
	const char *end = strstr(doc->text + tok->start + opener, closer);

	if (!end)
		return malformed(doc, tok->start, what, err);
	tok->kind = kind;
	tok->end = (size_t)(end - doc->text) + strlen(closer);
	return 0;
}

static int start_tag(const struct splice_doc *doc, struct token *tok, struct hv_error *err)
{
	const char *t = doc->text;
	size_t p = tok->start + 1;
	struct attr attr;
	int ret;

	while (!ends_name(t[p]))
		p++;
	tok->name_len = p - tok->start - 1;
	if (tok->name_len == 0)
		return malformed(doc, tok->start, "a '<' that starts no tag", err);
	tok->quote = 0;
	while ((ret = next_attr(t, p, &attr)) == 1) {
		if (!tok->quote)
			tok->quote = attr.quote;
		p = attr_end(&attr);
	}
	if (ret < 0)
		return malformed(doc, tok->start, "a start tag it cannot read", err);
	tok->attrs_end = p;
	while (is_space(t[p]))
		p++;
	tok->kind = t[p] == '/' ? TOKEN_EMPTY : TOKEN_START;
	tok->end = p + (t[p] == '/' ? 2 : 1);
	return 0;
}

static int next_token(const struct splice_doc *doc, size_t pos, struct token *tok, struct hv_error *err)
{
	const char *t = doc->text, *p = t + pos, *lt;
	size_t q;

	tok->start = pos;
	if (pos >= doc->len) {
		tok->kind = TOKEN_EOF;
		tok->end = pos;
		return 0;
	}
	if (*p != '<') {
		lt = strchr(p, '<');
		tok->kind = TOKEN_TEXT;
		tok->end = lt ? (size_t)(lt - t) : doc->len;
		return 0;
	}
	if (strncmp(p, "<!--", 4) == 0)
		return delimited(doc, tok, TOKEN_COMMENT, 4, "-->", "an unterminated comment", err);
	if (strncmp(p, "<![CDATA[", 9) == 0)
		return delimited(doc, tok, TOKEN_CDATA, 9, "]]>", "an unterminated CDATA section", err);
	if (p[1] == '?')
		return delimited(doc, tok, TOKEN_PI, 2, "?>", "an unterminated processing instruction", err);
	if (p[1] == '!')
		return malformed(doc, pos, "a DOCTYPE or declaration", err);
	if (p[1] != '/')
		return start_tag(doc, tok, err);
	for (q = pos + 2; !ends_name(t[q]); q++)
		;
	tok->name_len = q - pos - 2;
	while (is_space(t[q]))
		q++;
	if (tok->name_len == 0 || t[q] != '>')
		return malformed(doc, pos, "an end tag it cannot read", err);
	tok->kind = TOKEN_END;
	tok->end = q + 1;
	return 0;
}

static bool tag_is(const struct splice_doc *doc, const struct token *tok, const char *name, size_t len)
{
	size_t at = tok->start + (tok->kind == TOKEN_END ? 2 : 1);

	return tok->name_len == len && memcmp(doc->text + at, name, len) == 0;
}

/* Finds the end tag of el, whose start tag is el->open. */
static int finish_element(const struct splice_doc *doc, struct element *el, struct hv_error *err)
{
	struct token tok;
	unsigned depth = 0;
	int ret;

	el->content = el->close = el->end = el->open.end;
	if (el->open.kind == TOKEN_EMPTY)
		return 0;
	for (size_t pos = el->content;; pos = tok.end) {
		ret = next_token(doc, pos, &tok, err);
		if (ret < 0)
			return ret;
		if (tok.kind == TOKEN_EOF)
			return malformed(doc, el->open.start, "an element without an end tag", err);
		if (tok.kind == TOKEN_START)
			depth++;
		if (tok.kind != TOKEN_END)
			continue;
		if (depth > 0) {
			depth--;
			continue;
		}
		if (!tag_is(doc, &tok, doc->text + el->open.start + 1, el->open.name_len))
			return malformed(doc, tok.start, "an end tag that does not match its start tag", err);
		el->close = tok.start;
		el->end = tok.end;
		return 0;
	}
}

/* The index-th (from 1) child element of parent (of the document when NULL)
 * called name, or any name when name is NULL: 0, -ENOENT, -EINVAL. */
static int find_child(const struct splice_doc *doc, const struct element *parent, const char *name,
		      size_t name_len, unsigned long index, struct element *out, struct hv_error *err)
{
	size_t pos = parent ? parent->content : 0, limit = parent ? parent->close : doc->len;
	unsigned depth = 0;
	struct token tok;
	int ret;

	for (; pos < limit; pos = tok.end) {
		ret = next_token(doc, pos, &tok, err);
		if (ret < 0)
			return ret;
		if (tok.kind == TOKEN_END && depth == 0)
			return malformed(doc, tok.start, "an end tag without a start tag", err);
		if (tok.kind == TOKEN_END)
			depth--;
		if (tok.kind != TOKEN_START && tok.kind != TOKEN_EMPTY)
			continue;
		if (depth == 0 && (!name || tag_is(doc, &tok, name, name_len)) && --index == 0) {
			out->open = tok;
			return finish_element(doc, out, err);
		}
		depth += tok.kind == TOKEN_START;
	}
	return -ENOENT;
}

/* Walks a path "a/b[2]/c" from the root. */
static int resolve(const struct splice_doc *doc, const char *path, struct element *el, struct hv_error *err)
{
	struct element parent, child;
	const char *p = path, *next;
	bool top = true;
	int ret;

	for (;;) {
		size_t len = strcspn(p, "/[");
		unsigned long index = 1;
		char *close;

		next = p + len;
		if (*next == '[') {
			index = strtoul(next + 1, &close, 10);
			next = *close == ']' ? close + 1 : next;
		}
		if (len == 0 || index == 0 || (*next && *next != '/'))
			return hv_error_set(err, EINVAL, "'%s' is not an element path", path);
		ret = find_child(doc, top ? NULL : &parent, p, len, index, &child, err);
		if (ret == -ENOENT)
			return hv_error_set(err, ENOENT, "the XML has no element %.*s", (int)(next - path),
					    path);
		if (ret < 0)
			return ret;
		if (!*next) {
			*el = child;
			return 0;
		}
		parent = child;
		top = false;
		p = next + 1;
	}
}

/* --- building replacements ------------------------------------------------ */

static int out_of_memory(struct hv_error *err)
{
	return hv_error_set(err, ENOMEM, "out of memory while editing XML");
}

/* Appends value as character data (quote 0) or inside quote: &, <, > and
 * the quote become references, and so do tabs and line breaks in an
 * attribute, which the parser would otherwise turn into spaces. */
static int add_escaped(struct strbuf *sb, const char *value, char quote, struct hv_error *err)
{
	int ret = 0;

	for (const char *p = value; *p && ret == 0; p++) {
		unsigned char c = (unsigned char)*p;
		const char *ref = NULL;

		if (c == '&')
			ref = "&amp;";
		else if (c == '<')
			ref = "&lt;";
		else if (c == '>')
			ref = "&gt;";
		else if (quote && c == (unsigned char)quote)
			ref = quote == '"' ? "&quot;" : "&apos;";
		else if (c == '\r')
			ref = "&#13;";
		else if (quote && (c == '\n' || c == '\t'))
			ref = c == '\n' ? "&#10;" : "&#9;";
		else if (c < 0x20 && c != '\n' && c != '\t')
			return hv_error_set(
			    err, EINVAL, "a value holds the control character 0x%02x, which XML cannot", c);
		ret = ref ? strbuf_puts(sb, ref) : strbuf_append(sb, p, 1);
	}
	return ret;
}

/* Appends <name>value</name>. */
static int add_element(struct strbuf *sb, const char *name, const char *value, struct hv_error *err)
{
	int ret = strbuf_printf(sb, "<%s>", name);

	if (ret == 0)
		ret = add_escaped(sb, value, 0, err);
	if (ret == 0)
		ret = strbuf_printf(sb, "</%s>", name);
	return ret;
}

/* Appends ">" what "</tag>": an empty-element tag <x/> opened up. */
static int add_opened(struct strbuf *sb, const struct splice_doc *doc, const struct token *tag,
		      const char *name, const char *value, struct hv_error *err)
{
	int ret = strbuf_puts(sb, ">");

	if (ret == 0)
		ret = name ? add_element(sb, name, value, err) : add_escaped(sb, value, 0, err);
	if (ret == 0)
		ret = strbuf_printf(sb, "</%.*s>", (int)tag->name_len, doc->text + tag->start + 1);
	return ret;
}

/* The line break and indentation right in front of pos (not before lower):
 * "\n  ", "\r\n\t"; the blanks alone when there is no line break. */
static int add_indent(struct strbuf *sb, const struct splice_doc *doc, size_t lower, size_t pos)
{
	size_t from = pos, p;

	while (from > lower && is_space(doc->text[from - 1]))
		from--;
	for (p = pos; p > from && doc->text[p - 1] != '\n'; p--)
		;
	if (p > from) {
		from = p - 1;
		if (from > lower && doc->text[from - 1] == '\r')
			from--;
	}
	return strbuf_append(sb, doc->text + from, pos - from);
}

static int check_name(const char *name, struct hv_error *err)
{
	if (!name || !*name || name[strcspn(name, " \t\r\n/>=<&'\"[")])
		return hv_error_set(err, EINVAL, "'%s' is not an XML name", name ? name : "");
	return 0;
}

/* Puts sb's text in place of the bytes [from, to) when built is 0, and
 * releases sb either way. */
static int splice(struct splice_doc *doc, size_t from, size_t to, struct strbuf *sb, int built,
		  struct hv_error *err)
{
	size_t len = sb->len, new_len = doc->len - (to - from) + len;
	char *text = NULL;

	if (built == 0 && (len != to - from || memcmp(doc->text + from, strbuf_str(sb), len) != 0)) {
		text = malloc(new_len + 1);
		built = text ? 0 : -ENOMEM;
	}
	if (text) {
		memcpy(text, doc->text, from);
		memcpy(text + from, strbuf_str(sb), len);
		memcpy(text + from + len, doc->text + to, doc->len - to + 1);
		free(doc->text);
		doc->text = text;
		doc->len = new_len;
	}
	strbuf_finish(sb);
	return built == -ENOMEM ? out_of_memory(err) : built;
}

/* --- the document --------------------------------------------------------- */

/* The parser has judged the document already; this makes sure that the
 * spans the edits rely on are sound (every end tag closes its own start tag,
 * one element holds the rest) and picks the document's quote. */
static int check_document(struct splice_doc *doc, struct hv_error *err)
{
	struct token tok, *open = NULL, *grown;
	size_t depth = 0, size = 0;
	unsigned roots = 0;
	bool quoted = false;
	int ret;

	for (size_t pos = 0;; pos = tok.end) {
		ret = next_token(doc, pos, &tok, err);
		if (ret < 0 || tok.kind == TOKEN_EOF)
			break;
		if (tok.kind == TOKEN_END) {
			if (depth == 0 || !tag_is(doc, &tok, doc->text + open[depth - 1].start + 1,
						  open[depth - 1].name_len)) {
				ret = malformed(doc, tok.start, "an end tag that closes no start tag", err);
				break;
			}
			depth--;
		}
		if (tok.kind != TOKEN_START && tok.kind != TOKEN_EMPTY)
			continue;
		if (!quoted && tok.quote) {
			doc->quote = tok.quote;
			quoted = true;
		}
		if (depth == 0 && roots++ > 0) {
			ret = malformed(doc, tok.start, "a second root element", err);
			break;
		}
		if (tok.kind == TOKEN_EMPTY)
			continue;
		if (depth == size) {
			size = size ? 2 * size : 16;
			grown = realloc(open, size * sizeof(*open));
			if (!grown) {
				ret = out_of_memory(err);
				break;
			}
			open = grown;
		}
		open[depth++] = tok;
	}
	if (ret == 0 && roots == 0)
		ret = malformed(doc, doc->len, "no element", err);
	else if (ret == 0 && depth > 0)
		ret = malformed(doc, open[depth - 1].start, "a start tag without an end tag", err);
	free(open);
	return ret;
}

int splice_open(struct splice_doc *doc, const char *xml, size_t len, struct hv_error *err)
{
	int ret;

	*doc = (struct splice_doc){.quote = '\''};
	if (memchr(xml, '\0', len))
		return hv_error_set(err, EINVAL, "cannot edit the XML in place: it holds a NUL byte");
	doc->text = malloc(len + 1);
	if (!doc->text)
		return out_of_memory(err);
	memcpy(doc->text, xml, len);
	doc->text[len] = '\0';
	doc->len = len;
	ret = check_document(doc, err);
	if (ret < 0)
		splice_close(doc);
	return ret;
}

char *splice_take(struct splice_doc *doc)
{
	char *text = doc->text;

	*doc = (struct splice_doc){.quote = '\''};
	return text;
}

void splice_close(struct splice_doc *doc)
{
	free(splice_take(doc));
}

bool splice_exists(const struct splice_doc *doc, const char *path)
{
	struct element el;

	return resolve(doc, path, &el, NULL) == 0;
}

/* --- edits ---------------------------------------------------------------- */

/* Where the element's value lies: from its first to its last non-blank
 * character data; both el->close when it has none. */
static int value_span(const struct splice_doc *doc, const struct element *el, size_t *first, size_t *last,
		      struct hv_error *err)
{
	struct token tok;
	int ret;

	*first = *last = el->close;
	for (size_t pos = el->content; pos < el->close; pos = tok.end) {
		size_t from, to;

		ret = next_token(doc, pos, &tok, err);
		if (ret < 0)
			return ret;
		if (tok.kind == TOKEN_START || tok.kind == TOKEN_EMPTY)
			return hv_error_set(err, EINVAL, "<%.*s> holds elements, not a value",
					    (int)el->open.name_len, doc->text + el->open.start + 1);
		if (tok.kind != TOKEN_TEXT && tok.kind != TOKEN_CDATA)
			continue;
		from = tok.start;
		to = tok.end;
		if (tok.kind == TOKEN_TEXT) {
			while (from < to && is_space(doc->text[from]))
				from++;
			while (to > from && is_space(doc->text[to - 1]))
				to--;
		}
		if (from == to)
			continue;
		if (*first == el->close)
			*first = from;
		*last = to;
	}
	return 0;
}

int splice_set_text(struct splice_doc *doc, const char *path, const char *value, struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el;
	struct token tok;
	size_t first, last;
	int ret = resolve(doc, path, &el, err);

	if (ret < 0)
		return ret;
	if (el.open.kind == TOKEN_EMPTY)
		return splice(doc, el.open.attrs_end, el.open.end, &sb,
			      add_opened(&sb, doc, &el.open, NULL, value, err), err);
	ret = value_span(doc, &el, &first, &last, err);
	if (ret == 0)
		ret = add_escaped(&sb, value, 0, err);
	/* What the user wrote between pieces of the value stays, behind it. */
	for (size_t pos = first; ret == 0 && pos < last; pos = tok.end) {
		next_token(doc, pos, &tok, NULL); /* value_span read these already */
		if (tok.kind == TOKEN_COMMENT || tok.kind == TOKEN_PI)
			ret = strbuf_append(&sb, doc->text + tok.start, tok.end - tok.start);
	}
	return splice(doc, first, last, &sb, ret, err);
}

/* The element at path and its attribute name: 1 with *attr, 0 when it has
 * no such attribute, or a negative errno. */
static int find_attr(const struct splice_doc *doc, const char *path, const char *name, struct element *el,
		     struct attr *attr, struct hv_error *err)
{
	int ret = check_name(name, err);

	if (ret == 0)
		ret = resolve(doc, path, el, err);
	if (ret < 0)
		return ret;
	for (size_t p = el->open.start + 1 + el->open.name_len; next_attr(doc->text, p, attr) == 1;
	     p = attr_end(attr)) {
		if (attr->name_len == strlen(name) &&
		    memcmp(doc->text + attr->name, name, attr->name_len) == 0)
			return 1;
	}
	return 0;
}

int splice_set_attr(struct splice_doc *doc, const char *path, const char *name, const char *value,
		    struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el;
	struct attr attr;
	char quote;
	int ret = find_attr(doc, path, name, &el, &attr, err);

	if (ret < 0)
		return ret;
	if (ret == 1)
		return splice(doc, attr.value, attr.value + attr.value_len, &sb,
			      add_escaped(&sb, value, attr.quote, err), err);
	quote = el.open.quote ? el.open.quote : doc->quote;
	ret = strbuf_printf(&sb, " %s=%c", name, quote);
	if (ret == 0)
		ret = add_escaped(&sb, value, quote, err);
	if (ret == 0)
		ret = strbuf_append(&sb, &quote, 1);
	return splice(doc, el.open.attrs_end, el.open.attrs_end, &sb, ret, err);
}

int splice_remove_attr(struct splice_doc *doc, const char *path, const char *name, struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el;
	struct attr attr;
	int ret = find_attr(doc, path, name, &el, &attr, err);

	return ret == 1 ? splice(doc, attr.start, attr_end(&attr), &sb, 0, err) : ret;
}

int splice_insert(struct splice_doc *doc, const char *parent, const char *const *after, const char *name,
		  const char *value, struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el, sibling;
	int ret = check_name(name, err);

	if (ret == 0)
		ret = resolve(doc, parent, &el, err);
	if (ret < 0)
		return ret;
	for (; after && *after; after++) {
		ret = find_child(doc, &el, *after, strlen(*after), 1, &sibling, err);
		if (ret == -ENOENT)
			continue;
		if (ret == 0)
			ret = add_indent(&sb, doc, el.content, sibling.open.start);
		if (ret == 0)
			ret = add_element(&sb, name, value, err);
		return splice(doc, sibling.end, sibling.end, &sb, ret, err);
	}
	ret = find_child(doc, &el, NULL, 0, 1, &sibling, err);
	if (ret == 0) {
		ret = add_element(&sb, name, value, err);
		if (ret == 0)
			ret = add_indent(&sb, doc, el.content, sibling.open.start);
		return splice(doc, sibling.open.start, sibling.open.start, &sb, ret, err);
	}
	if (ret != -ENOENT)
		return ret;
	if (el.open.kind == TOKEN_START)
		return splice(doc, el.close, el.close, &sb, add_element(&sb, name, value, err), err);
	return splice(doc, el.open.attrs_end, el.open.end, &sb,
		      add_opened(&sb, doc, &el.open, name, value, err), err);
}

int splice_append_raw(struct splice_doc *doc, const char *parent, const char *fragment, struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el, child, last;
	unsigned long count = 0;
	size_t line, indent;
	int ret = resolve(doc, parent, &el, err);

	if (ret < 0)
		return ret;
	while ((ret = find_child(doc, &el, NULL, 0, count + 1, &child, err)) == 0) {
		last = child;
		count++;
	}
	if (ret != -ENOENT)
		return ret;
	if (count > 0) {
		ret = add_indent(&sb, doc, el.content, last.open.start);
		if (ret == 0)
			ret = strbuf_puts(&sb, fragment);
		return splice(doc, last.end, last.end, &sb, ret, err);
	}
	/* The parent's own indentation: the blanks that begin its line (not
	 * what precedes it there, <domain><devices> on one line). */
	for (line = el.open.start; line > 0 && doc->text[line - 1] != '\n'; line--)
		;
	for (indent = 0; line + indent < el.open.start && is_space(doc->text[line + indent]); indent++)
		;
	ret = strbuf_puts(&sb, el.open.kind == TOKEN_START ? "" : ">");
	if (ret == 0)
		ret = strbuf_printf(&sb, "\n%.*s  %s\n%.*s", (int)indent, doc->text + line, fragment,
				    (int)indent, doc->text + line);
	if (ret == 0 && el.open.kind != TOKEN_START)
		ret = strbuf_printf(&sb, "</%.*s>", (int)el.open.name_len, doc->text + el.open.start + 1);
	if (el.open.kind == TOKEN_START) {
		/* Blanks already in front of the end tag are replaced by ours. */
		size_t from = el.close;
		while (from > el.content && is_space(doc->text[from - 1]))
			from--;
		return splice(doc, from, el.close, &sb, ret, err);
	}
	return splice(doc, el.open.attrs_end, el.open.end, &sb, ret, err);
}

int splice_remove(struct splice_doc *doc, const char *path, struct hv_error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct element el;
	size_t from, to;
	int ret = resolve(doc, path, &el, err);

	if (ret < 0)
		return ret;
	if (!strchr(path, '/'))
		return hv_error_set(err, EINVAL, "the root element cannot be removed");
	from = el.open.start;
	to = el.end;
	while (from > 0 && (doc->text[from - 1] == ' ' || doc->text[from - 1] == '\t'))
		from--;
	/* Alone on its line: the line goes, break and all. */
	if (from > 0 && doc->text[from - 1] == '\n') {
		size_t after = to;
		while (doc->text[after] == ' ' || doc->text[after] == '\t')
			after++;
		if (doc->text[after] == '\r' || doc->text[after] == '\n' || doc->text[after] == '<') {
			from--;
			if (from > 0 && doc->text[from - 1] == '\r')
				from--;
		} else {
			from = el.open.start;
		}
	} else {
		from = el.open.start;
	}
	return splice(doc, from, to, &sb, 0, err);
}
