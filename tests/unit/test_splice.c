/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drivers/conf/xml_splice: every edit changes exactly the bytes it names,
 * whatever the document looks like around them, and refuses what it cannot
 * do without changing anything. */
#include <errno.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/xml_splice.h"
#include "tests/unit/unit.h"

enum op { SET_TEXT, SET_ATTR, REMOVE_ATTR, INSERT };

struct edit_case {
	const char *label;
	enum op op;
	const char *xml;
	const char *path;
	const char *name; /* the attribute, or the element to insert */
	const char *value;
	const char *const *after; /* INSERT: the siblings to insert after */
	int ret;
	const char *want; /* the whole result; on error the text stays xml */
};

static const char *const after_name[] = {"name", NULL};
static const char *const after_uuid[] = {"uuid", "name", NULL};
static const char *const after_b[] = {"b", NULL};
static const char *const after_none[] = {"none", NULL};

#define UUID_A "<a>\n  <name>x</name>\n  <memory>1</memory>\n</a>\n"

static const struct edit_case cases[] = {
    /* Text. */
    {"double quotes", SET_TEXT, "<domain type=\"kvm\">\n  <memory unit=\"MiB\">512</memory>\n</domain>\n",
     "domain/memory", NULL, "1048576", NULL, 0,
     "<domain type=\"kvm\">\n  <memory unit=\"MiB\">1048576</memory>\n</domain>\n"},
    {"single quotes, odd spacing in tags", SET_TEXT,
     "<domain  type = 'kvm' >\n <memory\tunit='KiB' >1</memory >\n</domain >", "domain/memory", NULL, "22",
     NULL, 0, "<domain  type = 'kvm' >\n <memory\tunit='KiB' >22</memory >\n</domain >"},
    {"whitespace around the value", SET_TEXT, "<a>\n  <m>\n    12\n  </m>\n</a>", "a/m", NULL, "345", NULL, 0,
     "<a>\n  <m>\n    345\n  </m>\n</a>"},
    {"comment before the value", SET_TEXT, "<a><m><!-- one gig -->1048576</m></a>", "a/m", NULL, "2", NULL, 0,
     "<a><m><!-- one gig -->2</m></a>"},
    {"comment after the value", SET_TEXT, "<a><m>1 <!-- KiB --> </m></a>", "a/m", NULL, "2", NULL, 0,
     "<a><m>2 <!-- KiB --> </m></a>"},
    {"comment inside the value", SET_TEXT, "<a><m>1<!-- c -->2</m></a>", "a/m", NULL, "9", NULL, 0,
     "<a><m>9<!-- c --></m></a>"},
    {"comments around the element, markup in a comment", SET_TEXT,
     "<!-- <a><m>0</m></a> -->\n<a><!-- <m>0</m> --><m>1</m><!-- after --></a>\n<!-- end -->", "a/m", NULL,
     "2", NULL, 0, "<!-- <a><m>0</m></a> -->\n<a><!-- <m>0</m> --><m>2</m><!-- after --></a>\n<!-- end -->"},
    {"CDATA value", SET_TEXT, "<a><m><![CDATA[1]]></m></a>", "a/m", NULL, "2", NULL, 0, "<a><m>2</m></a>"},
    {"CDATA with markup elsewhere", SET_TEXT, "<a><d><![CDATA[<m>0</m>]]></d><m>1</m></a>", "a/m", NULL, "2",
     NULL, 0, "<a><d><![CDATA[<m>0</m>]]></d><m>2</m></a>"},
    {"character reference in the value", SET_TEXT, "<a><m>&#49;0</m><e>&amp;&lt;</e></a>", "a/m", NULL, "5",
     NULL, 0, "<a><m>5</m><e>&amp;&lt;</e></a>"},
    {"value escaped", SET_TEXT, "<a><m>1</m></a>", "a/m", NULL, "a&b<c>'\"", NULL, 0,
     "<a><m>a&amp;b&lt;c&gt;'\"</m></a>"},
    {"empty-element tag opened", SET_TEXT, "<a><m unit='KiB'/></a>", "a/m", NULL, "7", NULL, 0,
     "<a><m unit='KiB'>7</m></a>"},
    {"empty-element tag with a blank", SET_TEXT, "<a><m unit='KiB' /></a>", "a/m", NULL, "7", NULL, 0,
     "<a><m unit='KiB'>7</m></a>"},
    {"empty content", SET_TEXT, "<a><m></m></a>", "a/m", NULL, "7", NULL, 0, "<a><m>7</m></a>"},
    {"declaration and PIs kept", SET_TEXT,
     "<?xml version='1.0' encoding='UTF-8'?>\n<?x y?>\n<a><m>1</m></a>\n", "a/m", NULL, "2", NULL, 0,
     "<?xml version='1.0' encoding='UTF-8'?>\n<?x y?>\n<a><m>2</m></a>\n"},
    {"byte order mark kept", SET_TEXT, "\xef\xbb\xbf<a><m>1</m></a>", "a/m", NULL, "2", NULL, 0,
     "\xef\xbb\xbf<a><m>2</m></a>"},
    {"CRLF kept", SET_TEXT, "<a>\r\n  <m>1</m>\r\n</a>\r\n", "a/m", NULL, "2", NULL, 0,
     "<a>\r\n  <m>2</m>\r\n</a>\r\n"},
    {"the child, not a grandchild of the same name", SET_TEXT, "<a><b><m>0</m></b><m>1</m></a>", "a/m", NULL,
     "2", NULL, 0, "<a><b><m>0</m></b><m>2</m></a>"},
    {"a grandchild", SET_TEXT, "<a><b><m>0</m></b><m>1</m></a>", "a/b/m", NULL, "2", NULL, 0,
     "<a><b><m>2</m></b><m>1</m></a>"},
    {"the first of several", SET_TEXT, "<a><i>x</i><i>y</i></a>", "a/i", NULL, "z", NULL, 0,
     "<a><i>z</i><i>y</i></a>"},
    {"an index", SET_TEXT, "<a><i>x</i><i/><i>y</i></a>", "a/i[3]", NULL, "z", NULL, 0,
     "<a><i>x</i><i/><i>z</i></a>"},
    {"a prefixed name is another name", SET_TEXT, "<a xmlns:q='urn:q'><q:m>0</q:m><m>1</m></a>", "a/m", NULL,
     "2", NULL, 0, "<a xmlns:q='urn:q'><q:m>0</q:m><m>2</m></a>"},
    {"'>' and '/' in an attribute value", SET_TEXT, "<a><m note='a>b/>' unit=\"KiB\">1</m></a>", "a/m", NULL,
     "2", NULL, 0, "<a><m note='a>b/>' unit=\"KiB\">2</m></a>"},
    {"unchanged value", SET_TEXT, "<a><m> 1 </m></a>", "a/m", NULL, "1", NULL, 0, "<a><m> 1 </m></a>"},
    {"an element that holds elements", SET_TEXT, "<a><m><b/></m></a>", "a/m", NULL, "1", NULL, -EINVAL, NULL},
    {"no such element", SET_TEXT, "<a><m>1</m></a>", "a/n", NULL, "1", NULL, -ENOENT, NULL},
    {"no such root", SET_TEXT, "<a><m>1</m></a>", "b/m", NULL, "1", NULL, -ENOENT, NULL},
    {"no such index", SET_TEXT, "<a><m>1</m></a>", "a/m[2]", NULL, "1", NULL, -ENOENT, NULL},
    {"a control character", SET_TEXT, "<a><m>1</m></a>", "a/m", NULL, "1\x01", NULL, -EINVAL, NULL},
    {"an empty path step", SET_TEXT, "<a><m>1</m></a>", "a//m", NULL, "1", NULL, -EINVAL, NULL},
    {"index 0", SET_TEXT, "<a><m>1</m></a>", "a/m[0]", NULL, "1", NULL, -EINVAL, NULL},
    {"an unclosed index", SET_TEXT, "<a><m>1</m></a>", "a/m[1", NULL, "1", NULL, -EINVAL, NULL},

    /* Attributes. */
    {"attribute in single quotes", SET_ATTR, "<a><v current='1'>2</v></a>", "a/v", "current", "2", NULL, 0,
     "<a><v current='2'>2</v></a>"},
    {"attribute in double quotes", SET_ATTR, "<a><m x='1' unit=\"MiB\">1</m></a>", "a/m", "unit", "KiB", NULL,
     0, "<a><m x='1' unit=\"KiB\">1</m></a>"},
    {"new attribute in the tag's quotes", SET_ATTR, "<a><v placement=\"static\">2</v></a>", "a/v", "current",
     "1", NULL, 0, "<a><v placement=\"static\" current=\"1\">2</v></a>"},
    {"new attribute in the document's quotes", SET_ATTR, "<a x=\"1\"><v>2</v></a>", "a/v", "current", "1",
     NULL, 0, "<a x=\"1\"><v current=\"1\">2</v></a>"},
    {"new attribute, single quotes by default", SET_ATTR, "<a><v>2</v></a>", "a/v", "current", "1", NULL, 0,
     "<a><v current='1'>2</v></a>"},
    {"new attribute in a tag over lines", SET_ATTR, "<a><v\n   placement = 'static'\n   >2</v></a>", "a/v",
     "current", "1", NULL, 0, "<a><v\n   placement = 'static' current='1'\n   >2</v></a>"},
    {"the quote escaped, single", SET_ATTR, "<a><d t='x'/></a>", "a/d", "t", "it's \"&\"", NULL, 0,
     "<a><d t='it&apos;s \"&amp;\"'/></a>"},
    {"the quote escaped, double", SET_ATTR, "<a><d t=\"x\"/></a>", "a/d", "t", "it's \"<\"\n", NULL, 0,
     "<a><d t=\"it's &quot;&lt;&quot;&#10;\"/></a>"},
    {"attribute of an empty-element tag", SET_ATTR, "<a><link state='up'/></a>", "a/link", "state", "down",
     NULL, 0, "<a><link state='down'/></a>"},
    {"new attribute of an empty-element tag", SET_ATTR, "<a><link/></a>", "a/link", "state", "down", NULL, 0,
     "<a><link state='down'/></a>"},
    {"a name that only starts like another", SET_ATTR, "<a><v currently='x'>2</v></a>", "a/v", "current", "1",
     NULL, 0, "<a><v currently='x' current='1'>2</v></a>"},
    {"unchanged attribute", SET_ATTR, "<a><v current = \"1\">2</v></a>", "a/v", "current", "1", NULL, 0,
     "<a><v current = \"1\">2</v></a>"},
    {"not an attribute name", SET_ATTR, "<a><v>2</v></a>", "a/v", "a b", "1", NULL, -EINVAL, NULL},
    {"attribute value with a control character", SET_ATTR, "<a><v>2</v></a>", "a/v", "c", "\x1b", NULL,
     -EINVAL, NULL},
    {"remove an attribute", REMOVE_ATTR, "<a><v placement='static' current='1'>2</v></a>", "a/v", "current",
     NULL, NULL, 0, "<a><v placement='static'>2</v></a>"},
    {"remove the first attribute", REMOVE_ATTR, "<a><v current='1'\n   placement='static'/></a>", "a/v",
     "current", NULL, NULL, 0, "<a><v\n   placement='static'/></a>"},
    {"remove a missing attribute", REMOVE_ATTR, "<a><v>2</v></a>", "a/v", "current", NULL, NULL, 0,
     "<a><v>2</v></a>"},

    /* Insertion. */
    {"insert after the first sibling that exists", INSERT, UUID_A, "a", "uuid", "u", after_uuid, 0,
     "<a>\n  <name>x</name>\n  <uuid>u</uuid>\n  <memory>1</memory>\n</a>\n"},
    {"insert with tabs and CRLF", INSERT, "<a>\r\n\t<name>x</name>\r\n</a>", "a", "uuid", "u", after_name, 0,
     "<a>\r\n\t<name>x</name>\r\n\t<uuid>u</uuid>\r\n</a>"},
    {"insert copies one line break, not a blank line", INSERT, "<a>\n\n    <name>x</name>\n</a>", "a", "uuid",
     "u", after_name, 0, "<a>\n\n    <name>x</name>\n    <uuid>u</uuid>\n</a>"},
    {"insert after a sibling behind a comment", INSERT, "<a>\n  <!-- c -->\n  <name>x</name><!-- n -->\n</a>",
     "a", "uuid", "u", after_name, 0,
     "<a>\n  <!-- c -->\n  <name>x</name>\n  <uuid>u</uuid><!-- n -->\n</a>"},
    {"insert without indentation", INSERT, "<a><name>x</name><m>1</m></a>", "a", "uuid", "u", after_name, 0,
     "<a><name>x</name><uuid>u</uuid><m>1</m></a>"},
    {"insert after an empty-element sibling", INSERT, "<a>\n <b/>\n</a>", "a", "c", "1", after_b, 0,
     "<a>\n <b/>\n <c>1</c>\n</a>"},
    {"insert first", INSERT, "<a>\n  <memory>1</memory>\n</a>", "a", "name", "n", after_none, 0,
     "<a>\n  <name>n</name>\n  <memory>1</memory>\n</a>"},
    {"insert into an empty element", INSERT, "<a>\n</a>", "a", "name", "n", NULL, 0,
     "<a>\n<name>n</name></a>"},
    {"insert into an empty-element tag", INSERT, "<a x='1' />", "a", "name", "n", NULL, 0,
     "<a x='1'><name>n</name></a>"},
    {"insert escapes", INSERT, "<a><b/></a>", "a", "c", "<&>", after_b, 0, "<a><b/><c>&lt;&amp;&gt;</c></a>"},
    {"insert a bad name", INSERT, "<a><b/></a>", "a", "c d", "1", after_b, -EINVAL, NULL},
    {"insert into nothing", INSERT, "<a><b/></a>", "a/x", "c", "1", after_b, -ENOENT, NULL},
};

