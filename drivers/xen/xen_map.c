/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure mappings of the Xen driver (see xen_map.h): no Xen library here, so
 * that tests/unit/test_xen_map.c runs on any host. */
#include "drivers/xen/xen_map.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

unsigned xen_shutdown_reason(uint32_t flags)
{
	return (flags >> XEN_MAP_SHUTDOWN_SHIFT) & XEN_MAP_SHUTDOWN_MASK;
}

/* Order matters: a dying domain may still carry its shutdown flag and a
 * shut-down one its last running/blocked bits, so the terminal conditions
 * are tested first.  Neither running nor blocked means runnable but waiting
 * for a physical CPU: libvirt calls that running too. */
enum hv_domain_state xen_state_from_flags(uint32_t flags)
{
	if (flags & XEN_MAP_DYING)
		return HV_DOMAIN_SHUTDOWN;
	if (flags & XEN_MAP_SHUTDOWN) {
		switch (xen_shutdown_reason(flags)) {
		case XEN_SHUTDOWN_CRASH:
		case XEN_SHUTDOWN_WATCHDOG:
			return HV_DOMAIN_CRASHED;
		case XEN_SHUTDOWN_POWEROFF:
			return HV_DOMAIN_SHUTOFF;
		case XEN_SHUTDOWN_SUSPEND:
			return HV_DOMAIN_PMSUSPENDED;
		default: /* reboot, soft reset: on its way down and back */
			return HV_DOMAIN_SHUTDOWN;
		}
	}
	if (flags & XEN_MAP_PAUSED)
		return HV_DOMAIN_PAUSED;
	if (flags & XEN_MAP_BLOCKED)
		return HV_DOMAIN_BLOCKED;
	return HV_DOMAIN_RUNNING;
}

/* xen/io/xenbus.h enum xenbus_state, indexed by value. */
static const char *const xenbus_state_names[] = {
    "Unknown", "Initialising", "InitWait",	"Initialised",	"Connected",
    "Closing", "Closed",       "Reconfiguring", "Reconfigured",
};

const char *xen_xenbus_state_name(long state)
{
	if (state < 0 || (size_t)state >= ARRAY_SIZE(xenbus_state_names))
		return "Unknown";
	return xenbus_state_names[state];
}

const char *xen_xenbus_state_text(const char *value)
{
	char *end;
	long state;

	if (!value || !*value)
		return "Unknown";
	errno = 0;
	state = strtol(value, &end, 10);
	if (errno || *end)
		return "Unknown";
	return xen_xenbus_state_name(state);
}

/* --- XML -> guest ----------------------------------------------------------- */

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* Copies text (of node, or of its attribute attr) into out; "" when absent.
 * -EINVAL with what named when it does not fit. */
static int copy_text(xmlNodePtr node, const char *attr, const char *what, char *out, size_t size,
		     struct hv_error *err)
{
	xmlChar *text = NULL;
	size_t len;

	out[0] = '\0';
	if (!node)
		return 0;
	text = attr ? xmlGetProp(node, (const xmlChar *)attr) : xmlNodeGetContent(node);
	if (!text)
		return 0;
	len = strlen((const char *)text);
	if (len >= size) {
		xmlFree(text);
		return hv_error_set(err, EINVAL, "%s is longer than %zu characters", what, size - 1);
	}
	memcpy(out, text, len + 1);
	xmlFree(text);
	return 0;
}

static int parse_disk(xmlNodePtr disk, struct xen_guest_def *guest, struct hv_error *err)
{
	unsigned i = guest->disk_count;
	xmlNodePtr source = child(disk, "source");
	int ret;

	if (i >= XEN_GUEST_DISKS_MAX)
		return hv_error_set(err, EINVAL, "the xen driver supports at most %d disks",
				    XEN_GUEST_DISKS_MAX);
	ret = copy_text(source, "file", "disk source", guest->disks[i].source, sizeof(guest->disks[i].source),
			err);
	if (ret == 0 && !guest->disks[i].source[0])
		ret = copy_text(source, "dev", "disk source", guest->disks[i].source,
				sizeof(guest->disks[i].source), err);
	if (ret == 0)
		ret = copy_text(child(disk, "target"), "dev", "disk target", guest->disks[i].target,
				sizeof(guest->disks[i].target), err);
	if (ret < 0)
		return ret;
	if (!guest->disks[i].source[0] || !guest->disks[i].target[0])
		return hv_error_set(err, EINVAL,
				    "a xen disk needs <source file='...'/> and <target dev='...'/>");
	guest->disks[i].readonly = child(disk, "readonly") != NULL;
	guest->disk_count++;
	return 0;
}

