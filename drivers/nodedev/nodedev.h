/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What drivers that model host devices (host/devices/) share: building
 * struct hv_nodedev_info records and naming devices as libvirt does. */
#ifndef HVFS_DRIVERS_NODEDEV_H
#define HVFS_DRIVERS_NODEDEV_H

#include <stddef.h>

#include "drivers/driver.h"

/* The name of the root of every device tree. */
#define HV_NODEDEV_COMPUTER "computer"

/* Sets key to value (first line only, trailing blanks dropped, truncated to
 * fit), replacing an earlier value of key.  -ENOSPC when the record already
 * has HV_NODEDEV_ATTRS_MAX keys. */
int hv_nodedev_set_attr(struct hv_nodedev_info *info, const char *key, const char *value);
/* The value of key, or NULL. */
const char *hv_nodedev_get_attr(const struct hv_nodedev_info *info, const char *key);
/* libvirt's device names: every character that is not an ASCII letter or
 * digit becomes '_' (pci_0000_00_1f_2, usb_1_2, net_eth0_52_54_00_12_34_56). */
void hv_nodedev_sanitize_name(char *name);
/* Appends a copy of name to list (grown one by one); 0 or -ENOMEM. */
int hv_nodedev_list_add(struct hv_name_list *list, const char *name);

#endif
