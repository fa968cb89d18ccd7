/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* QEMU's command line for a live domain XML (qemu_command.h), for QEMU 7.2
 * as Debian 12 ships it.
 *
 * The devices come from hv_domain_devices_parse (names, addresses, MACs as
 * every driver reads them) walked side by side with the parsed document
 * (what only QEMU needs: a disk's source and format, an interface's type).
 * Values that reach QEMU inside an option string (key=value,...) have
 * their commas doubled, QEMU's escape, so that a path cannot add options;
 * -blockdev takes JSON, built with json-c. */
#include "drivers/qemu/qemu_command.h"

#include <errno.h>
#include <json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/address.h"
#include "drivers/conf/conf.h"
#include "drivers/conf/device_conf.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

/* QEMU's limit for a block node name, with the NUL. */
#define NODE_NAME_MAX 32
#define ID_MAX	      (HV_DEVICE_NAME_MAX + 8)

/* --- the document --------------------------------------------------------- */

static bool is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && !n->ns && (!name || strcmp((const char *)n->name, name) == 0);
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (is_element(n, name))
			return n;
	return NULL;
}

/* An attribute into out ("" when absent); -EINVAL when it does not fit. */
static int attr(xmlNodePtr node, const char *name, char *out, size_t size, struct hv_error *err)
{
	xmlChar *value = node ? xmlGetNoNsProp(node, BAD_CAST name) : NULL;
	int ret = 0;

	out[0] = '\0';
	if (value && strlen((const char *)value) >= size)
		ret = hv_error_set(err, EINVAL, "<%s %s='%.40s...'> is longer than %zu characters",
				   (const char *)node->name, name, (const char *)value, size - 1);
	else if (value)
		strcpy(out, (const char *)value);
	xmlFree(value);
	return ret;
}

/* The element's text, blanks around it trimmed, as a heap string ("" when
 * node is NULL); NULL when out of memory. */
static char *text_of(xmlNodePtr node)
{
	xmlChar *raw = node ? xmlNodeGetContent(node) : NULL;
	const char *s = raw ? (const char *)raw : "";
	size_t len;
	char *out;

	while (*s && strchr(" \t\r\n", *s))
		s++;
	len = strlen(s);
	while (len > 0 && strchr(" \t\r\n", s[len - 1]))
		len--;
	out = strndup(s, len);
	xmlFree(raw);
	return out;
}

int qemu_xml_read(const char *xml, size_t len, struct hv_domain_def *def, xmlDocPtr *doc,
		  struct hv_error *err)
{
	int ret = hv_domain_def_parse_stored(xml, len, NULL, def, err);

	*doc = NULL;
	if (ret < 0)
		return ret;
	/* Checked just now, DOCTYPE refused: nothing to expand or fetch. */
	*doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!*doc || !xmlDocGetRootElement(*doc)) {
		xmlFreeDoc(*doc);
		*doc = NULL;
		return hv_error_set(err, ENOMEM, "out of memory while parsing the domain XML");
	}
	return 0;
}

int qemu_machine_of(xmlNodePtr root, enum qemu_machine *machine, char *name, size_t size,
		    struct hv_error *err)
{
	xmlNodePtr type = child(child(root, "os"), "type");
	char arch[32];
	int ret = attr(type, "arch", arch, sizeof(arch), err);

