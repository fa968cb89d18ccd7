/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RelaxNG validation against the embedded schemas.
 *
 * Each schema is compiled once, on first use, under one mutex, and then
 * shared: libxml2 only reads a compiled grammar while validating, and every
 * call brings its own validation context and error list, so any number of
 * threads may validate at once.
 *
 * libxml2 is terse about interleaves: when an optional element inside one is
 * wrong it backtracks, drops the reason, and reports only that the element
 * was "extra".  For <vcpu>0</vcpu> in a domain that reads
 *
 *     Extra element vcpu in interleave; Element domain failed to validate content
 *
 * So when a document fails, every element the schema lists as "diagnosable"
 * is validated again on its own, against a second grammar whose start is
 * that define.  The deepest such element that still fails supplies the
 * message ("line 6: Type positiveInteger doesn't allow value '0'"), and only
 * the whole-document errors that are not interleave noise are kept with it.
 * When no element fails on its own (a required element is missing), the
 * whole-document errors stand as they are. */
#include "schema/validate.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/log.h"

/* schema/schemas.S: each text is followed by a NUL byte. */
extern const char hv_schema_domain_start[], hv_schema_domain_end[];
extern const char hv_schema_network_start[], hv_schema_network_end[];
extern const char hv_schema_pool_start[], hv_schema_pool_end[];
extern const char hv_schema_capabilities_start[], hv_schema_capabilities_end[];
extern const char hv_schema_volume_start[], hv_schema_volume_end[];

/* "parent/child" pairs of element names, NULL-terminated: the elements that
 * are validated on their own, reached from the root through one another.
 * Each child must have a define of the same shape in the schema's
 * "diagnosable" choice.  Pairs are listed rather than bare names because a
 * name can mean two things (a disk's <source> is not an interface's). */
static const char *const domain_diagnosable[] = {
    "controller/address", "devices/console", "devices/controller", "devices/disk",    "devices/interface",
    "devices/serial",	  "disk/address",    "disk/source",	   "disk/target",     "domain/currentMemory",
    "domain/devices",	  "domain/memory",   "domain/name",	   "domain/on_crash", "domain/on_poweroff",
    "domain/on_reboot",	  "domain/os",	     "domain/uuid",	   "domain/vcpu",     "interface/address",
    "interface/link",	  "interface/mac",   "interface/model",	   "os/type",	      NULL,
};

static const char *const network_diagnosable[] = {
    "dhcp/host",      "dhcp/range",	 "ip/dhcp",    "network/bridge",
    "network/domain", "network/forward", "network/ip", "network/mac",
    "network/name",   "network/uuid",	 NULL,
};

static const char *const pool_diagnosable[] = {
    "pool/allocation", "pool/available",     "pool/capacity", "pool/name", "pool/target",
    "pool/uuid",       "target/permissions", "target/path",   NULL,
};

static const char *const volume_diagnosable[] = {
    "target/format", "target/path", "volume/allocation", "volume/capacity", "volume/name",
    "volume/target", NULL,
};

static const char *const capabilities_diagnosable[] = {
    "capabilities/guest", "capabilities/host", "cpu/topology", "guest/arch", "host/cpu", "host/uuid", NULL,
};

struct schema_info {
	const char *name;
	const char *start;
	const char *end;
	const char *const *diagnosable;
};

static const struct schema_info schemas[] = {
    [HV_SCHEMA_CAPABILITIES] = {"capabilities", hv_schema_capabilities_start, hv_schema_capabilities_end,
				capabilities_diagnosable},
    [HV_SCHEMA_DOMAIN] = {"domain", hv_schema_domain_start, hv_schema_domain_end, domain_diagnosable},
    [HV_SCHEMA_NETWORK] = {"network", hv_schema_network_start, hv_schema_network_end, network_diagnosable},
    [HV_SCHEMA_POOL] = {"pool", hv_schema_pool_start, hv_schema_pool_end, pool_diagnosable},
    [HV_SCHEMA_VOLUME] = {"volume", hv_schema_volume_start, hv_schema_volume_end, volume_diagnosable},
};

