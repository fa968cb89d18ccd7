/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device addresses as libvirt writes them (drivers/conf/address.h): the PCI,
 * drive and MAC forms, text and XML, good and bad; the ready-made PCI, drive
 * and MAC spaces; and "persistence": an allocator rebuilt from the addresses
 * another one wrote holds the same and hands out the same next.  Meant to
 * run clean under valgrind --leak-check=full. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/address.h"
#include "drivers/conf/conf.h"
#include "tests/unit/addr_helpers.h"
#include "tests/unit/unit.h"
#include "util/addr_alloc.h"
#include "util/cleanup.h"

/* --- string forms ------------------------------------------------------- */

struct text_case {
	const char *text;
	size_t len; /* 0: strlen */
	int ret;
	const char *want; /* the canonical form, or a substring of the message */
};

static size_t text_len(const struct text_case *c)
{
	return c->len ? c->len : strlen(c->text);
}

/* One kind of string form: its parser and formatter over an opaque output
 * of size bytes, so that one loop checks every kind's cases. */
struct text_kind {
	const char *name;
	size_t size;
	int (*parse)(const char *text, size_t len, void *out, struct hv_error *err);
	void (*format)(const void *a, char *buf);
};

static int parse_pci(const char *text, size_t len, void *out, struct hv_error *err)
{
	return hv_pci_address_parse(text, len, out, err);
}

static void format_pci(const void *a, char *buf)
{
	hv_pci_address_format(a, buf);
}

static int parse_drive(const char *text, size_t len, void *out, struct hv_error *err)
{
	return hv_drive_address_parse(text, len, out, err);
}

static void format_drive(const void *a, char *buf)
{
	hv_drive_address_format(a, buf);
}

static int parse_mac(const char *text, size_t len, void *out, struct hv_error *err)
{
	return hv_mac_address_parse(text, len, out, err);
}

static void format_mac(const void *a, char *buf)
{
	hv_mac_address_format(a, buf);
}

static const struct text_kind pci_kind = {"pci", sizeof(struct hv_pci_address), parse_pci, format_pci};
static const struct text_kind drive_kind = {"drive", sizeof(struct hv_drive_address), parse_drive,
					    format_drive};
static const struct text_kind mac_kind = {"mac", sizeof(struct hv_mac_address), parse_mac, format_mac};

/* A good case must format as want; a bad one must say want, with EINVAL,
 * and leave the output as it was. */
static void check_text_cases(const struct text_kind *k, const struct text_case *cases, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		const struct text_case *c = &cases[i];
		_Alignas(max_align_t) unsigned char out[64];
		unsigned char before[64];
		struct hv_error err = {0};
		char text[HV_ADDRESS_TEXT_MAX];
		int shown = (int)strcspn(c->text, "\n"), ret;

		memset(out, 0xa5, sizeof(out));
		memcpy(before, out, sizeof(out));
		ret = k->parse(c->text, text_len(c), out, &err);
		CHECK_INT(ret, c->ret, "%s parse '%.*s'", k->name, shown, c->text);
		if (c->ret == 0) {
			k->format(out, text);
			CHECK_STR(text, c->want, "%s '%.*s' formats canonically", k->name, shown, c->text);
		} else {
			CHECK(contains(err.message, c->want) && err.code == EINVAL,
			      "%s '%.*s': '%s' says '%s'", k->name, shown, c->text, err.message, c->want);
			CHECK(memcmp(out, before, k->size) == 0,
			      "%s '%.*s': a refused address leaves the output alone", k->name, shown,
			      c->text);
		}
	}
}

static void test_pci_text(void)
{
	static const struct text_case cases[] = {
	    {"0000:00:03.0", 0, 0, "0000:00:03.0"},
	    {"0000:00:03.0\n", 0, 0, "0000:00:03.0"},
	    {"00:03.0", 0, 0, "0000:00:03.0"},
	    {"0000:00:1F.7", 0, 0, "0000:00:1f.7"},
	    {"ffff:ff:1f.7", 0, 0, "ffff:ff:1f.7"},
	    {"0001:02:03.4", 0, 0, "0001:02:03.4"},
	    {"0000:00:00.0", 0, 0,
	     "0000:00:00.0"}, /* well-formed; the host bridge's is for the space to say */
	    {"", 0, -EINVAL, "pci address '' is malformed: expected DDDD:BB:SS.F in hex, e.g. 0000:00:03.0"},
	    {"\n", 0, -EINVAL, "is malformed"},
	    {"0000:00:03", 0, -EINVAL, "'0000:00:03' is malformed"},
	    {"0000:00:3.0", 0, -EINVAL, "is malformed"},
	    {"000:00:03.0", 0, -EINVAL, "is malformed"},
	    {"00000:00:03.0", 0, -EINVAL, "is malformed"},
	    {"0000:00:03.0 ", 0, -EINVAL, "is malformed"},
	    {" 0000:00:03.0", 0, -EINVAL, "is malformed"},
	    {"0000:00:03.0\n\n", 0, -EINVAL, "is malformed"},
	    {"0000:00:03.00", 0, -EINVAL, "is malformed"},
	    {"0000-00-03.0", 0, -EINVAL, "is malformed"},
	    {"g000:00:03.0", 0, -EINVAL, "is malformed"},
	    {"0000:00:03:0", 0, -EINVAL, "is malformed"},
	    {"0000:00:03.0:1", 0, -EINVAL, "is malformed"},
	    {"0000:00:03\0.0", 13, -EINVAL, "'0000:00:03?.0' is malformed"},
	    {"0000:00:20.0", 0, -EINVAL,
	     "pci address 0000:00:20.0: slot 0x20 is out of range (at most 0x1f)"},
	    {"0000:00:ff.0", 0, -EINVAL, "slot 0xff is out of range"},
	    {"0000:00:03.8", 0, -EINVAL, "function 0x8 is out of range (at most 0x7)"},
	};

	check_text_cases(&pci_kind, cases, ARRAY_SIZE(cases));
	struct hv_pci_address a = {0, 0, 0, 0, HV_SWITCH_ON};
	struct hv_error err = {0};
	CHECK(hv_pci_address_parse("0000:00:03.0", 12, &a, &err) == 0 && a.multifunction == HV_SWITCH_DEFAULT,
	      "the string form has no multifunction");
	a = (struct hv_pci_address){0x12, 0x34, 0x1f, 7, HV_SWITCH_DEFAULT};
	char out[HV_ADDRESS_TEXT_MAX];
	struct addr_tuple t;
	hv_pci_address_format(&a, out);
	CHECK_STR(out, "0012:34:1f.7", "pci format pads as libvirt and lspci do");
	hv_pci_address_to_tuple(&a, &t);
	CHECK(t.v[0] == 0x12 && t.v[1] == 0x34 && t.v[2] == 0x1f && t.v[3] == 7, "pci to tuple");
	struct hv_pci_address b;
	hv_pci_address_from_tuple(&t, &b);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0, "pci tuple round trip");
}

