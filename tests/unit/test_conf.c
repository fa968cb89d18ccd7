/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drivers/conf: parsing (valid, invalid, hostile), semantic checks, in-place
 * updates, defaults and memory units. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "tests/unit/unit.h"

#define DOMAIN_HEAD "<domain type='kvm'>\n  <name>vm1</name>\n"
#define DOMAIN_OS   "  <os>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"

/* --- domains -------------------------------------------------------------- */

struct domain_case {
	const char *label;
	const char *xml;
	const char *expected_name;
	int ret;
	const char *message; /* substring of err.message when ret < 0 */
};

static const struct domain_case domain_cases[] = {
    {"minimal", "<domain type='test'><name>a</name><memory>1</memory><os><type>hvm</type></os></domain>",
     NULL, 0, NULL},
    {"libvirt test driver shape",
     "<domain type='test' id='1'>\n"
     "  <name>test</name>\n"
     "  <uuid>6695EB01-F6A4-8304-79AA-97F2502E193F</uuid>\n"
     "  <memory unit='KiB'>8388608</memory>\n"
     "  <currentMemory unit='KiB'>2097152</currentMemory>\n"
     "  <vcpu placement='static'>2</vcpu>\n"
     "  <os>\n    <type arch='i686'>hvm</type>\n    <boot dev='hd'/>\n  </os>\n"
     "  <clock offset='utc'/>\n"
     "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  "
     "<on_crash>destroy</on_crash>\n"
     "  <devices>\n"
     "    <disk type='file' device='disk'>\n      <source file='/guest/diskimage1'/>\n"
     "      <target dev='vda' bus='virtio'/>\n    </disk>\n"
     "    <interface type='network'>\n      <mac address='aa:bb:cc:dd:ee:ff'/>\n"
     "      <source network='default'/>\n    </interface>\n"
     "    <memballoon model='virtio'/>\n"
     "  </devices>\n"
     "</domain>\n",
     "test", 0, NULL},
    {"lxc",
     "<domain type='lxc'><name>c1</name><memory>500000</memory><os><type>exe</type><init>/bin/sh</init>"
     "<initarg>-c</initarg></os><devices><filesystem type='mount'><source dir='/srv/c1'/>"
     "<target dir='/'/></filesystem></devices></domain>",
     "c1", 0, NULL},
    {"xen pv with bootloader",
     "<domain type='xen'><name>pv</name><bootloader>/usr/bin/pygrub</bootloader>"
     "<os><type>linux</type></os><memory>131072</memory><vcpu>1</vcpu></domain>",
     NULL, 0, NULL},
    {"name mismatch", DOMAIN_HEAD "  <memory>1024</memory>\n" DOMAIN_OS "</domain>\n", "vm2", -EINVAL,
     "name 'vm1' in the XML does not match the directory 'vm2'"},
    {"currentMemory above memory",
     DOMAIN_HEAD "  <memory unit='KiB'>8</memory>\n  <currentMemory unit='KiB'>9</currentMemory>\n" DOMAIN_OS
		 "</domain>\n",
     NULL, -EINVAL, "currentMemory 9 KiB exceeds memory 8 KiB"},
    {"currentMemory above memory in other units",
     DOMAIN_HEAD "  <memory unit='MB'>1</memory>\n  <currentMemory unit='MiB'>1</currentMemory>\n" DOMAIN_OS
		 "</domain>\n",
     NULL, -EINVAL, "currentMemory 1024 KiB exceeds memory 977 KiB"},
    {"vcpu current above vcpu",
     DOMAIN_HEAD "  <memory>1024</memory>\n  <vcpu current='3'>2</vcpu>\n" DOMAIN_OS "</domain>\n", NULL,
     -EINVAL, "vcpu current='3' exceeds vcpu 2"},
    {"vcpu beyond any host",
     DOMAIN_HEAD "  <memory>1024</memory>\n  <vcpu>100000</vcpu>\n" DOMAIN_OS "</domain>\n", NULL, -EINVAL,
     "vcpu '100000' is not a number from 1 to"},
    {"memory overflows", DOMAIN_HEAD "  <memory unit='EiB'>99999999999</memory>\n" DOMAIN_OS "</domain>\n",
     NULL, -EINVAL, "memory 99999999999 EiB is too large"},
    {"vcpu 0 (schema)", DOMAIN_HEAD "  <memory>1024</memory>\n  <vcpu>0</vcpu>\n" DOMAIN_OS "</domain>\n",
     NULL, -EINVAL, "line 4: Type positiveInteger doesn't allow value '0'"},
    {"bad name (schema)",
     "<domain type='kvm'>\n  <name>.hidden</name>\n  <memory>1</memory>\n" DOMAIN_OS "</domain>\n", NULL,
     -EINVAL, "line 2: "},
    {"bad uuid (schema)",
     DOMAIN_HEAD "  <uuid>not-a-uuid</uuid>\n  <memory>1</memory>\n" DOMAIN_OS "</domain>\n", NULL, -EINVAL,
     "line 3: "},
    {"missing name (schema)", "<domain type='kvm'>\n  <memory>1</memory>\n" DOMAIN_OS "</domain>\n", NULL,
     -EINVAL, "Expecting an element name"},
    {"memory not a number (schema)", DOMAIN_HEAD "  <memory>lots</memory>\n" DOMAIN_OS "</domain>\n", NULL,
     -EINVAL, "line 3: Type positiveInteger doesn't allow value 'lots'"},
    {"bad unit (schema)", DOMAIN_HEAD "  <memory unit='XB'>1</memory>\n" DOMAIN_OS "</domain>\n", NULL,
     -EINVAL, "line 3: Invalid attribute unit for element memory"},
    {"disk without target (schema)",
     DOMAIN_HEAD "  <memory>1</memory>\n" DOMAIN_OS
		 "  <devices>\n    <disk type='file'>\n      <source file='/a.img'/>\n    </disk>\n"
		 "  </devices>\n</domain>\n",
     NULL, -EINVAL, "line 8: Expecting an element target"},
    {"multicast mac (schema)",
     DOMAIN_HEAD "  <memory>1</memory>\n" DOMAIN_OS
		 "  <devices>\n    <interface type='network'>\n      <mac address='01:00:5e:00:00:01'/>\n"
		 "    </interface>\n  </devices>\n</domain>\n",
     NULL, -EINVAL, "line 9: Element mac failed to validate attributes"},
    {"not a domain", "<network><name>n</name></network>", NULL, -EINVAL, "line 1: Expecting element domain"},
    {"not well-formed", DOMAIN_HEAD "  <memory>1</memry>\n</domain>\n", NULL, -EINVAL,
     "line 3: Opening and ending tag mismatch"},
    {"undeclared entity", DOMAIN_HEAD "  <memory>&one;</memory>\n" DOMAIN_OS "</domain>\n", NULL, -EINVAL,
     "line 3: Entity 'one' not defined"},
    {"undeclared namespace prefix", DOMAIN_HEAD "  <memory>1</memory>\n" DOMAIN_OS "  <q:x/>\n</domain>\n",
     NULL, -EINVAL, "line 7: Namespace prefix q on x is not defined"},
    {"empty", "", NULL, -EINVAL, "the XML document is empty"},
    {"blank", " \n\t", NULL, -EINVAL, "the XML document is empty"},
    {"billion laughs",
     "<?xml version='1.0'?>\n"
     "<!DOCTYPE lolz [\n"
     " <!ENTITY lol 'lol'>\n"
     " <!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>\n"
     " <!ENTITY lol2 '&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;'>\n"
     " <!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>\n"
     "]>\n"
     "<domain type='test'><name>&lol3;</name><memory>1</memory><os><type>hvm</type></os></domain>\n",
     NULL, -EINVAL, "line 2: DOCTYPE is not allowed"},
    {"external entity",
     "<!DOCTYPE domain [<!ENTITY passwd SYSTEM 'file:///etc/passwd'>]>\n"
     "<domain type='test'><name>a</name><description>&passwd;</description><memory>1</memory>"
     "<os><type>hvm</type></os></domain>",
     NULL, -EINVAL, "DOCTYPE is not allowed"},
    {"external DTD", "<!DOCTYPE domain SYSTEM 'http://example.com/domain.dtd'>\n<domain/>", NULL, -EINVAL,
     "line 1: DOCTYPE is not allowed"},
    {"parameter entity", "<!DOCTYPE d [<!ENTITY % p SYSTEM 'file:///etc/passwd'> %p;]>\n<domain/>", NULL,
     -EINVAL, "DOCTYPE is not allowed"},
};