	if (ret == 0)
		ret = attr(type, "machine", name, size, err);
	if (ret < 0)
		return ret;
	if (arch[0] && strcmp(arch, "x86_64") != 0 && strcmp(arch, "i686") != 0)
		return hv_error_set(err, EINVAL, "the qemu driver runs x86_64 and i686 guests, not %s", arch);
	if (!name[0])
		snprintf(name, size, "pc");
	/* It goes into -machine's option string as it is. */
	if (strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789.-_") != strlen(name))
		return hv_error_set(err, EINVAL, "machine type '%s' is not a QEMU machine name", name);
	if (strcmp(name, "pc") == 0 || strncmp(name, "pc-i440fx-", 10) == 0) {
		*machine = QEMU_MACHINE_PC;
	} else if (strcmp(name, "q35") == 0 || strncmp(name, "pc-q35-", 7) == 0) {
		*machine = QEMU_MACHINE_Q35;
	} else {
		return hv_error_set(err, EINVAL,
				    "machine type '%s' is not supported by the qemu driver: use pc, "
				    "pc-i440fx-*, q35 or pc-q35-*",
				    name);
	}
	return 0;
}

/* --- ids ------------------------------------------------------------------ */

/* QEMU's id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
static bool id_is_valid(const char *id)
{
	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z')))
		return false;
	for (const char *p = id; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._", *p))
			return false;
	return true;
}

int qemu_device_id(const char *cls, const char *name, char *id, size_t size)
{
	const char *prefix;
	int n;

	if (strcmp(cls, "disk") == 0)
		prefix = "";
	else if (strcmp(cls, "interface") == 0)
		prefix = "net";
	else if (strcmp(cls, "memballoon") == 0)
		prefix = "balloon";
	else
		return -ENOENT;
	n = snprintf(id, size, "%s%s", prefix, name);
	if (n < 0 || (size_t)n >= size || !id_is_valid(id))
		return -EINVAL;
	return 0;
}

/* --- the argument vector -------------------------------------------------- */

struct args {
	char **v;
	size_t count, cap;
	struct strbuf opt; /* the argument being built */
	int ret;	   /* the first failure: every later call does nothing */
};

static void push(struct args *a, char *s)
{
	if (a->ret == 0 && !s)
		a->ret = -ENOMEM;
	if (a->ret == 0 && a->count + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (v) {
			a->v = v;
			a->cap = cap;
		} else {
			a->ret = -ENOMEM;
		}
	}
	if (a->ret < 0) {
		free(s);
		return;
	}
	a->v[a->count++] = s;
	a->v[a->count] = NULL;
}

static void arg(struct args *a, const char *s)
{
	if (a->ret == 0)
		push(a, strdup(s));
}

/* Appends to the argument being built. */
static void __attribute__((format(printf, 2, 3))) optf(struct args *a, const char *format, ...)
{
	va_list ap;

	if (a->ret < 0)
		return;
	va_start(ap, format);
	a->ret = strbuf_vprintf(&a->opt, format, ap);
	va_end(ap);
}

/* Appends value with its commas doubled: one value, not more options. */
static void opt_value(struct args *a, const char *value)
{
	for (const char *p = value; *p && a->ret == 0; p++) {
		a->ret = strbuf_append(&a->opt, p, 1);
		if (a->ret == 0 && *p == ',')
			a->ret = strbuf_append(&a->opt, ",", 1);
	}
}

/* Ends the argument being built: option (when not NULL) and it. */
static void opt_end(struct args *a, const char *option)
{
	if (option)
		arg(a, option);
	if (a->ret == 0)
		push(a, strbuf_steal(&a->opt));
	strbuf_reset(&a->opt);
}

void qemu_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

/* --- devices -------------------------------------------------------------- */

struct build {
	struct args a;
	const struct qemu_launch_paths *paths;
	enum qemu_machine machine;
	const char *bus; /* bus 0's id */
};

static int no_address(const struct hv_device_def *dev, const char *label, const char *what,
		      struct hv_error *err)
{
	if (dev->address.type != HV_ADDRESS_NONE)
		return hv_error_set(err, EINVAL, "%s: its <address> is not the %s address it needs", label,
				    what);
	return hv_error_set(err, EINVAL, "%s has no %s address: give the qemu driver the live XML", label,
			    what);
}

/* ",bus=pci.0,addr=0x3" for dev, which must sit on bus 0. */
static int pci_props(struct build *b, const struct hv_device_def *dev, const char *label,
		     struct hv_error *err)
{
	const struct hv_pci_address *p = &dev->address.pci;
	char text[HV_ADDRESS_TEXT_MAX];

