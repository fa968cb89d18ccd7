/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host as Linux describes it, for the drivers whose host is this
 * machine (lxc:///, qemu:///system): its CPUs and memory from /proc, its
 * UUID from /etc/machine-id, and a capabilities document naming the
 * guests the driver runs. */
#ifndef HVFS_DRIVERS_HOST_LINUX_H
#define HVFS_DRIVERS_HOST_LINUX_H

#include "drivers/driver.h"

/* hypervisor_version: what the driver runs on ("linux 6.1.0", "qemu 7.2.0"). */
int hv_linux_host_info(struct hv_host_info *info, const char *hypervisor_version, struct hv_error *err);
/* os_type: the guests' <os_type> (exe, hvm); domain_types: their
 * <domain type=...> values, NULL-terminated. */
int hv_linux_host_capabilities(const char *os_type, const char *const *domain_types, char **xml,
			       struct hv_error *err);

#endif
