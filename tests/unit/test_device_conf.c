/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Devices of a domain document (drivers/conf/device_conf.c) and the splice
 * edits attach and detach make (splice_append_raw, splice_remove). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "drivers/conf/device_conf.h"
#include "drivers/conf/xml_splice.h"
#include "tests/unit/unit.h"

static const char domain_xml[] =
    "<domain type='test'>\n"
    "  <name>d</name>\n"
    "  <memory>1024</memory>\n"
    "  <os><type>hvm</type></os>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu</emulator>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/img/a.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>\n"
    "    </disk>\n"
    "    <disk type='volume' device='cdrom'>\n"
    "      <source pool='p' volume='v.iso'/>\n"
    "      <target dev='sda'/>\n"
    "      <readonly/>\n"
    "    </disk>\n"
    "    <interface type='network'>\n"
    "      <mac address='52:54:00:AA:bb:01'/>\n"
    "      <source network='default'/>\n"
    "      <model type='virtio'/>\n"
    "    </interface>\n"
    "    <interface type='bridge'>\n"
    "      <source bridge='br0'/>\n"
    "      <link state='down'/>\n"
    "    </interface>\n"
    "    <controller type='scsi' index='1' model='virtio-scsi'/>\n"
    "    <console type='pty'/>\n"
    "  </devices>\n"
    "</domain>\n";

static const struct hv_device_def *find(const struct hv_device_defs *defs, const char *cls, const char *name)
{
	for (size_t i = 0; i < defs->count; i++)
		if (strcmp(defs->devices[i].info.cls, cls) == 0 &&
		    strcmp(defs->devices[i].info.name, name) == 0)
			return &defs->devices[i];
	return NULL;
}

static const char *attr(const struct hv_device_def *dev, const char *key)
{
	const char *value = dev ? hv_device_attr(&dev->info, key) : NULL;

	return value ? value : "(none)";
}