	if (dev->address.type != HV_ADDRESS_PCI)
		return no_address(dev, label, "PCI", err);
	if (p->domain != 0 || p->bus != 0) {
		hv_pci_address_format(p, text);
		return hv_error_set(
		    err, EINVAL,
		    "%s: pci address %s is not supported by the qemu driver yet: it starts no PCI "
		    "controllers, so only bus 0000:00 has slots",
		    label, text);
	}
	optf(&b->a, ",bus=%s,addr=0x%x", b->bus, p->slot);
	if (p->function)
		optf(&b->a, ".0x%x", p->function);
	if (p->multifunction != HV_SWITCH_DEFAULT)
		optf(&b->a, ",multifunction=%s", p->multifunction == HV_SWITCH_ON ? "on" : "off");
	return 0;
}

/* <boot order='N'/> of a device: ",bootindex=N". */
static int boot_props(struct build *b, xmlNodePtr node, const char *label, struct hv_error *err)
{
	char order[16];
	uint64_t value = 0;
	char *end;
	int ret = attr(child(node, "boot"), "order", order, sizeof(order), err);

	if (ret < 0 || !order[0])
		return ret;
	value = strtoull(order, &end, 10);
	if (*end || end == order || value == 0 || value > 0xffff)
		return hv_error_set(err, EINVAL, "%s: boot order '%s' is not a number from 1 to 65535", label,
				    order);
	optf(&b->a, ",bootindex=%u", (unsigned)value);
	return 0;
}

static int unsupported(const char *label, const char *what, const char *value, struct hv_error *err)
{
	return hv_error_set(err, EINVAL, "%s: %s '%s' is not supported by the qemu driver yet", label, what,
			    value);
}

static void add_json(struct build *b, const char *option, json_object *obj)
{
	const char *text =
	    obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
		: NULL;

	if (!text && b->a.ret == 0)
		b->a.ret = -ENOMEM;
	arg(&b->a, option);
	if (text)
		arg(&b->a, text);
	json_object_put(obj);
}

/* The two block nodes of a disk: the protocol (file-ID) and the format
 * (drive-ID), which the frontend takes. */
static void add_blockdevs(struct build *b, const char *id, const char *type, const char *source,
			  const char *format, bool readonly)
{
	char file_node[ID_MAX + 8], drive_node[ID_MAX + 8]; /* fits NODE_NAME_MAX: add_disk checked */
	json_object *file = json_object_new_object(), *drive = json_object_new_object();

	snprintf(file_node, sizeof(file_node), "file-%s", id);
	snprintf(drive_node, sizeof(drive_node), "drive-%s", id);
	if (file) {
		json_object_object_add(
		    file, "driver",
		    json_object_new_string(strcmp(type, "block") == 0 ? "host_device" : "file"));
		json_object_object_add(file, "filename", json_object_new_string(source));
		json_object_object_add(file, "node-name", json_object_new_string(file_node));
		json_object_object_add(file, "read-only", json_object_new_boolean(readonly));
	}
	if (drive) {
		json_object_object_add(drive, "driver", json_object_new_string(format));
		json_object_object_add(drive, "file", json_object_new_string(file_node));
		json_object_object_add(drive, "node-name", json_object_new_string(drive_node));
		json_object_object_add(drive, "read-only", json_object_new_boolean(readonly));
	}
	add_json(b, "-blockdev", file);
	add_json(b, "-blockdev", drive);
}

/* What a disk's frontend needs, read from its element. */
struct disk {
	char type[16], device[16], format[16], bus[16];
	char *source; /* heap; "" when it has none */
	bool readonly;
};

static int read_disk(xmlNodePtr node, const struct hv_device_def *dev, const char *label, struct disk *d,
		     struct hv_error *err)
{
	xmlNodePtr driver = child(node, "driver");
	const char *bus = hv_device_attr(&dev->info, "bus");
	xmlChar *source;
	int ret = attr(node, "type", d->type, sizeof(d->type), err);

