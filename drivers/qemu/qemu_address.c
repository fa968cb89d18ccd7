/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The live XML of a QEMU domain: every device's address and MAC written in
 * (qemu_command.h says which, and why the memballoon is added).
 *
 * The spaces are the shared ones (drivers/conf/address.h), built afresh for
 * each call from the document alone, so that the answer depends on nothing
 * but the XML: a restarted hvfs, or a start after a stop, computes the
 * addresses the guest had.  Two passes, as the test driver assigns: what
 * the XML states is reserved first, so that it never loses to an allocated
 * address, then what is missing gets the first free one in document order.
 * The edits are spliced into the user's bytes (xml_splice.h). */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/address.h"
#include "drivers/conf/conf.h"
#include "drivers/conf/device_conf.h"
#include "drivers/conf/xml_splice.h"
#include "drivers/qemu/qemu_command.h"
#include "util/cleanup.h"

#define OWNER_MAX (HV_NAME_MAX + 8)
#define LABEL_MAX (HV_DEVICE_CLASS_MAX + HV_DEVICE_NAME_MAX + 2)
#define PATH_MAX_ (HV_DEVICE_CLASS_MAX + 40)
/* Enough attempts that a clash of derived MACs among a domain's interfaces
 * (1 in 2^24 each) can never exhaust them. */
#define MAC_ATTEMPTS 4096

/* The functions the machine has on bus 0 whatever the XML says. */
struct builtin {
	uint32_t slot, function;
	const char *what;
};
static const struct builtin pc_builtins[] = {
    {0x01, 0, "PIIX3 ISA bridge"},
    {0x01, 1, "PIIX3 IDE controller"},
    {0x01, 3, "PIIX4 power management"},
};
static const struct builtin q35_builtins[] = {
    {0x1f, 0, "ICH9 LPC bridge"},
    {0x1f, 2, "ICH9 AHCI controller"},
    {0x1f, 3, "ICH9 SMBus controller"},
};

struct assign {
	char owner[OWNER_MAX];
	const char *machine_owner; /* the holder of the built-in functions */
	char seed[HV_UUID_STRLEN + HV_NAME_MAX + 2];
	struct hv_device_defs defs;
	xmlNodePtr devices;
	struct addr_space *pci, *drive[3], *macs;
	struct splice_doc doc;
};

static void label_of(const struct hv_device_def *dev, char label[LABEL_MAX])
{
	snprintf(label, LABEL_MAX, "%s %s", dev->info.cls, dev->info.name);
}

/* The element of dev in the parsed document (position-th of its class). */
static xmlNodePtr node_of(xmlNodePtr devices, const struct hv_device_def *dev)
{
	unsigned seen = 0;

	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns &&
		    strcmp((const char *)n->name, dev->info.cls) == 0 && ++seen == dev->position)
			return n;
	return NULL;
}

/* A virtio memballoon takes a PCI slot; device_conf.c does not know it. */
static bool wants_pci(const struct assign *as, const struct hv_device_def *dev)
{
	if (dev->wants == HV_ADDRESS_PCI)
		return true;
	if (strcmp(dev->info.cls, "memballoon") != 0)
		return false;
	xmlChar *model = xmlGetNoNsProp(node_of(as->devices, dev), BAD_CAST "model");
	bool virtio = model && strncmp((const char *)model, "virtio", 6) == 0;
	xmlFree(model);
	return virtio;
}

static int drive_space(struct assign *as, enum hv_drive_bus bus, struct addr_space **out,
		       struct hv_error *err)
{
	int ret = 0;

	if (!as->drive[bus])
		ret = hv_drive_space_create(bus, as->defs.drive_controllers[bus], &as->drive[bus], err);
	*out = as->drive[bus];
	return ret;
}

/* Reserves t for label; a refusal names the device unless the allocator's
 * sentence already does (a clash within the domain names both). */
static int reserve(struct assign *as, struct addr_space *space, const struct addr_tuple *t, const char *label,
		   struct hv_error *err)
{
	struct hv_error mine = {0};
	const char *owner;
	int ret = addr_space_reserve(space, t, as->owner, label, &mine);