static void check_domain_cases(void)
{
	for (size_t i = 0; i < sizeof(domain_cases) / sizeof(domain_cases[0]); i++) {
		const struct domain_case *c = &domain_cases[i];
		struct hv_domain_def def;
		struct hv_error err = {0};
		int ret;

		memset(&def, 0x5a, sizeof(def));
		ret = hv_domain_def_parse(c->xml, strlen(c->xml), c->expected_name, &def, &err);
		CHECK_INT(ret, c->ret, "domain %s: result", c->label);
		if (c->message) {
			CHECK(strstr(err.message, c->message) != NULL, "domain %s: message has '%s'",
			      c->label, c->message);
			if (!strstr(err.message, c->message))
				printf("#   got '%s'\n", err.message);
			CHECK(strchr(err.message, '\n') == NULL, "domain %s: message is one line", c->label);
		}
	}
}

static void check_domain_fields(void)
{
	struct hv_domain_def def;
	struct hv_error err = {0};
	const char *xml = domain_cases[1].xml;

	CHECK_INT(hv_domain_def_parse(xml, strlen(xml), "test", &def, &err), 0, "test domain parses");
	CHECK_STR(def.name, "test", "name");
	CHECK_STR(def.uuid, "6695eb01-f6a4-8304-79aa-97f2502e193f", "uuid is normalized");
	CHECK_STR(def.type, "test", "type");
	CHECK_STR(def.os_type, "hvm", "os type");
	CHECK_INT(def.max_memory_kib, 8388608, "memory");
	CHECK_INT(def.memory_kib, 2097152, "currentMemory");
	CHECK_INT(def.max_vcpus, 2, "vcpu");
	CHECK_INT(def.vcpus, 2, "vcpu current defaults to vcpu");
	CHECK_STR(def.on_poweroff, "destroy", "on_poweroff");
	CHECK_STR(def.on_reboot, "restart", "on_reboot");
	CHECK_STR(def.on_crash, "destroy", "on_crash");
	CHECK_INT(def.disk_count, 1, "disks");
	CHECK_INT(def.interface_count, 1, "interfaces");

	xml = "<domain type='xen'><name>x</name><memory unit='GiB'>2</memory><vcpu current='1'>4</vcpu>"
	      "<os><type>xen</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd</initrd>"
	      "<cmdline>console=hvc0</cmdline></os><on_crash>coredump-restart</on_crash></domain>";
	CHECK_INT(hv_domain_def_parse(xml, strlen(xml), "x", &def, &err), 0, "xen domain parses");
	CHECK_STR(def.uuid, "", "no uuid");
	CHECK_INT(def.max_memory_kib, 2 * 1024 * 1024, "memory in GiB");
	CHECK_INT(def.memory_kib, 2 * 1024 * 1024, "currentMemory defaults to memory");
	CHECK_INT(def.vcpus, 1, "vcpu current");
	CHECK_INT(def.max_vcpus, 4, "vcpu max");
	CHECK_STR(def.on_poweroff, "destroy", "on_poweroff default");
	CHECK_STR(def.on_reboot, "restart", "on_reboot default");
	CHECK_STR(def.on_crash, "coredump-restart", "on_crash coredump-restart fits");
	CHECK_INT(def.disk_count, 0, "no disks");
}