	if (ret == 0)
		ret = attr(node, "device", d->device, sizeof(d->device), err);
	if (ret == 0)
		ret = attr(driver, "type", d->format, sizeof(d->format), err);
	if (ret < 0)
		return ret;
	snprintf(d->bus, sizeof(d->bus), "%s", bus ? bus : "");
	if (!d->type[0])
		snprintf(d->type, sizeof(d->type), "file");
	if (!d->device[0])
		snprintf(d->device, sizeof(d->device), "disk");
	if (!d->format[0])
		snprintf(d->format, sizeof(d->format), "raw");
	d->readonly = child(node, "readonly") || strcmp(d->device, "cdrom") == 0;
	if (strcmp(d->type, "file") != 0 && strcmp(d->type, "block") != 0)
		return unsupported(label, "disk type", d->type, err);
	if (strcmp(d->device, "disk") != 0 && strcmp(d->device, "cdrom") != 0)
		return unsupported(label, "disk device", d->device, err);
	if (strcmp(d->format, "raw") != 0 && strcmp(d->format, "qcow2") != 0)
		return unsupported(label, "disk format", d->format, err);
	source =
	    xmlGetNoNsProp(child(node, "source"), BAD_CAST(strcmp(d->type, "file") == 0 ? "file" : "dev"));
	d->source = strdup(source ? (const char *)source : "");
	xmlFree(source);
	if (!d->source)
		return hv_error_set(err, ENOMEM, "out of memory");
	if (!d->source[0] && strcmp(d->device, "cdrom") != 0)
		return hv_error_set(err, EINVAL, "%s has no source: only a cdrom can be empty", label);
	return 0;
}

/* ide-hd / ide-cd on the machine's own controller: PIIX3 IDE (pc, bus
 * ide, ide.0 and ide.1 with two units each) or ICH9 AHCI (q35, bus sata,
 * one port ide.N per unit N). */
static int ide_props(struct build *b, const struct hv_device_def *dev, const struct disk *d,
		     const char *label, struct hv_error *err)
{
	const struct hv_drive_address *a = &dev->address.drive;
	bool sata = strcmp(d->bus, "sata") == 0;
	char text[HV_ADDRESS_TEXT_MAX];

	if (sata != (b->machine == QEMU_MACHINE_Q35))
		return hv_error_set(
		    err, EINVAL,
		    "%s: bus %s is not supported by the qemu driver on this machine: use ide on pc "
		    "and sata on q35",
		    label, d->bus);
	if (dev->address.type != HV_ADDRESS_DRIVE)
		return no_address(dev, label, "drive", err);
	if (strcmp(d->device, "disk") == 0 && d->readonly)
		return hv_error_set(err, EINVAL, "%s: QEMU cannot make an IDE or SATA disk read-only", label);
	hv_drive_address_format(a, text);
	if (a->controller != 0 || a->target != 0 ||
	    (sata ? a->bus != 0 || a->unit > 5 : a->bus > 1 || a->unit > 1))
		return hv_error_set(
		    err, EINVAL,
		    "%s: drive address %s is not on the machine's %s controller (%s), the only "
		    "one the qemu driver provides",
		    label, text, d->bus, sata ? "0:0:0:0 to 0:0:0:5" : "0:0:0:0 to 0:1:0:1");
	optf(&b->a, "%s", strcmp(d->device, "cdrom") == 0 ? "ide-cd" : "ide-hd");
	if (sata)
		optf(&b->a, ",bus=ide.%u", a->unit);
	else
		optf(&b->a, ",bus=ide.%u,unit=%u", a->bus, a->unit);
	return 0;
}

static int add_disk(struct build *b, const struct hv_device_def *dev, xmlNodePtr node, const char *label,
		    struct hv_error *err)
{
	struct disk d = {0};
	char id[ID_MAX];
	int ret;

	if (qemu_device_id("disk", dev->info.name, id, sizeof(id)) < 0 ||
	    strlen(id) + sizeof("drive-") > NODE_NAME_MAX)
		return hv_error_set(err, EINVAL,
				    "%s: the qemu driver needs a target of at most %zu letters, "
				    "digits, '-', '.', '_', starting with a letter",
				    label, NODE_NAME_MAX - sizeof("drive-"));
	ret = read_disk(node, dev, label, &d, err);
	if (ret == 0 && strcmp(d.bus, "virtio") == 0) {
		if (strcmp(d.device, "disk") != 0)
			ret = hv_error_set(err, EINVAL, "%s: a virtio disk cannot be a %s", label, d.device);
		optf(&b->a, "virtio-blk-pci");
		if (ret == 0)
			ret = pci_props(b, dev, label, err);
	} else if (ret == 0 && (strcmp(d.bus, "ide") == 0 || strcmp(d.bus, "sata") == 0)) {
		ret = ide_props(b, dev, &d, label, err);
	} else if (ret == 0) {
		ret = unsupported(label, "disk bus", d.bus, err);
	}
	if (ret == 0 && d.source[0])
		optf(&b->a, ",drive=drive-%s", id);
	optf(&b->a, ",id=%s", id);
	if (ret == 0)
		ret = boot_props(b, node, label, err);
	if (ret == 0 && d.source[0])
		add_blockdevs(b, id, d.type, d.source, d.format, d.readonly);
	if (ret == 0)
		opt_end(&b->a, "-device");
	free(d.source);
	return ret;
}

static const struct {
	const char *model, *device;
} nic_models[] = {
    {"virtio", "virtio-net-pci"},
    {"e1000", "e1000"},
    {"e1000e", "e1000e"},
    {"rtl8139", "rtl8139"},
};

static int add_interface(struct build *b, const struct hv_device_def *dev, xmlNodePtr node, const char *label,
			 struct hv_error *err)
{
	const char *model = hv_device_attr(&dev->info, "model"), *device = NULL;
	char type[32], bridge[256], id[ID_MAX], mac[HV_ADDRESS_TEXT_MAX];
	int ret = attr(node, "type", type, sizeof(type), err);