struct compiled_schema {
	xmlRelaxNGPtr full;
	xmlRelaxNGPtr fragments; /* start = "diagnosable"; NULL until a document fails */
	bool fragments_failed;	 /* do not retry a grammar that does not compile */
};

static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;
static struct compiled_schema compiled[ARRAY_SIZE(schemas)];

/* Errors as libxml2 reports them, kept apart until the end so that noise can
 * be dropped and duplicates merged.  Bounded: a document with thousands of
 * errors yields the first few, which is all one line of last_error holds. */
#define ERROR_LIST_MAX 32
#define ERROR_TEXT_MAX 200

struct schema_error {
	long line;
	int code;
	char text[ERROR_TEXT_MAX];
};

struct error_list {
	struct schema_error *items;
	unsigned count;
	bool overflow;
	xmlNodePtr context; /* the element being validated, for errors without a line */
};

static void error_list_add(struct error_list *list, long line, int code, const char *message)
{
	char text[ERROR_TEXT_MAX];
	size_t len;

	snprintf(text, sizeof(text), "%s", message ? message : "unknown error");
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	for (unsigned i = 0; i < list->count; i++) {
		/* libxml2 repeats itself while backtracking. */
		if (list->items[i].line == line && strcmp(list->items[i].text, text) == 0)
			return;
	}
	if (list->count == ERROR_LIST_MAX) {
		list->overflow = true;
		return;
	}
	if (!list->items) {
		list->items = calloc(ERROR_LIST_MAX, sizeof(*list->items));
		if (!list->items) {
			list->overflow = true;
			return;
		}
	}
	list->items[list->count].line = line;
	list->items[list->count].code = code;
	memcpy(list->items[list->count].text, text, len + 1);
	list->count++;
}

