/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What libvirt refuses in a domain's devices that hvfs's schema lets
 * through: hvfs's schema keeps libvirt's device XML without typing all of
 * it (schema/domain.rng), so these rules of libvirt 9.0's schema are checked
 * here, by hand, and hold whether or not libvirt's own schemas are installed
 * (docs/paths.md, "Validation").  Each message names the line and says what
 * libvirt wants instead. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf_internal.h"

/* libvirt's VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH: a port path names at most
 * a root port and three hubs below it. */
#define USB_PORT_DEPTH_MAX 4

static bool is_element(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE && !node->ns &&
	       (!name || xmlStrEqual(node->name, BAD_CAST name));
}

/* The attribute's value, or NULL when absent: a libxml2 string. */
static xmlChar *prop(xmlNodePtr node, const char *name)
{
	return node ? xmlGetNoNsProp(node, BAD_CAST name) : NULL;
}

static bool prop_is(xmlNodePtr node, const char *name, const char *value)
{
	auto_xml_char xmlChar *text = prop(node, name);

	return text && strcmp((const char *)text, value) == 0;
}

/* libvirt's absFilePath: "/x..." or "C:\x...", with something after the
 * root ("/" alone is not a file). */
static bool is_abs_file_path(const char *path)
{
	if (path[0] == '/')
		return path[1] != '\0';
	return ((path[0] >= 'a' && path[0] <= 'z') || (path[0] >= 'A' && path[0] <= 'Z')) && path[1] == ':' &&
	       path[2] == '\\' && path[3] != '\0';
}

/* One component of a USB port path: libvirt's (0x)?[0-9a-fA-F]{1,3}. */
static bool is_usb_port_part(const char *s, size_t len)
{
	if (len > 2 && s[0] == '0' && s[1] == 'x') {
		s += 2;
		len -= 2;
	}
	if (len < 1 || len > 3)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

static int check_usb_port(xmlNodePtr address, struct hv_error *err)
{
	auto_xml_char xmlChar *value = prop(address, "port");
	const char *p = (const char *)value;
	unsigned depth = 0;

	if (!p)
		return 0;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);

		if (!is_usb_port_part(p, len))
			return hv_error_set(
			    err, EINVAL, "line %ld: usb port '%.40s' is not a port path such as 1 or 1.2.3",
			    xmlGetLineNo(address), (const char *)value);
		if (++depth > USB_PORT_DEPTH_MAX)
			return hv_error_set(
			    err, EINVAL,
			    "line %ld: usb port '%.40s' is deeper than libvirt allows: at most %d "
			    "levels (a root port and three hubs)",
			    xmlGetLineNo(address), (const char *)value, USB_PORT_DEPTH_MAX);
		if (!dot)
			return 0;
		p = dot + 1;
	}
}

static int check_rom(xmlNodePtr rom, struct hv_error *err)
{
	auto_xml_char xmlChar *file = prop(rom, "file");

	if (file && !is_abs_file_path((const char *)file))
		return hv_error_set(err, EINVAL,
				    "line %ld: <rom file='%.80s'> is not an absolute path to a file; "
				    "libvirt wants one, or <rom enabled='no'/> for no ROM",
				    xmlGetLineNo(rom), (const char *)file);
	return 0;
}

static int check_disk(xmlNodePtr disk, struct hv_error *err)
{
	auto_xml_char xmlChar *type = prop(disk, "type");
	const char *kind = type ? (const char *)type : "file";
	xmlNodePtr source = conf_child(disk, "source");

	if (strcmp(kind, "network") == 0 && !(source && xmlHasNsProp(source, BAD_CAST "protocol", NULL)))
		return hv_error_set(err, EINVAL,
				    "line %ld: a network disk needs <source protocol='...' name='...'>: "
				    "without it there is nothing to connect to",
				    xmlGetLineNo(disk));
	if (prop_is(disk, "device", "lun") && strcmp(kind, "block") != 0 && strcmp(kind, "network") != 0 &&
	    strcmp(kind, "volume") != 0)
		return hv_error_set(
		    err, EINVAL,
		    "line %ld: disk device='lun' passes SCSI commands to a block device, "
		    "an iSCSI LUN or a pool's volume; libvirt refuses it on a disk of type '%.20s'",
		    xmlGetLineNo(disk), kind);
	return 0;
}

/* libvirt's positiveInteger: decimal digits, not 0. */
static int check_queues(xmlNodePtr driver, struct hv_error *err)
{
	auto_xml_char xmlChar *value = prop(driver, "queues");
	uint64_t queues;

	if (value && (conf_parse_uint((const char *)value, UINT32_MAX, &queues) < 0 || queues == 0 ||
		      strspn((const char *)value, "0123456789") != strlen((const char *)value)))
		return hv_error_set(err, EINVAL,
				    "line %ld: driver queues='%.20s' is not a number from 1 to %u",
				    xmlGetLineNo(driver), (const char *)value, UINT32_MAX);
	return 0;
}

static int check_device(xmlNodePtr dev, struct hv_error *err)
{
	int ret = 0;

	if (is_element(dev, "disk"))
		ret = check_disk(dev, err);
	for (xmlNodePtr child = dev->children; child && ret == 0; child = child->next) {
		if (!is_element(child, NULL))
			continue;
		if (is_element(child, "rom"))
			ret = check_rom(child, err);
		else if (is_element(child, "address") && prop_is(child, "type", "usb"))
			ret = check_usb_port(child, err);
		else if (is_element(child, "driver") && is_element(dev, "interface"))
			ret = check_queues(child, err);
	}
	return ret;
}

/* A container's <init> and <initdir> are files of its root: libvirt's
 * schema wants absolute paths, as the container driver does. */
static int check_os_paths(xmlNodePtr root, struct hv_error *err)
{
	static const char *const names[] = {"init", "initdir"};
	xmlNodePtr os = conf_child(root, "os");

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		xmlNodePtr node = conf_child(os, names[i]);
		auto_xml_char xmlChar *path = node ? xmlNodeGetContent(node) : NULL;

		if (path && !is_abs_file_path((const char *)path))
			return hv_error_set(err, EINVAL,
					    "line %ld: <os><%s> must be an absolute path, not '%.80s'",
					    xmlGetLineNo(node), names[i], (const char *)path);
	}
	return 0;
}

int conf_check_devices(xmlNodePtr root, struct hv_error *err)
{
	xmlNodePtr devices = conf_child(root, "devices");
	int ret = check_os_paths(root, err);

	if (ret < 0)
		return ret;
	for (xmlNodePtr dev = devices ? devices->children : NULL; dev; dev = dev->next) {
		if (!is_element(dev, NULL))
			continue;
		ret = check_device(dev, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int conf_numa_memory(xmlNodePtr root, uint64_t *kib, struct hv_error *err)
{
	xmlNodePtr numa = conf_child(conf_child(root, "cpu"), "numa");
	uint64_t total = 0;

	for (xmlNodePtr cell = numa ? numa->children : NULL; cell; cell = cell->next) {
		auto_xml_char xmlChar *memory = NULL, *unit = NULL;
		uint64_t size;

		if (!is_element(cell, "cell"))
			continue;
		memory = prop(cell, "memory");
		unit = prop(cell, "unit");
		if (!memory)
			continue;
		if (hv_conf_parse_memory((const char *)memory, (const char *)unit, &size) < 0 ||
		    size > UINT64_MAX - total)
			return hv_error_set(err, EINVAL,
					    "line %ld: NUMA cell memory '%.40s' is not a memory size",
					    xmlGetLineNo(cell), (const char *)memory);
		total += size;
	}
	*kib = total;
	return 0;
}
