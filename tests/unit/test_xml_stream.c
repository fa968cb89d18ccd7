/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drivers/conf/xml_stream: a document is complete exactly at the byte that
 * closes its root element, however it is split into writes and whatever
 * its text holds that looks like a closing tag; what follows may only be
 * whitespace, comments and processing instructions. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "drivers/conf/xml_stream.h"
#include "tests/unit/unit.h"

struct stream_case {
	const char *label;
	const char *xml;
	/* The bytes up to and including the root's closing '>' (the prefix
	 * that completes the document); 0 when it never completes. */
	size_t complete_at;
	int error;	    /* -EINVAL when the whole text fails, else 0 */
	const char *reason; /* part of the error message */
};

#define DOMAIN "<domain type='test'><name>a</name></domain>"

static const struct stream_case cases[] = {
    {"an empty root element", "<a/>", 4, 0, NULL},
    {"a declaration, a root, a newline", "<?xml version='1.0' encoding='UTF-8'?>\n" DOMAIN "\n",
     39 + sizeof(DOMAIN) - 1, 0, NULL},
    {"leading blanks and a comment before the root", "\n  <!-- <x/> -->\n<b></b>", 24, 0, NULL},
    {"a processing instruction before the root holding a tag", "<?pi <x/> ?><b/>", 16, 0, NULL},
    {"the root's end tag inside CDATA", "<domain><![CDATA[</domain>]]></domain>", 38, 0, NULL},
    {"the root's end tag inside a comment", "<domain><!-- </domain> --></domain>", 35, 0, NULL},
    {"'>' in attribute values", "<d a='x>y' b=\"&lt;/d>\"><e c='>'/></d>", 37, 0, NULL},
    {"a nested element of the root's name", "<a><a></a><a/></a>", 18, 0, NULL},
    {"multi-byte UTF-8 split anywhere", "<a>\xc3\xa9\xe2\x82\xac</a>", 12, 0, NULL},
    {"a byte-order mark", "\xef\xbb\xbf<a/>", 7, 0, NULL},
    {"namespaces", "<x:a xmlns:x='urn:x'><x:b/></x:a>", 33, 0, NULL},
    {"predefined and character references", "<a>&lt;&amp;&#65;&#x42;</a>", 27, 0, NULL},
    {"CRLF line ends", "<a>\r\n<b/>\r\n</a>\r\n", 15, 0, NULL},
    {"ISO-8859-1 declared", "<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe9</a>", 51, 0, NULL},
    {"whitespace, a comment and a PI after the root", "<a/>\n<!-- done -->\n<?pi x?>\n  ", 4, 0, NULL},
    {"an unterminated comment after the root", "<a/>\n<!-- still", 4, 0, NULL},
    {"incomplete: an open root", "<domain><name>a</name>", 0, 0, NULL},
    {"incomplete: an unfinished end tag", "<domain></domain", 0, 0, NULL},
    {"incomplete: nothing but blanks", "  \n", 0, 0, NULL},
    {"text after the root", "<a/>garbage\n", 4, -EINVAL, "Extra content"},
    {"one stray byte after the root", "<a/>x", 4, -EINVAL, "Extra content"},
    {"a second root element", "<a/>\n<b/>", 4, -EINVAL, "Extra content"},
    {"mismatched tags", "<a><b></a>", 0, -EINVAL, "line 1"},
    {"an undefined entity", "<a>&x;</a>", 0, -EINVAL, "x"},
    {"an undeclared namespace prefix", "<x:a/>", 0, -EINVAL, "line 1"},
    {"a DOCTYPE", "<?xml version='1.0'?>\n<!DOCTYPE a [<!ENTITY x 'y'>]>\n<a>&x;</a>", 0, -EINVAL,
     "line 2: DOCTYPE is not allowed"},
    {"a NUL byte", "<a>\0</a>", 0, -EINVAL, "line 1"},
};

/* Whether xml[from, to) is whitespace, comments and PIs, each ended: the
 * test's own reading of what may follow a root element. */
static bool misc_only(const char *xml, size_t from, size_t to)
{
	size_t at = from;

	while (at < to) {
		const char *end;
		if (xml[at] && strchr(" \t\r\n", xml[at])) {
			at++;
			continue;
		}
		if (to - at >= 4 && memcmp(xml + at, "<!--", 4) == 0)
			end = memmem(xml + at + 4, to - at - 4, "-->", 3);
		else if (to - at >= 2 && memcmp(xml + at, "<?", 2) == 0)
			end = memmem(xml + at + 2, to - at - 2, "?>", 2);
		else
			return false;
		if (!end)
			return false;
		at = (size_t)(strchr(end, '>') - xml) + 1;
	}
	return true;
}

/* Feeds c->xml in chunks of size chunk; every answer must be the expected
 * one: 0 before the root closes, then 1 exactly when what follows it is
 * ended; or the failure, at the latest at the end. */