static int parse_interface(xmlNodePtr nic, struct xen_guest_def *guest, struct hv_error *err)
{
	unsigned i = guest->nic_count;
	int ret;

	if (i >= XEN_GUEST_NICS_MAX)
		return hv_error_set(err, EINVAL, "the xen driver supports at most %d interfaces",
				    XEN_GUEST_NICS_MAX);
	ret = copy_text(child(nic, "mac"), "address", "interface mac", guest->nics[i].mac,
			sizeof(guest->nics[i].mac), err);
	if (ret == 0)
		ret = copy_text(child(nic, "source"), "bridge", "interface bridge", guest->nics[i].bridge,
				sizeof(guest->nics[i].bridge), err);
	if (ret < 0)
		return ret;
	guest->nic_count++;
	return 0;
}

static void free_doc(xmlDocPtr *doc)
{
	xmlFreeDoc(*doc);
}

int xen_guest_def_parse(const char *xml, size_t len, const char *expected_name, bool stored,
			struct xen_guest_def *guest, struct hv_error *err)
{
	xmlDocPtr doc __attribute__((cleanup(free_doc))) = NULL;
	xmlNodePtr root, os, devices;
	int ret;

	memset(guest, 0, sizeof(*guest));
	/* Validation (schema, DOCTYPE refused, sizes) is conf's; what follows
	 * reads a document already known to be good. */
	ret = stored ? hv_domain_def_parse_stored(xml, len, expected_name, &guest->def, err)
		     : hv_domain_def_parse(xml, len, expected_name, &guest->def, err);
	if (ret < 0)
		return ret;
	if (strcmp(guest->def.type, "xen") != 0)
		return hv_error_set(err, EINVAL, "the xen driver needs <domain type='xen'>, not '%s'",
				    guest->def.type);
	if (strcmp(guest->def.os_type, "xen") != 0)
		return hv_error_set(
		    err, EINVAL,
		    "the xen driver builds paravirtualized guests: <os><type>xen</type>, not '%s'",
		    guest->def.os_type);
	doc = xmlReadMemory(xml, (int)len, "config.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !(root = xmlDocGetRootElement(doc)))
		return hv_error_set(err, EINVAL, "config.xml could not be parsed");
	os = child(root, "os");
	ret = copy_text(child(os, "kernel"), NULL, "<kernel>", guest->kernel, sizeof(guest->kernel), err);
	if (ret == 0)
		ret = copy_text(child(os, "initrd"), NULL, "<initrd>", guest->initrd, sizeof(guest->initrd),
				err);
	if (ret == 0)
		ret = copy_text(child(os, "cmdline"), NULL, "<cmdline>", guest->cmdline,
				sizeof(guest->cmdline), err);
	if (ret < 0)
		return ret;
	devices = child(root, "devices");
	for (xmlNodePtr n = devices ? devices->children : NULL; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "disk") == 0)
			ret = parse_disk(n, guest, err);
		else if (strcmp((const char *)n->name, "interface") == 0)
			ret = parse_interface(n, guest, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int xml_print(char **out, const char *format, ...) __attribute__((format(printf, 2, 3)));
static int xml_print(char **out, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vasprintf(out, format, ap);
	va_end(ap);
	if (n < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

int xen_domain_xml_synth(const struct hv_domain_info *info, char **out)
{
	/* Names and uuids are validated words: nothing to escape. */
	return xml_print(out,
			 "<domain type='xen'>\n"
			 "  <name>%s</name>\n"
			 "  <uuid>%s</uuid>\n"
			 "  <memory unit='KiB'>%llu</memory>\n"
			 "  <currentMemory unit='KiB'>%llu</currentMemory>\n"
			 "  <vcpu current='%u'>%u</vcpu>\n"
			 "  <os>\n"
			 "    <type>%s</type>\n"
			 "  </os>\n"
			 "</domain>\n",
			 info->name, info->uuid, (unsigned long long)info->max_memory_kib,
			 (unsigned long long)info->memory_kib, info->vcpus, info->max_vcpus,
			 info->os_type[0] ? info->os_type : "xen");
}

int xen_domain_xml_default(const char *name, const char *uuid, char **out)
{
	return xml_print(out,
			 "<domain type='xen'>\n"
			 "  <name>%s</name>\n"
			 "  <uuid>%s</uuid>\n"
			 "  <memory unit='KiB'>131072</memory>\n"
			 "  <vcpu>1</vcpu>\n"
			 "  <os>\n"
			 "    <type>xen</type>\n"
			 "  </os>\n"
			 "</domain>\n",
			 name, uuid);
}
