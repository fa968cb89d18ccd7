/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The host's device tree read from sysfs, for every driver that serves a
 * real host (and for the test driver's host_devices=sysfs).  No state: each
 * call reads sysfs afresh, so hot-plugged devices come and go.
 *
 * root is the sysfs mount ("/sys"), a parameter so that tests can point it
 * at a small fake tree of the same shape. */
#ifndef HVFS_DRIVERS_NODEDEV_SYSFS_H
#define HVFS_DRIVERS_NODEDEV_SYSFS_H

#include "drivers/driver.h"

/* Every device: "computer" first, then PCI functions, USB devices, SCSI
 * hosts, network interfaces and disks, each group sorted by name.  A class
 * directory missing from sysfs (no USB on this host) is no error. */
int nodedev_sysfs_list(const char *root, struct hv_name_list *out, struct hv_error *err);
/* The record of device name; -ENOENT when there is no such device. */
int nodedev_sysfs_info(const char *root, const char *name, struct hv_nodedev_info *info,
		       struct hv_error *err);

#endif
