/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libvirt-compatible XML for domains, networks and pools: parse (safely),
 * validate (RelaxNG, then semantics), extract what drivers need, and edit the
 * user's document in place so that fields changed through attribute files
 * show up in config.xml without losing the rest of the user's text.
 *
 * Parsing never touches the network, never expands entities and refuses a
 * DOCTYPE.  Every error is -EINVAL (or -ENOMEM, -EFBIG) with one sentence in
 * err that names the line where libxml2 or the schema found it. */
#ifndef HVFS_DRIVERS_CONF_H
#define HVFS_DRIVERS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/names.h"
#include "util/uuid.h"

#define HV_XML_MAX (1024 * 1024) /* EFBIG above (docs/paths.md, conventions) */

struct hv_domain_def {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1]; /* "" when the XML has none */
	char type[16];		       /* <domain type=...>: test, kvm, xen, lxc */
	char os_type[16];	       /* <os><type>: hvm, xen, linux, exe */
	uint64_t max_memory_kib;       /* <memory> */
	uint64_t memory_kib;	       /* <currentMemory>, = max when absent */
	unsigned max_vcpus;	       /* <vcpu> */
	unsigned vcpus;		       /* <vcpu current=...>, = max when absent */
	char on_poweroff[16];	       /* destroy, restart, preserve, rename-restart */
	char on_reboot[16];
	char on_crash[24]; /* also coredump-destroy, coredump-restart */
	unsigned disk_count;
	unsigned interface_count;
};

struct hv_network_def {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char bridge[16];       /* <bridge name=...>, "" when absent */
	char forward_mode[16]; /* <forward mode=...>, "" when isolated */
	char ip_address[64];   /* first <ip address=...>, "" when none */
	char ip_netmask[64];   /* netmask=..., or derived from prefix=... */
	char dhcp_start[64];   /* first <dhcp><range start=... end=...> */
	char dhcp_end[64];
};

struct hv_pool_def {
	char name[HV_NAME_MAX + 1];
	char uuid[HV_UUID_STRLEN + 1];
	char type[16];		/* <pool type=...>: dir, logical, ... */
	char target_path[4096]; /* <target><path> */
	uint64_t capacity;	/* bytes, from <capacity unit=...> when present, else 0 */
	uint64_t allocation;
	uint64_t available;
};

/* A storage volume as written to volumes/VOL/config.xml (libvirt's
 * <volume>): what hvfs applies of it.  The rest (key, permissions, ...)
 * describes the file and is regenerated from it. */
struct hv_volume_def {
	char name[HV_NAME_MAX + 1];
	bool has_capacity;	/* <capacity> present */
	uint64_t capacity;	/* bytes (a missing unit means bytes) */
	char format[16];	/* <target><format type=...>, "" when absent */
	char target_path[4096]; /* <target><path>, "" when absent */
};

/* What a volume's generated config.xml says (hv_volume_xml_format). */
struct hv_volume_state {
	const char *name;
	const char *path;
	const char *format;
	uint64_t capacity;
	uint64_t allocation;
};

/* Parse + validate + extract.  expected_name, when not NULL, must equal the
 * XML's <name> ("the name matches the directory").  Semantic checks: name
 * valid (util/names.h), uuid well-formed, memory <= max, vcpus <= max,
 * both >= 1. */
int hv_domain_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_domain_def *def,
			struct hv_error *err);
int hv_network_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_network_def *def,
			 struct hv_error *err);
int hv_pool_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_pool_def *def,
		      struct hv_error *err);
/* The same for a definition hvfs stored itself (a state directory,
 * test:///PATH, a seed): every check but libvirt's schema, which judged the
 * document when it was written.  A libvirt upgrade must not make a stored
 * definition unreadable (a container would vanish from domains/), and
 * drivers read stored definitions on hot paths (xen: every info). */
int hv_domain_def_parse_stored(const char *xml, size_t len, const char *expected_name,
			       struct hv_domain_def *def, struct hv_error *err);
int hv_network_def_parse_stored(const char *xml, size_t len, const char *expected_name,
				struct hv_network_def *def, struct hv_error *err);
int hv_pool_def_parse_stored(const char *xml, size_t len, const char *expected_name, struct hv_pool_def *def,
			     struct hv_error *err);

/* Volume XML: validated against schema/storagevol.rng; the name must be
 * expected_name (when not NULL).  Units as in libvirt. */
int hv_volume_def_parse(const char *xml, size_t len, const char *expected_name, struct hv_volume_def *def,
			struct hv_error *err);
/* The volume XML libvirt's vol-dumpxml would show for state (sizes in
 * bytes, the path escaped); a new heap string.  0 or -ENOMEM. */
int hv_volume_xml_format(const struct hv_volume_state *state, char **out);

/* The files a domain's disks use: <disk type='file'><source file='...'/>
 * of domain XML (already validated: only parsed here), as count heap
 * strings in *files (free each and the array; NULL when count is 0). */
int hv_domain_disk_files(const char *xml, size_t len, char ***files, size_t *count, struct hv_error *err);

/* Rewrite the user's document so that it states def's fields, touching only
 * the elements whose value differs (creating them when missing, e.g. a
 * <uuid> the user left out, after the element libvirt puts before it and
 * indented as that one is): for a domain name, uuid, memory, currentMemory
 * (a changed one in KiB, unit='KiB' where it had a unit), vcpu and
 * vcpu/@current; for networks and pools name and uuid.  Every other byte is
 * kept as the user wrote it (quotes, blanks, comments, declaration), so when
 * nothing differs *out equals the input byte for byte.  *out is a new heap
 * string; the input is not modified. */
int hv_domain_xml_update(const char *xml, size_t len, const struct hv_domain_def *def, char **out,
			 struct hv_error *err);
int hv_network_xml_update(const char *xml, size_t len, const struct hv_network_def *def, char **out,
			  struct hv_error *err);
int hv_pool_xml_update(const char *xml, size_t len, const struct hv_pool_def *def, char **out,
		       struct hv_error *err);

/* Defaults for mkdir: a complete, schema-valid definition.
 * Domain: domain_type ("test"), os hvm, 1 vCPU, 128 MiB, no devices.
 * Network: isolated, bridge bridge_name (may be NULL for none), no IP.
 * Pool: type dir, target path target_path. */
int hv_domain_xml_default(const char *name, const char *uuid, const char *domain_type, char **out);
int hv_network_xml_default(const char *name, const char *uuid, const char *bridge_name, char **out);
int hv_pool_xml_default(const char *name, const char *uuid, const char *target_path, char **out);

/* Memory in libvirt units: value with unit b, bytes, KB, k, KiB, MB, M, MiB,
 * GB, G, GiB, TB, T, TiB (KB etc. decimal as in libvirt).  Returns KiB,
 * rounded up.  0 or -EINVAL / -ERANGE. */
int hv_conf_parse_memory(const char *value, const char *unit, uint64_t *kib);

/* Frees libxml2's global state at exit (for leak checkers). */
void hv_conf_cleanup(void);

#endif
