/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every file under tests/data/<schema>/ against its schema: a name ending in
 * -invalid.xml must fail, every other must pass (libvirt's virschematest).
 * The valid domain, network and pool definitions must also get through the
 * parser a write to config.xml uses, whose semantic checks go beyond the
 * schema: libvirt's own output (tools/libvirt-fixtures.sh) is accepted as is.
 * A name ending in -refused.xml passes hvfs's schema but not those checks:
 * what libvirt refuses and hvfs's schema does not type.  All of that is
 * hvfs's own judgement, libvirt's schemas left out; where libvirt's schemas
 * are installed, the valid definitions must pass them too, and the parser
 * then names libvirt's schema when it is the one that refuses.
 * Usage: test_schema [DATA_DIR], DATA_DIR defaulting to tests/data. */
#include <dirent.h>
#include <errno.h>
#include <libxml/parser.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/conf/conf.h"
#include "schema/validate.h"
#include "tests/unit/unit.h"
#include "util/error.h"

/* Where libvirt's schemas are on this host ("" when not installed). */
static char libvirt_dir[4096];

static const enum hv_schema all_schemas[] = {
    HV_SCHEMA_CAPABILITIES, HV_SCHEMA_DOMAIN, HV_SCHEMA_NETWORK, HV_SCHEMA_POOL, HV_SCHEMA_VOLUME,
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t len = strlen(s), suffix_len = strlen(suffix);

	return len >= suffix_len && strcmp(s + len - suffix_len, suffix) == 0;
}

static int is_xml_file(const struct dirent *entry)
{
	return entry->d_name[0] != '.' && ends_with(entry->d_name, ".xml");
}

/* The whole of path, NUL-terminated, or NULL. */
static char *read_text(const char *path, size_t *len)
{
	FILE *file = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (!file)
		return NULL;
	if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
		text = malloc((size_t)size + 1);
		if (text && fread(text, 1, (size_t)size, file) != (size_t)size) {
			free(text);
			text = NULL;
		}
	}
	fclose(file);
	if (text) {
		text[size] = '\0';
		*len = (size_t)size;
	}
	return text;
}

/* What a write of text to config.xml runs; capabilities are only read. */
static int parse_definition(enum hv_schema schema, const char *text, size_t len, struct hv_error *err)
{
	static struct hv_pool_def pool; /* 4 KiB of path: not on the stack */
	struct hv_domain_def domain;
	struct hv_network_def network;

	switch (schema) {
	case HV_SCHEMA_DOMAIN:
		return hv_domain_def_parse(text, len, NULL, &domain, err);
	case HV_SCHEMA_NETWORK:
		return hv_network_def_parse(text, len, NULL, &network, err);
	case HV_SCHEMA_POOL:
		return hv_pool_def_parse(text, len, NULL, &pool, err);
	default:
		return 0;
	}
}