/* What the edit made must still be XML. */
static bool parses(const char *text)
{
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	xmlFreeDoc(doc);
	return doc != NULL;
}

static int apply(struct splice_doc *doc, const struct edit_case *c, struct hv_error *err)
{
	switch (c->op) {
	case SET_TEXT:
		return splice_set_text(doc, c->path, c->value, err);
	case SET_ATTR:
		return splice_set_attr(doc, c->path, c->name, c->value, err);
	case REMOVE_ATTR:
		return splice_remove_attr(doc, c->path, c->name, err);
	case INSERT:
		return splice_insert(doc, c->path, c->after, c->name, c->value, err);
	}
	return -ENOSYS;
}

static void check_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct edit_case *c = &cases[i];
		struct hv_error err = {0};
		struct splice_doc doc;
		int ret;

		CHECK_INT(parses(c->xml), 1, "%s: the input is XML", c->label);
		ret = splice_open(&doc, c->xml, strlen(c->xml), &err);
		CHECK_INT(ret, 0, "%s: opens", c->label);
		if (ret < 0)
			continue;
		ret = apply(&doc, c, &err);
		CHECK_INT(ret, c->ret, "%s: result", c->label);
		CHECK_STR(doc.text, c->ret < 0 ? c->xml : c->want, "%s: text", c->label);
		CHECK_INT(doc.len, strlen(doc.text), "%s: length", c->label);
		if (c->ret == 0)
			CHECK_INT(parses(doc.text), 1, "%s: the output is XML", c->label);
		else
			CHECK(err.message[0] && !strchr(err.message, '\n'), "%s: one sentence: '%s'",
			      c->label, err.message);
		splice_close(&doc);
	}
}

