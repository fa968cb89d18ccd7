/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Safe parsing, reading and editing of libvirt-style XML (the edits
 * themselves are spliced into the user's text by xml_splice.c).
 *
 * Safety: a document is parsed from memory with a parser context of its
 * own.  Network access is off, entities are never substituted and no DTD is
 * loaded; beyond that, a DOCTYPE stops the parser the moment it is seen, so
 * that neither an entity bomb ("billion laughs") nor an external entity
 * (file:///etc/passwd) is ever declared.  Errors go to a handler on that
 * context, never to libxml2's global (per-thread) handlers, so concurrent
 * parses cannot mix their messages. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drivers/conf/conf_internal.h"

static pthread_once_t parser_once = PTHREAD_ONCE_INIT;

void conf_parser_init(void)
{
	pthread_once(&parser_once, xmlInitParser);
}

void conf_parse_note(struct conf_parse_state *state, long line, const char *message)
{
	char text[256];
	size_t len, size = sizeof(state->message);
	int n;

	state->failed = true;
	if (state->truncated)
		return;
	snprintf(text, sizeof(text), "%s", message ? message : "malformed XML");
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (line > 0)
		n = snprintf(state->message + state->used, size - state->used, "%sline %ld: %s",
			     state->used ? "; " : "", line, text);
	else
		n = snprintf(state->message + state->used, size - state->used, "%s%s",
			     state->used ? "; " : "", text);
	if (n < 0 || (size_t)n >= size - state->used) {
		state->truncated = true;
		memcpy(state->message + size - 4, "...", 4);
		return;
	}
	state->used += (size_t)n;
}

/* The context's own structured error handler (sax->serror): libxml2 passes
 * it ctxt->userData, which is the context itself. */
static void parse_error(void *data, xmlErrorPtr error)
{
	xmlParserCtxtPtr ctxt = data;
	struct conf_parse_state *state = ctxt->_private;

	if (error->level == XML_ERR_WARNING || error->code == XML_ERR_USER_STOP)
		return;
	conf_parse_note(state, error->line, error->message);
}

static void refuse_doctype(void *data, const xmlChar *name, const xmlChar *external_id,
			   const xmlChar *system_id)
{
	xmlParserCtxtPtr ctxt = data;
	struct conf_parse_state *state = ctxt->_private;

	state->doctype_line = xmlSAX2GetLineNumber(ctxt);
	if (state->doctype_line <= 0)
		state->doctype_line = 1;
	/* Before the internal subset is read: nothing in it is ever declared. */
	xmlStopParser(ctxt);
}

static bool is_blank(const char *xml, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (!isspace((unsigned char)xml[i]))
			return false;
	}
	return true;
}

void conf_parser_secure(xmlParserCtxtPtr ctxt, struct conf_parse_state *state)
{
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES);
	/* Whatever defaults this thread's libxml2 globals carry, these stay off. */
	ctxt->replaceEntities = 0;
	ctxt->loadsubset = 0;
	ctxt->validate = 0;
	ctxt->_private = state;
	ctxt->sax->serror = parse_error;
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = NULL;
}

int conf_parse_failure(const struct conf_parse_state *state, struct hv_error *err)
{
	if (state->doctype_line > 0)
		return hv_error_set(err, EINVAL, "line %ld: DOCTYPE is not allowed", state->doctype_line);
	if (!state->message[0])
		return hv_error_set(err, EINVAL, "the XML document is malformed");
	return hv_error_set(err, EINVAL, "%s", state->message);
}

int conf_parse(const char *xml, size_t len, xmlDocPtr *doc, struct hv_error *err)
{
	struct conf_parse_state state = {0};
	xmlParserCtxtPtr ctxt;
	xmlDocPtr parsed;
	bool well_formed;

	*doc = NULL;
	if (len > HV_XML_MAX)
		return hv_error_set(err, EFBIG, "the XML document is %zu bytes, more than the limit of %d",
				    len, HV_XML_MAX);
	if (!xml || is_blank(xml, len))
		return hv_error_set(err, EINVAL, "the XML document is empty");
	conf_parser_init();

	ctxt = xmlCreateMemoryParserCtxt(xml, (int)len);
	if (!ctxt)
		return hv_error_set(err, ENOMEM, "out of memory while parsing XML");
	conf_parser_secure(ctxt, &state);

	xmlParseDocument(ctxt);
	parsed = ctxt->myDoc;
	ctxt->myDoc = NULL;
	/* Namespace errors (an undeclared prefix) leave wellFormed set: any
	 * reported error counts. */
	well_formed = ctxt->wellFormed && !state.failed && state.doctype_line == 0;
	xmlFreeParserCtxt(ctxt);

	if (!well_formed || !parsed || !xmlDocGetRootElement(parsed)) {
		xmlFreeDoc(parsed);
		return conf_parse_failure(&state, err);
	}
	*doc = parsed;
	return 0;
}