static void test_drive_text(void)
{
	static const struct text_case cases[] = {
	    {"0:0:0:1", 0, 0, "0:0:0:1"},
	    {"0:0:0:1\n", 0, 0, "0:0:0:1"},
	    {"1:0:3:16383", 0, 0, "1:0:3:16383"},
	    {"00:0:0:01", 0, 0, "0:0:0:1"}, /* decimal, leading zeros and all */
	    {"4294967295:0:0:0", 0, 0, "4294967295:0:0:0"},
	    {"4294967296:0:0:0", 0, -EINVAL, "drive address '4294967296:0:0:0': field 1 is above 4294967295"},
	    {"", 0, -EINVAL,
	     "drive address '' is malformed: expected controller:bus:target:unit in decimal, e.g. 0:0:0:1"},
	    {"0:0:0", 0, -EINVAL, "'0:0:0' is malformed"},
	    {"0:0:0:1:2", 0, -EINVAL, "is malformed"},
	    {"0:0:0:", 0, -EINVAL, "is malformed"},
	    {":0:0:0", 0, -EINVAL, "is malformed"},
	    {"a:0:0:0", 0, -EINVAL, "is malformed"},
	    {"-1:0:0:0", 0, -EINVAL, "is malformed"},
	    {" 0:0:0:0", 0, -EINVAL, "is malformed"},
	    {"0x1:0:0:0", 0, -EINVAL, "is malformed"},
	    {"0:0:0:1\n\n", 0, -EINVAL, "is malformed"},
	    {"0\n:0:0:1", 0, -EINVAL, "'0?:0:0:1' is malformed"},
	    {"0.0.0.1", 0, -EINVAL, "is malformed"},
	};

	check_text_cases(&drive_kind, cases, ARRAY_SIZE(cases));
	struct hv_drive_address a = {1, 0, 2, 5}, b;
	struct addr_tuple t;
	hv_drive_address_to_tuple(&a, &t);
	hv_drive_address_from_tuple(&t, &b);
	CHECK(t.v[0] == 1 && t.v[2] == 2 && t.v[3] == 5 && memcmp(&a, &b, sizeof(a)) == 0,
	      "drive tuple round trip");
}

static void test_mac_text(void)
{
	static const struct text_case cases[] = {
	    {"52:54:00:12:34:56", 0, 0, "52:54:00:12:34:56"},
	    {"52:54:00:12:34:56\n", 0, 0, "52:54:00:12:34:56"},
	    {"52:54:00:AB:cd:EF", 0, 0, "52:54:00:ab:cd:ef"},
	    {"AA:BB:CC:DD:EE:FF", 0, 0, "aa:bb:cc:dd:ee:ff"},
	    {"00:00:00:00:00:00", 0, 0, "00:00:00:00:00:00"},
	    {"fe:ff:ff:ff:ff:ff", 0, 0, "fe:ff:ff:ff:ff:ff"},
	    {"01:00:5e:00:00:01", 0, -EINVAL,
	     "mac address '01:00:5e:00:00:01' is a multicast address; a device needs a unicast one"},
	    {"ff:ff:ff:ff:ff:ff", 0, -EINVAL, "is a multicast address"},
	    {"53:54:00:12:34:56", 0, -EINVAL, "is a multicast address"},
	    {"", 0, -EINVAL,
	     "mac address '' is malformed: expected six pairs of hex digits separated by ':', e.g. "
	     "52:54:00:12:34:56"},
	    {"52:54:00:12:34", 0, -EINVAL, "'52:54:00:12:34' is malformed"},
	    {"52:54:00:12:34:56:78", 0, -EINVAL, "is malformed"},
	    {"52:54:00:12:34:5", 0, -EINVAL, "is malformed"},
	    {"52:54:0:12:34:56", 0, -EINVAL, "is malformed"},
	    {"52-54-00-12-34-56", 0, -EINVAL, "is malformed"},
	    {"5254.0012.3456", 0, -EINVAL, "is malformed"},
	    {"52:54:00:12:34:5g", 0, -EINVAL, "is malformed"},
	    {"52:54:00:12:34:56 ", 0, -EINVAL, "is malformed"},
	    {"52:54:00:12:34:56\n\n", 0, -EINVAL, "is malformed"},
	};

	check_text_cases(&mac_kind, cases, ARRAY_SIZE(cases));
	struct hv_mac_address a = {{0x52, 0x54, 0, 1, 2, 0xfe}}, b = {{0}};
	struct addr_tuple t;
	hv_mac_address_to_tuple(&a, &t);
	hv_mac_address_from_tuple(&t, &b);
	CHECK(t.v[0] == 0x52 && t.v[5] == 0xfe && memcmp(&a, &b, sizeof(a)) == 0, "mac tuple round trip");
	CHECK(hv_mac_address_is_local_prefix(&a), "52:54:00 is the local prefix");
	a.bytes[2] = 1;
	CHECK(!hv_mac_address_is_local_prefix(&a), "52:54:01 is not");
}