/* Edits build on each other: a later one finds what an earlier one added. */
static void check_sequence(void)
{
	static const char xml[] = "<domain type='test'>\n"
				  "\t<name>d</name>\n"
				  "\t<memory>1024</memory>\n"
				  "</domain>";
	static const char *const after_memory[] = {"currentMemory", "memory", NULL};
	struct splice_doc doc;
	char *text;

	CHECK_INT(splice_open(&doc, xml, sizeof(xml) - 1, NULL), 0, "sequence: opens");
	CHECK(!splice_exists(&doc, "domain/currentMemory"), "sequence: no currentMemory yet");
	CHECK_INT(splice_insert(&doc, "domain", after_memory, "currentMemory", "512", NULL), 0,
		  "sequence: currentMemory");
	CHECK(splice_exists(&doc, "domain/currentMemory"), "sequence: currentMemory found");
	CHECK_INT(splice_set_attr(&doc, "domain/currentMemory", "unit", "KiB", NULL), 0, "sequence: unit");
	CHECK_INT(splice_insert(&doc, "domain", after_memory, "vcpu", "2", NULL), 0, "sequence: vcpu");
	CHECK_INT(splice_set_attr(&doc, "domain/vcpu", "current", "1", NULL), 0, "sequence: current");
	text = splice_take(&doc);
	CHECK_STR(text,
		  "<domain type='test'>\n"
		  "\t<name>d</name>\n"
		  "\t<memory>1024</memory>\n"
		  "\t<currentMemory unit='KiB'>512</currentMemory>\n"
		  "\t<vcpu current='1'>2</vcpu>\n"
		  "</domain>",
		  "sequence: result");
	CHECK(doc.text == NULL && doc.len == 0, "sequence: take empties the document");
	free(text);
	splice_close(&doc); /* harmless after take */
}

