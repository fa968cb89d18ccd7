/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the domain, network and pool parsers (drivers/conf/xml.c).
 * Not for use outside drivers/conf/. */
#ifndef HVFS_DRIVERS_CONF_INTERNAL_H
#define HVFS_DRIVERS_CONF_INTERNAL_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conf/conf.h"
#include "drivers/conf/xml_splice.h"
#include "schema/validate.h"
#include "util/error.h"

static inline void conf_free_doc_(xmlDocPtr *doc)
{
	xmlFreeDoc(*doc);
}

static inline void conf_free_xml_(xmlChar **text)
{
	if (*text)
		xmlFree(*text);
}

#define auto_xml_doc  __attribute__((cleanup(conf_free_doc_)))
#define auto_xml_char __attribute__((cleanup(conf_free_xml_)))

/* Parsing ------------------------------------------------------------------ */

/* What a parser context found wrong (its _private while it parses). */
struct conf_parse_state {
	char message[HV_ERROR_MESSAGE_MAX]; /* "line N: msg; line M: msg" */
	size_t used;
	bool truncated;
	bool failed;
	long doctype_line; /* > 0 once a DOCTYPE was seen */
};

/* Initializes libxml2 once per process (thread-safe). */
void conf_parser_init(void);
/* The safety settings every context gets, whatever it parses from: no
 * network, no entity substitution, no DTD loaded, a DOCTYPE stops the
 * parser; errors are collected into state (which must outlive ctxt). */
void conf_parser_secure(xmlParserCtxtPtr ctxt, struct conf_parse_state *state);
/* Records one error ("line N: message"); failed is set from then on. */
void conf_parse_note(struct conf_parse_state *state, long line, const char *message);
/* -EINVAL with what state found (the DOCTYPE, or the errors) in err. */
int conf_parse_failure(const struct conf_parse_state *state, struct hv_error *err);

/* Parses len bytes of xml: -EFBIG above HV_XML_MAX; -EINVAL for an empty or
 * malformed document or one with a DOCTYPE, with every parser error as
 * "line N: msg; ..." in err.  Never touches the network, never expands
 * entities.  Keeps whitespace and comments, for editing in place. */
int conf_parse(const char *xml, size_t len, xmlDocPtr *doc, struct hv_error *err);
/* conf_parse, then validation against schema. */
int conf_load(const char *xml, size_t len, enum hv_schema schema, xmlDocPtr *doc, struct hv_error *err);

/* Reading ------------------------------------------------------------------ */

/* The first child element called name (no namespace), or NULL. */
xmlNodePtr conf_child(xmlNodePtr parent, const char *name);
unsigned conf_count_children(xmlNodePtr parent, const char *name);
/* Text content of node (attribute name when attr is not NULL) into out;
 * "" when absent.  -EINVAL (with err naming what) when it does not fit. */
int conf_text(xmlNodePtr node, const char *what, char *out, size_t size, struct hv_error *err);
int conf_attr(xmlNodePtr node, const char *attr, char *out, size_t size, struct hv_error *err);
/* Decimal with optional surrounding blanks and '+': -EINVAL, -ERANGE above max. */
int conf_parse_uint(const char *text, uint64_t max, uint64_t *value);
/* A libvirt scaled integer (value, unit) in bytes; a missing unit means
 * default_scale bytes.  -EINVAL or -ERANGE. */
int conf_parse_bytes(const char *value, const char *unit, uint64_t default_scale, uint64_t *bytes);
/* <NAME unit='GiB'>10</NAME> below root in bytes, as pool and volume XML
 * state sizes: a missing unit means bytes, a missing element 0. */
int conf_read_size(xmlNodePtr root, const char *name, uint64_t *bytes, struct hv_error *err);
/* <name> and <uuid> of root, checked: the name is valid and equals
 * expected_name when that is not NULL, the uuid is normalized. */
int conf_read_identity(xmlNodePtr root, const char *expected_name, char name[HV_NAME_MAX + 1],
		       char uuid[HV_UUID_STRLEN + 1], struct hv_error *err);
/* What every kind's parser starts with: conf_load against schema, then
 * conf_read_identity of the root.  On success *doc is the caller's; on
 * failure it is NULL. */
int conf_load_definition(const char *xml, size_t len, enum hv_schema schema, const char *expected_name,
			 xmlDocPtr *doc, char name[HV_NAME_MAX + 1], char uuid[HV_UUID_STRLEN + 1],
			 struct hv_error *err);

/* Checks ------------------------------------------------------------------ */

/* libvirt's rules for the devices (and a container's <os> paths) of a
 * domain that hvfs's schema does not type (domain_check.c): 0 or -EINVAL
 * naming the line. */
int conf_check_devices(xmlNodePtr root, struct hv_error *err);
/* The sum of <cpu><numa><cell memory=...> in KiB, 0 without cells. */
int conf_numa_memory(xmlNodePtr root, uint64_t *kib, struct hv_error *err);
/* Last of a definition's checks: libvirt's own schema, when installed. */
int conf_check_libvirt(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err);

/* Editing ------------------------------------------------------------------ */

/* Edits decide on the parsed tree (root) what to change and make the
 * change in the user's bytes (doc), so that the rest stays as written. */

/* Brings <name> and <uuid> in line with name and uuid ("" leaves the uuid
 * alone); <uuid> goes right after <name> when missing. */
int conf_update_identity(xmlNodePtr root, struct splice_doc *doc, const char *name, const char *uuid,
			 struct hv_error *err);
/* Checks def-side name and uuid before they are written. */
int conf_check_identity(const char *name, const char *uuid, struct hv_error *err);
/* What the kinds' xml_update share: parses the user's document (xml, len),
 * checks that its root is <root_name>, brings <name> and <uuid> in line with
 * name and uuid (conf_update_identity), lets edit (when not NULL) change the
 * rest, checks that the result still parses and hands it out as *out, a new
 * heap string.  An element whose value already agrees is not touched, so
 * when nothing differs *out is xml, byte for byte. */
typedef int conf_edit_fn(xmlNodePtr root, struct splice_doc *doc, const void *data, struct hv_error *err);
int conf_edit_document(const char *xml, size_t len, const char *root_name, const char *name, const char *uuid,
		       conf_edit_fn *edit, const void *data, char **out, struct hv_error *err);

/* Defaults ----------------------------------------------------------------- */

#define CONF_UUID_LINE_SIZE (HV_UUID_STRLEN + 32)

/* The "  <uuid>U</uuid>\n" line of a default definition, U normalized, or
 * "" when uuid is NULL or "".  0, or -EINVAL for a malformed uuid. */
int conf_uuid_line(const char *uuid, char line[CONF_UUID_LINE_SIZE]);
/* Hands out text, a default definition, as *out when parsed, the result
 * of checking it with the kind's own parser, is 0; frees it otherwise.
 * Returns parsed. */
int conf_finish_default(char *text, int parsed, char **out);

#endif