/* --- networks and pools ------------------------------------------------- */

struct object_case {
	const char *label;
	const char *xml;
	int ret;
	const char *message;
};

static const struct object_case network_cases[] = {
    {"isolated", "<network><name>iso</name></network>", 0, NULL},
    {"libvirt default",
     "<network>\n  <name>default</name>\n  <uuid>9a05da11-e96b-47f3-8253-a3a482e445f5</uuid>\n"
     "  <forward mode='nat'/>\n  <bridge name='virbr0' stp='on' delay='0'/>\n"
     "  <ip address='192.168.122.1' netmask='255.255.255.0'>\n    <dhcp>\n"
     "      <range start='192.168.122.2' end='192.168.122.254'/>\n    </dhcp>\n  </ip>\n</network>\n",
     0, NULL},
    {"ipv6 only",
     "<network><name>six</name><ip family='ipv6' address='2001:db8::1' prefix='64'><dhcp>"
     "<range start='2001:db8::100' end='2001:db8::1ff'/></dhcp></ip></network>",
     0, NULL},
    {"bad name", "<network>\n<name>-x</name>\n</network>", -EINVAL, "line 2: "},
    {"range outside dhcp",
     "<network>\n<name>n</name>\n<ip address='10.0.0.1' prefix='24'>\n<range start='10.0.0.2' "
     "end='10.0.0.9'/>\n"
     "</ip>\n</network>",
     -EINVAL, "line 4: Element ip has extra content: range"},
    {"range without end",
     "<network>\n<name>n</name>\n<ip address='10.0.0.1' prefix='24'>\n<dhcp>\n<range start='10.0.0.2'/>\n"
     "</dhcp>\n</ip>\n</network>",
     -EINVAL, "line 5: Element range failed to validate attributes"},
    {"range backwards",
     "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.9' "
     "end='10.0.0.2'/>"
     "</dhcp></ip></network>",
     -EINVAL, "DHCP range start 10.0.0.9 is after its end 10.0.0.2"},
    {"range outside the network",
     "<network><name>n</name><ip address='10.0.0.1' netmask='255.255.255.0'><dhcp>"
     "<range start='10.0.1.2' end='10.0.1.9'/></dhcp></ip></network>",
     -EINVAL, "DHCP range 10.0.1.2-10.0.1.9 is outside the network of 10.0.0.1"},
    {"range of the other family",
     "<network><name>n</name><ip address='10.0.0.1' prefix='24'><dhcp><range start='fd00::2' end='fd00::9'/>"
     "</dhcp></ip></network>",
     -EINVAL, "is not an IPv4 range"},
    {"netmask with holes", "<network><name>n</name><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
     -EINVAL, "netmask '255.0.255.0' is not a valid IPv4 netmask"},
    {"ipv4 prefix 33", "<network><name>n</name><ip address='10.0.0.1' prefix='33'/></network>", -EINVAL,
     "prefix '33' is not from 0 to 32"},
    {"family disagrees", "<network><name>n</name><ip family='ipv6' address='10.0.0.1' prefix='8'/></network>",
     -EINVAL, "does not belong to family 'ipv6'"},
    {"ipv6 shape but not an address",
     "<network><name>n</name><ip address='1:2:3:4:5:6:7:8:9' prefix='64'/>"
     "</network>",
     -EINVAL, "ip address '1:2:3:4:5:6:7:8:9' is not a valid IP address"},
    {"name mismatch", "<network><name>other</name></network>", -EINVAL,
     "name 'other' in the XML does not match the directory 'net'"},
};

