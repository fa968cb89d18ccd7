/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Byte-preserving edits of an XML document.
 *
 * libxml2 can change a tree but only serialize it whole, in its own style:
 * quotes, whitespace inside tags and the XML declaration come out as
 * libxml2 writes them, not as the user did.  config.xml must read back as
 * written (a second `copy` of the same file is "ok", not "changed"), so edits
 * are spliced into the original bytes instead: everything outside the bytes
 * an edit replaces stays as it was.
 *
 * The scanner trusts that the document is well-formed (the caller has parsed
 * it with libxml2), but never reads out of bounds and refuses what it does
 * not understand (a DOCTYPE, a NUL byte, markup cut short) with -EINVAL.
 * It does not know namespaces: a name is matched as written, prefix and all.
 *
 * A path names an element from the root: "domain/devices/interface[2]/link"
 * is the first <link> of the second <interface> of the first <devices> of
 * the root <domain> (indexes count from 1, as in XPath).
 *
 * Every function returns 0 or a negative errno with a sentence in err (which
 * may be NULL); on error the document is as it was before the call. */
#ifndef HVFS_DRIVERS_CONF_XML_SPLICE_H
#define HVFS_DRIVERS_CONF_XML_SPLICE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/error.h"

struct splice_doc {
	char *text; /* NUL-terminated */
	size_t len;
	char quote; /* quotes a new attribute in a tag that has none: the document's first, else ' */
};

/* Copies len bytes of xml and checks that they scan.  -EINVAL, -ENOMEM. */
int splice_open(struct splice_doc *doc, const char *xml, size_t len, struct hv_error *err);
/* Hands out the edited text (free() it) and leaves doc empty. */
char *splice_take(struct splice_doc *doc);
void splice_close(struct splice_doc *doc);

/* Whether path names an element. */
bool splice_exists(const struct splice_doc *doc, const char *path);

/* Makes value the text of the element at path: the characters from its
 * first to its last non-blank character data (text, CDATA, references) are
 * replaced, so the whitespace around them and comments before or after them
 * stay; a comment in between moves behind the new value.  An empty-element
 * tag <x/> becomes <x>value</x>.  -ENOENT no such element, -EINVAL it holds
 * elements or value holds a character XML cannot. */
int splice_set_text(struct splice_doc *doc, const char *path, const char *value, struct hv_error *err);

/* Sets attribute attr of the element at path, in the quotes its value has;
 * a missing one is added after the tag's last attribute, in the quotes the
 * tag's other attributes have (else doc->quote). */
int splice_set_attr(struct splice_doc *doc, const char *path, const char *attr, const char *value,
		    struct hv_error *err);
/* Removes attribute attr and the whitespace before it; 0 when it is absent. */
int splice_remove_attr(struct splice_doc *doc, const char *path, const char *attr, struct hv_error *err);

/* Adds <name>value</name> as a child of the element at parent: right after
 * the first sibling named in after (NULL-terminated, tried in order) that
 * exists, on a line of its own indented as that sibling is; with none of
 * them, before the first child element, indented as it is; with no child
 * element, at the end of parent. */
int splice_insert(struct splice_doc *doc, const char *parent, const char *const *after, const char *name,
		  const char *value, struct hv_error *err);

/* Adds fragment, markup taken as is (the caller has checked that it is one
 * well-formed element), as the last child element of parent: on a line of
 * its own indented as the last child element is, or, in a parent without
 * child elements, one level (two spaces) deeper than the parent. */
int splice_append_raw(struct splice_doc *doc, const char *parent, const char *fragment, struct hv_error *err);

/* Removes the element at path, and its line when nothing else is on it
 * (the indentation in front and the line break before it go too).
 * -ENOENT no such element, -EINVAL the root. */
int splice_remove(struct splice_doc *doc, const char *path, struct hv_error *err);

#endif