	if (ret == 0)
		return 0;
	if (ret == -EBUSY && addr_space_lookup(space, t, &owner, NULL) && strcmp(owner, as->owner) == 0)
		return hv_error_set(err, -ret, "%s", mine.message);
	return hv_error_set(err, -ret, "%s: %s", label, mine.message);
}

static int reserve_builtins(struct assign *as, enum qemu_machine kind, struct hv_error *err)
{
	const struct builtin *b = kind == QEMU_MACHINE_Q35 ? q35_builtins : pc_builtins;
	size_t count = kind == QEMU_MACHINE_Q35 ? ARRAY_SIZE(q35_builtins) : ARRAY_SIZE(pc_builtins);
	int ret = 0;

	as->machine_owner = kind == QEMU_MACHINE_Q35 ? "QEMU's q35 machine" : "QEMU's pc machine";
	for (size_t i = 0; i < count && ret == 0; i++) {
		struct hv_pci_address a = {.slot = b[i].slot, .function = b[i].function};
		struct addr_tuple t;

		hv_pci_address_to_tuple(&a, &t);
		ret = addr_space_reserve(as->pci, &t, as->machine_owner, b[i].what, err);
	}
	return ret;
}

/* Pass 1: what the XML states. */
static int reserve_given(struct assign *as, const struct hv_device_def *dev, struct hv_error *err)
{
	char label[LABEL_MAX];
	struct addr_space *space;
	struct addr_tuple t;
	const char *owner;
	int ret = 0;

	label_of(dev, label);
	if (dev->address.type == HV_ADDRESS_PCI) {
		hv_pci_address_to_tuple(&dev->address.pci, &t);
		/* libvirt writes the IDE (pc) and SATA (q35) controllers at the
		 * machine's own functions: they describe them, nothing clashes. */
		if (strcmp(dev->info.cls, "controller") == 0 &&
		    addr_space_lookup(as->pci, &t, &owner, NULL) && strcmp(owner, as->machine_owner) == 0)
			ret = 0;
		else
			ret = reserve(as, as->pci, &t, label, err);
	} else if (dev->address.type == HV_ADDRESS_DRIVE) {
		hv_drive_address_to_tuple(&dev->address.drive, &t);
		ret = drive_space(as, dev->drive_bus, &space, err);
		if (ret == 0)
			ret = reserve(as, space, &t, label, err);
	}
	if (ret == 0 && dev->is_interface && dev->has_mac) {
		hv_mac_address_to_tuple(&dev->mac, &t);
		ret = reserve(as, as->macs, &t, label, err);
	}
	return ret;
}

static void device_path(const struct hv_device_def *dev, char path[PATH_MAX_])
{
	snprintf(path, PATH_MAX_, "domain/devices/%s[%u]", dev->info.cls, dev->position);
}

/* Whether node's line holds nothing before it: the whitespace in front of
 * it has a line break. */
static bool starts_line(xmlNodePtr node)
{
	xmlNodePtr prev = node ? node->prev : NULL;
	const char *nl;

	if (!prev || prev->type != XML_TEXT_NODE || !prev->content)
		return false;
	nl = strrchr((const char *)prev->content, '\n');
	return nl && nl[1 + strspn(nl + 1, " \t\r")] == '\0';
}

static bool has_element_child(xmlNodePtr node)
{
	for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return true;
	return false;
}

/* Adds fragment, one empty-element tag as this file and address.c write
 * them (<name key='value' .../>), in the document's quotes, as the last
 * child of the element at path.  splice_append_raw puts it on a line of
 * its own; but into an element without child elements it indents with
 * everything in front of the element on its line, right only when that is
 * blanks.  So unless raw says it is, the element is opened where it stands
 * (<x><mac .../></x>), the child built with splice_insert and
 * splice_set_attr. */
static int append(struct splice_doc *doc, const char *path, bool raw, const char *fragment,
		  struct hv_error *err)
{
	char name[32], child[PATH_MAX_ + 40], key[32], value[64];
	const char *p = fragment + 1;
	int n = 0, ret;