int conf_load(const char *xml, size_t len, enum hv_schema schema, xmlDocPtr *doc, struct hv_error *err)
{
	int ret = conf_parse(xml, len, doc, err);

	if (ret < 0)
		return ret;
	ret = hv_schema_validate(schema, *doc, err);
	if (ret < 0) {
		xmlFreeDoc(*doc);
		*doc = NULL;
	}
	return ret;
}

int conf_check_libvirt(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err)
{
	return hv_schema_validate_libvirt(schema, doc, err);
}

xmlNodePtr conf_child(xmlNodePtr parent, const char *name)
{
	if (!parent)
		return NULL;
	for (xmlNodePtr child = parent->children; child; child = child->next) {
		if (child->type == XML_ELEMENT_NODE && !child->ns && xmlStrEqual(child->name, BAD_CAST name))
			return child;
	}
	return NULL;
}

unsigned conf_count_children(xmlNodePtr parent, const char *name)
{
	unsigned count = 0;

	if (!parent)
		return 0;
	for (xmlNodePtr child = parent->children; child; child = child->next) {
		if (child->type == XML_ELEMENT_NODE && !child->ns && xmlStrEqual(child->name, BAD_CAST name))
			count++;
	}
	return count;
}

static int copy_value(const xmlChar *value, const char *what, char *out, size_t size, struct hv_error *err)
{
	size_t len = value ? strlen((const char *)value) : 0;

	if (len >= size)
		return hv_error_set(err, EINVAL, "%s is longer than %zu characters", what, size - 1);
	memcpy(out, value ? (const char *)value : "", len);
	out[len] = '\0';
	return 0;
}

int conf_text(xmlNodePtr node, const char *what, char *out, size_t size, struct hv_error *err)
{
	auto_xml_char xmlChar *value = node ? xmlNodeGetContent(node) : NULL;

	return copy_value(value, what, out, size, err);
}

int conf_attr(xmlNodePtr node, const char *attr, char *out, size_t size, struct hv_error *err)
{
	auto_xml_char xmlChar *value = node ? xmlGetNoNsProp(node, BAD_CAST attr) : NULL;
	char what[96];

	snprintf(what, sizeof(what), "the %s attribute of <%s>", attr, node ? (const char *)node->name : "?");
	return copy_value(value, what, out, size, err);
}

int conf_parse_uint(const char *text, uint64_t max, uint64_t *value)
{
	uint64_t result = 0;
	const char *p = text;
	bool digits = false;

	if (!text)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+')
		p++;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (result > (UINT64_MAX - digit) / 10)
			return -ERANGE;
		result = result * 10 + digit;
		digits = true;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (!digits || *p)
		return -EINVAL;
	if (result > max)
		return -ERANGE;
	*value = result;
	return 0;
}

/* libvirt's units, compared without regard to case as libvirt does:
 * b/byte/bytes; k, M, G, T, P, E alone or with "iB" are powers of 1024; with
 * "B" alone (KB, MB ...) powers of 1000. */
static int unit_scale(const char *unit, uint64_t default_scale, uint64_t *scale)
{
	static const char prefixes[] = "kmgtpe";
	const char *prefix;
	uint64_t base;

	if (!unit || !*unit) {
		*scale = default_scale;
		return 0;
	}
	if (!strcasecmp(unit, "b") || !strcasecmp(unit, "byte") || !strcasecmp(unit, "bytes")) {
		*scale = 1;
		return 0;
	}
	prefix = strchr(prefixes, tolower((unsigned char)unit[0]));
	if (!prefix || !*prefix)
		return -EINVAL;
	if (unit[1] == '\0' || !strcasecmp(unit + 1, "iB"))
		base = 1024;
	else if (!strcasecmp(unit + 1, "B"))
		base = 1000;
	else
		return -EINVAL;
	*scale = 1;
	for (const char *p = prefixes; p <= prefix; p++)
		*scale *= base;
	return 0;
}