static void test_domain_devices(void)
{
	struct hv_device_defs defs;
	struct hv_error err = {0};
	const struct hv_device_def *dev;
	int ret = hv_domain_devices_parse(domain_xml, strlen(domain_xml), &defs, &err);

	CHECK_INT(ret, 0, "parse devices (%s)", err.message);
	CHECK_INT(defs.count, 6, "six devices, no emulator");
	dev = find(&defs, "disk", "vda");
	CHECK(dev != NULL, "disk vda by its target");
	CHECK_STR(attr(dev, "source"), "/img/a.qcow2", "disk source file");
	CHECK_STR(attr(dev, "bus"), "virtio", "disk bus");
	CHECK_STR(attr(dev, "format"), "qcow2", "disk format from driver/@type");
	CHECK_STR(attr(dev, "readonly"), "0", "disk not readonly");
	CHECK_STR(attr(dev, "address"), "pci 0000:00:05.0", "disk address as written");
	CHECK(dev && dev->address.type == HV_ADDRESS_PCI && dev->wants == HV_ADDRESS_PCI,
	      "a virtio disk is PCI");
	CHECK_INT(dev ? dev->position : 0, 1, "first disk");
	dev = find(&defs, "disk", "sda");
	CHECK_STR(attr(dev, "source"), "p/v.iso", "volume source is pool/volume");
	CHECK_STR(attr(dev, "bus"), "scsi", "bus inferred from sd*");
	CHECK_STR(attr(dev, "readonly"), "1", "readonly");
	CHECK_STR(attr(dev, "address"), "", "no address");
	CHECK(dev && dev->wants == HV_ADDRESS_DRIVE && dev->drive_bus == HV_DRIVE_BUS_SCSI,
	      "scsi disk wants a drive");
	CHECK_INT(dev ? dev->position : 0, 2, "second disk");
	dev = find(&defs, "interface", "0");
	CHECK_STR(attr(dev, "mac"), "52:54:00:aa:bb:01", "mac as libvirt writes it");
	CHECK_STR(attr(dev, "network"), "default", "network");
	CHECK_STR(dev ? dev->network : "", "default", "network for leases");
	CHECK_STR(attr(dev, "model"), "virtio", "model");
	CHECK_STR(attr(dev, "link_state"), "up", "link up by default");
	CHECK_STR(attr(dev, "ip"), "", "no ip from the XML");
	dev = find(&defs, "interface", "1");
	CHECK_STR(attr(dev, "network"), "br0", "a bridge's name as network");
	CHECK_STR(dev ? dev->network : "x", "", "not on a network");
	CHECK_STR(attr(dev, "link_state"), "down", "link down");
	CHECK(dev && !dev->has_mac && dev->is_interface, "no mac yet");
	dev = find(&defs, "controller", "scsi.1");
	CHECK(dev != NULL, "controller named type.index");
	CHECK_STR(attr(dev, "model"), "virtio-scsi", "controller model");
	CHECK_INT(defs.drive_controllers[HV_DRIVE_BUS_SCSI], 2, "scsi controllers 0 and 1");
	CHECK_INT(defs.drive_controllers[HV_DRIVE_BUS_IDE], 1, "implicit ide controller");
	CHECK(find(&defs, "console", "0") != NULL, "console/0");
	hv_device_defs_finish(&defs);

	static const char dup[] =
	    "<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os>"
	    "<devices><disk><target dev='vda'/></disk><disk><target dev='vda'/></disk>"
	    "</devices></domain>";
	ret = hv_domain_devices_parse(dup, strlen(dup), &defs, &err);
	CHECK_INT(ret, -EINVAL, "two disks with one target");
	CHECK(strstr(err.message, "target vda") != NULL, "names it: %s", err.message);

	/* libvirt's USB companion controllers share index 0: valid XML, so
	 * the later ones are told apart by a suffix, in document order. */
	static const char companions[] =
	    "<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os><devices>"
	    "<controller type='usb' index='0' model='ich9-ehci1'/><controller type='usb' index='0' "
	    "model='ich9-uhci1'/><controller type='usb' index='0' model='ich9-uhci2'/></devices></domain>";
	hv_error_clear(&err);
	ret = hv_domain_devices_parse(companions, strlen(companions), &defs, &err);
	CHECK_INT(ret, 0, "companion controllers parse (%s)", err.message);
	CHECK(find(&defs, "controller", "usb.0") && find(&defs, "controller", "usb.0-1") &&
		  find(&defs, "controller", "usb.0-2"),
	      "usb.0, usb.0-1, usb.0-2");
	const struct hv_device_def *second = find(&defs, "controller", "usb.0-1");
	CHECK_STR(attr(second, "model"), "ich9-uhci1", "in document order");
	hv_device_defs_finish(&defs);
}

static void test_fragment(void)
{
	struct hv_device_def dev;
	struct hv_error err = {0};
	char *element = NULL;
	static const char disk[] = "<?xml version='1.0'?>\n<disk type='file'>\n  <source file='/x.img'/>\n"
				   "  <target dev='vdb' bus='virtio'/>\n</disk>\n\n";
	int ret = hv_device_fragment_parse(disk, strlen(disk), &dev, &element, &err);

	CHECK_INT(ret, 0, "disk fragment (%s)", err.message);
	CHECK_STR(dev.info.name, "vdb", "named by target");
	CHECK_STR(
	    element,
	    "<disk type='file'>\n  <source file='/x.img'/>\n  <target dev='vdb' bus='virtio'/>\n</disk>",
	    "element without declaration and blanks");
	free(element);

	static const char bad[] = "\n\n<disk type='file'>\n  <target bus='virtio'/>\n</disk>";
	ret = hv_device_fragment_parse(bad, strlen(bad), &dev, &element, &err);
	CHECK_INT(ret, -EINVAL, "a disk without target dev");
	CHECK(strstr(err.message, "line 3") || strstr(err.message, "line 4"), "with the user's line: %s",
	      err.message);
	CHECK(element == NULL, "no element on failure");

	static const char two[] = "<disk><target dev='vdb'/></disk><disk><target dev='vdc'/></disk>";
	ret = hv_device_fragment_parse(two, strlen(two), &dev, &element, &err);
	CHECK_INT(ret, -EINVAL, "two elements (%s)", err.message);
	static const char misc[] = "<!-- a disk -->\n<disk type='file'><target dev='vdb'/></disk>\n"
				   "<!-- a comment -->\n<?pi data?>\n";
	ret = hv_device_fragment_parse(misc, strlen(misc), &dev, &element, &err);
	CHECK_INT(ret, 0, "comments and a PI around the element (%s)", err.message);
	free(element);
	element = NULL;
	ret = hv_device_fragment_parse("  ", 2, &dev, &element, &err);
	CHECK_INT(ret, -EINVAL, "empty");
	static const char badmac[] = "<interface type='network'><mac address='01:00:00:00:00:01'/>"
				     "<source network='default'/></interface>";
	ret = hv_device_fragment_parse(badmac, strlen(badmac), &dev, &element, &err);
	CHECK_INT(ret, -EINVAL, "multicast mac (%s)", err.message);
	static const char iface[] = "<interface type='network'><source network='default'/></interface>";
	ret = hv_device_fragment_parse(iface, strlen(iface), &dev, &element, &err);
	CHECK_INT(ret, 0, "interface (%s)", err.message);
	CHECK(dev.is_interface && !dev.has_mac && dev.wants == HV_ADDRESS_PCI, "interface wants mac and pci");
	free(element);
}

