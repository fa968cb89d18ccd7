/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device addresses as libvirt writes them, and the address spaces drivers
 * allocate them from (util/addr_alloc.h).
 *
 *   PCI    <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>   0000:00:03.0
 *   drive  <address type='drive' controller='0' bus='0' target='0' unit='1'/>            0:0:0:1
 *   MAC    <mac address='52:54:00:12:34:56'/>                                           52:54:00:12:34:56
 *
 * The string forms are what the device trees show in their address and mac
 * files; the parsers take one optional trailing newline, like util/parse.h.
 * Every parser returns 0 or -EINVAL with one sentence in err. */
#ifndef HVFS_DRIVERS_CONF_ADDRESS_H
#define HVFS_DRIVERS_CONF_ADDRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr_alloc.h"
#include "util/error.h"

/* libvirt's ranges (virPCIDeviceAddressIsValid). */
#define HV_PCI_DOMAIN_MAX   0xffff
#define HV_PCI_BUS_MAX	    0xff
#define HV_PCI_SLOT_MAX	    0x1f
#define HV_PCI_FUNCTION_MAX 7

#define HV_PCI_ADDRESS_STRLEN 12  /* "0000:00:03.0", without the NUL */
#define HV_MAC_ADDRESS_STRLEN 17  /* "52:54:00:12:34:56" */
#define HV_ADDRESS_TEXT_MAX   48  /* any string form, with the NUL */
#define HV_ADDRESS_XML_MAX    160 /* any <address .../>, with the NUL */

enum hv_switch { HV_SWITCH_DEFAULT, HV_SWITCH_ON, HV_SWITCH_OFF };

struct hv_pci_address {
	uint32_t domain, bus, slot, function;
	enum hv_switch multifunction; /* written back only when set, as libvirt does */
};

struct hv_drive_address {
	uint32_t controller, bus, target, unit;
};

struct hv_mac_address {
	uint8_t bytes[6];
};

enum hv_address_type {
	HV_ADDRESS_NONE,  /* no <address>: the driver allocates one */
	HV_ADDRESS_PCI,	  /* all zero means "any PCI address", as in libvirt */
	HV_ADDRESS_DRIVE, /* all zero is controller 0, bus 0, target 0, unit 0 */
	HV_ADDRESS_OTHER, /* usb, ccw, virtio-serial ...: kept, never allocated */
};

struct hv_device_address {
	enum hv_address_type type;
	union {
		struct hv_pci_address pci;
		struct hv_drive_address drive;
	};
};

/* libvirt's "no address yet, but on the PCI bus": <address type='pci'/>
 * or every field zero. */
bool hv_pci_address_is_empty(const struct hv_pci_address *a);

/* String forms ------------------------------------------------------------- */

/* "DDDD:BB:SS.F" in hex, either case, or "BB:SS.F" for domain 0 (as lspci
 * prints it); each field within libvirt's range. */
int hv_pci_address_parse(const char *text, size_t len, struct hv_pci_address *out, struct hv_error *err);
void hv_pci_address_format(const struct hv_pci_address *a, char buf[HV_ADDRESS_TEXT_MAX]);
/* "C:B:T:U" in decimal. */
int hv_drive_address_parse(const char *text, size_t len, struct hv_drive_address *out, struct hv_error *err);
void hv_drive_address_format(const struct hv_drive_address *a, char buf[HV_ADDRESS_TEXT_MAX]);
/* Six pairs of hex digits, either case, separated by ':'; a multicast
 * address (low bit of the first byte set) is refused, as libvirt does. */
int hv_mac_address_parse(const char *text, size_t len, struct hv_mac_address *out, struct hv_error *err);
/* Lower case, as libvirt writes it. */
void hv_mac_address_format(const struct hv_mac_address *a, char buf[HV_ADDRESS_TEXT_MAX]);
/* true when the address carries the QEMU/KVM prefix 52:54:00 that hvfs
 * allocates in. */
bool hv_mac_address_is_local_prefix(const struct hv_mac_address *a);

/* XML ---------------------------------------------------------------------- */

struct _xmlNode; /* libxml2's xmlNode, so that includers need no libxml2 */

/* Reads an <address> element.  PCI fields are numbers the way libvirt's
 * parser reads them: 0x... hex, a leading 0 octal, otherwise decimal; drive
 * fields are decimal.  A missing field is 0.  node NULL gives type NONE. */
