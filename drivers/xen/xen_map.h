/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure mappings of the Xen driver, kept apart from libxenctrl, libxenstore
 * and libxl so that unit tests on a host without Xen can check them:
 * hypervisor flags -> domain states (docs/paths.md), XenbusState numbers -> names, and the
 * domain XML -> the guest description that xen_libxl.c hands to libxl. */
#ifndef HVFS_DRIVERS_XEN_MAP_H
#define HVFS_DRIVERS_XEN_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/conf/conf.h"
#include "drivers/driver.h"
#include "util/error.h"

/* The bits of xc_domaininfo_t.flags this driver reads, restated so that the
 * mapping compiles without Xen's headers (xen/domctl.h; checked against
 * them in xen_domain.c). */
#define XEN_MAP_DYING	       (1u << 0)
#define XEN_MAP_SHUTDOWN       (1u << 2)
#define XEN_MAP_PAUSED	       (1u << 3)
#define XEN_MAP_BLOCKED	       (1u << 4)
#define XEN_MAP_RUNNING	       (1u << 5)
#define XEN_MAP_SHUTDOWN_SHIFT 16
#define XEN_MAP_SHUTDOWN_MASK  0xffu

/* Shutdown reasons (xen/sched.h SHUTDOWN_*). */
enum xen_shutdown_reason {
	XEN_SHUTDOWN_POWEROFF = 0,
	XEN_SHUTDOWN_REBOOT = 1,
	XEN_SHUTDOWN_SUSPEND = 2,
	XEN_SHUTDOWN_CRASH = 3,
	XEN_SHUTDOWN_WATCHDOG = 4,
	XEN_SHUTDOWN_SOFT_RESET = 5,
};

/* The state (docs/paths.md) of a domain the hypervisor reports with flags. */
enum hv_domain_state xen_state_from_flags(uint32_t flags);
/* The shutdown reason in flags (meaningful when XEN_MAP_SHUTDOWN is set). */
unsigned xen_shutdown_reason(uint32_t flags);

/* "Connected" for 4, ...; "Unknown" for anything out of range. */
const char *xen_xenbus_state_name(long state);
/* Parses a XenStore value ("4") into its name; "Unknown" when malformed. */
const char *xen_xenbus_state_text(const char *value);

#define XEN_GUEST_DISKS_MAX 8
#define XEN_GUEST_NICS_MAX  8

/* What it takes to build a PV guest, from libvirt's <domain type='xen'>. */
struct xen_guest_def {
	struct hv_domain_def def;
	char kernel[1024];  /* <os><kernel> */
	char initrd[1024];  /* <os><initrd>, "" when none */
	char cmdline[1024]; /* <os><cmdline>, "" when none */
	unsigned disk_count;
	struct {
		char source[1024]; /* <source file=|dev=> */
		char target[32];   /* <target dev=>: xvda */
		bool readonly;	   /* <readonly/> */
	} disks[XEN_GUEST_DISKS_MAX];
	unsigned nic_count;
	struct {
		char mac[18];	 /* <mac address=>, "" = let libxl choose */
		char bridge[16]; /* <source bridge=>, "" = libxl's default */
	} nics[XEN_GUEST_NICS_MAX];
};

/* Parses, validates (hv_domain_def_parse, or _stored for a definition read
 * back from state_dir: stored) and extracts a guest definition.
 * -EINVAL with a sentence when the XML is not a <domain type='xen'> with
 * <os><type>xen</type> (PV; the only kind this driver builds) or names more
 * devices than it supports.  The kernel is checked only by start. */
int xen_guest_def_parse(const char *xml, size_t len, const char *expected_name, bool stored,
			struct xen_guest_def *guest, struct hv_error *err);

/* The definition shown for a domain hvfs has no XML for (made by xl): a
 * new heap string.  0 or -ENOMEM. */
int xen_domain_xml_synth(const struct hv_domain_info *info, char **out);
/* The definition mkdir gives: PV, 128 MiB, 1 vCPU, no kernel yet. */
int xen_domain_xml_default(const char *name, const char *uuid, char **out);

#endif
