/* Where an XML document written piece by piece ends.
 *
 * A writer hands a document over in as many write(2) calls as it likes
 * (a shell's one, vim's 8 KiB blocks, `dd bs=1`); hvfs applies it in the
 * write that completes it, so that the error reaches the shell, which never
 * looks at close(2).  A document is complete the moment its root element
 * closes; after that only whitespace, comments and processing instructions
 * may follow.  libxml2's push parser decides this (CDATA, comments and
 * attribute values holding '>' are its business), with the same safety
 * settings as every other parse (drivers/conf/conf.h): no network, no
 * entities expanded, a DOCTYPE refused.  It builds no tree: it only counts
 * elements, so feeding it costs one pass over the bytes. */
#ifndef HVFS_DRIVERS_CONF_XML_STREAM_H
#define HVFS_DRIVERS_CONF_XML_STREAM_H

#include <stddef.h>

#include "util/error.h"

struct hv_xml_stream;

/* A detector for one document; NULL when out of memory. */
struct hv_xml_stream *hv_xml_stream_new(void);
void hv_xml_stream_free(struct hv_xml_stream *stream);

/* Feeds the next len bytes of the document.  Returns 0 while the root
 * element has not closed; 1 once it has and everything after it so far is
 * whitespace, comments or processing instructions (or the start of one);
 * -EINVAL (with "line N: reason" in err) once the bytes fed can no longer
 * begin a well-formed document: malformed XML, a DOCTYPE, anything else
 * after the root element.  The answer stays -EINVAL for any later feed.
 * -EFBIG above HV_XML_MAX bytes in all, -ENOMEM. */
int hv_xml_stream_feed(struct hv_xml_stream *stream, const char *data, size_t len, struct hv_error *err);

#endif