int hv_device_address_from_node(struct _xmlNode *node, struct hv_device_address *out, struct hv_error *err);
/* The same from the text of one <address .../> element (safe parser, see
 * conf.h). */
int hv_device_address_parse_xml(const char *xml, size_t len, struct hv_device_address *out,
				struct hv_error *err);
/* The element exactly as libvirt writes it; "" for NONE and OTHER. */
void hv_device_address_format_xml(const struct hv_device_address *a, char buf[HV_ADDRESS_XML_MAX]);

/* Allocator tuples --------------------------------------------------------- */

void hv_pci_address_to_tuple(const struct hv_pci_address *a, struct addr_tuple *t);
void hv_pci_address_from_tuple(const struct addr_tuple *t, struct hv_pci_address *a);
void hv_drive_address_to_tuple(const struct hv_drive_address *a, struct addr_tuple *t);
void hv_drive_address_from_tuple(const struct addr_tuple *t, struct hv_drive_address *a);
void hv_mac_address_to_tuple(const struct hv_mac_address *a, struct addr_tuple *t);
void hv_mac_address_from_tuple(const struct addr_tuple *t, struct hv_mac_address *a);

/* Address spaces ----------------------------------------------------------- */

/* The PCI buses of a domain as its <controller type='pci'> elements declare
 * them: bus N is the one of the controller with index N, and takes devices
 * in slots first_slot..last_slot (none when first_slot > last_slot: the
 * buses of pcie-expander-bus and pcie-switch-upstream-port take only
 * ports).  Bus 0 (pci-root or pcie-root) is always there. */
struct hv_pci_bus {
	bool present;
	uint8_t first_slot, last_slot;
};

struct hv_pci_buses {
	struct hv_pci_bus bus[HV_PCI_BUS_MAX + 1];
	unsigned last; /* the highest bus present */
};

/* Bus 0 only, as without any PCI controller. */
void hv_pci_buses_init(struct hv_pci_buses *buses);
/* Declares bus index for a controller of model (libvirt's names; NULL or ""
 * is pci-bridge, libvirt's default for an index above 0).  -EINVAL for an
 * unknown model or an index above 0xff. */
int hv_pci_buses_add(struct hv_pci_buses *buses, unsigned index, const char *model);

/* One domain's PCI addresses.  Reserve accepts libvirt's whole range;
 * 0000:00:00.x is the host bridge's.  Allocation hands out function 0 of a
 * wholly free slot: bus 0000:00 slots 0x01-0x1f first, then each declared
 * bus in index order, in the slots its controller has (a pci-bridge
 * 0x01-0x1f, a pci-expander-bus 0x00-0x1f, a pcie-root-port 0x00), as
 * libvirt places devices; ENOSPC when all are taken.  buses NULL is bus 0
 * alone: 31 devices. */
int hv_pci_space_create(struct addr_space **out, struct hv_error *err);
int hv_pci_space_create_buses(const struct hv_pci_buses *buses, struct addr_space **out,
			      struct hv_error *err);

/* The drive buses libvirt gives drive addresses, with the bounds hvfs
 * uses (per controller):
 *   ide   2 buses x 1 target x 2 units (hda hdb | hdc hdd), allocated in that order
 *   sata  1 bus x 1 target x 6 units (an AHCI controller's six ports)
 *   scsi  1 bus; reserve accepts targets 0-255 and units 0-16383 (virtio-scsi);
 *         allocation uses target 0, units 0-6, as libvirt does (unit 7 is the
 *         controller's own on LSI)
 * controllers is how many controllers of that bus the domain has (>= 1):
 * reserve refuses, and allocation moves on to, controller numbers up to it. */
enum hv_drive_bus { HV_DRIVE_BUS_IDE, HV_DRIVE_BUS_SATA, HV_DRIVE_BUS_SCSI };
int hv_drive_space_create(enum hv_drive_bus bus, unsigned controllers, struct addr_space **out,
			  struct hv_error *err);
/* "ide", "sata", "scsi" (a <target bus=...> value); -EINVAL otherwise. */
int hv_drive_bus_parse(const char *name, enum hv_drive_bus *bus);

/* The host's MACs: reserve accepts any address (the parser refuses
 * multicast ones); allocation hands out 52:54:00:00:00:00 upwards. */
int hv_mac_space_create(struct addr_space **out, struct hv_error *err);

#endif
