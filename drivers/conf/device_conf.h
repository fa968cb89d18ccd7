/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A domain's devices as hvfs shows them (domains/NAME/devices/CLASS/DEV/):
 * the children of <devices>, named and described as driver.h's struct
 * hv_device_info says, with what a driver needs to give them addresses.
 *
 * Naming: a disk by its target dev (vda), a controller by TYPE.INDEX
 * (pci.0), every other device by its position among the devices of its
 * class, from 0 (interface/0, console/0).  <emulator> is a path, not a
 * device, and is left out.
 *
 * Every function returns 0 or a negative errno with one sentence in err. */
#ifndef HVFS_DRIVERS_CONF_DEVICE_CONF_H
#define HVFS_DRIVERS_CONF_DEVICE_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "drivers/conf/address.h"
#include "drivers/driver.h"
#include "util/error.h"

struct hv_device_def {
	struct hv_device_info info; /* class, name, attributes; address and mac as written ("" when absent) */
	unsigned position;	    /* among <devices>' children called info.cls, from 1 (an XPath index) */
	struct hv_device_address address; /* as written; NONE when absent */
	/* What the device gets allocated when it has no address: PCI for a
	 * virtio disk and for an interface, DRIVE (on drive_bus) for an ide,
	 * sata or scsi disk, NONE for the rest. */
	enum hv_address_type wants;
	enum hv_drive_bus drive_bus;
	bool is_interface; /* has a MAC: mac when has_mac, else one is allocated */
	bool has_mac;
	struct hv_mac_address mac;
	char network[HV_NAME_MAX + 1]; /* an interface of type network: its network; else "" */
	/* A <console> with <target type='serial'> (or none): libvirt's second
	 * view of the serial port at its index, when there is one. */
	bool serial_console;
};

struct hv_device_defs {
	struct hv_device_def *devices;
	size_t count;
	/* How many controllers of each drive bus the domain declares (at least
	 * 1: libvirt adds the first one implicitly). */
	unsigned drive_controllers[3];
	/* The PCI buses its <controller type='pci'> elements provide. */
	struct hv_pci_buses pci_buses;
};
void hv_device_defs_finish(struct hv_device_defs *defs);

/* The devices of a domain document that has been validated already (the
 * stored definition): parsed, not validated again.  -EINVAL for a device
 * hvfs cannot name (a disk without target) or two with one name.
 * A console that is a serial port's second view (libvirt writes the
 * port's address into both) holds no address of its own: its address is
 * kept as written (type OTHER), not reserved a second time. */
int hv_domain_devices_parse(const char *xml, size_t len, struct hv_device_defs *out, struct hv_error *err);

/* One device element for attach (<disk ...>...</disk>), with an optional
 * XML declaration and blanks around it: checked against the domain schema
 * as part of <devices>, errors naming lines of the fragment.  *element is
 * the element's text as written (heap), without the declaration and the
 * blanks.  out->position is 0: the caller knows where it goes. */
int hv_device_fragment_parse(const char *xml, size_t len, struct hv_device_def *out, char **element,
			     struct hv_error *err);

/* Sets key to value in info (replacing it, or adding it): 0, or -ENOSPC
 * when info is full, -ENAMETOOLONG when it does not fit. */
int hv_device_info_set(struct hv_device_info *info, const char *key, const char *value);

#endif
