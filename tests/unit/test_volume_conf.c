/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* drivers/conf/volume_conf.c: the volume XML parser and generator, and the
 * disk files of a domain (what makes a volume busy). */
#include <errno.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "schema/validate.h"
#include "tests/unit/unit.h"

struct volume_case {
	const char *label;
	const char *xml;
	const char *expected_name;
	int ret;
	const char *message; /* substring of err.message when ret < 0 */
	bool has_capacity;
	unsigned long long capacity;
	const char *format;
};

static const struct volume_case volume_cases[] = {
    {"virsh vol-dumpxml of the test driver",
     "<volume type='file'>\n  <name>v1.img</name>\n  <key>/default-pool/v1.img</key>\n"
     "  <capacity unit='bytes'>10485760</capacity>\n  <allocation unit='bytes'>10485760</allocation>\n"
     "  <target>\n    <path>/default-pool/v1.img</path>\n    <format type='raw'/>\n  </target>\n"
     "</volume>\n",
     "v1.img", 0, NULL, true, 10485760, "raw"},
    {"name only", "<volume><name>d</name></volume>", "d", 0, NULL, false, 0, ""},
    {"unit G", "<volume><name>d</name><capacity unit='G'>1</capacity></volume>", NULL, 0, NULL, true,
     1ULL << 30, ""},
    {"unit GB is decimal", "<volume><name>d</name><capacity unit='GB'>2</capacity></volume>", NULL, 0, NULL,
     true, 2000000000ULL, ""},
    {"no unit is bytes", "<volume><name>d</name><capacity>4096</capacity></volume>", NULL, 0, NULL, true,
     4096, ""},
    {"qcow2 with extras",
     "<volume><name>g</name><capacity unit='MiB'>3</capacity><target><format type='qcow2'/>"
     "<permissions><mode>0600</mode></permissions><compat>1.1</compat></target>"
     "<backingStore><path>/b</path></backingStore></volume>",
     "g", 0, NULL, true, 3ULL << 20, "qcow2"},
    {"name mismatch", "<volume><name>a</name></volume>", "b", -EINVAL,
     "name 'a' in the XML does not match the directory 'b'", false, 0, NULL},
    {"no name", "<volume><capacity>1</capacity></volume>", NULL, -EINVAL, "name", false, 0, NULL},
    {"bad name", "<volume><name>.hidden</name></volume>", NULL, -EINVAL, "line 1", false, 0, NULL},
    {"negative capacity", "<volume><name>a</name><capacity>-1</capacity></volume>", NULL, -EINVAL, "line 1",
     false, 0, NULL},
    {"unknown unit", "<volume><name>a</name><capacity unit='parsec'>1</capacity></volume>", NULL, -EINVAL,
     "line 1", false, 0, NULL},
    {"over 16 EiB", "<volume><name>a</name><capacity unit='E'>17</capacity></volume>", NULL, -EINVAL,
     "more than 16 EiB", false, 0, NULL},
    {"relative path", "<volume><name>a</name><target><path>a</path></target></volume>", NULL, -EINVAL,
     "line 1", false, 0, NULL},
    {"not well-formed", "<volume><name>a</name>", NULL, -EINVAL, "line 1", false, 0, NULL},
    {"a pool is not a volume", "<pool type='dir'><name>a</name></pool>", NULL, -EINVAL, "line 1", false, 0,
     NULL},
    {"doctype refused", "<!DOCTYPE volume [<!ENTITY x 'y'>]><volume><name>&x;</name></volume>", NULL, -EINVAL,
     "DOCTYPE", false, 0, NULL},
};

