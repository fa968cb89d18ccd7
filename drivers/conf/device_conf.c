/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A domain's devices: the children of <devices>, as device_conf.h names and
 * describes them. */
#include "drivers/conf/device_conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"
#include "util/cleanup.h"

/* The files of domains/NAME/devices/ for the devices read here; ip is the
 * interface's current lease, so a network's leases change it too. */
static const struct hv_device_key disk_keys[] = {
    {"address", false, 0},  {"bus", false, 0},	  {"format", false, 0},
    {"readonly", false, 0}, {"source", false, 0}, {NULL, false, 0},
};
static const struct hv_device_key interface_keys[] = {
    {"address", false, 0}, {"ip", false, HV_FIELD_LEASES}, {"link_state", true, 0}, {"mac", false, 0},
    {"model", false, 0},   {"network", false, 0},	   {NULL, false, 0},
};
static const struct hv_device_key other_keys[] = {
    {"address", false, 0},
    {"model", false, 0},
    {"type", false, 0},
    {NULL, false, 0},
};
const struct hv_device_class hv_libvirt_device_classes[] = {
    {"disk", disk_keys},
    {"interface", interface_keys},
    {"*", other_keys},
    {NULL, NULL},
};

/* Text that never fits an attribute file is cut rather than refused: the
 * definition is valid, only its presentation is bounded. */
int hv_device_info_set(struct hv_device_info *info, const char *key, const char *value)
{
	unsigned i;

	if (strlen(key) >= sizeof(info->attrs[0].key) || strlen(value) >= sizeof(info->attrs[0].value))
		return -ENAMETOOLONG;
	for (i = 0; i < info->attr_count; i++)
		if (strcmp(info->attrs[i].key, key) == 0)
			break;
	if (i == info->attr_count) {
		if (i == HV_DEVICE_ATTRS_MAX)
			return -ENOSPC;
		info->attr_count++;
		snprintf(info->attrs[i].key, sizeof(info->attrs[i].key), "%s", key);
	}
	snprintf(info->attrs[i].value, sizeof(info->attrs[i].value), "%s", value);
	return 0;
}

void hv_device_defs_finish(struct hv_device_defs *defs)
{
	free(defs->devices);
	*defs = (struct hv_device_defs){0};
}

static bool is_element(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && !node->ns &&
	       (!name || xmlStrEqual(node->name, BAD_CAST name));
}

/* An attribute value cut to what an attribute file holds. */
static void attr_of(xmlNodePtr node, const char *attr, char out[256])
{
	auto_xml_char xmlChar *value = node ? xmlGetNoNsProp(node, BAD_CAST attr) : NULL;

	snprintf(out, 256, "%s", value ? (const char *)value : "");
}

static void set_from_attr(struct hv_device_info *info, const char *key, xmlNodePtr node, const char *attr)
{
	char value[256];

	attr_of(node, attr, value);
	hv_device_info_set(info, key, value);
}

/* libvirt infers a disk's bus from its target's name when it has none. */
static const char *bus_from_target(const char *dev)
{
	static const struct {
		const char *prefix, *bus;
	} buses[] = {{"vd", "virtio"}, {"sd", "scsi"}, {"hd", "ide"},
		     {"fd", "fdc"},    {"xvd", "xen"}, {"ubd", "uml"}};

	for (size_t i = 0; i < ARRAY_SIZE(buses); i++)
		if (strncmp(dev, buses[i].prefix, strlen(buses[i].prefix)) == 0)
			return buses[i].bus;
	return "ide";
}

static int read_disk(xmlNodePtr node, struct hv_device_def *dev, struct hv_error *err)
{
	xmlNodePtr target = conf_child(node, "target"), source = conf_child(node, "source");
	char value[256], bus[256], pool[256];

	attr_of(target, "dev", value);
	if (!value[0])
		return hv_error_set(err, EINVAL, "line %ld: a <disk> needs <target dev='...'>",
				    xmlGetLineNo(node));
	if (strlen(value) > HV_DEVICE_NAME_MAX)
		return hv_error_set(err, EINVAL, "disk target '%.80s' is longer than %d characters", value,
				    HV_DEVICE_NAME_MAX);
	snprintf(dev->info.name, sizeof(dev->info.name), "%.*s", HV_DEVICE_NAME_MAX,
		 value); /* fits: checked */

	/* What the <source> has, as its type makes it: a file, a block device,
	 * a directory, a pool's volume or a network disk's name. */
	value[0] = '\0';
	for (const char *const *a = (const char *const[]){"file", "dev", "dir", "name", NULL};
	     *a && !value[0]; a++)
		attr_of(source, *a, value);
	attr_of(source, "pool", pool);
	if (!value[0] && pool[0]) {
		char volume[256];

		attr_of(source, "volume", volume);
		snprintf(value, sizeof(value), "%.120s/%.120s", pool, volume);
	}
	hv_device_info_set(&dev->info, "source", value);

	attr_of(target, "bus", bus);
	if (!bus[0])
		snprintf(bus, sizeof(bus), "%s", bus_from_target(dev->info.name));
	hv_device_info_set(&dev->info, "bus", bus);
	set_from_attr(&dev->info, "format", conf_child(node, "driver"), "type");
	hv_device_info_set(&dev->info, "readonly", conf_child(node, "readonly") ? "1" : "0");

	if (strcmp(bus, "virtio") == 0)
		dev->wants = HV_ADDRESS_PCI;
	else if (hv_drive_bus_parse(bus, &dev->drive_bus) == 0)
		dev->wants = HV_ADDRESS_DRIVE;
	return 0;
}