static void run_case(const struct stream_case *c, size_t len, size_t chunk)
{
	struct hv_xml_stream *stream = hv_xml_stream_new();
	struct hv_error err = {0};
	size_t at, wrong = 0;
	int ret = 0;

	for (at = 0; at < len && ret >= 0; at += chunk) {
		size_t n = len - at < chunk ? len - at : chunk;
		ret = hv_xml_stream_feed(stream, c->xml + at, n, &err);
		int want =
		    c->complete_at && at + n >= c->complete_at && misc_only(c->xml, c->complete_at, at + n);
		if (!c->error && ret != want && !wrong) {
			wrong = at + n;
			printf("#   after %zu bytes: got %d, want %d (%s)\n", wrong, ret, want, err.message);
		}
	}
	if (c->error) {
		CHECK_INT(ret, c->error, "%s (chunks of %zu): fails", c->label, chunk);
		CHECK(strstr(err.message, c->reason) != NULL, "%s (chunks of %zu): says '%s' ('%s')",
		      c->label, chunk, c->reason, err.message);
		/* The failure sticks. */
		hv_error_clear(&err);
		CHECK_INT(hv_xml_stream_feed(stream, " ", 1, &err), c->error,
			  "%s (chunks of %zu): still fails", c->label, chunk);
	} else {
		CHECK(!wrong,
		      "%s (chunks of %zu): complete exactly when the root and what follows it have ended",
		      c->label, chunk);
	}
	hv_xml_stream_free(stream);
}

/* After the root, a stray byte fails in the very write that carries it,
 * and so does a later write of anything but blanks, comments and PIs. */
static void test_after_root(void)
{
	struct hv_xml_stream *stream = hv_xml_stream_new();
	struct hv_error err = {0};

	CHECK_INT(hv_xml_stream_feed(stream, "<a>", 3, &err), 0, "open root: incomplete");
	CHECK_INT(hv_xml_stream_feed(stream, "</a>", 4, &err), 1, "end tag: complete");
	CHECK_INT(hv_xml_stream_feed(stream, "\n", 1, &err), 1, "a newline after: still complete");
	CHECK_INT(hv_xml_stream_feed(stream, "<!-- a", 6, &err), 0, "half a comment: to be ended");
	CHECK_INT(hv_xml_stream_feed(stream, " comment -->", 12, &err), 1, "the comment's end: complete");
	CHECK_INT(hv_xml_stream_feed(stream, "<?pi", 4, &err), 0, "half a PI: to be ended");
	CHECK_INT(hv_xml_stream_feed(stream, " x?>\r", 5, &err), 1, "the PI's end: complete");
	CHECK_INT(hv_xml_stream_feed(stream, "<", 1, &err), 0, "a lone '<': may begin a comment");
	CHECK_INT(hv_xml_stream_feed(stream, "b/>", 3, &err), -EINVAL, "an element after the root: fails");
	CHECK(strstr(err.message, "Extra content") != NULL, "says why: %s", err.message);
	hv_xml_stream_free(stream);
}

/* The bound of every XML document. */
static void test_too_large(void)
{
	struct hv_xml_stream *stream = hv_xml_stream_new();
	struct hv_error err = {0};
	size_t len = HV_XML_MAX / 2 + 1;
	char *comment = malloc(len);

	memset(comment, 'x', len);
	CHECK_INT(hv_xml_stream_feed(stream, "<a><!--", 7, &err), 0, "a comment opens");
	CHECK_INT(hv_xml_stream_feed(stream, comment, len, &err), 0, "half a MiB of comment");
	CHECK_INT(hv_xml_stream_feed(stream, comment, len, &err), -EFBIG, "more than a MiB: EFBIG");
	free(comment);
	hv_xml_stream_free(stream);
	hv_xml_stream_free(NULL);
}

/* A megabyte document in cat's 128 KiB writes: one pass, complete at the
 * last write. */
static void test_large_document(void)
{
	struct hv_xml_stream *stream = hv_xml_stream_new();
	struct hv_error err = {0};
	size_t len = 0, cap = HV_XML_MAX;
	char *doc = malloc(cap);
	int ret = 0;

	len += (size_t)sprintf(doc, "<domain>");
	while (len + 64 < cap - 16)
		len += (size_t)sprintf(doc + len, "<disk a='%zu'><![CDATA[</domain>]]></disk>\n", len);
	len += (size_t)sprintf(doc + len, "</domain>\n");
	for (size_t at = 0; at < len && ret == 0; at += 131072) {
		size_t n = len - at < 131072 ? len - at : 131072;
		ret = hv_xml_stream_feed(stream, doc + at, n, &err);
		if (ret != 0)
			CHECK(at + n == len, "a large document completes only at its last write");
	}
	CHECK_INT(ret, 1, "a large document completes (%s)", err.message);
	free(doc);
	hv_xml_stream_free(stream);
}

int main(int argc, char **argv)
{
	static const size_t chunks[] = {1, 2, 3, 7, 64, 1 << 20};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strcmp(cases[i].label, "a NUL byte") == 0 ? 8 : strlen(cases[i].xml);
		for (size_t j = 0; j < sizeof(chunks) / sizeof(chunks[0]); j++)
			run_case(&cases[i], len, chunks[j]);
	}
	test_after_root();
	test_too_large();
	test_large_document();
	hv_conf_cleanup();
	return UNIT_DONE();
}