static const struct object_case pool_cases[] = {
    {"minimal", "<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>", 0, NULL},
    {"without type", "<pool>\n<name>p</name>\n</pool>", -EINVAL, "line 1: Element pool failed to validate"},
    {"unknown type", "<pool type='floppy'><name>p</name></pool>", -EINVAL, "line 1: "},
    {"relative path", "<pool type='dir'>\n<name>p</name>\n<target>\n<path>srv</path>\n</target>\n</pool>",
     -EINVAL, "line 4: "},
    {"capacity too large", "<pool type='dir'><name>p</name><capacity unit='EiB'>16</capacity></pool>",
     -EINVAL, "capacity 16 EiB is more than 16 EiB"},
    {"bad unit", "<pool type='dir'>\n<name>p</name>\n<capacity unit='blocks'>1</capacity>\n</pool>", -EINVAL,
     "line 3: Invalid attribute unit for element capacity"},
    {"name mismatch", "<pool type='dir'><name>q</name></pool>", -EINVAL,
     "name 'q' in the XML does not match the directory 'pool'"},
};

static void check_message(const char *kind, const char *label, const char *message, const char *want)
{
	CHECK(strstr(message, want) != NULL, "%s %s: message has '%s'", kind, label, want);
	if (!strstr(message, want))
		printf("#   got '%s'\n", message);
}

static void check_network_cases(void)
{
	struct hv_network_def def;
	struct hv_error err;
	const char *xml;

	for (size_t i = 0; i < sizeof(network_cases) / sizeof(network_cases[0]); i++) {
		const struct object_case *c = &network_cases[i];
		const char *expected = strstr(c->label, "mismatch") ? "net" : NULL;

		hv_error_clear(&err);
		CHECK_INT(hv_network_def_parse(c->xml, strlen(c->xml), expected, &def, &err), c->ret,
			  "network %s", c->label);
		if (c->message)
			check_message("network", c->label, err.message, c->message);
	}

	xml = network_cases[1].xml;
	CHECK_INT(hv_network_def_parse(xml, strlen(xml), "default", &def, &err), 0, "default network parses");
	CHECK_STR(def.bridge, "virbr0", "bridge");
	CHECK_STR(def.forward_mode, "nat", "forward mode");
	CHECK_STR(def.ip_address, "192.168.122.1", "ip address");
	CHECK_STR(def.ip_netmask, "255.255.255.0", "netmask");
	CHECK_STR(def.dhcp_start, "192.168.122.2", "dhcp start");
	CHECK_STR(def.dhcp_end, "192.168.122.254", "dhcp end");

	xml = "<network><name>r</name><forward/><ip address='10.1.0.1' prefix='20'/></network>";
	CHECK_INT(hv_network_def_parse(xml, strlen(xml), "r", &def, &err), 0, "routed network parses");
	CHECK_STR(def.forward_mode, "nat", "forward without mode is nat");
	CHECK_STR(def.ip_netmask, "255.255.240.0", "netmask from prefix");
	CHECK_STR(def.bridge, "", "no bridge");
	CHECK_STR(def.dhcp_start, "", "no dhcp");

	xml = network_cases[2].xml;
	CHECK_INT(hv_network_def_parse(xml, strlen(xml), NULL, &def, &err), 0, "ipv6 network parses");
	CHECK_STR(def.ip_netmask, "ffff:ffff:ffff:ffff::", "ipv6 mask from prefix");
	CHECK_STR(def.forward_mode, "", "isolated");
}