static void error_list_finish(struct error_list *list)
{
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

/* Some interleave errors come without a node.  They name an element
 * ("Extra element readonly in interleave"): take the line of the last child
 * of that name under the element being validated (a duplicate is the later
 * one), or else the line of that element itself. */
static long guess_line(xmlNodePtr context, const char *name)
{
	long line = -1;

	if (!context)
		return -1;
	if (name) {
		for (xmlNodePtr child = context->children; child; child = child->next) {
			if (child->type == XML_ELEMENT_NODE && strcmp((const char *)child->name, name) == 0)
				line = xmlGetLineNo(child);
		}
	}
	return line > 0 ? line : xmlGetLineNo(context);
}

static void collect_error(void *data, xmlErrorPtr error)
{
	struct error_list *list = data;
	long line = error->line;

	if (error->level == XML_ERR_WARNING)
		return;
	if (line <= 0 && error->node && ((xmlNodePtr)error->node)->type == XML_ELEMENT_NODE)
		line = xmlGetLineNo(error->node);
	if (line <= 0 && error->domain == XML_FROM_RELAXNGV)
		line = guess_line(list->context, error->str1);
	error_list_add(list, line, error->code, error->message);
}

/* Drops what says nothing the other errors do not: "Invalid sequence in
 * interleave" next to the element that was expected, "Error validating
 * datatype T" next to "Type T doesn't allow value 'v'". */
static void error_list_prune(struct error_list *list)
{
	bool has_detail = false, has_value = false;
	unsigned kept = 0;

	for (unsigned i = 0; i < list->count; i++) {
		has_detail |= list->items[i].code != XML_RELAXNG_ERR_INTERSEQ;
		has_value |= list->items[i].code == XML_RELAXNG_ERR_TYPEVAL;
	}
	for (unsigned i = 0; i < list->count; i++) {
		int code = list->items[i].code;

		if ((code == XML_RELAXNG_ERR_INTERSEQ && has_detail) ||
		    (code == XML_RELAXNG_ERR_DATATYPE && has_value))
			continue;
		list->items[kept++] = list->items[i];
	}
	list->count = kept;
}

/* "line N: msg; line M: msg", cut to fit err->message with a visible "...". */
static void error_list_format(const struct error_list *list, char *out, size_t size)
{
	size_t used = 0;
	bool truncated = list->overflow;

	out[0] = '\0';
	for (unsigned i = 0; i < list->count && !truncated; i++) {
		const struct schema_error *item = &list->items[i];
		int n;

		if (item->line > 0)
			n = snprintf(out + used, size - used, "%sline %ld: %s", used ? "; " : "", item->line,
				     item->text);
		else
			n = snprintf(out + used, size - used, "%s%s", used ? "; " : "", item->text);
		if (n < 0 || (size_t)n >= size - used) {
			truncated = true;
			used = size - 1;
			break;
		}
		used += (size_t)n;
	}
	if (truncated && size > 4) {
		if (used > size - 4)
			used = size - 4;
		memcpy(out + used, "...", 4);
	}
}

/* The grammar with its start replaced by <ref name="diagnosable"/>. */
static char *fragment_grammar(const char *text, size_t len)
{
	static const char start_tag[] = "<start>", end_tag[] = "</start>";
	static const char start_ref[] = "<start><ref name=\"diagnosable\"/>";
	const char *start = strstr(text, start_tag), *end = start ? strstr(start, end_tag) : NULL;
	size_t head, tail;
	char *out;

	if (!end)
		return NULL;
	head = (size_t)(start - text);
	tail = len - (size_t)(end - text);
	out = malloc(head + sizeof(start_ref) - 1 + tail + 1);
	if (!out)
		return NULL;
	memcpy(out, text, head);
	memcpy(out + head, start_ref, sizeof(start_ref) - 1);
	memcpy(out + head + sizeof(start_ref) - 1, end, tail);
	out[head + sizeof(start_ref) - 1 + tail] = '\0';
	return out;
}

/* Compiles and frees parser (NULL: out of memory); on failure NULL, with
 * libxml2's reasons in message. */
static xmlRelaxNGPtr compile_parser(xmlRelaxNGParserCtxtPtr parser, char *message, size_t size)
{
	struct error_list errors = {0};
	xmlRelaxNGPtr grammar = NULL;

	snprintf(message, size, "out of memory");
	if (parser) {
		xmlRelaxNGSetParserStructuredErrors(parser, collect_error, &errors);
		grammar = xmlRelaxNGParse(parser);
		xmlRelaxNGFreeParserCtxt(parser);
	}
	if (!grammar && errors.count) {
		error_list_prune(&errors);
		error_list_format(&errors, message, size);
	}
	error_list_finish(&errors);
	return grammar;
}

static xmlRelaxNGPtr compile_grammar(const char *name, const char *text, size_t len)
{
	char message[HV_ERROR_MESSAGE_MAX];
	xmlRelaxNGPtr grammar =
	    compile_parser(xmlRelaxNGNewMemParserCtxt(text, (int)len), message, sizeof(message));

	if (!grammar)
		log_error("the built-in %s schema does not compile: %s", name, message);
	return grammar;
}

/* Returns the compiled grammar (fragments: the diagnostic one, or NULL). */
static xmlRelaxNGPtr schema_get(enum hv_schema schema, bool fragments)
{
	const struct schema_info *info = &schemas[schema];
	struct compiled_schema *entry = &compiled[schema];
	size_t len = (size_t)(info->end - info->start);
	xmlRelaxNGPtr grammar;

	pthread_mutex_lock(&compile_lock);
	/* libxml2's datatype tables are global: build them here, under the
	 * lock, rather than racing inside two first compilations.  Both calls
	 * return at once after the first time. */
	xmlInitParser();
	xmlRelaxNGInitTypes();
	if (!fragments) {
		if (!entry->full)
			entry->full = compile_grammar(info->name, info->start, len);
		grammar = entry->full;
	} else {
		if (!entry->fragments && !entry->fragments_failed) {
			auto_free char *text = fragment_grammar(info->start, len);

			entry->fragments = text ? compile_grammar(info->name, text, strlen(text)) : NULL;
			entry->fragments_failed = !entry->fragments;
		}
		grammar = entry->fragments;
	}
	pthread_mutex_unlock(&compile_lock);
	return grammar;
}

/* 0 valid, 1 invalid, -1 libxml2 could not validate (out of memory). */
static int run_validation(xmlRelaxNGPtr grammar, xmlDocPtr doc, struct error_list *errors)
{
	xmlRelaxNGValidCtxtPtr ctxt = xmlRelaxNGNewValidCtxt(grammar);
	int ret;

	if (!ctxt)
		return -1;
	xmlRelaxNGSetValidStructuredErrors(ctxt, collect_error, errors);
	errors->context = xmlDocGetRootElement(doc);
	ret = xmlRelaxNGValidateDoc(ctxt, doc);
	errors->context = NULL;
	xmlRelaxNGFreeValidCtxt(ctxt);
	return ret < 0 ? -1 : ret > 0;
}

static bool is_diagnosable(const struct schema_info *info, xmlNodePtr parent, xmlNodePtr child)
{
	size_t parent_len = strlen((const char *)parent->name);

	if (child->type != XML_ELEMENT_NODE || child->ns || parent->ns)
		return false;
	for (const char *const *pair = info->diagnosable; *pair; pair++) {
		if (strncmp(*pair, (const char *)parent->name, parent_len) == 0 &&
		    (*pair)[parent_len] == '/' &&
		    strcmp(*pair + parent_len + 1, (const char *)child->name) == 0)
			return true;
	}
	return false;
}

/* Validates a copy of node as a document of its own; 1 when it fails. */
static int validate_fragment(xmlRelaxNGPtr fragments, xmlNodePtr node, struct error_list *errors)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr copy;
	int ret;

	if (!doc)
		return -1;
	/* The copy keeps the line numbers of the original, and namespace
	 * declarations from the ancestors it used. */
	copy = xmlDocCopyNode(node, doc, 1);
	if (!copy) {
		xmlFreeDoc(doc);
		return -1;
	}
	xmlDocSetRootElement(doc, copy);
	ret = run_validation(fragments, doc, errors);
	xmlFreeDoc(doc);
	return ret;
}