	if (raw) {
		/* In the document's quotes: the values hold none. */
		char quoted[HV_ADDRESS_XML_MAX];
		snprintf(quoted, sizeof(quoted), "%s", fragment);
		for (char *q = quoted; *q; q++)
			*q = *q == '\'' ? doc->quote : *q;
		return splice_append_raw(doc, path, quoted, err);
	}
	if (sscanf(p, "%31[^ /]%n", name, &n) != 1)
		return hv_error_set(err, EINVAL, "cannot add '%s'", fragment);
	ret = splice_insert(doc, path, NULL, name, "", err);
	snprintf(child, sizeof(child), "%s/%s[1]", path, name); /* the element had no child */
	for (p += n; ret == 0 && sscanf(p, " %31[^=]='%63[^']'%n", key, value, &n) == 2; p += n)
		ret = splice_set_attr(doc, child, key, value, err);
	return ret;
}

/* Writes address into dev's element, replacing an <address type='pci'/>
 * that asked for any.  *grown: dev has a child element now. */
static int write_address(struct assign *as, const struct hv_device_def *dev,
			 const struct hv_device_address *address, bool *grown, struct hv_error *err)
{
	char path[PATH_MAX_], child[PATH_MAX_ + 8], xml[HV_ADDRESS_XML_MAX];
	xmlNodePtr node = node_of(as->devices, dev);
	int ret = 0;

	device_path(dev, path);
	snprintf(child, sizeof(child), "%s/address", path);
	hv_device_address_format_xml(address, xml);
	if (splice_exists(&as->doc, child))
		ret = splice_remove(&as->doc, child, err);
	/* Its only child may have been that <address type='pci'/>. */
	bool others = false;
	for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
		others |= n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, "address") != 0;
	if (ret == 0)
		ret = append(&as->doc, path, others || starts_line(node), xml, err);
	*grown = ret == 0;
	return ret;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* The MAC of an interface without one (qemu_command.h): derived, so that
 * every start gives the guest the same, without hvfs keeping a record. */
static int derive_mac(struct assign *as, const struct hv_device_def *dev, bool grown, struct hv_error *err)
{
	char label[LABEL_MAX], key[sizeof(as->seed) + 24], path[PATH_MAX_], text[HV_ADDRESS_TEXT_MAX];
	char xml[HV_ADDRESS_TEXT_MAX + 24];
	struct hv_mac_address mac = {{0x52, 0x54, 0x00}};
	struct addr_tuple t;
	int ret;

	label_of(dev, label);
	for (unsigned attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
		snprintf(key, sizeof(key), "%s/%u/%u", as->seed, dev->position - 1, attempt);
		uint64_t h = fnv1a(key);
		mac.bytes[3] = (uint8_t)(h >> 16);
		mac.bytes[4] = (uint8_t)(h >> 8);
		mac.bytes[5] = (uint8_t)h;
		hv_mac_address_to_tuple(&mac, &t);
		if (addr_space_lookup(as->macs, &t, NULL, NULL))
			continue;
		ret = addr_space_reserve(as->macs, &t, as->owner, label, err);
		if (ret < 0)
			return ret;
		hv_mac_address_format(&mac, text);
		snprintf(xml, sizeof(xml), "<mac address='%s'/>", text);
		device_path(dev, path);
		xmlNodePtr node = node_of(as->devices, dev);
		return append(&as->doc, path, grown || has_element_child(node) || starts_line(node), xml,
			      err);
	}
	return hv_error_set(err, ENOSPC, "%s: no MAC address is left to derive for it", label);
}

/* Pass 2: what is missing, the first free. */
static int allocate(struct assign *as, const struct hv_device_def *dev, struct hv_error *err)
{
	struct hv_device_address address = {.type = HV_ADDRESS_NONE};
	char label[LABEL_MAX];
	struct addr_space *space;
	struct addr_tuple t;
	bool grown = false;
	int ret = 0;

	label_of(dev, label);
	if (dev->address.type == HV_ADDRESS_NONE && wants_pci(as, dev)) {
		ret = addr_space_allocate(as->pci, as->owner, label, &t, err);
		address.type = HV_ADDRESS_PCI;
		hv_pci_address_from_tuple(&t, &address.pci);
	} else if (dev->address.type == HV_ADDRESS_NONE && dev->wants == HV_ADDRESS_DRIVE) {
		ret = drive_space(as, dev->drive_bus, &space, err);
		if (ret == 0)
			ret = addr_space_allocate(space, as->owner, label, &t, err);
		address.type = HV_ADDRESS_DRIVE;
		hv_drive_address_from_tuple(&t, &address.drive);
	}
	if (ret == 0 && address.type != HV_ADDRESS_NONE)
		ret = write_address(as, dev, &address, &grown, err);
	if (ret == 0 && dev->is_interface && !dev->has_mac)
		ret = derive_mac(as, dev, grown, err);
	return ret;
}