static void check_file(enum hv_schema schema, const char *dir, const char *file, unsigned *valid,
		       unsigned *invalid)
{
	bool refused = ends_with(file, "-refused.xml");
	bool want_valid = !ends_with(file, "-invalid.xml");
	struct hv_error err = {0};
	char path[4096];
	xmlDocPtr doc;
	size_t len = 0;
	char *text;
	int ret;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path)) {
		CHECK(false, "%s: path of %s fits", hv_schema_name(schema), file);
		return;
	}
	text = read_text(path, &len);
	if (!text) {
		CHECK(false, "%s: %s can be read", hv_schema_name(schema), file);
		return;
	}
	doc = xmlReadMemory(text, (int)len, path, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		free(text);
		/* A fixture that is not even well-formed tests the parser, not the
		 * schema; flag it so that it gets fixed. */
		CHECK(false, "%s: %s parses", hv_schema_name(schema), file);
		return;
	}
	ret = hv_schema_validate(schema, doc, &err);
	xmlFreeDoc(doc);
	if (want_valid) {
		(*valid)++;
		CHECK(ret == 0, "%s: %s is valid", hv_schema_name(schema), file);
		if (ret != 0)
			printf("#   %s\n", err.message);
		hv_error_clear(&err);
		ret = parse_definition(schema, text, len, &err);
		if (refused) {
			(*invalid)++;
			CHECK(ret == -EINVAL && err.message[0] && !strstr(err.message, "schema"),
			      "%s: %s is refused by hvfs's checks", hv_schema_name(schema), file);
			printf("#   %s\n", err.message);
		} else {
			CHECK(ret == 0, "%s: %s is accepted by the parser", hv_schema_name(schema), file);
			if (ret != 0)
				printf("#   %s\n", err.message);
		}
		if (!refused && libvirt_dir[0] && schema != HV_SCHEMA_CAPABILITIES &&
		    schema != HV_SCHEMA_VOLUME) {
			hv_schema_set_libvirt_dir(libvirt_dir);
			hv_error_clear(&err);
			ret = parse_definition(schema, text, len, &err);
			CHECK(ret == 0, "%s: %s passes libvirt's schema too", hv_schema_name(schema), file);
			if (ret != 0)
				printf("#   %s\n", err.message);
			hv_schema_set_libvirt_dir("none");
		}
	} else {
		(*invalid)++;
		CHECK(ret == -EINVAL && err.message[0], "%s: %s is invalid", hv_schema_name(schema), file);
		/* The reason is part of the contract: print it for review. */
		printf("#   %s\n", err.message);
	}
	free(text);
}

static void check_schema(enum hv_schema schema, const char *data_dir)
{
	struct dirent **entries = NULL;
	unsigned valid = 0, invalid = 0;
	size_t len = 0;
	char dir[4096];
	int n;

	CHECK(hv_schema_text(schema, &len) && len > 100, "%s: schema text is embedded",
	      hv_schema_name(schema));
	if (snprintf(dir, sizeof(dir), "%s/%s", data_dir, hv_schema_name(schema)) >= (int)sizeof(dir)) {
		CHECK(false, "%s: data directory fits", hv_schema_name(schema));
		return;
	}
	n = scandir(dir, &entries, is_xml_file, alphasort);
	CHECK(n > 0, "%s: fixtures found in %s", hv_schema_name(schema), dir);
	for (int i = 0; i < n; i++) {
		check_file(schema, dir, entries[i]->d_name, &valid, &invalid);
		free(entries[i]);
	}
	free(entries);
	/* Both directions must be exercised, or a schema that accepts (or
	 * refuses) everything would pass. */
	CHECK(valid > 0 && invalid > 0, "%s: %u valid and %u invalid fixtures", hv_schema_name(schema), valid,
	      invalid);
}

static void check_messages(void)
{
	static const char vcpu_zero[] = "<domain type='test'>\n"
					"  <name>a</name>\n"
					"  <memory>1024</memory>\n"
					"  <vcpu>0</vcpu>\n"
					"  <os><type>hvm</type></os>\n"
					"</domain>\n";
	static const char no_name[] = "<domain type='test'>\n"
				      "  <memory>1024</memory>\n"
				      "  <os><type>hvm</type></os>\n"
				      "</domain>\n";
	struct hv_error err = {0};
	xmlDocPtr doc;

	/* The reason inside an interleave is found and named with its line,
	 * without libxml2's "extra element" noise. */
	doc = xmlReadMemory(vcpu_zero, sizeof(vcpu_zero) - 1, NULL, NULL, XML_PARSE_NONET);
	CHECK_INT(hv_schema_validate(HV_SCHEMA_DOMAIN, doc, &err), -EINVAL, "vcpu 0 is refused");
	CHECK(strstr(err.message, "hvfs's domain schema: line 4: ") == err.message,
	      "vcpu error names line 4: %s", err.message);
	CHECK(strstr(err.message, "positiveInteger") != NULL, "vcpu error names the type: %s", err.message);
	CHECK(strstr(err.message, "Extra element") == NULL, "vcpu error without noise: %s", err.message);
	xmlFreeDoc(doc);

	hv_error_clear(&err);
	doc = xmlReadMemory(no_name, sizeof(no_name) - 1, NULL, NULL, XML_PARSE_NONET);
	CHECK_INT(hv_schema_validate(HV_SCHEMA_DOMAIN, doc, &err), -EINVAL, "missing name is refused");
	CHECK(strstr(err.message, "hvfs's domain schema: line 1: ") == err.message,
	      "missing name names line 1: %s", err.message);
	CHECK(strstr(err.message, "name") != NULL, "missing name names the element: %s", err.message);
	xmlFreeDoc(doc);

	CHECK_STR(hv_schema_name(HV_SCHEMA_POOL), "pool", "pool schema name");
	CHECK(hv_schema_name((enum hv_schema)99) == NULL, "unknown schema has no name");
	CHECK_INT(hv_schema_validate((enum hv_schema)99, NULL, NULL), -EINVAL, "unknown schema is refused");
}