/* Adds to found the errors of the deepest diagnosable elements under parent
 * that fail on their own; returns whether there were any. */
static bool diagnose(const struct schema_info *info, xmlRelaxNGPtr fragments, xmlNodePtr parent,
		     struct error_list *found)
{
	bool any = false;

	for (xmlNodePtr child = parent->children; child; child = child->next) {
		struct error_list own = {0};

		if (!is_diagnosable(info, parent, child))
			continue;
		if (validate_fragment(fragments, child, &own) == 1) {
			any = true;
			if (!diagnose(info, fragments, child, found)) {
				error_list_prune(&own);
				for (unsigned i = 0; i < own.count; i++)
					error_list_add(found, own.items[i].line, own.items[i].code,
						       own.items[i].text);
				found->overflow |= own.overflow;
			}
		}
		error_list_finish(&own);
	}
	return any;
}

/* Whole-document errors that only say "something inside failed". */
static bool is_interleave_noise(int code)
{
	switch (code) {
	case XML_RELAXNG_ERR_CONTENTVALID:
	case XML_RELAXNG_ERR_EXTRACONTENT:
	case XML_RELAXNG_ERR_INTEREXTRA:
	case XML_RELAXNG_ERR_INTERSEQ:
		return true;
	default:
		return false;
	}
}