/* --- XML ------------------------------------------------------------------ */

static void test_xml(void)
{
	static const struct {
		const char *xml;
		int ret;
		enum hv_address_type type;
		const char *want; /* what format_xml gives back, or a substring of the message */
		const char *text; /* the string form, for PCI and drive */
	} cases[] = {
	    {"<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>", "0000:00:03.0"},
	    {"<address type='pci' domain='0' bus='0' slot='3' function='0'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>", "0000:00:03.0"},
	    {"<address type='pci' slot='0X1F' function='7' bus='0x1'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x01' slot='0x1f' function='0x7'/>", "0000:01:1f.7"},
	    /* libvirt reads PCI fields with base 0: a leading zero is octal. */
	    {"<address type='pci' slot='010'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x00' slot='0x08' function='0x0'/>", "0000:00:08.0"},
	    {"<address type='pci'/>", 0, HV_ADDRESS_PCI, "<address type='pci'/>", "0000:00:00.0"},
	    {"<address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x0'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci'/>", "0000:00:00.0"},
	    {"<address type='pci' slot='0x05' multifunction='on'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0' multifunction='on'/>",
	     "0000:00:05.0"},
	    {"<address type='pci' slot='0x05' function='1' multifunction='off'/>", 0, HV_ADDRESS_PCI,
	     "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x1' "
	     "multifunction='off'/>",
	     "0000:00:05.1"},
	    {"<address type='pci' slot='08'/>", -EINVAL, 0, "pci address: slot '08' is not a valid number",
	     NULL},
	    {"<address type='pci' slot='0x20'/>", -EINVAL, 0,
	     "pci address 0000:00:20.0: slot 0x20 is out of range (at most 0x1f)", NULL},
	    {"<address type='pci' slot='1' function='0x8'/>", -EINVAL, 0, "function 0x8 is out of range",
	     NULL},
	    {"<address type='pci' domain='0x10000' slot='1'/>", -EINVAL, 0, "domain 0x10000 is out of range",
	     NULL},
	    {"<address type='pci' domain='0x100000000'/>", -EINVAL, 0,
	     "pci address: domain '0x100000000' is above 4294967295", NULL},
	    {"<address type='pci' slot=''/>", -EINVAL, 0, "slot '' is not a valid number", NULL},
	    {"<address type='pci' slot='0x'/>", -EINVAL, 0, "slot '0x' is not a valid number", NULL},
	    {"<address type='pci' slot='-1'/>", -EINVAL, 0, "slot '-1' is not a valid number", NULL},
	    {"<address type='pci' slot=' 1'/>", -EINVAL, 0, "slot ' 1' is not a valid number", NULL},
	    {"<address type='pci' slot='3' multifunction='yes'/>", -EINVAL, 0,
	     "pci address: multifunction must be 'on' or 'off'", NULL},
	    {"<address type='drive' controller='0' bus='0' target='0' unit='1'/>", 0, HV_ADDRESS_DRIVE,
	     "<address type='drive' controller='0' bus='0' target='0' unit='1'/>", "0:0:0:1"},
	    {"<address type='drive' unit='2'/>", 0, HV_ADDRESS_DRIVE,
	     "<address type='drive' controller='0' bus='0' target='0' unit='2'/>", "0:0:0:2"},
	    /* libvirt reads drive fields in decimal: here a leading zero is not octal. */
	    {"<address type='drive' controller='1' bus='1' target='3' unit='010'/>", 0, HV_ADDRESS_DRIVE,
	     "<address type='drive' controller='1' bus='1' target='3' unit='10'/>", "1:1:3:10"},
	    {"<address type='drive' unit='0x1'/>", -EINVAL, 0,
	     "drive address: unit '0x1' is not a decimal number", NULL},
	    {"<address type='drive' controller='4294967296'/>", -EINVAL, 0,
	     "drive address: controller '4294967296' is above 4294967295", NULL},
	    {"<address type='usb' bus='0' port='1'/>", 0, HV_ADDRESS_OTHER, "", NULL},
	    {"<address type='virtio-serial' controller='0' bus='0' port='1'/>", 0, HV_ADDRESS_OTHER, "",
	     NULL},
	    {"<address bus='0'/>", -EINVAL, 0, "<address> needs a type attribute", NULL},
	    {"<mac address='52:54:00:00:00:01'/>", -EINVAL, 0, "expected an <address> element, not <mac>",
	     NULL},
	    {"<address type='pci'", -EINVAL, 0, "line 1", NULL},
	    {"<!DOCTYPE a [<!ENTITY x 'y'>]><address type='pci'/>", -EINVAL, 0, "DOCTYPE is not allowed",
	     NULL},
	    {"", -EINVAL, 0, "the XML document is empty", NULL},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_device_address a = {.type = HV_ADDRESS_NONE};
		struct hv_error err = {0};
		char out[HV_ADDRESS_XML_MAX], text[HV_ADDRESS_TEXT_MAX] = "";
		int ret = hv_device_address_parse_xml(cases[i].xml, strlen(cases[i].xml), &a, &err);

		CHECK_INT(ret, cases[i].ret, "xml %s", cases[i].xml);
		if (cases[i].ret < 0) {
			CHECK(contains(err.message, cases[i].want), "xml %s: '%s' says '%s'", cases[i].xml,
			      err.message, cases[i].want);
			continue;
		}
		CHECK_INT(a.type, cases[i].type, "xml %s: type", cases[i].xml);
		hv_device_address_format_xml(&a, out);
		CHECK_STR(out, cases[i].want, "xml %s formats as libvirt does", cases[i].xml);
		if (a.type == HV_ADDRESS_PCI)
			hv_pci_address_format(&a.pci, text);
		else if (a.type == HV_ADDRESS_DRIVE)
			hv_drive_address_format(&a.drive, text);
		if (cases[i].text)
			CHECK_STR(text, cases[i].text, "xml %s: string form", cases[i].xml);
		/* What we write reads back as the same address. */
		if (out[0]) {
			struct hv_device_address again = {.type = HV_ADDRESS_NONE};
			ret = hv_device_address_parse_xml(out, strlen(out), &again, &err);
			CHECK(ret == 0 && memcmp(&again, &a, sizeof(a)) == 0, "xml %s: round trip", out);
		}
	}
	struct hv_device_address a = {.type = HV_ADDRESS_PCI};
	struct hv_error err = {0};
	char out[HV_ADDRESS_XML_MAX] = "x";
	CHECK_INT(hv_device_address_from_node(NULL, &a, &err), 0, "no <address> element");
	CHECK_INT(a.type, HV_ADDRESS_NONE, "gives type NONE");
	hv_device_address_format_xml(&a, out);
	CHECK_STR(out, "", "and formats as nothing");
	struct hv_pci_address empty = {0};
	CHECK(hv_pci_address_is_empty(&empty), "all-zero pci address is empty");
	empty.function = 1;
	CHECK(!hv_pci_address_is_empty(&empty), "0000:00:00.1 is not");
}