static int read_interface(xmlNodePtr node, struct hv_device_def *dev, struct hv_error *err)
{
	xmlNodePtr source = conf_child(node, "source"), link = conf_child(node, "link");
	char type[256], mac[256], network[256] = "", state[256];

	dev->is_interface = true;
	dev->wants = HV_ADDRESS_PCI;
	attr_of(conf_child(node, "mac"), "address", mac);
	if (mac[0]) {
		int ret = hv_mac_address_parse(mac, strlen(mac), &dev->mac, err);
		if (ret < 0)
			return ret;
		dev->has_mac = true;
		hv_mac_address_format(&dev->mac, mac); /* as libvirt writes it */
	}
	hv_device_info_set(&dev->info, "mac", mac);

	attr_of(node, "type", type);
	if (strcmp(type, "network") == 0) {
		attr_of(source, "network", network);
		snprintf(dev->network, sizeof(dev->network), "%.*s", HV_NAME_MAX, network);
	} else if (strcmp(type, "bridge") == 0) {
		attr_of(source, "bridge", network);
	} else if (strcmp(type, "direct") == 0) {
		attr_of(source, "dev", network);
	}
	hv_device_info_set(&dev->info, "network", network);
	set_from_attr(&dev->info, "model", conf_child(node, "model"), "type");
	attr_of(link, "state", state);
	hv_device_info_set(&dev->info, "link_state", state[0] ? state : "up");
	hv_device_info_set(&dev->info, "ip", "");
	return 0;
}

static void read_controller(xmlNodePtr node, struct hv_device_def *dev)
{
	char type[256], index[256];

	attr_of(node, "type", type);
	attr_of(node, "index", index);
	snprintf(dev->info.name, sizeof(dev->info.name), "%.30s.%.30s", type[0] ? type : "none",
		 index[0] ? index : "0");
	hv_device_info_set(&dev->info, "type", type);
	set_from_attr(&dev->info, "model", node, "model");
	hv_device_info_set(&dev->info, "index", index[0] ? index : "0");
}

/* "pci 0000:00:03.0", "drive 0:0:0:1", or the type of another kind. */
static void address_text(const struct hv_device_address *a, xmlNodePtr node, char out[256])
{
	char text[HV_ADDRESS_TEXT_MAX];

	switch (a->type) {
	case HV_ADDRESS_PCI:
		hv_pci_address_format(&a->pci, text);
		snprintf(out, 256, "pci %s", text);
		break;
	case HV_ADDRESS_DRIVE:
		hv_drive_address_format(&a->drive, text);
		snprintf(out, 256, "drive %s", text);
		break;
	case HV_ADDRESS_OTHER:
		attr_of(node, "type", out);
		break;
	case HV_ADDRESS_NONE:
		out[0] = '\0';
		break;
	}
}

/* One child of <devices>; index is its position among its class's, from 0. */
static int read_device(xmlNodePtr node, unsigned index, struct hv_device_def *dev, struct hv_error *err)
{
	const char *cls = (const char *)node->name;
	xmlNodePtr address = conf_child(node, "address");
	char text[256];
	int ret = 0;

	*dev = (struct hv_device_def){.position = index + 1};
	if (strlen(cls) > HV_DEVICE_CLASS_MAX)
		return hv_error_set(err, EINVAL, "line %ld: <%.40s> is not a device class hvfs can name",
				    xmlGetLineNo(node), cls);
	snprintf(dev->info.cls, sizeof(dev->info.cls), "%s", cls);
	snprintf(dev->info.name, sizeof(dev->info.name), "%u", index);
	if (strcmp(cls, "disk") == 0) {
		ret = read_disk(node, dev, err);
	} else if (strcmp(cls, "interface") == 0) {
		ret = read_interface(node, dev, err);
	} else if (strcmp(cls, "controller") == 0) {
		read_controller(node, dev);
	} else if (strcmp(cls, "console") == 0) {
		attr_of(conf_child(node, "target"), "type", text);
		dev->serial_console = !text[0] || strcmp(text, "serial") == 0;
		attr_of(node, "type", text);
		if (text[0])
			hv_device_info_set(&dev->info, "type", text);
	} else {
		attr_of(node, "type", text);
		if (text[0])
			hv_device_info_set(&dev->info, "type", text);
	}
	if (ret == 0)
		ret = hv_device_address_from_node(address, &dev->address, err);
	if (ret < 0)
		return ret;
	/* <address type='pci'/> asks for any PCI address, as in libvirt. */
	if (dev->address.type == HV_ADDRESS_PCI && hv_pci_address_is_empty(&dev->address.pci)) {
		dev->address.type = HV_ADDRESS_NONE;
		dev->wants = HV_ADDRESS_PCI;
	}
	/* A drive address of a disk on a bus without one is kept, not used. */
	if (dev->address.type == HV_ADDRESS_DRIVE && dev->wants != HV_ADDRESS_DRIVE)
		dev->address.type = HV_ADDRESS_OTHER;
	address_text(&dev->address, address, text);
	hv_device_info_set(&dev->info, "address", text);
	return 0;
}