/* value * scale exactly: the largest, 2^64 EiB, needs 124 bits. */
static int scaled_value(const char *value, const char *unit, uint64_t default_scale, unsigned __int128 *bytes)
{
	uint64_t number, scale;
	int ret;

	ret = unit_scale(unit, default_scale, &scale);
	if (ret < 0)
		return ret;
	ret = conf_parse_uint(value, UINT64_MAX, &number);
	if (ret < 0)
		return ret;
	*bytes = (unsigned __int128)number * scale;
	return 0;
}

int conf_parse_bytes(const char *value, const char *unit, uint64_t default_scale, uint64_t *bytes)
{
	unsigned __int128 result;
	int ret = scaled_value(value, unit, default_scale, &result);

	if (ret < 0)
		return ret;
	if (result > UINT64_MAX)
		return -ERANGE;
	*bytes = (uint64_t)result;
	return 0;
}

int conf_read_size(xmlNodePtr root, const char *name, uint64_t *bytes, struct hv_error *err)
{
	xmlNodePtr node = conf_child(root, name);
	char value[64], unit[16];
	int ret;

	*bytes = 0;
	if (!node)
		return 0;
	ret = conf_text(node, name, value, sizeof(value), err);
	if (ret == 0)
		ret = conf_attr(node, "unit", unit, sizeof(unit), err);
	if (ret < 0)
		return ret;
	ret = conf_parse_bytes(value, unit, 1, bytes);
	if (ret == -ERANGE)
		return hv_error_set(err, EINVAL, "%s %s %s is more than 16 EiB", name, value,
				    unit[0] ? unit : "bytes");
	if (ret < 0)
		return hv_error_set(err, EINVAL, "%s '%s' with unit '%s' is not a size", name, value,
				    unit[0] ? unit : "bytes");
	return 0;
}

int hv_conf_parse_memory(const char *value, const char *unit, uint64_t *kib)
{
	unsigned __int128 bytes, result;
	int ret = scaled_value(value, unit, 1024, &bytes);

	if (ret < 0)
		return ret;
	result = (bytes + 1023) / 1024;
	if (result > UINT64_MAX)
		return -ERANGE;
	*kib = (uint64_t)result;
	return 0;
}

int conf_read_identity(xmlNodePtr root, const char *expected_name, char name[HV_NAME_MAX + 1],
		       char uuid[HV_UUID_STRLEN + 1], struct hv_error *err)
{
	char text[HV_UUID_STRLEN + 1];
	xmlNodePtr node;
	int ret;

	ret = conf_text(conf_child(root, "name"), "the name", name, HV_NAME_MAX + 1, err);
	if (ret < 0)
		return ret;
	if (!hv_name_is_valid(name))
		return hv_error_set(
		    err, EINVAL,
		    "name '%s' is not valid: use 1-64 of A-Z a-z 0-9 _ . + -, not starting with . or -",
		    name);
	if (expected_name && strcmp(name, expected_name) != 0)
		return hv_error_set(err, EINVAL, "name '%s' in the XML does not match the directory '%s'",
				    name, expected_name);

	uuid[0] = '\0';
	node = conf_child(root, "uuid");
	if (!node)
		return 0;
	ret = conf_text(node, "the uuid", text, sizeof(text), err);
	if (ret < 0)
		return ret;
	if (hv_uuid_normalize(text, uuid) < 0)
		return hv_error_set(err, EINVAL, "uuid '%s' is not a valid UUID", text);
	return 0;
}

int conf_load_definition(const char *xml, size_t len, enum hv_schema schema, const char *expected_name,
			 xmlDocPtr *doc, char name[HV_NAME_MAX + 1], char uuid[HV_UUID_STRLEN + 1],
			 struct hv_error *err)
{
	int ret = conf_load(xml, len, schema, doc, err);

	if (ret < 0)
		return ret;
	ret = conf_read_identity(xmlDocGetRootElement(*doc), expected_name, name, uuid, err);
	if (ret < 0) {
		xmlFreeDoc(*doc);
		*doc = NULL;
	}
	return ret;
}

