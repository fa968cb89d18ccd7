/* RelaxNG validation against the schemas in schema/ (compiled into the
 * binary, so a running hvfs never depends on files outside it). */
#ifndef HVFS_SCHEMA_VALIDATE_H
#define HVFS_SCHEMA_VALIDATE_H

#include <libxml/tree.h>

#include "util/error.h"

enum hv_schema {
	HV_SCHEMA_DOMAIN,
	HV_SCHEMA_NETWORK,
	HV_SCHEMA_POOL,
	HV_SCHEMA_CAPABILITIES,
	HV_SCHEMA_VOLUME,
};

/* Returns 0, or -EINVAL with every violation gathered into err->message
 * ("line N: ...; line M: ..."), or -ENOMEM.  Thread-safe; the compiled schema
 * is built once and shared. */
int hv_schema_validate(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err);
/* The schema's RelaxNG text, for `make install` and tests. */
const char *hv_schema_text(enum hv_schema schema, size_t *len);
const char *hv_schema_name(enum hv_schema schema); /* "domain" */
void hv_schema_cleanup(void);

#endif
