/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RelaxNG validation against the schemas in schema/ (compiled into the
 * binary, so a running hvfs never depends on files outside it). */
#ifndef HVFS_SCHEMA_VALIDATE_H
#define HVFS_SCHEMA_VALIDATE_H

#include <libxml/tree.h>
#include <stdbool.h>

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
/* libvirt's own schema for the same kind (domain.rng, network.rng,
 * storagepool.rng, storagevol.rng, capability.rng), read from the directory
 * HVFS_LIBVIRT_SCHEMAS names (default /usr/share/libvirt/schemas, where
 * Debian's libvirt0 installs them; "none" turns this off) and compiled on
 * first use.  0 when the document passes, or when that schema is not
 * installed (or does not compile: logged once); -EINVAL with "libvirt's
 * schema domain.rng: line N: ..." in err; -ENOMEM. */
int hv_schema_validate_libvirt(enum hv_schema schema, xmlDocPtr doc, struct hv_error *err);
/* Whether libvirt's schema for the kind is there and compiles. */
bool hv_schema_libvirt_available(enum hv_schema schema);
/* The directory in use ("" when off).  set: dir, or NULL for the
 * environment's choice again; drops what was compiled.  Not while other
 * threads validate: for tests and start-up. */
const char *hv_schema_libvirt_dir(void);
void hv_schema_set_libvirt_dir(const char *dir);
/* The schema's RelaxNG text, for `make install` and tests. */
const char *hv_schema_text(enum hv_schema schema, size_t *len);
const char *hv_schema_name(enum hv_schema schema); /* "domain" */
void hv_schema_cleanup(void);

#endif