int conf_check_identity(const char *name, const char *uuid, struct hv_error *err)
{
	char normalized[HV_UUID_STRLEN + 1];

	if (!hv_name_is_valid(name))
		return hv_error_set(err, EINVAL, "name '%s' is not valid", name ? name : "");
	if (uuid && uuid[0] && hv_uuid_normalize(uuid, normalized) < 0)
		return hv_error_set(err, EINVAL, "uuid '%s' is not a valid UUID", uuid);
	return 0;
}

int conf_update_identity(xmlNodePtr root, struct splice_doc *doc, const char *name, const char *uuid,
			 struct hv_error *err)
{
	const char *root_name = (const char *)root->name;
	char current[HV_UUID_STRLEN + 1], current_normalized[HV_UUID_STRLEN + 1];
	char normalized[HV_UUID_STRLEN + 1], path[64];
	xmlNodePtr name_node = conf_child(root, "name"), uuid_node;
	auto_xml_char xmlChar *text = NULL;
	int ret;

	ret = conf_check_identity(name, uuid, err);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/name", root_name);
	if (!name_node) {
		ret = splice_insert(doc, root_name, NULL, "name", name, err);
	} else {
		text = xmlNodeGetContent(name_node);
		if (!text || strcmp((const char *)text, name) != 0)
			ret = splice_set_text(doc, path, name, err);
	}
	if (ret < 0 || !uuid || !uuid[0])
		return ret;

	hv_uuid_normalize(uuid, normalized);
	/* A document the user wrote without a <uuid> stays without one: the
	 * object's uuid lives in its uuid file and the driver's state. */
	uuid_node = conf_child(root, "uuid");
	if (!uuid_node)
		return 0;
	/* The same UUID in another spelling (upper case, no dashes) is left as
	 * the user wrote it. */
	if (conf_text(uuid_node, "the uuid", current, sizeof(current), NULL) == 0 &&
	    hv_uuid_normalize(current, current_normalized) == 0 &&
	    strcmp(current_normalized, normalized) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/uuid", root_name);
	return splice_set_text(doc, path, normalized, err);
}

/* The edits must leave a document that parses: anything else is a bug in
 * the editor, and storing it would lose the user's definition. */
static int check_edited(const char *text, const char *root_name, struct hv_error *err)
{
	struct hv_error problem = {0};
	auto_xml_doc xmlDocPtr doc = NULL;

	if (conf_parse(text, strlen(text), &doc, &problem) == 0)
		return 0;
	return hv_error_set(err, problem.code == EFBIG ? EFBIG : EIO, "the %s XML as edited: %s", root_name,
			    problem.message);
}

int conf_edit_document(const char *xml, size_t len, const char *root_name, const char *name, const char *uuid,
		       conf_edit_fn *edit, const void *data, char **out, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	struct splice_doc edited;
	xmlNodePtr root;
	char *text;
	int ret;

	*out = NULL;
	ret = conf_parse(xml, len, &doc, err);
	if (ret < 0)
		return ret;
	root = xmlDocGetRootElement(doc);
	if (!xmlStrEqual(root->name, BAD_CAST root_name) || root->ns)
		return hv_error_set(err, EINVAL, "the document is a <%s>, not a <%s>",
				    (const char *)root->name, root_name);
	/* What to change is read from the parsed tree, which knows references,
	 * CDATA and units; the change itself goes into the user's bytes. */
	ret = splice_open(&edited, xml, len, err);
	if (ret < 0)
		return ret;
	ret = conf_update_identity(root, &edited, name, uuid, err);
	if (ret == 0 && edit)
		ret = edit(root, &edited, data, err);
	text = splice_take(&edited);
	if (ret == 0)
		ret = check_edited(text, root_name, err);
	if (ret < 0) {
		free(text);
		return ret;
	}
	*out = text;
	return 0;
}

int conf_uuid_line(const char *uuid, char line[CONF_UUID_LINE_SIZE])
{
	char normalized[HV_UUID_STRLEN + 1];

	line[0] = '\0';
	if (!uuid || !uuid[0])
		return 0;
	if (hv_uuid_normalize(uuid, normalized) < 0)
		return -EINVAL;
	snprintf(line, CONF_UUID_LINE_SIZE, "  <uuid>%s</uuid>\n", normalized);
	return 0;
}

int conf_finish_default(char *text, int parsed, char **out)
{
	if (parsed < 0) {
		free(text);
		return parsed;
	}
	*out = text;
	return 0;
}

void hv_conf_cleanup(void)
{
	hv_schema_cleanup();
	xmlCleanupParser();
}