static unsigned position_in_class(xmlNodePtr devices, xmlNodePtr node)
{
	unsigned index = 0;

	for (xmlNodePtr n = devices->children; n && n != node; n = n->next)
		if (is_element(n, (const char *)node->name))
			index++;
	return index;
}

/* How many controllers of a drive bus the domain declares: one more than
 * the highest index, at least one.  And the PCI buses its controllers
 * provide (a model hvfs does not know provides none). */
static void count_controllers(xmlNodePtr devices, unsigned counts[3], struct hv_pci_buses *pci)
{
	for (int bus = 0; bus < 3; bus++)
		counts[bus] = 1;
	hv_pci_buses_init(pci);
	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		char type[256], index[256], model[256];
		enum hv_drive_bus bus;
		uint64_t value = 0;

		if (!is_element(n, "controller"))
			continue;
		attr_of(n, "type", type);
		attr_of(n, "index", index);
		if (index[0] && conf_parse_uint(index, 255, &value) < 0)
			continue;
		if (strcmp(type, "pci") == 0 && value > 0) {
			attr_of(n, "model", model);
			hv_pci_buses_add(pci, (unsigned)value, model);
		}
		if (hv_drive_bus_parse(type, &bus) < 0)
			continue;
		if (value + 1 > counts[bus])
			counts[bus] = (unsigned)value + 1;
	}
}

/* libvirt formats consoles[n] of an hvm guest from serials[n] when it is a
 * serial console, address included. */
static void settle_consoles(struct hv_device_defs *defs)
{
	unsigned serials = 0, consoles = 0;

	for (size_t i = 0; i < defs->count; i++)
		serials += strcmp(defs->devices[i].info.cls, "serial") == 0;
	for (size_t i = 0; i < defs->count; i++) {
		struct hv_device_def *dev = &defs->devices[i];

		if (strcmp(dev->info.cls, "console") != 0)
			continue;
		if (dev->serial_console && consoles < serials && dev->address.type != HV_ADDRESS_NONE) {
			dev->address.type = HV_ADDRESS_OTHER;
			dev->wants = HV_ADDRESS_NONE;
		}
		consoles++;
	}
}

static bool name_taken(const struct hv_device_defs *defs, const struct hv_device_def *dev, const char *name)
{
	for (size_t i = 0; i < defs->count; i++)
		if (strcmp(defs->devices[i].info.cls, dev->info.cls) == 0 &&
		    strcmp(defs->devices[i].info.name, name) == 0)
			return true;
	return false;
}

/* Two disks with one target are an error, as in libvirt.  Other names may
 * repeat in valid XML (libvirt's USB companion controllers all have index
 * 0): the second is NAME-1, the third NAME-2, in document order. */
static int settle_name(const struct hv_device_defs *defs, struct hv_device_def *dev, xmlNodePtr node,
		       struct hv_error *err)
{
	char base[HV_DEVICE_NAME_MAX + 1];

	if (!name_taken(defs, dev, dev->info.name))
		return 0;
	if (strcmp(dev->info.cls, "disk") == 0)
		return hv_error_set(err, EINVAL, "line %ld: two disks have the target %s", xmlGetLineNo(node),
				    dev->info.name);
	snprintf(base, sizeof(base), "%.*s", HV_DEVICE_NAME_MAX - 6, dev->info.name);
	for (unsigned k = 1; name_taken(defs, dev, dev->info.name) && k < 100000; k++)
		snprintf(dev->info.name, sizeof(dev->info.name), "%.57s-%u", base, k % 100000);
	return 0;
}

