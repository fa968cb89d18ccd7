/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device addresses: libvirt's spellings, read and written, and the address
 * spaces they are allocated from.  The XML side mirrors libvirt's
 * device_conf.c (virPCIDeviceAddressParseXML, virDomainDeviceDriveAddress-
 * ParseXML, virDomainDeviceInfoFormat), so that an address survives a trip
 * through hvfs and back into libvirt unchanged. */
#include "drivers/conf/address.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"
#include "util/parse.h"

/* The string forms, shared by the formatters for addresses and for the
 * spaces' tuples. */
#define PCI_FORMAT   "%04x:%02x:%02x.%x"
#define DRIVE_FORMAT "%u:%u:%u:%u"
#define MAC_FORMAT   "%02x:%02x:%02x:%02x:%02x:%02x"

/* The user's input, made printable for a message: a control character
 * would break the one-line last_error file. */
static const char *shown(const char *text, size_t len, char buf[48])
{
	size_t i, used = 0;

	for (i = 0; i < len && used < 40; i++)
		buf[used++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	if (i < len) {
		memcpy(buf + used, "...", 3);
		used += 3;
	}
	buf[used] = '\0';
	return buf;
}

/* Drops the one trailing newline attribute files may carry. */
static size_t value_length(const char *text, size_t len)
{
	return len > 0 && text[len - 1] == '\n' ? len - 1 : len;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly digits hex digits at *p, which moves past them. */
static bool scan_hex(const char **p, const char *end, unsigned digits, uint32_t *out)
{
	uint32_t v = 0;

	if ((size_t)(end - *p) < digits)
		return false;
	for (unsigned i = 0; i < digits; i++) {
		int d = hex_digit((*p)[i]);
		if (d < 0)
			return false;
		v = v * 16 + (uint32_t)d;
	}
	*p += digits;
	*out = v;
	return true;
}

static bool scan_char(const char **p, const char *end, char c)
{
	if (*p == end || **p != c)
		return false;
	(*p)++;
	return true;
}

/* --- PCI ----------------------------------------------------------------- */

bool hv_pci_address_is_empty(const struct hv_pci_address *a)
{
	return a->domain == 0 && a->bus == 0 && a->slot == 0 && a->function == 0;
}

/* libvirt's virPCIDeviceAddressIsValid, with the offending field named. */
static int check_pci(const struct hv_pci_address *a, const char *input, struct hv_error *err)
{
	const struct {
		const char *name;
		uint32_t value, max;
	} fields[] = {
	    {"domain", a->domain, HV_PCI_DOMAIN_MAX},
	    {"bus", a->bus, HV_PCI_BUS_MAX},
	    {"slot", a->slot, HV_PCI_SLOT_MAX},
	    {"function", a->function, HV_PCI_FUNCTION_MAX},
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].value > fields[i].max)
			return hv_error_set(err, EINVAL,
					    "pci address %s: %s 0x%x is out of range (at most 0x%x)", input,
					    fields[i].name, fields[i].value, fields[i].max);
	return 0;
}

int hv_pci_address_parse(const char *text, size_t len, struct hv_pci_address *out, struct hv_error *err)
{
	struct hv_pci_address a = {0};
	const char *p = text, *end;
	char buf[48];
	bool ok;

	len = value_length(text, len);
	end = text + len;
	/* Two colons: with the domain; one: lspci's short form. */
	if (memchr(text, ':', len) != memrchr(text, ':', len))
		ok = scan_hex(&p, end, 4, &a.domain) && scan_char(&p, end, ':');
	else
		ok = true;
	ok = ok && scan_hex(&p, end, 2, &a.bus) && scan_char(&p, end, ':') && scan_hex(&p, end, 2, &a.slot) &&
	     scan_char(&p, end, '.') && scan_hex(&p, end, 1, &a.function) && p == end;
	if (!ok)
		return hv_error_set(
		    err, EINVAL,
		    "pci address '%s' is malformed: expected DDDD:BB:SS.F in hex, e.g. 0000:00:03.0",
		    shown(text, len, buf));
	if (check_pci(&a, shown(text, len, buf), err) < 0)
		return -EINVAL;
	*out = a;
	return 0;
}

void hv_pci_address_format(const struct hv_pci_address *a, char buf[HV_ADDRESS_TEXT_MAX])
{
	snprintf(buf, HV_ADDRESS_TEXT_MAX, PCI_FORMAT, a->domain, a->bus, a->slot, a->function);
}

/* --- drive --------------------------------------------------------------- */

int hv_drive_address_parse(const char *text, size_t len, struct hv_drive_address *out, struct hv_error *err)
{
	uint32_t *fields[] = {&out->controller, &out->bus, &out->target, &out->unit};
	uint64_t values[4];
	const char *p = text, *end;
	char buf[48];

	len = value_length(text, len);
	end = text + len;
	for (size_t i = 0; i < 4; i++) {
		const char *stop = i < 3 ? memchr(p, ':', (size_t)(end - p)) : end;
		int ret;

		if (!stop)
			return hv_error_set(err, EINVAL,
					    "drive address '%s' is malformed: expected "
					    "controller:bus:target:unit in decimal, e.g. 0:0:0:1",
					    shown(text, len, buf));
		ret = parse_u64(p, (size_t)(stop - p), UINT32_MAX, &values[i]);
		/* parse_u64 would take a newline as the end of the value. */
		if (ret == 0 && memchr(p, '\n', (size_t)(stop - p)))
			ret = -EINVAL;
		if (ret == -ERANGE)
			return hv_error_set(err, EINVAL, "drive address '%s': field %zu is above %u",
					    shown(text, len, buf), i + 1, UINT32_MAX);
		if (ret < 0)
			return hv_error_set(err, EINVAL,
					    "drive address '%s' is malformed: expected "
					    "controller:bus:target:unit in decimal, e.g. 0:0:0:1",
					    shown(text, len, buf));
		p = stop + 1;
	}
	for (size_t i = 0; i < 4; i++)
		*fields[i] = (uint32_t)values[i];
	return 0;
}

void hv_drive_address_format(const struct hv_drive_address *a, char buf[HV_ADDRESS_TEXT_MAX])
{
	snprintf(buf, HV_ADDRESS_TEXT_MAX, DRIVE_FORMAT, a->controller, a->bus, a->target, a->unit);
}

/* --- MAC ----------------------------------------------------------------- */

int hv_mac_address_parse(const char *text, size_t len, struct hv_mac_address *out, struct hv_error *err)
{
	struct hv_mac_address mac;
	const char *p = text, *end;
	char buf[48];

	len = value_length(text, len);
	end = text + len;
	for (size_t i = 0; i < 6; i++) {
		uint32_t byte;

		if ((i > 0 && !scan_char(&p, end, ':')) || !scan_hex(&p, end, 2, &byte))
			return hv_error_set(err, EINVAL,
					    "mac address '%s' is malformed: expected six pairs of hex digits "
					    "separated by ':', e.g. 52:54:00:12:34:56",
					    shown(text, len, buf));
		mac.bytes[i] = (uint8_t)byte;
	}
	if (p != end)
		return hv_error_set(
		    err, EINVAL,
		    "mac address '%s' is malformed: expected six pairs of hex digits separated by "
		    "':', e.g. 52:54:00:12:34:56",
		    shown(text, len, buf));
	if (mac.bytes[0] & 1)
		return hv_error_set(err, EINVAL,
				    "mac address '%s' is a multicast address; a device needs a unicast one "
				    "(an even first byte)",
				    shown(text, len, buf));
	*out = mac;
	return 0;
}

void hv_mac_address_format(const struct hv_mac_address *a, char buf[HV_ADDRESS_TEXT_MAX])
{
	const uint8_t *b = a->bytes;

	snprintf(buf, HV_ADDRESS_TEXT_MAX, MAC_FORMAT, b[0], b[1], b[2], b[3], b[4], b[5]);
}

bool hv_mac_address_is_local_prefix(const struct hv_mac_address *a)
{
	return a->bytes[0] == 0x52 && a->bytes[1] == 0x54 && a->bytes[2] == 0x00;
}

/* --- XML ----------------------------------------------------------------- */

/* A number the way virStrToLong_uip reads it with the given base: base 0
 * takes 0x.. as hex and a leading 0 as octal, as libvirt's PCI parser does.
 * No sign, no blanks (the schema allows none either). */
static int parse_number(const char *s, unsigned base, uint32_t *out)
{
	uint64_t v = 0;

	if (base == 0) {
		if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
			base = 16;
			s += 2;
		} else if (s[0] == '0' && s[1]) {
			base = 8;
			s++;
		} else {
			base = 10;
		}
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d = hex_digit(*s);
		if (d < 0 || (unsigned)d >= base)
			return -EINVAL;
		v = v * base + (unsigned)d;
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A missing attribute is 0, as in libvirt; a present one must be a number. */
static int read_number(xmlNodePtr node, const char *kind, const char *attr, unsigned base, uint32_t *out,
		       struct hv_error *err)
{
	auto_xml_char xmlChar *value = xmlGetNoNsProp(node, BAD_CAST attr);
	char buf[48];
	int ret;

	*out = 0;
	if (!value)
		return 0;
	ret = parse_number((const char *)value, base, out);
	if (ret == -ERANGE)
		return hv_error_set(err, EINVAL, "%s address: %s '%s' is above %u", kind, attr,
				    shown((const char *)value, strlen((const char *)value), buf), UINT32_MAX);
	if (ret < 0)
		return hv_error_set(err, EINVAL, "%s address: %s '%s' is not a %s number", kind, attr,
				    shown((const char *)value, strlen((const char *)value), buf),
				    base == 10 ? "decimal" : "valid");
	return 0;
}

/* The four numeric fields of a PCI or drive <address>, in order. */
static int read_fields(xmlNodePtr node, const char *kind, unsigned base, const char *const names[4],
		       uint32_t *const fields[4], struct hv_error *err)
{
	for (size_t i = 0; i < 4; i++) {
		int ret = read_number(node, kind, names[i], base, fields[i], err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int read_pci(xmlNodePtr node, struct hv_pci_address *a, struct hv_error *err)
{
	static const char *const names[4] = {"domain", "bus", "slot", "function"};
	uint32_t *const fields[4] = {&a->domain, &a->bus, &a->slot, &a->function};
	auto_xml_char xmlChar *multi = xmlGetNoNsProp(node, BAD_CAST "multifunction");
	char text[HV_ADDRESS_TEXT_MAX];
	int ret = read_fields(node, "pci", 0, names, fields, err);

	if (ret < 0)
		return ret;
	if (!multi)
		a->multifunction = HV_SWITCH_DEFAULT;
	else if (strcmp((const char *)multi, "on") == 0)
		a->multifunction = HV_SWITCH_ON;
	else if (strcmp((const char *)multi, "off") == 0)
		a->multifunction = HV_SWITCH_OFF;
	else
		return hv_error_set(err, EINVAL, "pci address: multifunction must be 'on' or 'off'");
	hv_pci_address_format(a, text);
	return check_pci(a, text, err);
}

static int read_drive(xmlNodePtr node, struct hv_drive_address *a, struct hv_error *err)
{
	static const char *const names[4] = {"controller", "bus", "target", "unit"};
	uint32_t *const fields[4] = {&a->controller, &a->bus, &a->target, &a->unit};

	return read_fields(node, "drive", 10, names, fields, err);
}

int hv_device_address_from_node(struct _xmlNode *node, struct hv_device_address *out, struct hv_error *err)
{
	auto_xml_char xmlChar *type = NULL;
	struct hv_device_address a = {.type = HV_ADDRESS_NONE};
	int ret = 0;

	if (!node) {
		*out = a;
		return 0;
	}
	if (node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, "address") != 0)
		return hv_error_set(err, EINVAL, "expected an <address> element, not <%s>",
				    node->name ? (const char *)node->name : "?");
	type = xmlGetNoNsProp(node, BAD_CAST "type");
	if (!type)
		return hv_error_set(err, EINVAL, "<address> needs a type attribute");
	if (strcmp((const char *)type, "pci") == 0) {
		a.type = HV_ADDRESS_PCI;
		ret = read_pci(node, &a.pci, err);
	} else if (strcmp((const char *)type, "drive") == 0) {
		a.type = HV_ADDRESS_DRIVE;
		ret = read_drive(node, &a.drive, err);
	} else {
		a.type = HV_ADDRESS_OTHER;
	}
	if (ret < 0)
		return ret;
	*out = a;
	return 0;
}

int hv_device_address_parse_xml(const char *xml, size_t len, struct hv_device_address *out,
				struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	int ret = conf_parse(xml, len, &doc, err);

	if (ret < 0)
		return ret;
	return hv_device_address_from_node(xmlDocGetRootElement(doc), out, err);
}

void hv_device_address_format_xml(const struct hv_device_address *a, char buf[HV_ADDRESS_XML_MAX])
{
	const struct hv_pci_address *pci = &a->pci;
	const struct hv_drive_address *drive = &a->drive;
	size_t used;

	buf[0] = '\0';
	switch (a->type) {
	case HV_ADDRESS_PCI:
		used = (size_t)snprintf(buf, HV_ADDRESS_XML_MAX, "<address type='pci'");
		if (!hv_pci_address_is_empty(pci))
			used +=
			    (size_t)snprintf(buf + used, HV_ADDRESS_XML_MAX - used,
					     " domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'",
					     pci->domain, pci->bus, pci->slot, pci->function);
		if (pci->multifunction != HV_SWITCH_DEFAULT)
			used += (size_t)snprintf(buf + used, HV_ADDRESS_XML_MAX - used, " multifunction='%s'",
						 pci->multifunction == HV_SWITCH_ON ? "on" : "off");
		snprintf(buf + used, HV_ADDRESS_XML_MAX - used, "/>");
		break;
	case HV_ADDRESS_DRIVE:
		snprintf(buf, HV_ADDRESS_XML_MAX,
			 "<address type='drive' controller='%u' bus='%u' target='%u' unit='%u'/>",
			 drive->controller, drive->bus, drive->target, drive->unit);
		break;
	case HV_ADDRESS_NONE:
	case HV_ADDRESS_OTHER:
		break;
	}
}

/* --- tuples -------------------------------------------------------------- */

void hv_pci_address_to_tuple(const struct hv_pci_address *a, struct addr_tuple *t)
{
	*t = (struct addr_tuple){{a->domain, a->bus, a->slot, a->function}};
}

void hv_pci_address_from_tuple(const struct addr_tuple *t, struct hv_pci_address *a)
{
	*a = (struct hv_pci_address){t->v[0], t->v[1], t->v[2], t->v[3], HV_SWITCH_DEFAULT};
}

void hv_drive_address_to_tuple(const struct hv_drive_address *a, struct addr_tuple *t)
{
	*t = (struct addr_tuple){{a->controller, a->bus, a->target, a->unit}};
}

void hv_drive_address_from_tuple(const struct addr_tuple *t, struct hv_drive_address *a)
{
	*a = (struct hv_drive_address){t->v[0], t->v[1], t->v[2], t->v[3]};
}

void hv_mac_address_to_tuple(const struct hv_mac_address *a, struct addr_tuple *t)
{
	*t = (struct addr_tuple){{0}};
	for (size_t i = 0; i < 6; i++)
		t->v[i] = a->bytes[i];
}

void hv_mac_address_from_tuple(const struct addr_tuple *t, struct hv_mac_address *a)
{
	for (size_t i = 0; i < 6; i++)
		a->bytes[i] = (uint8_t)t->v[i];
}

/* --- spaces -------------------------------------------------------------- */

static void format_pci(const struct addr_tuple *t, char *buf, size_t size)
{
	snprintf(buf, size, PCI_FORMAT, t->v[0], t->v[1], t->v[2], t->v[3]);
}

static void format_drive(const struct addr_tuple *t, char *buf, size_t size)
{
	snprintf(buf, size, DRIVE_FORMAT, t->v[0], t->v[1], t->v[2], t->v[3]);
}

/* A tuple may hold bytes above 0xff (the parser never makes them): they
 * print as they are rather than wrap. */
static void format_mac(const struct addr_tuple *t, char *buf, size_t size)
{
	snprintf(buf, size, MAC_FORMAT, t->v[0], t->v[1], t->v[2], t->v[3], t->v[4], t->v[5]);
}

void hv_pci_buses_init(struct hv_pci_buses *buses)
{
	*buses = (struct hv_pci_buses){0};
	buses->bus[0] = (struct hv_pci_bus){true, 1, HV_PCI_SLOT_MAX};
}

/* Which slots of its bus each controller model gives devices, as libvirt's
 * domain_addr.c sets them up (virDomainPCIAddressBusSetModel).  A first
 * slot above the last: the bus takes only ports, never a device. */
static const struct {
	const char *model;
	uint8_t first_slot, last_slot;
} pci_models[] = {
    {"pci-bridge", 1, HV_PCI_SLOT_MAX},
    {"pci-expander-bus", 0, HV_PCI_SLOT_MAX},
    {"dmi-to-pci-bridge", 0, HV_PCI_SLOT_MAX},
    {"pcie-to-pci-bridge", 1, HV_PCI_SLOT_MAX},
    {"pcie-root-port", 0, 0},
    {"pcie-switch-downstream-port", 0, 0},
    {"pcie-switch-upstream-port", 1, 0},
    {"pcie-expander-bus", 1, 0},
    {"pci-root", 1, HV_PCI_SLOT_MAX},
    {"pcie-root", 1, HV_PCI_SLOT_MAX},
};

int hv_pci_buses_add(struct hv_pci_buses *buses, unsigned index, const char *model)
{
	if (index > HV_PCI_BUS_MAX)
		return -EINVAL;
	if (!model || !model[0])
		model = index ? "pci-bridge" : "pci-root";
	for (size_t i = 0; i < sizeof(pci_models) / sizeof(pci_models[0]); i++) {
		if (strcmp(model, pci_models[i].model) != 0)
			continue;
		buses->bus[index] =
		    (struct hv_pci_bus){true, pci_models[i].first_slot, pci_models[i].last_slot};
		if (index > buses->last)
			buses->last = index;
		return 0;
	}
	return -EINVAL;
}

/* Bus 0's host bridge, plus what allocation must skip on the other buses:
 * runs of buses no controller provides, and the slots a bus lacks.  At
 * most three per bus. */
#define PCI_EXCLUSIONS_MAX (1 + 3 * (HV_PCI_BUS_MAX + 1))

static void exclude_slots(struct addr_exclusion *x, size_t *n, uint32_t first_bus, uint32_t last_bus,
			  uint32_t first_slot, uint32_t last_slot, const char *reason)
{
	x[(*n)++] = (struct addr_exclusion){
	    .range = {{0, 0}, {first_bus, last_bus}, {first_slot, last_slot}, {0, HV_PCI_FUNCTION_MAX}},
	    .reason = reason,
	    .alloc_only = true,
	};
}

int hv_pci_space_create_buses(const struct hv_pci_buses *buses, struct addr_space **out, struct hv_error *err)
{
	struct addr_exclusion *x = calloc(PCI_EXCLUSIONS_MAX, sizeof(*x));
	struct addr_space_spec spec = {
	    .kind = "pci address",
	    .components = 4,
	    .names = {"domain", "bus", "slot", "function"},
	    .hex = true,
	    .valid = {{0, HV_PCI_DOMAIN_MAX},
		      {0, HV_PCI_BUS_MAX},
		      {0, HV_PCI_SLOT_MAX},
		      {0, HV_PCI_FUNCTION_MAX}},
	    .alloc = {{0, 0}, {0, buses ? buses->last : 0}, {0, HV_PCI_SLOT_MAX}, {0, 0}},
	    .unit = 3,
	    .exclusions = x,
	    .format = format_pci,
	};
	size_t n = 0;
	int ret;

	if (!x)
		return hv_error_set(err, ENOMEM, "out of memory");
	x[n++] = (struct addr_exclusion){
	    .range = {{0, 0}, {0, 0}, {0, 0}, {0, HV_PCI_FUNCTION_MAX}},
	    .reason = "the host bridge",
	};
	for (unsigned b = 1; buses && b <= buses->last; b++) {
		const struct hv_pci_bus *bus = &buses->bus[b];
		unsigned end = b;

		if (!bus->present) {
			while (end + 1 <= buses->last && !buses->bus[end + 1].present)
				end++;
			exclude_slots(x, &n, b, end, 0, HV_PCI_SLOT_MAX, "a bus no controller provides");
			b = end;
			continue;
		}
		if (bus->first_slot > bus->last_slot) {
			exclude_slots(x, &n, b, b, 0, HV_PCI_SLOT_MAX, "a bus that takes only ports");
			continue;
		}
		if (bus->first_slot > 0)
			exclude_slots(x, &n, b, b, 0, bus->first_slot - 1u, "a slot its controller lacks");
		if (bus->last_slot < HV_PCI_SLOT_MAX)
			exclude_slots(x, &n, b, b, bus->last_slot + 1u, HV_PCI_SLOT_MAX,
				      "a slot its controller lacks");
	}
	spec.exclusion_count = n;
	ret = addr_space_create(&spec, out, err);
	free(x); /* the space keeps a copy */
	return ret;
}

int hv_pci_space_create(struct addr_space **out, struct hv_error *err)
{
	return hv_pci_space_create_buses(NULL, out, err);
}

int hv_drive_bus_parse(const char *name, enum hv_drive_bus *bus)
{
	static const char *const names[] = {"ide", "sata", "scsi"};

	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*bus = (enum hv_drive_bus)i;
			return 0;
		}
	}
	return -EINVAL;
}

int hv_drive_space_create(enum hv_drive_bus bus, unsigned controllers, struct addr_space **out,
			  struct hv_error *err)
{
	struct addr_space_spec spec = {
	    .components = 4,
	    .names = {"controller", "bus", "target", "unit"},
	    .unit = 4,
	    .format = format_drive,
	};

	if (controllers < 1)
		return hv_error_set(err, EINVAL, "a drive address space needs at least one controller");
	spec.valid[0] = spec.alloc[0] = (struct addr_range){0, controllers - 1};
	/* A given address is taken as libvirt 9.0's define takes it: any bus,
	 * target and unit (an IDE unit 2 is QEMU's to refuse when the guest
	 * starts, not the definition's); allocation stays within what the
	 * hardware has. */
	for (int i = 1; i < 4 && bus != HV_DRIVE_BUS_SCSI; i++)
		spec.valid[i] = (struct addr_range){0, UINT32_MAX};
	switch (bus) {
	case HV_DRIVE_BUS_IDE:
		spec.kind = "ide drive address";
		spec.alloc[1] = (struct addr_range){0, 1};
		spec.alloc[3] = (struct addr_range){0, 1};
		break;
	case HV_DRIVE_BUS_SATA:
		spec.kind = "sata drive address";
		spec.alloc[3] = (struct addr_range){0, 5};
		break;
	case HV_DRIVE_BUS_SCSI:
		spec.kind = "scsi drive address";
		spec.valid[2] = (struct addr_range){0, 255};
		spec.valid[3] = (struct addr_range){0, 16383};
		spec.alloc[3] = (struct addr_range){0, 6};
		break;
	default:
		return hv_error_set(err, EINVAL, "unknown drive bus %d", (int)bus);
	}
	return addr_space_create(&spec, out, err);
}

int hv_mac_space_create(struct addr_space **out, struct hv_error *err)
{
	const struct addr_space_spec spec = {
	    .kind = "mac address",
	    .components = 6,
	    .names = {"byte 1", "byte 2", "byte 3", "byte 4", "byte 5", "byte 6"},
	    .hex = true,
	    .valid = {{0, 0xff}, {0, 0xff}, {0, 0xff}, {0, 0xff}, {0, 0xff}, {0, 0xff}},
	    .alloc = {{0x52, 0x52}, {0x54, 0x54}, {0, 0}, {0, 0xff}, {0, 0xff}, {0, 0xff}},
	    .unit = 6,
	    .format = format_mac,
	    .owner_may_share = true,
	};

	return addr_space_create(&spec, out, err);
}