static void splice_case(const char *xml, const char *op, const char *path, const char *arg, const char *want)
{
	struct splice_doc doc;
	struct hv_error err = {0};
	int ret = splice_open(&doc, xml, strlen(xml), &err);

	if (ret == 0)
		ret = strcmp(op, "append") == 0 ? splice_append_raw(&doc, path, arg, &err)
						: splice_remove(&doc, path, &err);
	CHECK_INT(ret, 0, "%s %s (%s)", op, path, err.message);
	CHECK_STR(doc.text, want, "%s %s", op, path);
	splice_close(&doc);
}

static void test_splice_devices(void)
{
	splice_case("<domain>\n  <devices>\n    <disk/>\n  </devices>\n</domain>\n", "append",
		    "domain/devices", "<interface/>",
		    "<domain>\n  <devices>\n    <disk/>\n    <interface/>\n  </devices>\n</domain>\n");
	splice_case("<domain>\n  <devices/>\n</domain>\n", "append", "domain/devices", "<disk/>",
		    "<domain>\n  <devices>\n    <disk/>\n  </devices>\n</domain>\n");
	splice_case("<domain>\n  <devices>\n  </devices>\n</domain>\n", "append", "domain/devices", "<disk/>",
		    "<domain>\n  <devices>\n    <disk/>\n  </devices>\n</domain>\n");
	/* What precedes the parent on its line is not its indentation. */
	splice_case("<domain><devices></devices></domain>", "append", "domain/devices", "<disk/>",
		    "<domain><devices>\n  <disk/>\n</devices></domain>");
	splice_case("<domain>\n  <x/><devices/>\n</domain>\n", "append", "domain/devices", "<disk/>",
		    "<domain>\n  <x/><devices>\n    <disk/>\n  </devices>\n</domain>\n");
	splice_case("<disk><target dev='a'/></disk>", "append", "disk", "<address type='pci'/>",
		    "<disk><target dev='a'/><address type='pci'/></disk>");
	splice_case("<domain>\n  <devices>\n    <disk/>\n    <disk>\n      <x/>\n    </disk>\n  "
		    "</devices>\n</domain>\n",
		    "remove", "domain/devices/disk[2]", NULL,
		    "<domain>\n  <devices>\n    <disk/>\n  </devices>\n</domain>\n");
	splice_case("<a><b/><c/></a>", "remove", "a/b", NULL, "<a><c/></a>");

	struct splice_doc doc;
	struct hv_error err = {0};
	splice_open(&doc, "<a><b/></a>", 11, &err);
	CHECK_INT(splice_remove(&doc, "a/c", &err), -ENOENT, "remove a missing element");
	CHECK_INT(splice_remove(&doc, "a", &err), -EINVAL, "the root stays");
	CHECK_STR(doc.text, "<a><b/></a>", "unchanged after failures");
	splice_close(&doc);
}

int main(void)
{
	test_domain_devices();
	test_fragment();
	test_splice_devices();
	hv_conf_cleanup();
	return UNIT_DONE();
}