/* hvfs's own device rules at their edges (domain_check.c): each document
 * is one device in a minimal domain. */
static void check_device_rules(void)
{
	static const struct {
		const char *device;
		int ret;
		const char *message;
	} cases[] = {
	    {"<disk type='network'><source protocol='nbd' name='x'><host name='h'/></source>"
	     "<target dev='vda'/></disk>",
	     0, NULL},
	    {"<disk type='network'><source name='x'/><target dev='vda'/></disk>", -EINVAL,
	     "a network disk needs <source protocol="},
	    {"<disk type='block' device='lun'><source dev='/dev/sdb'/><target dev='sda' bus='scsi'/></disk>",
	     0, NULL},
	    {"<disk type='volume' device='lun'><source pool='p' volume='v'/><target dev='sda'/></disk>", 0,
	     NULL},
	    {"<disk device='lun'><source file='/x'/><target dev='sda'/></disk>", -EINVAL, "type 'file'"},
	    {"<interface type='network'><source network='n'/><driver queues='4'/></interface>", 0, NULL},
	    {"<interface type='network'><source network='n'/><driver queues='0'/></interface>", -EINVAL,
	     "queues='0'"},
	    {"<interface type='network'><source network='n'/><driver queues='+4'/></interface>", -EINVAL,
	     "queues='+4'"},
	    {"<interface type='network'><source network='n'/><rom file='/usr/share/ipxe/x.rom'/></interface>",
	     0, NULL},
	    {"<interface type='network'><source network='n'/><rom enabled='no'/></interface>", 0, NULL},
	    {"<interface type='network'><source network='n'/><rom file='/'/></interface>", -EINVAL,
	     "<rom file='/'>"},
	    {"<hostdev mode='subsystem' type='pci'><rom file='x.rom'/></hostdev>", -EINVAL,
	     "<rom file='x.rom'>"},
	    {"<input type='tablet' bus='usb'><address type='usb' bus='0' port='0x1.2.3.ff'/></input>", 0,
	     NULL},
	    {"<input type='tablet' bus='usb'><address type='usb' bus='0' port='1.2.3.4.5'/></input>", -EINVAL,
	     "deeper than libvirt allows"},
	    {"<input type='tablet' bus='usb'><address type='usb' bus='0' port='1..2'/></input>", -EINVAL,
	     "not a port path"},
	    {"<input type='tablet' bus='usb'><address type='usb' bus='0' port='1000'/></input>", -EINVAL,
	     "not a port path"},
	};
	static const char relative_init[] = "<domain type='lxc'><name>c</name><memory>1024</memory>"
					    "<os><type>exe</type><init>bin/sh</init></os></domain>";
	struct hv_domain_def lxc;
	struct hv_error lxc_err = {0};
	char xml[1024];

	CHECK_INT(hv_domain_def_parse(relative_init, sizeof(relative_init) - 1, NULL, &lxc, &lxc_err),
		  -EINVAL, "a relative <init> is refused, as libvirt's schema does");
	CHECK(strstr(lxc_err.message, "<os><init> must be an absolute path, not 'bin/sh'") != NULL,
	      "says so: %s", lxc_err.message);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_domain_def def;
		struct hv_error err = {0};
		int ret;

		snprintf(xml, sizeof(xml),
			 "<domain type='test'><name>a</name><memory>1024</memory><os><type>hvm</type></os>"
			 "<devices>%s</devices></domain>",
			 cases[i].device);
		ret = hv_domain_def_parse(xml, strlen(xml), NULL, &def, &err);
		CHECK_INT(ret, cases[i].ret, "device rule %zu: %s (%s)", i, cases[i].device, err.message);
		if (cases[i].message)
			CHECK(strstr(err.message, cases[i].message) != NULL, "device rule %zu says '%s': %s",
			      i, cases[i].message, err.message);
	}
}