/* --- the ready-made spaces ---------------------------------------------- */

/* Text as definitions and attribute files hold it: an <address> element,
 * a MAC (17 characters) or a PCI address in its string form. */
static int parse_any(const char *text, struct addr_tuple *t, struct hv_error *err)
{
	struct hv_device_address a;
	struct hv_mac_address m;
	int ret;

	if (text[0] != '<' && strlen(text) == HV_MAC_ADDRESS_STRLEN) {
		ret = hv_mac_address_parse(text, strlen(text), &m, err);
		if (ret == 0)
			hv_mac_address_to_tuple(&m, t);
		return ret;
	}
	if (text[0] != '<') {
		a.type = HV_ADDRESS_PCI;
		ret = hv_pci_address_parse(text, strlen(text), &a.pci, err);
	} else {
		ret = hv_device_address_parse_xml(text, strlen(text), &a, err);
	}
	if (ret < 0)
		return ret;
	if (a.type == HV_ADDRESS_PCI)
		hv_pci_address_to_tuple(&a.pci, t);
	else if (a.type == HV_ADDRESS_DRIVE)
		hv_drive_address_to_tuple(&a.drive, t);
	else
		return -EINVAL;
	return 0;
}

static int reserve_text(struct addr_space *s, const char *text, const char *owner, const char *device,
			struct hv_error *err)
{
	struct addr_tuple t;
	int ret = parse_any(text, &t, err);

	return ret < 0 ? ret : addr_space_reserve(s, &t, owner, device, err);
}

static void test_pci_space(void)
{
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	char device[32], list[64 * 14] = "";
	bool ok = true;

	CHECK_INT(hv_pci_space_create(&s, &err), 0, "create a pci space");
	/* A full bus: 31 slots, 0x01 to 0x1f, function 0, in order. */
	for (unsigned i = 1; i <= 31; i++) {
		snprintf(device, sizeof(device), "interface %u", i - 1);
		if (addr_space_allocate(s, "domain web1", device, &t, &err) < 0 || t.v[0] != 0 ||
		    t.v[1] != 0 || t.v[2] != i || t.v[3] != 0) {
			ok = false;
			snprintf(list, sizeof(list), "allocation %u gave %s (%s)", i, fmt(s, t), err.message);
			break;
		}
	}
	CHECK(ok, "31 allocations give 0000:00:01.0 to 0000:00:1f.0 %s", list);
	hv_error_clear(&err);
	CHECK_INT(addr_space_allocate(s, "domain web1", "interface 31", &t, &err), -ENOSPC,
		  "the 32nd: ENOSPC");
	CHECK_STR(
	    err.message,
	    "no free pci address for domain web1 (interface 31): every one from 0000:00:00.0 to 0000:00:1f.0 "
	    "is in use or reserved",
	    "the full-bus message");
	hv_error_clear(&err);
	CHECK_INT(reserve_text(s, "0000:00:03.0", "domain web2", "disk vda", &err), -EBUSY,
		  "clash on 00:03.0");
	CHECK_STR(err.message, "pci address 0000:00:03.0 is in use by domain web1 (interface 2)",
		  "names the holder");
	/* Other buses and domains stay open to addresses given by hand. */
	CHECK_INT(reserve_text(s, "0000:01:00.0", "domain web1", "hostdev 0", &err), 0,
		  "bus 1 slot 0 is fine");
	CHECK_INT(reserve_text(s, "0001:00:00.0", "domain web1", "hostdev 1", &err), 0,
		  "so is slot 0 of another pci domain");
	addr_space_destroy(s);

	CHECK_INT(hv_pci_space_create(&s, &err), 0, "a fresh pci space");
	static const struct {
		const char *text;
		int ret;
		const char *message;
	} reserves[] = {
	    {"0000:00:00.0", -EBUSY, "pci address 0000:00:00.0 is reserved for the host bridge"},
	    {"0000:00:00.3", -EBUSY, "pci address 0000:00:00.3 is reserved for the host bridge"},
	    {"0000:00:02.0", 0, NULL},
	    {"0000:00:04.1", 0, NULL}, /* a second function: slot 4 is not wholly free */
	    {"0000:00:04.1", -EBUSY, "pci address 0000:00:04.1 is given twice to sound 0 of domain web1"},
	    {"ffff:ff:1f.7", 0, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(reserves); i++) {
		hv_error_clear(&err);
		CHECK_INT(reserve_text(s, reserves[i].text, "domain web1", "sound 0", &err), reserves[i].ret,
			  "reserve %s", reserves[i].text);
		if (reserves[i].message)
			CHECK_STR(err.message, reserves[i].message, "reserve %s: message", reserves[i].text);
	}
	t = tuple4(0, 0, 3, 8);
	hv_error_clear(&err);
	CHECK_INT(addr_space_reserve(s, &t, "domain web1", NULL, &err), -EINVAL, "function 8 from a tuple");
	CHECK_STR(err.message, "pci address 0000:00:03.8 is out of range: function 0x8 is not within 0x0-0x7",
		  "says which field");
	static const char *const expect[] = {"0000:00:01.0", "0000:00:03.0", "0000:00:05.0"};
	for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
		CHECK_INT(addr_space_allocate(s, "domain web1", NULL, &t, &err), 0, "allocate %zu", i);
		CHECK_STR(fmt(s, t), expect[i], "skipping the bridge, 02 and the half-used 04");
	}
	addr_space_destroy(s);
}