static void check_pool_cases(void)
{
	struct hv_pool_def def;
	struct hv_error err;
	const char *xml;

	for (size_t i = 0; i < sizeof(pool_cases) / sizeof(pool_cases[0]); i++) {
		const struct object_case *c = &pool_cases[i];
		const char *expected = strstr(c->label, "mismatch") ? "pool" : NULL;

		hv_error_clear(&err);
		CHECK_INT(hv_pool_def_parse(c->xml, strlen(c->xml), expected, &def, &err), c->ret, "pool %s",
			  c->label);
		if (c->message)
			check_message("pool", c->label, err.message, c->message);
	}

	xml = "<pool type='logical'><name>vg0</name><uuid>8d2aefb66b3f4aa5b55e6d9f8b7f1c21</uuid>"
	      "<capacity unit='GiB'>2</capacity><allocation unit='KB'>3</allocation><available>7</available>"
	      "<source><device path='/dev/sdb1'/></source><target><path>/dev/vg0</path></target></pool>";
	CHECK_INT(hv_pool_def_parse(xml, strlen(xml), "vg0", &def, &err), 0, "logical pool parses");
	CHECK_STR(def.type, "logical", "pool type");
	CHECK_STR(def.uuid, "8d2aefb6-6b3f-4aa5-b55e-6d9f8b7f1c21", "pool uuid normalized");
	CHECK_STR(def.target_path, "/dev/vg0", "target path");
	CHECK_INT(def.capacity, 2ULL << 30, "capacity in bytes");
	CHECK_INT(def.allocation, 3000, "allocation in decimal KB");
	CHECK_INT(def.available, 7, "available without unit is bytes");
}

/* --- size limit and line numbers ------------------------------------------ */