static void check_malformed(void)
{
	static const char *const bad[] = {
	    "",
	    "just text",
	    "<a>",
	    "<a></b>",
	    "</a>",
	    "<a/></a>",
	    "<a/><b/>",
	    "<a><!-- x</a>",
	    "<a><![CDATA[x</a>",
	    "<a><?pi</a>",
	    "<!DOCTYPE a><a/>",
	    "<a x='1></a>",
	    "<a x=1/>",
	    "<a x='1'y='2'/>",
	    "<a x/>",
	    "< a/>",
	    "<a></ a>",
	    "<a></a",
	    "<a",
	    "<a x='1'",
	};
	struct hv_error err = {0};
	struct splice_doc doc;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hv_error_clear(&err);
		CHECK_INT(splice_open(&doc, bad[i], strlen(bad[i]), &err), -EINVAL, "malformed '%s' refused",
			  bad[i]);
		CHECK(err.message[0] != '\0', "malformed '%s' says why: %s", bad[i], err.message);
		CHECK(doc.text == NULL, "malformed '%s' leaves nothing", bad[i]);
	}
	hv_error_clear(&err);
	CHECK_INT(splice_open(&doc, "<a>\n\n<!-- x</a>", 15, &err), -EINVAL, "unterminated comment refused");
	CHECK(strstr(err.message, "comment at line 3") != NULL, "the message names the line: %s",
	      err.message);
	CHECK_INT(splice_open(&doc, "<a>\0</a>", 8, NULL), -EINVAL, "a NUL byte refused");
	CHECK_INT(splice_open(&doc, "<?xml version='1.0'?>\n<a/> \n", 27, NULL), 0,
		  "declaration and blanks open");
	splice_close(&doc);
}

int main(void)
{
	check_cases();
	check_sequence();
	check_malformed();
	xmlCleanupParser();
	return UNIT_DONE();
}
