/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where an XML document written piece by piece ends.
 *
 * A writer hands a document over in as many write(2) calls as it likes
 * (a shell's one, vim's 8 KiB blocks, `dd bs=1`); hvfs applies it in the
 * write that completes it, so that the error reaches the shell, which never
 * looks at close(2).  A document is complete the moment its root element
 * closes (unless that write ends inside a comment or processing instruction
 * after the root: the user's bytes are stored as written, so that one must
 * end first); after it only whitespace, comments and PIs may follow.
 * libxml2's push parser decides this (CDATA, comments and attribute values
 * holding '>' are its business), with the same safety
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

/* Feeds the next len bytes of the document.  Returns 1 when the bytes fed
 * so far are a complete document: its root element has closed, and what
 * follows it is whitespace, comments and processing instructions, all of
 * them ended.  0 while it is incomplete: the root is open, or a comment or
 * PI after it has not ended yet (the bytes that end it complete the
 * document again).  -EINVAL (with "line N: reason" in err) once the bytes
 * fed can no longer begin a well-formed document: malformed XML, a
 * DOCTYPE, anything else after the root element; that answer stays for
 * any later feed.  -EFBIG above HV_XML_MAX bytes in all, -ENOMEM. */
int hv_xml_stream_feed(struct hv_xml_stream *stream, const char *data, size_t len, struct hv_error *err);

#endif