/* Validates doc against grammar.  0 valid; 1 invalid, with the reasons in
 * message; -1 out of memory.  fragments, when a document fails, gives the
 * grammar to diagnose it with (NULL: the whole-document errors stand). */
static int check_document(const struct schema_info *info, xmlRelaxNGPtr grammar,
			  xmlRelaxNGPtr (*fragments)(enum hv_schema schema), enum hv_schema schema,
			  xmlDocPtr doc, char *message, size_t size)
{
	struct error_list errors = {0}, diagnosed = {0};
	xmlRelaxNGPtr diagnostic;
	xmlNodePtr root;
	int ret = run_validation(grammar, doc, &errors);

	message[0] = '\0';
	if (ret <= 0) {
		error_list_finish(&errors);
		return ret;
	}
	root = xmlDocGetRootElement(doc);
	diagnostic = root && info->diagnosable && fragments ? fragments(schema) : NULL;
	if (diagnostic && diagnose(info, diagnostic, root, &diagnosed)) {
		for (unsigned i = 0; i < errors.count; i++) {
			if (!is_interleave_noise(errors.items[i].code))
				error_list_add(&diagnosed, errors.items[i].line, errors.items[i].code,
					       errors.items[i].text);
		}
		diagnosed.overflow |= errors.overflow;
		error_list_prune(&diagnosed);
		error_list_format(&diagnosed, message, size);
	} else {
		error_list_prune(&errors);
		error_list_format(&errors, message, size);
	}
	error_list_finish(&errors);
	error_list_finish(&diagnosed);
	if (!message[0])
		snprintf(message, size, "the document does not match the schema");
	return 1;
}

static xmlRelaxNGPtr own_fragments(enum hv_schema schema)
{
	return schema_get(schema, true);
}

int hv_schema_validate(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err)
{
	char message[HV_ERROR_MESSAGE_MAX - 32];
	xmlRelaxNGPtr grammar;
	int ret;

	if ((unsigned)schema >= ARRAY_SIZE(schemas) || !doc)
		return hv_error_set(err, EINVAL, "no such schema or no document");
	grammar = schema_get(schema, false);
	if (!grammar)
		return hv_error_set(err, EIO, "the built-in %s schema does not compile",
				    schemas[schema].name);
	ret = check_document(&schemas[schema], grammar, own_fragments, schema, doc, message, sizeof(message));
	if (ret < 0)
		return hv_error_set(err, ENOMEM, "out of memory while validating against the %s schema",
				    schemas[schema].name);
	/* Named, so that a reader can tell it from libvirt's schema and from
	 * the checks after the schemas (docs/paths.md, "Validation"). */
	return ret ? hv_error_set(err, EINVAL, "hvfs's %s schema: %s", schemas[schema].name, message) : 0;
}

/* --- libvirt's own schemas ------------------------------------------------ */

/* On a host with libvirt installed, a document hvfs's own schema and checks
 * accept must also pass libvirt's schema, so that nothing libvirt refuses
 * gets in.  They are read from disk (they are libvirt's, not hvfs's, and
 * follow the installed version), compiled on first use and kept.
 * Compiling domain.rng takes 20 ms on the idle test machine (150 ms loaded)
 * and validating a guest 0.1-1 ms, so this stays lazy: nothing at startup,
 * the first definition written pays once. */

#define LIBVIRT_SCHEMA_DIR "/usr/share/libvirt/schemas"

static void free_xml_text_(xmlChar **text)
{
	if (*text)
		xmlFree(*text);
}
#define auto_xml_text __attribute__((cleanup(free_xml_text_)))

static const char *const libvirt_files[] = {
    [HV_SCHEMA_DOMAIN] = "domain.rng",	   [HV_SCHEMA_NETWORK] = "network.rng",
    [HV_SCHEMA_POOL] = "storagepool.rng",  [HV_SCHEMA_CAPABILITIES] = "capability.rng",
    [HV_SCHEMA_VOLUME] = "storagevol.rng",
};