static void check_volume_cases(void)
{
	for (size_t i = 0; i < sizeof(volume_cases) / sizeof(volume_cases[0]); i++) {
		const struct volume_case *c = &volume_cases[i];
		struct hv_volume_def def = {.capacity = 77};
		struct hv_error err = {0};
		int ret = hv_volume_def_parse(c->xml, strlen(c->xml), c->expected_name, &def, &err);

		CHECK_INT(ret, c->ret, "volume %s: result (%s)", c->label, err.message);
		if (c->ret < 0) {
			CHECK(strstr(err.message, c->message) != NULL, "volume %s: message '%s' has '%s'",
			      c->label, err.message, c->message);
			CHECK_INT(def.capacity, 77, "volume %s: def untouched on failure", c->label);
			continue;
		}
		CHECK_INT(def.has_capacity, c->has_capacity, "volume %s: has_capacity", c->label);
		CHECK_INT(def.capacity, c->capacity, "volume %s: capacity", c->label);
		CHECK_STR(def.format, c->format, "volume %s: format", c->label);
	}
}

static void check_volume_format(void)
{
	struct hv_volume_state state = {.name = "v1",
					.path = "/pools/a&b/v1",
					.format = "raw",
					.capacity = 1ULL << 30,
					.allocation = 4096};
	struct hv_volume_def def;
	struct hv_error err = {0};
	char *xml = NULL;

	CHECK_INT(hv_volume_xml_format(&state, &xml), 0, "format a volume");
	CHECK(xml && strstr(xml, "<path>/pools/a&amp;b/v1</path>"), "the path is escaped");
	CHECK(xml && strstr(xml, "<capacity unit='bytes'>1073741824</capacity>"), "capacity in bytes");
	CHECK(xml && strstr(xml, "<allocation unit='bytes'>4096</allocation>"), "allocation in bytes");
	CHECK_INT(xml ? hv_volume_def_parse(xml, strlen(xml), "v1", &def, &err) : -1, 0,
		  "the generated XML parses back (%s)", err.message);
	CHECK_INT(def.capacity, 1ULL << 30, "and says its capacity");
	CHECK_STR(def.target_path, "/pools/a&b/v1", "and its path");
	free(xml);
}

#define DOMAIN_START "<domain type='test'><name>d</name><memory>1</memory><os><type>hvm</type></os>"

static void check_disk_files(void)
{
	static const char xml[] =
	    DOMAIN_START "<devices>"
			 "<disk type='file' device='disk'><source file='/a/one.img'/>"
			 "<target dev='vda'/></disk>"
			 "<disk type='block'><source dev='/dev/sdb'/><target dev='vdb'/></disk>"
			 "<disk type='network'><source protocol='nbd' name='x'/></disk>"
			 "<disk type='file' device='cdrom'><target dev='hdc'/></disk>"
			 "<interface type='network'><source network='default'/></interface>"
			 "<disk type='file'><source file='/b/two &amp; three'/></disk>"
			 "</devices></domain>";
	struct hv_error err = {0};
	char **files = NULL;
	size_t count = 99;

	CHECK_INT(hv_domain_disk_files(xml, strlen(xml), &files, &count, &err), 0, "disk files (%s)",
		  err.message);
	CHECK_INT(count, 2, "two file disks; block, network and empty cdrom are not files");
	if (count == 2) {
		CHECK_STR(files[0], "/a/one.img", "first disk file");
		CHECK_STR(files[1], "/b/two & three", "second, unescaped");
	}
	for (size_t i = 0; i < count; i++)
		free(files[i]);
	free(files);

	static const char none[] = DOMAIN_START "</domain>";
	CHECK_INT(hv_domain_disk_files(none, strlen(none), &files, &count, &err), 0, "no devices");
	CHECK(count == 0 && files == NULL, "no devices: no files");

	static const char broken[] = DOMAIN_START "<devices>";
	CHECK_INT(hv_domain_disk_files(broken, strlen(broken), &files, &count, &err), -EINVAL,
		  "malformed domain XML is EINVAL");
	CHECK(count == 0 && files == NULL, "malformed: no files");
}

int main(void)
{
	check_volume_cases();
	check_volume_format();
	check_disk_files();
	hv_conf_cleanup();
	return UNIT_DONE();
}