/* The layer of libvirt's own schemas: used when installed, skipped when
 * not, named in the message, and pointed elsewhere by the knob. */
static void check_libvirt_layer(const char *data_dir)
{
	static const char tablet[] = "<domain type='test'>\n"
				     "  <name>a</name>\n"
				     "  <memory>1024</memory>\n"
				     "  <os><type>hvm</type></os>\n"
				     "  <devices>\n"
				     "    <input type='tablet' bus='nosuch'/>\n"
				     "  </devices>\n"
				     "</domain>\n";
	struct hv_domain_def def;
	struct hv_error err = {0};

	/* hvfs's schema keeps <input> as it is. */
	hv_schema_set_libvirt_dir("none");
	CHECK_STR(hv_schema_libvirt_dir(), "", "'none' turns libvirt's schemas off");
	CHECK_INT(hv_domain_def_parse(tablet, sizeof(tablet) - 1, NULL, &def, &err), 0,
		  "without libvirt's schemas a bus hvfs does not type is kept (%s)", err.message);

	/* A directory without them: nothing to check against. */
	hv_schema_set_libvirt_dir(data_dir);
	CHECK(!hv_schema_libvirt_available(HV_SCHEMA_DOMAIN), "no domain.rng in %s", data_dir);
	CHECK_INT(hv_domain_def_parse(tablet, sizeof(tablet) - 1, NULL, &def, &err), 0,
		  "a directory without libvirt's schemas checks nothing");

	if (!libvirt_dir[0]) {
		printf("# libvirt's schemas are not installed: their layer is not tested here\n");
		hv_schema_set_libvirt_dir("none");
		return;
	}
	hv_schema_set_libvirt_dir(libvirt_dir);
	CHECK(hv_schema_libvirt_available(HV_SCHEMA_DOMAIN), "libvirt's domain.rng in %s", libvirt_dir);
	hv_error_clear(&err);
	CHECK_INT(hv_domain_def_parse(tablet, sizeof(tablet) - 1, NULL, &def, &err), -EINVAL,
		  "libvirt's schema refuses an input bus it does not know");
	CHECK(strstr(err.message, "libvirt's schema domain.rng: line 6: ") == err.message,
	      "named, with the line of the element: %s", err.message);
	hv_schema_set_libvirt_dir("none");
}

int main(int argc, char **argv)
{
	const char *data_dir = argc > 1 ? argv[1] : "tests/data";
	const char *env = getenv("HVFS_TEST_LIBVIRT_SCHEMAS");

	/* unit.h turns libvirt's schemas off; this test turns them on where it
	 * says so. */
	snprintf(libvirt_dir, sizeof(libvirt_dir), "%s", env ? env : "/usr/share/libvirt/schemas");
	hv_schema_set_libvirt_dir(libvirt_dir);
	if (!hv_schema_libvirt_available(HV_SCHEMA_DOMAIN))
		libvirt_dir[0] = '\0';
	hv_schema_set_libvirt_dir("none");
	check_libvirt_layer(data_dir);
	check_device_rules();

	for (size_t i = 0; i < sizeof(all_schemas) / sizeof(all_schemas[0]); i++)
		check_schema(all_schemas[i], data_dir);
	check_messages();
	hv_schema_cleanup();
	xmlCleanupParser();
	return UNIT_DONE();
}