	if (ret < 0)
		return ret;
	if (!model || !model[0])
		model = "virtio";
	for (size_t i = 0; i < ARRAY_SIZE(nic_models); i++)
		if (strcmp(model, nic_models[i].model) == 0)
			device = nic_models[i].device;
	if (!device)
		return unsupported(label, "interface model", model, err);
	if (qemu_device_id("interface", dev->info.name, id, sizeof(id)) < 0)
		return hv_error_set(err, EINVAL, "%s: no QEMU id can be made of its name", label);
	if (!dev->has_mac)
		return hv_error_set(err, EINVAL, "%s has no MAC address: give the qemu driver the live XML",
				    label);

	if (strcmp(type, "user") == 0) {
		optf(&b->a, "user");
	} else if (strcmp(type, "bridge") == 0 || strcmp(type, "network") == 0) {
		bool network = strcmp(type, "network") == 0;
		ret =
		    attr(child(node, "source"), network ? "network" : "bridge", bridge, sizeof(bridge), err);
		if (ret == 0 && !bridge[0])
			ret = hv_error_set(err, EINVAL, "%s: <source %s='...'/> is missing", label,
					   network ? "network" : "bridge");
		if (ret == 0 && network && !b->paths->network_bridge)
			ret = unsupported(label, "interface type", type, err);
		if (ret == 0 && network)
			ret = b->paths->network_bridge(b->paths->opaque, dev->network, bridge, sizeof(bridge),
						       err);
		/* QEMU's bridge helper makes the tap and plugs it in. */
		optf(&b->a, "bridge,br=");
		opt_value(&b->a, bridge);
	} else {
		ret = unsupported(label, "interface type", type, err);
	}
	optf(&b->a, ",id=host%s", id);
	if (ret < 0)
		return ret;
	opt_end(&b->a, "-netdev");

	hv_mac_address_format(&dev->mac, mac);
	optf(&b->a, "%s,netdev=host%s,id=%s,mac=%s", device, id, id, mac);
	ret = pci_props(b, dev, label, err);
	if (ret == 0)
		ret = boot_props(b, node, label, err);
	if (ret == 0)
		opt_end(&b->a, "-device");
	return ret;
}

static int add_balloon(struct build *b, const struct hv_device_def *dev, xmlNodePtr node, const char *label,
		       struct hv_error *err)
{
	char model[32], id[ID_MAX];
	int ret = attr(node, "model", model, sizeof(model), err);