int hv_domain_devices_parse(const char *xml, size_t len, struct hv_device_defs *out, struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	struct hv_device_defs defs = {0};
	xmlNodePtr devices;
	size_t cap = 0;
	int ret = conf_parse(xml, len, &doc, err);

	*out = defs;
	if (ret < 0)
		return ret;
	devices = conf_child(xmlDocGetRootElement(doc), "devices");
	count_controllers(devices, defs.drive_controllers, &defs.pci_buses);
	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		if (!is_element(n, NULL) || is_element(n, "emulator"))
			continue;
		if (defs.count == cap) {
			cap = cap ? cap * 2 : 8;
			struct hv_device_def *grown = realloc(defs.devices, cap * sizeof(*grown));
			if (!grown) {
				hv_device_defs_finish(&defs);
				return hv_error_set(err, ENOMEM, "out of memory");
			}
			defs.devices = grown;
		}
		struct hv_device_def *dev = &defs.devices[defs.count];
		ret = read_device(n, position_in_class(devices, n), dev, err);
		if (ret == 0)
			ret = settle_name(&defs, dev, n, err);
		if (ret < 0) {
			hv_device_defs_finish(&defs);
			return ret;
		}
		defs.count++;
	}
	settle_consoles(&defs);
	*out = defs;
	return 0;
}

/* Wrapped without a line break, so that the schema's line numbers are the
 * fragment's own. */
#define FRAGMENT_HEAD                                                                                        \
	"<domain type='test'><name>fragment</name><memory>1</memory><os><type>hvm</type></os><devices>"
#define FRAGMENT_TAIL "</devices></domain>"

static bool is_blank_char(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The element's bytes: without the blanks around it and an XML
 * declaration in front (which cannot appear inside the wrapper).  Line
 * breaks before it are kept so that line numbers stay the user's. */
static void fragment_span(const char *xml, size_t len, size_t *start, size_t *end)
{
	size_t s = 0, e = len;

	while (s < e && is_blank_char(xml[s]))
		s++;
	if (e - s >= 5 && memcmp(xml + s, "<?xml", 5) == 0) {
		const char *close = memmem(xml + s, e - s, "?>", 2);
		if (close)
			s = (size_t)(close - xml) + 2;
	}
	while (s < e && is_blank_char(xml[s]))
		s++;
	while (e > s && is_blank_char(xml[e - 1]))
		e--;
	*start = s;
	*end = e;
}

int hv_device_fragment_parse(const char *xml, size_t len, struct hv_device_def *out, char **element,
			     struct hv_error *err)
{
	auto_xml_doc xmlDocPtr doc = NULL;
	auto_free char *wrapped = NULL;
	size_t start, end, lines = 0;
	xmlNodePtr devices, node = NULL;
	int ret;

	*element = NULL;
	if (len > HV_XML_MAX)
		return hv_error_set(err, EFBIG, "the device XML is %zu bytes, more than the limit of %d", len,
				    HV_XML_MAX);
	if (xml && memchr(xml, '\0', len))
		return hv_error_set(err, EINVAL, "the device XML holds a NUL byte");
	fragment_span(xml ? xml : "", xml ? len : 0, &start, &end);
	if (start == end)
		return hv_error_set(err, EINVAL, "the device XML is empty");
	for (size_t i = 0; i < start; i++)
		lines += xml[i] == '\n';
	/* The line breaks in front keep the user's line numbers. */
	wrapped = malloc(lines + sizeof(FRAGMENT_HEAD) + (end - start) + sizeof(FRAGMENT_TAIL));
	if (!wrapped)
		return hv_error_set(err, ENOMEM, "out of memory");
	memset(wrapped, '\n', lines);
	sprintf(wrapped + lines, FRAGMENT_HEAD "%.*s" FRAGMENT_TAIL, (int)(end - start), xml + start);
	ret = conf_load(wrapped, strlen(wrapped), HV_SCHEMA_DOMAIN, &doc, err);
	if (ret < 0)
		return ret;
	devices = conf_child(xmlDocGetRootElement(doc), "devices");
	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		/* Around the element, what XML allows after a root element. */
		if (n->type == XML_TEXT_NODE || n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
			continue;
		if (node || !is_element(n, NULL))
			return hv_error_set(err, EINVAL, "the device XML must be exactly one element");
		node = n;
	}
	if (!node)
		return hv_error_set(err, EINVAL, "the device XML must be exactly one element");
	if (is_element(node, "emulator"))
		return hv_error_set(err, EINVAL, "<emulator> is not a device that can be attached");
	ret = conf_check_devices(xmlDocGetRootElement(doc), err);
	if (ret == 0)
		ret = conf_check_libvirt(HV_SCHEMA_DOMAIN, doc, err);
	if (ret < 0)
		return ret;
	ret = read_device(node, 0, out, err);
	if (ret < 0)
		return ret;
	out->position = 0;
	*element = strndup(xml + start, end - start);
	return *element ? 0 : hv_error_set(err, ENOMEM, "out of memory");
}