/* libvirt's domain grammar has a define for each of these elements (same
 * name): the diagnosis validates them one by one, as for hvfs's own. */
static const char *const libvirt_domain_diagnosable[] = {
    "domain/devices", "devices/console",   "devices/controller", "devices/disk", "devices/hostdev",
    "devices/input",  "devices/interface", "devices/serial",	 NULL,
};
/* Only defines that are one element: a start may not be a group ("os" is
 * a choice of groups). */
static const char *const libvirt_domain_defines[] = {
    "devices", "console", "controller", "disk", "hostdev", "input", "interface", "serial", NULL,
};

struct libvirt_grammar {
	bool tried, fragments_tried;
	xmlRelaxNGPtr full, fragments;
};

static struct {
	bool chosen;
	char dir[4096]; /* "" when off */
	struct libvirt_grammar grammars[ARRAY_SIZE(schemas)];
} libvirt;

static void libvirt_forget(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(libvirt.grammars); i++) {
		xmlRelaxNGFree(libvirt.grammars[i].full);
		xmlRelaxNGFree(libvirt.grammars[i].fragments);
		libvirt.grammars[i] = (struct libvirt_grammar){0};
	}
}

/* Under compile_lock. */
static void libvirt_choose(const char *dir)
{
	if (!dir)
		dir = getenv("HVFS_LIBVIRT_SCHEMAS");
	if (!dir)
		dir = LIBVIRT_SCHEMA_DIR;
	if (strcmp(dir, "none") == 0 || strlen(dir) >= sizeof(libvirt.dir))
		dir = "";
	snprintf(libvirt.dir, sizeof(libvirt.dir), "%s", dir);
	libvirt.chosen = true;
}

void hv_schema_set_libvirt_dir(const char *dir)
{
	pthread_mutex_lock(&compile_lock);
	libvirt_forget();
	libvirt_choose(dir);
	pthread_mutex_unlock(&compile_lock);
}

const char *hv_schema_libvirt_dir(void)
{
	pthread_mutex_lock(&compile_lock);
	if (!libvirt.chosen)
		libvirt_choose(NULL);
	pthread_mutex_unlock(&compile_lock);
	return libvirt.dir;
}

/* "<grammar ...><include href='DIR/domain.rng'><start><choice><ref .../>
 * ...</choice></start></include></grammar>": libvirt's grammar whose start
 * is any of the diagnosable elements. */
static char *libvirt_fragment_grammar(const char *path)
{
	auto_xml_text xmlChar *uri = xmlPathToURI(BAD_CAST path);
	auto_xml_text xmlChar *href = uri ? xmlEncodeSpecialChars(NULL, uri) : NULL;
	size_t size = 512 + (href ? strlen((const char *)href) : 0), used;
	char *out;

	if (!href)
		return NULL;
	for (const char *const *d = libvirt_domain_defines; *d; d++)
		size += strlen(*d) + 32;
	out = malloc(size);
	if (!out)
		return NULL;
	used = (size_t)snprintf(out, size,
				"<grammar xmlns='http://relaxng.org/ns/structure/1.0'><include href='%s'>"
				"<start><choice>",
				(const char *)href);
	for (const char *const *d = libvirt_domain_defines; *d; d++)
		used += (size_t)snprintf(out + used, size - used, "<ref name='%s'/>", *d);
	snprintf(out + used, size - used, "</choice></start></include></grammar>");
	return out;
}

static xmlRelaxNGPtr compile_libvirt(xmlRelaxNGParserCtxtPtr parser, const char *what)
{
	char message[HV_ERROR_MESSAGE_MAX];
	xmlRelaxNGPtr grammar = compile_parser(parser, message, sizeof(message));

	/* A broken installation of libvirt must not stop every definition. */
	if (!grammar)
		log_warning("%s does not compile, and is not used: %s", what, message);
	return grammar;
}