	if (ret < 0 || strcmp(model, "none") == 0)
		return ret;
	if (strcmp(model, "virtio") != 0)
		return unsupported(label, "memballoon model", model, err);
	if (qemu_device_id("memballoon", dev->info.name, id, sizeof(id)) < 0)
		return hv_error_set(err, EINVAL, "%s: no QEMU id can be made of its name", label);
	optf(&b->a, "virtio-balloon-pci,id=%s", id);
	ret = pci_props(b, dev, label, err);
	if (ret == 0)
		opt_end(&b->a, "-device");
	return ret;
}

/* Classes with nothing on the command line: there is no display, the
 * serial port and pvpanic are always there, and the controllers the
 * devices above need are the machine's own. */
static const char *const ignored_classes[] = {
    "serial", "console",    "panic",   "graphics", "video",    "sound",	   "audio",
    "input",  "controller", "channel", "rng",	   "watchdog", "redirdev", "hub",
};

static int add_device(struct build *b, const struct hv_device_def *dev, xmlNodePtr node, struct hv_error *err)
{
	const char *cls = dev->info.cls;
	char label[HV_DEVICE_CLASS_MAX + HV_DEVICE_NAME_MAX + 2];

	snprintf(label, sizeof(label), "%s %s", cls, dev->info.name);
	if (strcmp(cls, "disk") == 0)
		return add_disk(b, dev, node, label, err);
	if (strcmp(cls, "interface") == 0)
		return add_interface(b, dev, node, label, err);
	if (strcmp(cls, "memballoon") == 0)
		return add_balloon(b, dev, node, label, err);
	for (size_t i = 0; i < ARRAY_SIZE(ignored_classes); i++)
		if (strcmp(cls, ignored_classes[i]) == 0)
			return 0;
	return hv_error_set(err, EINVAL, "%s: <%s> devices are not supported by the qemu driver yet", label,
			    cls);
}

static int add_devices(struct build *b, const char *xml, size_t len, xmlNodePtr root, struct hv_error *err)
{
	struct hv_device_defs defs;
	xmlNodePtr devices = child(root, "devices");
	size_t i = 0;
	int ret = hv_domain_devices_parse(xml, len, &defs, err);

	/* The same walk as device_conf.c's: element children but <emulator>. */
	for (xmlNodePtr n = devices ? devices->children : NULL; n && ret == 0; n = n->next) {
		if (!is_element(n, NULL) || is_element(n, "emulator"))
			continue;
		if (i == defs.count || strcmp(defs.devices[i].info.cls, (const char *)n->name) != 0) {
			ret = hv_error_set(err, EIO,
					   "the devices of the domain XML do not read the same twice");
			break;
		}
		ret = add_device(b, &defs.devices[i++], n, err);
	}
	hv_device_defs_finish(&defs);
	return ret;
}

/* --- the machine ---------------------------------------------------------- */

static int add_os(struct build *b, xmlNodePtr root, struct hv_error *err)
{
	static const struct {
		const char *dev;
		char drive;
	} boot_devs[] = {{"hd", 'c'}, {"cdrom", 'd'}, {"network", 'n'}, {"fd", 'a'}};
	xmlNodePtr os = child(root, "os");
	char firmware[16], dev[16], order[8] = "";
	size_t n = 0;
	int ret = attr(os, "firmware", firmware, sizeof(firmware), err);
	char *kernel = NULL, *initrd = NULL, *cmdline = NULL;

	if (ret < 0)
		return ret;
	if ((firmware[0] && strcmp(firmware, "bios") != 0) || child(os, "loader") || child(os, "nvram"))
		return hv_error_set(
		    err, EINVAL,
		    "firmware other than the BIOS (UEFI, <loader>, <nvram>) is not supported by the "
		    "qemu driver yet");
	kernel = text_of(child(os, "kernel"));
	initrd = text_of(child(os, "initrd"));
	cmdline = text_of(child(os, "cmdline"));
	if (!kernel || !initrd || !cmdline)
		ret = hv_error_set(err, ENOMEM, "out of memory");
	if (ret == 0 && kernel[0]) {
		arg(&b->a, "-kernel");
		arg(&b->a, kernel);
		if (initrd[0]) {
			arg(&b->a, "-initrd");
			arg(&b->a, initrd);
		}
		if (cmdline[0]) {
			arg(&b->a, "-append");
			arg(&b->a, cmdline);
		}
	}
	/* libvirt: <boot dev> orders the BIOS's devices only when there is no
	 * kernel to boot. */
	for (xmlNodePtr node = os ? os->children : NULL; node && ret == 0 && !kernel[0]; node = node->next) {
		if (!is_element(node, "boot"))
			continue;
		ret = attr(node, "dev", dev, sizeof(dev), err);
		size_t i = 0;
		while (ret == 0 && i < ARRAY_SIZE(boot_devs) && strcmp(dev, boot_devs[i].dev) != 0)
			i++;
		if (ret == 0 && i == ARRAY_SIZE(boot_devs))
			ret = unsupported("<os>", "boot dev", dev, err);
		if (ret == 0 && n + 1 < sizeof(order) && !strchr(order, boot_devs[i].drive))
			order[n++] = boot_devs[i].drive;
	}
	if (ret == 0 && order[0]) {
		arg(&b->a, "-boot");
		optf(&b->a, "order=%s", order);
		opt_end(&b->a, NULL);
	}
	free(kernel);
	free(initrd);
	free(cmdline);
	return ret;
}

static int add_clock(struct build *b, xmlNodePtr root, struct hv_error *err)
{
	char offset[32];
	int ret = attr(child(root, "clock"), "offset", offset, sizeof(offset), err);

	if (ret < 0 || !offset[0] || strcmp(offset, "utc") == 0)
		return ret;
	if (strcmp(offset, "localtime") != 0)
		return unsupported("<clock>", "offset", offset, err);
	arg(&b->a, "-rtc");
	arg(&b->a, "base=localtime");
	return 0;
}

static int check_paths(const struct qemu_launch_paths *p, struct hv_error *err)
{
	if (!p || !p->emulator || !p->emulator[0] || !p->qmp_socket || !p->qmp_socket[0] || !p->pidfile ||
	    !p->pidfile[0] || !p->serial_log || !p->serial_log[0] || !p->accel)
		return hv_error_set(err, EINVAL,
				    "the QEMU command line needs an emulator, a QMP socket, a "
				    "pidfile and a serial log");
	if (strcmp(p->accel, "tcg") != 0 && strcmp(p->accel, "kvm") != 0)
		return hv_error_set(err, EINVAL, "accelerator '%.40s' is neither tcg nor kvm", p->accel);
	return 0;
}

static int build(struct build *b, const char *xml, size_t len, struct hv_error *err)
{
	const struct qemu_launch_paths *p = b->paths;
	struct hv_domain_def def;
	char machine[64];
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	int ret = check_paths(p, err);

	if (ret == 0)
		ret = qemu_xml_read(xml, len, &def, &doc, err);
	if (ret < 0)
		return ret;
	root = xmlDocGetRootElement(doc);
	ret = qemu_machine_of(root, &b->machine, machine, sizeof(machine), err);
	if (ret == 0 && strcmp(def.os_type, "hvm") != 0)
		ret = hv_error_set(err, EINVAL,
				   "the qemu driver starts hvm guests: <os><type>hvm</type>, not '%s'",
				   def.os_type);
	if (ret < 0) {
		xmlFreeDoc(doc);
		return ret;
	}
	b->bus = b->machine == QEMU_MACHINE_Q35 ? "pcie.0" : "pci.0";

	arg(&b->a, p->emulator);
	optf(&b->a, "guest=");
	opt_value(&b->a, def.name);
	opt_end(&b->a, "-name");
	if (def.uuid[0]) {
		arg(&b->a, "-uuid");
		arg(&b->a, def.uuid);
	}
	optf(&b->a, "%s,accel=%s", machine, p->accel);
	opt_end(&b->a, "-machine");
	arg(&b->a, "-cpu");
	arg(&b->a, strcmp(p->accel, "kvm") == 0 ? "host" : "max");
	optf(&b->a, "size=%lluk", (unsigned long long)def.max_memory_kib);
	opt_end(&b->a, "-m");
	/* Each vCPU a socket: any of them can be hot-plugged alone. */
	optf(&b->a, "%u,maxcpus=%u,sockets=%u,cores=1,threads=1", def.vcpus, def.max_vcpus, def.max_vcpus);
	opt_end(&b->a, "-smp");
	static const char *const fixed[] = {"-nodefaults", "-no-user-config", "-display", "none",
					    "-S",	   "-no-shutdown"};
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		arg(&b->a, fixed[i]);
	arg(&b->a, "-pidfile");
	arg(&b->a, p->pidfile);
	optf(&b->a, "socket,id=monitor,path=");
	opt_value(&b->a, p->qmp_socket);
	optf(&b->a, ",server=on,wait=off");
	opt_end(&b->a, "-chardev");
	arg(&b->a, "-mon");
	arg(&b->a, "chardev=monitor,mode=control");

	ret = add_clock(b, root, err);
	if (ret == 0)
		ret = add_os(b, root, err);
	if (ret == 0)
		ret = add_devices(b, xml, len, root, err);
	xmlFreeDoc(doc);
	if (ret < 0)
		return ret;

	/* The one serial port, whatever <serial> and <console> say: the
	 * driver always has a console log to show. */
	optf(&b->a, "file,id=serial0,path=");
	opt_value(&b->a, p->serial_log);
	optf(&b->a, ",append=on");
	opt_end(&b->a, "-chardev");
	arg(&b->a, "-serial");
	arg(&b->a, "chardev:serial0");
	/* GUEST_PANICKED on QMP when the guest's kernel panics: the driver
	 * applies <on_crash>. */
	arg(&b->a, "-device");
	arg(&b->a, "pvpanic");
	return b->a.ret < 0 ? hv_error_set(err, -b->a.ret, "out of memory") : 0;
}

int qemu_command_build(const char *live_xml, size_t len, const struct qemu_launch_paths *paths, char ***argv,
		       struct hv_error *err)
{
	struct build b = {.paths = paths};
	int ret = build(&b, live_xml, len, err);

	strbuf_finish(&b.a.opt);
	if (ret < 0) {
		qemu_argv_free(b.a.v);
		*argv = NULL;
		return ret;
	}
	*argv = b.a.v;
	return 0;
}