/* Where <devices> goes in a domain that has none, libvirt's order. */
static const char *const after_devices[] = {"on_crash", "on_reboot", "on_poweroff", "pm",
					    "clock",	"features",  "os",	    NULL};

static xmlNodePtr last_element_child(xmlNodePtr node)
{
	xmlNodePtr last = NULL;

	for (xmlNodePtr n = node ? node->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			last = n;
	return last;
}

/* The memballoon every guest has: after every device of the XML, so that
 * it never takes a slot one of them would have had. */
static int add_balloon(struct assign *as, struct hv_error *err)
{
	struct hv_device_address address = {.type = HV_ADDRESS_PCI};
	xmlNodePtr last = last_element_child(as->devices);
	char xml[HV_ADDRESS_XML_MAX];
	struct addr_tuple t;
	int ret;

	for (size_t i = 0; i < as->defs.count; i++)
		if (strcmp(as->defs.devices[i].info.cls, "memballoon") == 0)
			return 0;
	ret = addr_space_allocate(as->pci, as->owner, "memballoon 0", &t, err);
	if (ret < 0)
		return ret;
	hv_pci_address_from_tuple(&t, &address.pci);
	hv_device_address_format_xml(&address, xml);
	if (!as->devices)
		ret = splice_insert(&as->doc, "domain", after_devices, "devices", "", err);
	/* After the last device, on its line or on one of its own (append());
	 * into <devices> without devices, the way append() can. */
	bool raw = last || starts_line(as->devices);
	bool own_line = last ? starts_line(last) : starts_line(as->devices);
	if (ret == 0)
		ret = append(&as->doc, "domain/devices", raw, "<memballoon model='virtio'/>", err);
	return ret == 0 ? append(&as->doc, "domain/devices/memballoon[1]", raw && own_line, xml, err) : ret;
}

static int assign_all(struct assign *as, const char *xml, size_t len, struct hv_error *err)
{
	struct hv_domain_def def;
	enum qemu_machine machine;
	char machine_name[64];
	xmlDocPtr doc = NULL;
	int ret = qemu_xml_read(xml, len, &def, &doc, err);

	if (ret < 0)
		return ret;
	snprintf(as->owner, sizeof(as->owner), "domain %s", def.name);
	snprintf(as->seed, sizeof(as->seed), "%s", def.uuid[0] ? def.uuid : def.name);
	as->devices = NULL;
	for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, "devices") == 0)
			as->devices = n;
	ret = qemu_machine_of(xmlDocGetRootElement(doc), &machine, machine_name, sizeof(machine_name), err);
	if (ret == 0)
		ret = hv_domain_devices_parse(xml, len, &as->defs, err);
	if (ret == 0)
		ret = hv_pci_space_create(&as->pci, err);
	if (ret == 0)
		ret = hv_mac_space_create(&as->macs, err);
	if (ret == 0)
		ret = reserve_builtins(as, machine, err);
	if (ret == 0)
		ret = splice_open(&as->doc, xml, len, err);
	for (size_t i = 0; i < as->defs.count && ret == 0; i++)
		ret = reserve_given(as, &as->defs.devices[i], err);
	for (size_t i = 0; i < as->defs.count && ret == 0; i++)
		ret = allocate(as, &as->defs.devices[i], err);
	if (ret == 0)
		ret = add_balloon(as, err);
	xmlFreeDoc(doc);
	return ret;
}

int qemu_xml_assign(const char *xml, size_t len, char **live_xml, struct hv_error *err)
{
	struct assign as = {0};
	int ret = assign_all(&as, xml, len, err);

	*live_xml = ret == 0 ? splice_take(&as.doc) : NULL;
	splice_close(&as.doc);
	hv_device_defs_finish(&as.defs);
	addr_space_destroy(as.pci);
	addr_space_destroy(as.macs);
	for (int bus = 0; bus < 3; bus++)
		addr_space_destroy(as.drive[bus]);
	return ret;
}