/* The compiled libvirt grammar (fragments: the diagnostic one), or NULL
 * when libvirt's schemas are off, not installed or broken. */
static xmlRelaxNGPtr libvirt_get(enum hv_schema schema, bool fragments)
{
	struct libvirt_grammar *entry = &libvirt.grammars[schema];
	char path[sizeof(libvirt.dir) + 32];
	xmlRelaxNGPtr grammar = NULL;

	pthread_mutex_lock(&compile_lock);
	if (!libvirt.chosen)
		libvirt_choose(NULL);
	xmlInitParser();
	xmlRelaxNGInitTypes();
	snprintf(path, sizeof(path), "%s/%s", libvirt.dir, libvirt_files[schema]);
	if (!libvirt.dir[0]) {
		grammar = NULL;
	} else if (!fragments) {
		if (!entry->tried && access(path, R_OK) == 0)
			entry->full = compile_libvirt(xmlRelaxNGNewParserCtxt(path), path);
		entry->tried = true;
		grammar = entry->full;
	} else if (schema == HV_SCHEMA_DOMAIN && entry->full) {
		if (!entry->fragments_tried) {
			auto_free char *text = libvirt_fragment_grammar(path);

			if (text)
				entry->fragments =
				    compile_libvirt(xmlRelaxNGNewMemParserCtxt(text, (int)strlen(text)),
						    "libvirt's domain grammar");
		}
		entry->fragments_tried = true;
		grammar = entry->fragments;
	}
	pthread_mutex_unlock(&compile_lock);
	return grammar;
}

static xmlRelaxNGPtr libvirt_fragments(enum hv_schema schema)
{
	return libvirt_get(schema, true);
}

bool hv_schema_libvirt_available(enum hv_schema schema)
{
	return (unsigned)schema < ARRAY_SIZE(schemas) && libvirt_get(schema, false) != NULL;
}

int hv_schema_validate_libvirt(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err)
{
	struct schema_info info = {.name = NULL};
	char message[HV_ERROR_MESSAGE_MAX - 48];
	xmlRelaxNGPtr grammar;
	int ret;

	if ((unsigned)schema >= ARRAY_SIZE(schemas) || !doc)
		return hv_error_set(err, EINVAL, "no such schema or no document");
	grammar = libvirt_get(schema, false);
	if (!grammar)
		return 0;
	info.name = libvirt_files[schema];
	info.diagnosable = schema == HV_SCHEMA_DOMAIN ? libvirt_domain_diagnosable : NULL;
	ret = check_document(&info, grammar, libvirt_fragments, schema, doc, message, sizeof(message));
	if (ret < 0)
		return hv_error_set(err, ENOMEM, "out of memory while validating against libvirt's %s",
				    libvirt_files[schema]);
	if (ret == 0)
		return 0;
	log_info("refused by libvirt's schema %s/%s: %s", libvirt.dir, libvirt_files[schema], message);
	return hv_error_set(err, EINVAL, "libvirt's schema %s: %s", libvirt_files[schema], message);
}

const char *hv_schema_text(enum hv_schema schema, size_t *len)
{
	if ((unsigned)schema >= ARRAY_SIZE(schemas))
		return NULL;
	if (len)
		*len = (size_t)(schemas[schema].end - schemas[schema].start);
	return schemas[schema].start;
}

const char *hv_schema_name(enum hv_schema schema)
{
	if ((unsigned)schema >= ARRAY_SIZE(schemas))
		return NULL;
	return schemas[schema].name;
}

void hv_schema_cleanup(void)
{
	pthread_mutex_lock(&compile_lock);
	for (size_t i = 0; i < ARRAY_SIZE(compiled); i++) {
		xmlRelaxNGFree(compiled[i].full);
		xmlRelaxNGFree(compiled[i].fragments);
		compiled[i] = (struct compiled_schema){0};
	}
	libvirt_forget();
	libvirt.chosen = false;
	pthread_mutex_unlock(&compile_lock);
}
