/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The end of a document written piece by piece (drivers/conf/xml_stream.h):
 * libxml2's push parser with SAX callbacks that only count element depth. */
#include "drivers/conf/xml_stream.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "drivers/conf/conf_internal.h"

struct hv_xml_stream {
	xmlParserCtxtPtr ctxt; /* made at the first feed */
	struct conf_parse_state state;
	size_t fed;
	unsigned long depth; /* elements open */
	bool root_closed;
	struct hv_error failure; /* code set once the document cannot be well-formed */
};

/* The callbacks get the context (no userData); its _private is the
 * stream's error state (conf_parser_secure). */
static struct hv_xml_stream *stream_of(void *data)
{
	xmlParserCtxtPtr ctxt = data;

	return (struct hv_xml_stream *)((char *)ctxt->_private - offsetof(struct hv_xml_stream, state));
}

static void on_start(void *data, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
		     int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
		     const xmlChar **attributes)
{
	stream_of(data)->depth++;
}

static void on_end(void *data, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct hv_xml_stream *stream = stream_of(data);

	if (stream->depth > 0 && --stream->depth == 0)
		stream->root_closed = true;
}

struct hv_xml_stream *hv_xml_stream_new(void)
{
	return calloc(1, sizeof(struct hv_xml_stream));
}

void hv_xml_stream_free(struct hv_xml_stream *stream)
{
	if (!stream)
		return;
	if (stream->ctxt) {
		xmlFreeDoc(stream->ctxt->myDoc); /* none is built; in case libxml2 made one anyway */
		stream->ctxt->myDoc = NULL;
		xmlFreeParserCtxt(stream->ctxt);
	}
	free(stream);
}

static int start(struct hv_xml_stream *stream)
{
	xmlSAXHandler sax = {0};

	conf_parser_init();
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	stream->ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, NULL);
	if (!stream->ctxt)
		return -ENOMEM;
	conf_parser_secure(stream->ctxt, &stream->state);
	return 0;
}

enum epilog { EPILOG_DONE, EPILOG_PARTIAL, EPILOG_STRAY };

/* What the parser left unread after the root element.  It reads a comment
 * or processing instruction only once it has all of it, and waits for a
 * second byte before it judges what a '<' begins: blanks only means every
 * byte so far is judged; a '<' that may begin a comment or PI waits for
 * more; anything else (a lone `x` in `<a/>x`, which the parser would judge
 * only at the next byte) cannot follow the root. */
static enum epilog epilog_state(xmlParserCtxtPtr ctxt)
{
	xmlParserInputPtr input = ctxt->input;

	if (!input || !input->cur || !input->end)
		return EPILOG_DONE;
	const xmlChar *p = input->cur;
	while (p < input->end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	if (p == input->end)
		return EPILOG_DONE;
	if (*p != '<' || (p + 1 < input->end && p[1] != '?' && p[1] != '!'))
		return EPILOG_STRAY;
	return EPILOG_PARTIAL;
}

int hv_xml_stream_feed(struct hv_xml_stream *stream, const char *data, size_t len, struct hv_error *err)
{
	enum epilog epilog;
	int ret;

	if (stream->failure.code)
		return hv_error_set(err, stream->failure.code, "%s", stream->failure.message);
	if (len > (size_t)HV_XML_MAX - stream->fed)
		return hv_error_set(err, EFBIG, "the XML document is more than the limit of %d bytes",
				    HV_XML_MAX);
	if (!stream->ctxt && (ret = start(stream)) < 0)
		return hv_error_set(err, -ret, "out of memory while parsing XML");
	if (len == 0)
		return stream->root_closed && epilog_state(stream->ctxt) == EPILOG_DONE ? 1 : 0;
	stream->fed += len;
	xmlParseChunk(stream->ctxt, data, (int)len, 0);
	if (stream->state.failed || stream->state.doctype_line > 0 || !stream->ctxt->wellFormed)
		conf_parse_failure(&stream->state, &stream->failure);
	else if (!stream->root_closed)
		return 0;
	else if ((epilog = epilog_state(stream->ctxt)) != EPILOG_STRAY)
		return epilog == EPILOG_DONE ? 1 : 0;
	else
		hv_error_set(&stream->failure, EINVAL, "line %d: Extra content at the end of the document",
			     stream->ctxt->input ? stream->ctxt->input->line : 0);
	return hv_error_set(err, stream->failure.code, "%s", stream->failure.message);
}