static void check_size_limit(void)
{
	static const char head[] = "<domain type='test'><name>big</name><memory>1</memory>"
				   "<os><type>hvm</type></os><!--";
	static const char tail[] = "--></domain>";
	struct hv_domain_def def;
	struct hv_error err = {0};
	char *xml = malloc(HV_XML_MAX + 2);

	if (!xml) {
		CHECK(false, "allocate 1 MiB");
		return;
	}
	/* Exactly at the limit is fine, one byte more is EFBIG. */
	memset(xml, 'x', HV_XML_MAX + 1);
	memcpy(xml, head, sizeof(head) - 1);
	memcpy(xml + HV_XML_MAX - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	CHECK_INT(hv_domain_def_parse(xml, HV_XML_MAX, NULL, &def, &err), 0, "1 MiB document parses");
	memcpy(xml + HV_XML_MAX + 1 - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	CHECK_INT(hv_domain_def_parse(xml, HV_XML_MAX + 1, NULL, &def, &err), -EFBIG, "1 MiB + 1 is EFBIG");
	free(xml);
}

static void check_line_numbers(void)
{
	static const char xml[] = "<domain type='test'>\n"
				  "  <name>a</name>\n"
				  "  <memory>1</memory>\n"
				  "  <os><type>hvm</type></os>\n"
				  "  <devices>\n"
				  "    <interface type='network'>\n"
				  "      <link state='sideways'/>\n"
				  "    </interface>\n"
				  "  </devices>\n"
				  "  <vcpu>none</vcpu>\n"
				  "</domain>\n";
	struct hv_domain_def def;
	struct hv_error err = {0};

	/* Both errors, each with its own line, in one message. */
	CHECK_INT(hv_domain_def_parse(xml, sizeof(xml) - 1, NULL, &def, &err), -EINVAL, "two errors refused");
	check_message("domain", "two errors", err.message,
		      "line 7: Element link failed to validate attributes");
	check_message("domain", "two errors", err.message,
		      "line 10: Type positiveInteger doesn't allow value 'none'");
	check_message("domain", "two errors", err.message, "; ");
}

/* --- updates ------------------------------------------------------------ */

static const char user_domain[] = "<domain type=\"kvm\">\n"
				  "  <!-- the web server; keep it small -->\n"
				  "  <name>web</name>\n"
				  "  <memory unit=\"MiB\">512</memory>\n"
				  "  <vcpu placement=\"static\">2</vcpu>\n"
				  "  <os>\n"
				  "    <type arch=\"x86_64\">hvm</type>\n"
				  "  </os>\n"
				  "  <my:annotation xmlns:my=\"urn:example\">hand-made</my:annotation>\n"
				  "  <description>caf\xc3\xa9</description>\n"
				  "</domain>\n";

static void check_domain_update(void)
{
	struct hv_domain_def def, reparsed;
	struct hv_error err = {0};
	char *out = NULL;

	CHECK_INT(hv_domain_def_parse(user_domain, sizeof(user_domain) - 1, "web", &def, &err), 0,
		  "user domain parses");

	/* Nothing differs: the text comes back as it was. */
	CHECK_INT(hv_domain_xml_update(user_domain, sizeof(user_domain) - 1, &def, &out, &err), 0,
		  "no-op update");
	CHECK_STR(out, user_domain, "no-op update keeps the text byte for byte");
	free(out);

	/* 512 MiB written as KiB is the same value: left alone. */
	def.max_memory_kib = 512 * 1024;
	strcpy(def.uuid, "0b5d8f3e-7c1a-4e2b-9f6d-2a3c4b5d6e7f");
	def.memory_kib = 256 * 1024;
	def.vcpus = 1;
	CHECK_INT(hv_domain_xml_update(user_domain, sizeof(user_domain) - 1, &def, &out, &err), 0, "update");
	CHECK(out && strstr(out, "  <name>web</name>\n  <memory unit=\"MiB\">512</memory>\n"),
	      "no uuid added to a document written without one; equal memory untouched");
	CHECK(out && strstr(out, "  <currentMemory unit=\"KiB\">262144</currentMemory>\n"
				 "  <vcpu placement=\"static\" current=\"1\">2</vcpu>\n"),
	      "currentMemory added after memory in KiB; vcpu current set");
	CHECK(out && strstr(out, "<!-- the web server; keep it small -->"), "comment kept");
	CHECK(out && strstr(out, "<my:annotation xmlns:my=\"urn:example\">hand-made</my:annotation>"),
	      "unknown element kept");
	CHECK(out && strstr(out, "caf\xc3\xa9"), "non-ASCII text kept as UTF-8");
	CHECK(out && strncmp(out, "<?xml", 5) != 0, "no XML declaration added");
	CHECK(out && out[strlen(out) - 1] == '\n', "ends with a newline");
	CHECK_INT(out ? hv_domain_def_parse(out, strlen(out), "web", &reparsed, &err) : -1, 0,
		  "result parses");
	CHECK_INT(reparsed.memory_kib, 256 * 1024, "result currentMemory");
	CHECK_INT(reparsed.vcpus, 1, "result vcpus");
	free(out);

	/* A changed value is written in KiB; the rest stays. */
	def.max_memory_kib = 1024 * 1024;
	strcpy(def.name, "web2");
	CHECK_INT(hv_domain_xml_update(user_domain, sizeof(user_domain) - 1, &def, &out, &err), 0,
		  "second update");
	CHECK(out && strstr(out, "  <memory unit=\"KiB\">1048576</memory>\n"), "memory rewritten in KiB");
	CHECK(out && strstr(out, "<name>web2</name>"), "name renamed");
	free(out);

	/* A declaration the user wrote is kept. */
	{
		static const char declared[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
					       "<domain type=\"test\"><name>d</name><memory>1024</memory>"
					       "<os><type>hvm</type></os></domain>\n";

		CHECK_INT(hv_domain_def_parse(declared, sizeof(declared) - 1, "d", &def, &err), 0,
			  "declared parses");
		def.max_vcpus = def.vcpus = 3;
		CHECK_INT(hv_domain_xml_update(declared, sizeof(declared) - 1, &def, &out, &err), 0,
			  "declared update");
		CHECK(out && strncmp(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0,
		      "declaration kept");
		CHECK(out && strstr(out, "<memory>1024</memory><vcpu>3</vcpu><os>"),
		      "vcpu added after memory, no indentation invented");
		free(out);
	}

	/* Invalid definitions are refused before anything is written. */
	def.memory_kib = def.max_memory_kib + 1;
	hv_error_clear(&err);
	CHECK_INT(hv_domain_xml_update(user_domain, sizeof(user_domain) - 1, &def, &out, &err), -EINVAL,
		  "update with memory above max refused");
	CHECK(out == NULL, "no output on error");
	def.memory_kib = def.max_memory_kib;
	strcpy(def.name, "../x");
	CHECK_INT(hv_domain_xml_update(user_domain, sizeof(user_domain) - 1, &def, &out, &err), -EINVAL,
		  "update with a bad name refused");
}

static void check_object_updates(void)
{
	static const char network[] = "<network>\n"
				      "  <name>lan</name>\n"
				      "  <!-- uplink -->\n"
				      "  <bridge name=\"br7\"/>\n"
				      "  <mtu size=\"9000\"/>\n"
				      "</network>\n";
	static const char pool[] = "<pool type=\"dir\">\n"
				   "  <name>images</name>\n"
				   "  <uuid>DFE224CB28FB8DD0C4B264EB3F0F4566</uuid>\n"
				   "  <target>\n"
				   "    <path>/srv/images</path>\n"
				   "  </target>\n"
				   "</pool>\n";
	struct hv_network_def net;
	struct hv_pool_def *def = calloc(1, sizeof(*def));
	struct hv_error err = {0};
	char *out = NULL;

	CHECK_INT(hv_network_def_parse(network, sizeof(network) - 1, "lan", &net, &err), 0, "network parses");
	CHECK_INT(hv_network_xml_update(network, sizeof(network) - 1, &net, &out, &err), 0,
		  "network no-op update");
	CHECK_STR(out, network, "network no-op keeps the text");
	free(out);
	strcpy(net.uuid, "11111111-2222-3333-4444-555555555555");
	CHECK_INT(hv_network_xml_update(network, sizeof(network) - 1, &net, &out, &err), 0,
		  "network uuid update");
	CHECK_STR(out, network, "network written without a uuid gets none; comment kept");
	CHECK(out && strstr(out, "<mtu size=\"9000\"/>"), "network unknown element kept");
	free(out);

	if (!def)
		return;
	CHECK_INT(hv_pool_def_parse(pool, sizeof(pool) - 1, "images", def, &err), 0, "pool parses");
	/* The same UUID, spelled differently by the user, is not rewritten. */
	CHECK_INT(hv_pool_xml_update(pool, sizeof(pool) - 1, def, &out, &err), 0, "pool no-op update");
	CHECK_STR(out, pool, "pool no-op keeps the user's UUID spelling");
	free(out);
	strcpy(def->name, "images2");
	strcpy(def->uuid, "00000000-0000-0000-0000-000000000042");
	CHECK_INT(hv_pool_xml_update(pool, sizeof(pool) - 1, def, &out, &err), 0, "pool update");
	CHECK(out && strstr(out, "<name>images2</name>\n  <uuid>00000000-0000-0000-0000-000000000042</uuid>"),
	      "pool name and uuid rewritten");
	free(out);
	CHECK_INT(hv_pool_xml_update(network, sizeof(network) - 1, def, &out, &err), -EINVAL,
		  "pool update of a network refused");
	free(def);
}

/* --- defaults ----------------------------------------------------------- */

static void check_defaults(void)
{
	static const char *const types[] = {"test", "kvm", "qemu", "xen", "lxc"};
	struct hv_domain_def def;
	struct hv_network_def net;
	struct hv_pool_def *pool = calloc(1, sizeof(*pool));
	struct hv_error err = {0};
	char *out = NULL;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		CHECK_INT(
		    hv_domain_xml_default("new-vm", "6695eb01-f6a4-8304-79aa-97f2502e193f", types[i], &out),
		    0, "default %s domain", types[i]);
		CHECK_INT(out ? hv_domain_def_parse(out, strlen(out), "new-vm", &def, &err) : -1, 0,
			  "default %s domain parses back", types[i]);
		CHECK(strcmp(def.type, types[i]) == 0, "default domain type %s", types[i]);
		CHECK_STR(def.os_type, strcmp(types[i], "lxc") == 0 ? "exe" : "hvm", "default %s os type",
			  types[i]);
		CHECK_INT(def.max_memory_kib, 128 * 1024, "default memory 128 MiB");
		CHECK_INT(def.vcpus, 1, "default 1 vcpu");
		CHECK(out && strncmp(out, "<domain type=", 13) == 0 && out[strlen(out) - 1] == '\n' &&
			  strstr(out, "\n  <name>new-vm</name>\n"),
		      "default %s domain is indented and ends with a newline", types[i]);
		free(out);
	}
	CHECK_INT(hv_domain_xml_default("plain", NULL, NULL, &out), 0, "default domain without uuid or type");
	CHECK(out && strstr(out, "type='test'") && !strstr(out, "<uuid>"), "defaults to test, no uuid");
	free(out);
	CHECK_INT(hv_domain_xml_default("-bad", NULL, NULL, &out), -EINVAL, "default domain, bad name");
	CHECK_INT(hv_domain_xml_default("ok", "xyz", NULL, &out), -EINVAL, "default domain, bad uuid");
	CHECK_INT(hv_domain_xml_default("ok", NULL, "vmm", &out), -EINVAL, "default domain, unknown type");
	CHECK_INT(hv_domain_xml_default("ok", NULL, "kvm'/><x", &out), -EINVAL,
		  "default domain, markup in type");

	CHECK_INT(hv_network_xml_default("lan", "9a05da11-e96b-47f3-8253-a3a482e445f5", "virbr3", &out), 0,
		  "default network");
	CHECK_INT(out ? hv_network_def_parse(out, strlen(out), "lan", &net, &err) : -1, 0,
		  "default network parses back");
	CHECK_STR(net.bridge, "virbr3", "default network bridge");
	CHECK_STR(net.forward_mode, "", "default network is isolated");
	free(out);
	CHECK_INT(hv_network_xml_default("lan", NULL, NULL, &out), 0, "default network without bridge");
	CHECK(out && !strstr(out, "<bridge"), "no bridge element");
	free(out);
	CHECK_INT(hv_network_xml_default("lan", NULL, "a-very-long-bridge-name", &out), -EINVAL,
		  "default network, bridge name too long");
	CHECK_INT(hv_network_xml_default("lan", NULL, "br'0", &out), -EINVAL,
		  "default network, quote in bridge");

	if (!pool)
		return;
	CHECK_INT(hv_pool_xml_default("images", NULL, "/srv/a&b <images>", &out), 0, "default pool");
	CHECK_INT(out ? hv_pool_def_parse(out, strlen(out), "images", pool, &err) : -1, 0,
		  "default pool parses back");
	CHECK_STR(pool->type, "dir", "default pool type");
	CHECK_STR(pool->target_path, "/srv/a&b <images>", "default pool path escaped and read back");
	free(out);
	CHECK_INT(hv_pool_xml_default("images", NULL, "relative", &out), -EINVAL,
		  "default pool, relative path");
	CHECK_INT(hv_pool_xml_default("images", NULL, NULL, &out), -EINVAL, "default pool, no path");
	free(pool);
}

/* --- memory units --------------------------------------------------------- */

struct memory_case {
	const char *value;
	const char *unit;
	int ret;
	uint64_t kib;
};

static const struct memory_case memory_cases[] = {
    {"1024", NULL, 0, 1024},
    {"1024", "", 0, 1024},
    {"1", "b", 0, 1},
    {"1024", "bytes", 0, 1},
    {"1025", "bytes", 0, 2},
    {"1", "byte", 0, 1},
    {"1", "KB", 0, 1},
    {"1000", "KB", 0, 977},
    {"1", "k", 0, 1},
    {"1", "K", 0, 1},
    {"7", "KiB", 0, 7},
    {"1", "MB", 0, 977},
    {"1", "M", 0, 1024},
    {"1", "MiB", 0, 1024},
    {"1", "GB", 0, 976563},
    {"1", "G", 0, 1048576},
    {"2", "GiB", 0, 2097152},
    {"1", "TB", 0, 976562500},
    {"1", "T", 0, 1073741824},
    {"1", "TiB", 0, 1073741824},
    {"1", "PiB", 0, 1099511627776ULL},
    {"1", "P", 0, 1099511627776ULL},
    {"1", "PB", 0, 976562500000ULL},
    {"1", "EiB", 0, 1125899906842624ULL},
    {"16383", "EiB", 0, 18445618173802708992ULL},
    {"16384", "EiB", -ERANGE, 0},
    {"18446744073709551615", "KiB", 0, UINT64_MAX},
    {"18446744073709551616", "KiB", -ERANGE, 0},
    {"18446744073709551615", "b", 0, 18014398509481984ULL},
    {" 42\t", "mib", 0, 43008},
    {"+5", "k", 0, 5},
    {"", "KiB", -EINVAL, 0},
    {"-1", "KiB", -EINVAL, 0},
    {"1.5", "GiB", -EINVAL, 0},
    {"0x10", "KiB", -EINVAL, 0},
    {"12", "XB", -EINVAL, 0},
    {"12", "kilobytes", -EINVAL, 0},
    {"12", "KiBB", -EINVAL, 0},
    {"12", "iB", -EINVAL, 0},
};

static void check_memory_units(void)
{
	for (size_t i = 0; i < sizeof(memory_cases) / sizeof(memory_cases[0]); i++) {
		const struct memory_case *c = &memory_cases[i];
		uint64_t kib = 0;
		int ret = hv_conf_parse_memory(c->value, c->unit, &kib);

		CHECK_INT(ret, c->ret, "memory '%s' '%s' result", c->value, c->unit ? c->unit : "(null)");
		if (c->ret == 0)
			CHECK(kib == c->kib, "memory '%s' '%s' = %" PRIu64 " KiB (got %" PRIu64 ")", c->value,
			      c->unit ? c->unit : "(null)", c->kib, kib);
	}
}

/* --- threads ------------------------------------------------------------ */

/* Each thread parses documents whose errors differ; a shared error handler
 * would show one thread's message in another's result. */
static void *parse_in_thread(void *arg)
{
	long id = (long)arg;
	char xml[256], want[64];
	struct hv_domain_def def;
	long failures = 0;

	snprintf(xml, sizeof(xml),
		 "<domain type='test'>\n<name>t%ld</name>\n<memory>%ld</memory>\n<os><type>hvm</type></os>\n"
		 "<vcpu current='%ld'>1</vcpu>\n</domain>",
		 id, id + 1, id + 2);
	snprintf(want, sizeof(want), "vcpu current='%ld' exceeds vcpu 1", id + 2);
	for (int i = 0; i < 25; i++) {
		struct hv_error err = {0};
		char bad[64];

		if (hv_domain_def_parse(xml, strlen(xml), NULL, &def, &err) != -EINVAL ||
		    strcmp(err.message, want))
			failures++;
		hv_error_clear(&err);
		snprintf(bad, sizeof(bad), "<domain>\n%.*s<t%ld></domain>", (int)(id % 5), "\n\n\n\n\n", id);
		if (hv_domain_def_parse(bad, strlen(bad), NULL, &def, &err) != -EINVAL ||
		    strtol(err.message + 5, NULL, 10) != 2 + id % 5)
			failures++;
	}
	return (void *)failures;
}

static void check_threads(void)
{
	pthread_t threads[4];
	long failures = 0;

	for (long i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, parse_in_thread, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *result;

		pthread_join(threads[i], &result);
		failures += (long)result;
	}
	CHECK_INT(failures, 0, "concurrent parses keep their own errors");
}

int main(void)
{
	check_domain_cases();
	check_domain_fields();
	check_network_cases();
	check_pool_cases();
	check_size_limit();
	check_line_numbers();
	check_domain_update();
	check_object_updates();
	check_defaults();
	check_memory_units();
	check_threads();
	hv_conf_cleanup();
	return UNIT_DONE();
}