static void test_drive_spaces(void)
{
	static const struct {
		enum hv_drive_bus bus;
		unsigned controllers;
		const char *kind;
		const char *order; /* every allocation, then ENOSPC */
	} cases[] = {
	    {HV_DRIVE_BUS_IDE, 1, "ide", "0:0:0:0 0:0:0:1 0:1:0:0 0:1:0:1"},
	    {HV_DRIVE_BUS_SATA, 1, "sata", "0:0:0:0 0:0:0:1 0:0:0:2 0:0:0:3 0:0:0:4 0:0:0:5"},
	    {HV_DRIVE_BUS_SCSI, 2, "scsi",
	     "0:0:0:0 0:0:0:1 0:0:0:2 0:0:0:3 0:0:0:4 0:0:0:5 0:0:0:6 "
	     "1:0:0:0 1:0:0:1 1:0:0:2 1:0:0:3 1:0:0:4 1:0:0:5 1:0:0:6"},
	    {HV_DRIVE_BUS_IDE, 2, "ide", "0:0:0:0 0:0:0:1 0:1:0:0 0:1:0:1 1:0:0:0 1:0:0:1 1:1:0:0 1:1:0:1"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct addr_space *s = NULL;
		struct hv_error err = {0};
		char got[256] = "", text[HV_ADDRESS_TEXT_MAX], want[64];
		struct hv_drive_address a;
		struct addr_tuple t;
		size_t used = 0;

		CHECK_INT(hv_drive_space_create(cases[i].bus, cases[i].controllers, &s, &err), 0,
			  "create a %s space with %u controllers", cases[i].kind, cases[i].controllers);
		while (addr_space_allocate(s, "domain web1", "disk", &t, &err) == 0 &&
		       used < sizeof(got) - 20) {
			hv_drive_address_from_tuple(&t, &a);
			hv_drive_address_format(&a, text);
			used +=
			    (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", used ? " " : "", text);
		}
		CHECK_STR(got, cases[i].order, "%s x%u allocates in libvirt's order", cases[i].kind,
			  cases[i].controllers);
		CHECK_INT(err.code, ENOSPC, "then ENOSPC");
		snprintf(want, sizeof(want), "no free %s drive address for domain web1 (disk)",
			 cases[i].kind);
		CHECK(contains(err.message, want), "'%s' says '%s'", err.message, want);
		addr_space_destroy(s);
	}

	struct addr_space *s = NULL;
	struct hv_error err = {0};
	CHECK_INT(hv_drive_space_create(HV_DRIVE_BUS_SCSI, 2, &s, &err), 0, "a scsi space");
	static const struct {
		struct addr_tuple t;
		int ret;
		const char *message;
	} reserves[] = {
	    {{{0, 0, 3, 9}}, 0, NULL}, /* virtio-scsi: any target and unit */
	    {{{1, 0, 255, 16383}}, 0, NULL},
	    {{{0, 0, 3, 9}}, -EBUSY, "scsi drive address 0:0:3:9 is given twice to disk sdb of domain web1"},
	    {{{0, 0, 0, 16384}},
	     -EINVAL,
	     "scsi drive address 0:0:0:16384 is out of range: unit 16384 is not within 0-16383"},
	    {{{0, 0, 256, 0}}, -EINVAL, "target 256 is not within 0-255"},
	    {{{2, 0, 0, 0}}, -EINVAL, "controller 2 is not within 0-1"},
	    {{{0, 1, 0, 0}}, -EINVAL, "bus 1 is not within 0-0"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(reserves); i++) {
		hv_error_clear(&err);
		CHECK_INT(addr_space_reserve(s, &reserves[i].t, "domain web1", "disk sdb", &err),
			  reserves[i].ret, "scsi reserve %s", fmt(s, reserves[i].t));
		if (reserves[i].message)
			CHECK(contains(err.message, reserves[i].message), "'%s' says '%s'", err.message,
			      reserves[i].message);
	}
	struct addr_tuple t;
	CHECK_INT(addr_space_allocate(s, "domain web1", NULL, &t, &err), 0,
		  "allocate beside off-range units");
	CHECK_STR(fmt(s, t), "0:0:0:0", "target 3 does not disturb target 0");
	addr_space_destroy(s);

	CHECK_INT(hv_drive_space_create(HV_DRIVE_BUS_SATA, 1, &s, &err), 0, "a sata space");
	t = tuple4(0, 0, 0, 6);
	hv_error_clear(&err);
	/* Given, it is taken as libvirt's define takes it; allocated, never. */
	CHECK_INT(addr_space_reserve(s, &t, "domain web1", NULL, &err), 0, "sata unit 6 as given");
	for (int i = 0; i < 6; i++)
		CHECK_INT(addr_space_allocate(s, "domain web1", NULL, &t, &err), 0, "sata port %d", i);
	CHECK_INT(addr_space_allocate(s, "domain web1", NULL, &t, &err), -ENOSPC, "six ports allocated");
	addr_space_destroy(s);

	s = NULL;
	hv_error_clear(&err);
	CHECK_INT(hv_drive_space_create(HV_DRIVE_BUS_IDE, 0, &s, &err), -EINVAL, "no controllers");
	CHECK(contains(err.message, "at least one controller") && !s, "says so: %s", err.message);
	CHECK_INT(hv_drive_space_create((enum hv_drive_bus)7, 1, &s, &err), -EINVAL, "an unknown bus");

	static const struct {
		const char *name;
		int ret;
		enum hv_drive_bus bus;
	} names[] = {
	    {"ide", 0, HV_DRIVE_BUS_IDE},
	    {"sata", 0, HV_DRIVE_BUS_SATA},
	    {"scsi", 0, HV_DRIVE_BUS_SCSI},
	    {"virtio", -EINVAL, 0},
	    {"IDE", -EINVAL, 0},
	    {"", -EINVAL, 0},
	    {NULL, -EINVAL, 0},
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		enum hv_drive_bus bus = (enum hv_drive_bus)9;
		int ret = hv_drive_bus_parse(names[i].name, &bus);
		CHECK(ret == names[i].ret && (ret < 0 || bus == names[i].bus), "drive bus '%s'",
		      names[i].name ? names[i].name : "(null)");
	}
}

static void test_mac_space(void)
{
	enum { DOMAINS = 10000, PER = 3 };
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	char owner[32], device[32], why[160] = "";
	struct addr_tuple t;
	uint32_t expect = 0;

	CHECK_INT(hv_mac_space_create(&s, &err), 0, "create the host's mac space");
	/* Addresses users gave: inside the prefix (allocation skips them) and
	 * outside (any unicast address). */
	CHECK_INT(reserve_text(s, "52:54:00:00:00:05", "domain given", "interface 0", &err), 0,
		  "user mac in prefix");
	CHECK_INT(reserve_text(s, "52:54:00:00:00:06", "domain given", "interface 1", &err), 0, "another");
	CHECK_INT(reserve_text(s, "AA:BB:CC:DD:EE:FF", "domain given", "interface 2", &err), 0,
		  "user mac outside");
	hv_error_clear(&err);
	CHECK_INT(reserve_text(s, "aa:bb:cc:dd:ee:ff", "domain other", "interface 0", &err), -EBUSY,
		  "the same mac in lower case clashes");
	CHECK_STR(err.message, "mac address aa:bb:cc:dd:ee:ff is in use by domain given (interface 2)",
		  "naming the holder");

	for (unsigned d = 0; d < DOMAINS && !why[0]; d++) {
		snprintf(owner, sizeof(owner), "domain dom-%05u", d);
		for (unsigned k = 0; k < PER; k++) {
			snprintf(device, sizeof(device), "interface %u", k);
			if (expect == 5)
				expect = 7;
			if (addr_space_allocate(s, owner, device, &t, &err) < 0 || t.v[0] != 0x52 ||
			    t.v[1] != 0x54 || t.v[2] != 0 ||
			    ((t.v[3] << 16) | (t.v[4] << 8) | t.v[5]) != expect)
				snprintf(why, sizeof(why), "%s %s got %s (%.80s)", owner, device, fmt(s, t),
					 err.message);
			expect++;
		}
	}
	CHECK(!why[0], "%u domains x %u interfaces get distinct, consecutive macs in 52:54:00 %s", DOMAINS,
	      PER, why);
	CHECK_INT(addr_space_count(s), DOMAINS * PER + 3, "every one is held once");
	t = (struct addr_tuple){{0x52, 0x54, 0, 0, 0, 7}};
	const char *holder = NULL, *dev = NULL;
	CHECK(addr_space_lookup(s, &t, &holder, &dev), "52:54:00:00:00:07 is held");
	CHECK(holder && dev && strcmp(holder, "domain dom-00001") == 0 && strcmp(dev, "interface 2") == 0,
	      "by dom-00001 interface 2 (after the two user macs)");
	hv_error_clear(&err);
	CHECK_INT(reserve_text(s, "52:54:00:00:00:07", "domain web1", "interface 0", &err), -EBUSY,
		  "a mac in use on another domain");
	CHECK_STR(err.message, "mac address 52:54:00:00:00:07 is in use by domain dom-00001 (interface 2)",
		  "names the other domain");

	/* Undefine a domain: its three come back, lowest first. */
	CHECK_INT(addr_space_release_owner(s, "domain dom-00002"), 3, "undefine dom-00002");
	static const char *const back[] = {"52:54:00:00:00:08", "52:54:00:00:00:09", "52:54:00:00:00:0a",
					   "52:54:00:00:75:32"};
	for (size_t i = 0; i < ARRAY_SIZE(back); i++) {
		CHECK_INT(addr_space_allocate(s, "domain web1", "interface 0", &t, &err), 0, "allocate %zu",
			  i);
		CHECK_STR(fmt(s, t), back[i], "reuse, then carry on after the last");
	}
	addr_space_destroy(s);
}

/* --- persistence: a space rebuilt from what another one wrote ------------ */

/* What a definition keeps of an address: its text (the XML for PCI and
 * drive, the string for a MAC) and who holds it. */
struct saved {
	char text[HV_ADDRESS_XML_MAX];
	char owner[32];
	char device[32];
};

struct saver {
	struct saved *list;
	size_t count, cap;
	const char *owner;
	void (*write)(const struct addr_tuple *t, char *out);
};

static void save_one(const struct addr_tuple *t, const char *device, void *opaque)
{
	struct saver *sv = opaque;

	if (sv->count == sv->cap)
		return;
	struct saved *s = &sv->list[sv->count++];
	sv->write(t, s->text);
	snprintf(s->owner, sizeof(s->owner), "%s", sv->owner);
	snprintf(s->device, sizeof(s->device), "%s", device);
}

static void write_pci(const struct addr_tuple *t, char *out)
{
	struct hv_device_address a = {.type = HV_ADDRESS_PCI};

	hv_pci_address_from_tuple(t, &a.pci);
	hv_device_address_format_xml(&a, out);
}

static void write_drive(const struct addr_tuple *t, char *out)
{
	struct hv_device_address a = {.type = HV_ADDRESS_DRIVE};

	hv_drive_address_from_tuple(t, &a.drive);
	hv_device_address_format_xml(&a, out);
}

static void write_mac(const struct addr_tuple *t, char *out)
{
	struct hv_mac_address a;

	hv_mac_address_from_tuple(t, &a);
	hv_mac_address_format(&a, out);
}

/* Drives space a through a history (user addresses, allocations,
 * detaches, undefines), saves what every owner holds as text, rebuilds b
 * from that text in reverse order, then checks that b holds the same
 * addresses for the same holders and that both hand out the same next
 * addresses. */
static void check_rebuild(const char *label, int (*create)(struct addr_space **, struct hv_error *),
			  const char *const *given, size_t given_count, unsigned owners, unsigned per,
			  void (*write)(const struct addr_tuple *, char *), unsigned after)
{
	struct addr_space *a = NULL, *b = NULL;
	struct hv_error err = {0};
	char owner[32], device[32], why[256] = "";
	struct saved list[512];
	struct saver sv = {.list = list, .cap = ARRAY_SIZE(list), .write = write};
	struct addr_tuple t, u;
	size_t rebuilt = 0;

	CHECK(create(&a, &err) == 0 && create(&b, &err) == 0, "%s: two spaces", label);
	for (size_t i = 0; i < given_count; i++) {
		CHECK_INT(parse_any(given[i], &t, &err), 0, "%s: parse %s", label, given[i]);
		snprintf(device, sizeof(device), "given %zu", i);
		CHECK_INT(addr_space_reserve(a, &t, "domain given", device, &err), 0, "%s: reserve %s", label,
			  given[i]);
	}
	for (unsigned o = 0; o < owners; o++) {
		snprintf(owner, sizeof(owner), "domain d%u", o);
		for (unsigned k = 0; k < per; k++) {
			snprintf(device, sizeof(device), "dev %u", k);
			addr_space_allocate(a, owner, device, &t, &err);
		}
		/* Detach one device here and there, undefine every fourth. */
		if (o % 3 == 1)
			addr_space_release(a, &t);
		if (o % 4 == 2)
			addr_space_release_owner(a, owner);
	}
	/* Save, as definitions on disk would. */
	sv.owner = "domain given";
	addr_space_foreach_owned(a, sv.owner, save_one, &sv);
	for (unsigned o = 0; o < owners; o++) {
		snprintf(owner, sizeof(owner), "domain d%u", o);
		sv.owner = owner;
		addr_space_foreach_owned(a, owner, save_one, &sv);
	}
	CHECK(sv.count == addr_space_count(a) && sv.count < sv.cap, "%s: saved all %zu addresses", label,
	      addr_space_count(a));
	/* Rebuild, in another order than they were made. */
	for (size_t i = sv.count; i-- > 0;) {
		if (parse_any(list[i].text, &t, &err) < 0 ||
		    addr_space_reserve(b, &t, list[i].owner, list[i].device, &err) < 0) {
			snprintf(why, sizeof(why), "%.100s: %.100s", list[i].text, err.message);
			break;
		}
		rebuilt++;
	}
	CHECK(!why[0] && rebuilt == sv.count, "%s: rebuilt %zu addresses from their text %s", label, rebuilt,
	      why);
	/* Same holders for every saved address. */
	for (size_t i = 0; i < sv.count && !why[0]; i++) {
		const char *oa, *da, *ob, *db;
		parse_any(list[i].text, &t, &err);
		if (!addr_space_lookup(a, &t, &oa, &da) || !addr_space_lookup(b, &t, &ob, &db) ||
		    strcmp(oa, ob) || strcmp(da, db))
			snprintf(why, sizeof(why), "%.100s is held differently", list[i].text);
	}
	CHECK(!why[0] && addr_space_count(a) == addr_space_count(b), "%s: same holders in both %s", label,
	      why);
	/* And the same allocations afterwards, until both are full. */
	unsigned same = 0;
	for (unsigned k = 0; k < after && !why[0]; k++) {
		int ra = addr_space_allocate(a, "domain new", NULL, &t, &err);
		int rb = addr_space_allocate(b, "domain new", NULL, &u, &err);
		if (ra != rb || (ra == 0 && memcmp(&t, &u, sizeof(t)) != 0))
			snprintf(why, sizeof(why), "allocation %u: %d %s vs %d %s", k, ra, fmt(a, t), rb,
				 fmt(b, u));
		same += ra == 0;
	}
	CHECK(!why[0] && same > 0, "%s: %u allocations after the rebuild agree %s", label, same, why);
	addr_space_destroy(a);
	addr_space_destroy(b);
}

static int create_ide(struct addr_space **out, struct hv_error *err)
{
	return hv_drive_space_create(HV_DRIVE_BUS_IDE, 2, out, err);
}

static int create_scsi(struct addr_space **out, struct hv_error *err)
{
	return hv_drive_space_create(HV_DRIVE_BUS_SCSI, 3, out, err);
}

static void test_persistence(void)
{
	static const char *const pci_given[] = {
	    "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>",
	    "<address type='pci' domain='0x0000' bus='0x00' slot='0x07' function='0x2'/>",
	    "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>",
	};
	static const char *const ide_given[] = {
	    "<address type='drive' controller='0' bus='1' target='0' unit='0'/>"};
	static const char *const scsi_given[] = {
	    "<address type='drive' controller='0' bus='0' target='0' unit='3'/>",
	    "<address type='drive' controller='1' bus='0' target='5' unit='100'/>",
	};
	static const char *const mac_given[] = {"52:54:00:00:00:03", "52:54:00:00:01:00",
						"aa:bb:cc:00:11:22"};

	check_rebuild("pci", hv_pci_space_create, pci_given, ARRAY_SIZE(pci_given), 6, 3, write_pci, 40);
	check_rebuild("ide", create_ide, ide_given, ARRAY_SIZE(ide_given), 3, 1, write_drive, 10);
	check_rebuild("scsi", create_scsi, scsi_given, ARRAY_SIZE(scsi_given), 5, 2, write_drive, 30);
	check_rebuild("mac", hv_mac_space_create, mac_given, ARRAY_SIZE(mac_given), 120, 3, write_mac, 300);

	/* The pci history above, by hand: what a rebuilt space gives next. */
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	CHECK_INT(hv_pci_space_create(&s, &err), 0, "pci space");
	for (size_t i = 0; i < ARRAY_SIZE(pci_given); i++) {
		parse_any(pci_given[i], &t, &err);
		addr_space_reserve(s, &t, "domain given", NULL, &err);
	}
	/* 05 was given; 07 has a function given, so its slot is not wholly free. */
	static const char *const next[] = {"0000:00:01.0", "0000:00:02.0", "0000:00:03.0", "0000:00:04.0",
					   "0000:00:06.0", "0000:00:08.0", "0000:00:09.0"};
	for (size_t i = 0; i < ARRAY_SIZE(next); i++) {
		CHECK_INT(addr_space_allocate(s, "domain d0", NULL, &t, &err), 0, "allocation %zu", i);
		CHECK_STR(fmt(s, t), next[i], "allocation %zu after the given addresses", i);
	}
	addr_space_destroy(s);
}

/* libvirt lets a domain's interfaces share a MAC (failover with
 * <teaming>); another domain still may not have it. */
static void test_mac_sharing(void)
{
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	const char *owner = NULL, *device = NULL;

	CHECK_INT(hv_mac_space_create(&s, &err), 0, "a mac space");
	CHECK_INT(reserve_text(s, "52:54:00:aa:bb:cc", "domain web1", "interface 0", &err), 0,
		  "first holder");
	CHECK_INT(reserve_text(s, "52:54:00:aa:bb:cc", "domain web1", "interface 1", &err), 0,
		  "shared within the domain (%s)", err.message);
	CHECK_INT(addr_space_count(s), 2, "two holdings");
	hv_error_clear(&err);
	CHECK_INT(reserve_text(s, "52:54:00:aa:bb:cc", "domain web2", "interface 0", &err), -EBUSY,
		  "another domain may not");
	CHECK_STR(err.message, "mac address 52:54:00:aa:bb:cc is in use by domain web1 (interface 0)",
		  "the first holder named");
	struct hv_mac_address mac;
	hv_mac_address_parse("52:54:00:aa:bb:cc", 17, &mac, NULL);
	hv_mac_address_to_tuple(&mac, &t);
	CHECK_INT(addr_space_release(s, &t), 0, "release one holding");
	CHECK(addr_space_lookup(s, &t, &owner, &device), "the other still holds it");
	CHECK_STR(owner, "domain web1", "its owner");
	CHECK_INT(addr_space_release_owner(s, "domain web1"), 1, "the owner's last holding goes");
	CHECK_INT(reserve_text(s, "52:54:00:aa:bb:cc", "domain web2", "interface 0", &err), 0, "free again");
	addr_space_destroy(s);
}

/* Devices go to bus 0 first, then to the buses the domain's PCI
 * controllers provide, in the slots each has (docs/addresses.md). */
static void test_pci_buses(void)
{
	struct hv_pci_buses buses;
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	char why[160] = "";

	hv_pci_buses_init(&buses);
	CHECK_INT(hv_pci_buses_add(&buses, 1, "pci-bridge"), 0, "a pci-bridge");
	CHECK_INT(hv_pci_buses_add(&buses, 3, "pci-expander-bus"), 0, "a pci-expander-bus, bus 2 skipped");
	CHECK_INT(hv_pci_buses_add(&buses, 4, "pcie-root-port"), 0, "a root port");
	CHECK_INT(hv_pci_buses_add(&buses, 5, "pcie-switch-upstream-port"), 0, "an upstream port");
	CHECK_INT(hv_pci_buses_add(&buses, 6, "nosuch"), -EINVAL, "an unknown model");
	CHECK_INT(hv_pci_buses_add(&buses, 256, "pci-bridge"), -EINVAL, "bus 256");
	CHECK_INT(hv_pci_space_create_buses(&buses, &s, &err), 0, "the space (%s)", err.message);
	/* 31 on bus 0, 31 on the bridge (slot 0 is its own), 32 on the
	 * expander, 1 on the root port; none on bus 2 or the upstream port. */
	for (unsigned i = 0; i < 95 && !why[0]; i++) {
		unsigned bus = i < 31 ? 0 : i < 62 ? 1 : i < 94 ? 3 : 4;
		unsigned slot = i < 31 ? i + 1 : i < 62 ? i - 30 : i < 94 ? i - 62 : 0;

		if (addr_space_allocate(s, "domain web1", "disk", &t, &err) < 0 || t.v[1] != bus ||
		    t.v[2] != slot || t.v[3] != 0)
			snprintf(why, sizeof(why), "device %u got %s, want bus %u slot %u (%.60s)", i,
				 fmt(s, t), bus, slot, err.message);
	}
	CHECK(!why[0], "devices fill the buses in order: %s", why);
	hv_error_clear(&err);
	CHECK_INT(addr_space_allocate(s, "domain web1", "disk", &t, &err), -ENOSPC, "then none is left");
	/* A given address anywhere is libvirt's to accept: on bus 2 as well. */
	CHECK_INT(reserve_text(s, "0000:02:05.0", "domain web1", "hostdev 0", &err), 0,
		  "a given address on an undeclared bus (%s)", err.message);
	CHECK_INT(reserve_text(s, "0000:01:00.0", "domain web1", "hostdev 1", &err), 0,
		  "and in the bridge's slot 0");
	addr_space_destroy(s);

	/* Without controllers: bus 0 alone, 31 slots. */
	CHECK_INT(hv_pci_space_create_buses(NULL, &s, &err), 0, "bus 0 alone");
	for (int i = 0; i < 31; i++)
		addr_space_allocate(s, "domain web1", NULL, &t, &err);
	CHECK_INT(addr_space_allocate(s, "domain web1", NULL, &t, &err), -ENOSPC, "31 devices");
	addr_space_destroy(s);
}

int main(void)
{
	test_mac_sharing();
	test_pci_buses();
	test_pci_text();
	test_drive_text();
	test_mac_text();
	test_xml();
	test_pci_space();
	test_drive_spaces();
	test_mac_space();
	test_persistence();
	hv_conf_cleanup();
	return UNIT_DONE();
}
