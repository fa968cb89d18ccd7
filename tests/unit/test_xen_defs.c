/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Xen driver's definitions on disk (xen_defs.c), in a temporary state
 * directory: records in STATE_DIR/domains/ (drivers/records.h), and the
 * move of a state directory written by an hvfs before records
 * (STATE_DIR/NAME.xml), including one that crashed half-way through a
 * move.  No hypervisor is needed: these are files. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/records.h"
#include "drivers/xen/xen_private.h"
#include "tests/unit/unit.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"

static const char pv1_xml[] =
    "<domain type='xen'>\n  <name>pv1</name>\n  <memory>65536</memory>\n</domain>\n";
static const char pv2_old[] = "<domain type='xen'><name>pv2</name><!-- old --></domain>\n";
static const char pv2_new[] = "<domain type='xen'><name>pv2</name><!-- new --></domain>\n";

static char dir[] = "/tmp/hvfs-xen-defs-XXXXXX";

static void put(const char *file, const char *text)
{
	char path[sizeof(dir) + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	CHECK_INT(atomic_file_write(path, text, strlen(text), 0600), 0, "wrote %s", file);
}

static bool exists(const char *file)
{
	char path[sizeof(dir) + 64];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static char *definition(struct xen_driver *drv, const char *name)
{
	struct hv_error err = {0};
	char *xml = NULL;
	size_t len = 0;

	if (xen_def_read(drv, name, &xml, &len, &err) < 0 || strlen(xml) != len) {
		free(xml);
		return NULL;
	}
	return xml;
}

int main(void)
{
	struct xen_driver drv = {0};
	struct hv_name_list names = {0};
	struct hv_error err = {0};

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(drv.state_dir, sizeof(drv.state_dir), "%s", dir);

	/* A state directory an hvfs before records wrote ... */
	put("pv1.xml", pv1_xml);
	put("not a name!.xml", "<domain/>");
	put("notes.txt", "kept");
	/* ... and one move that crashed after the record was written. */
	CHECK_INT(xen_def_write(&drv, "pv2", pv2_new, strlen(pv2_new), &err), 0, "pv2's record (%s)",
		  err.message);
	put("pv2.xml", pv2_old);

	CHECK_INT(xen_defs_migrate(&drv), 2, "two definitions moved");
	CHECK(!exists("pv1.xml") && !exists("pv2.xml"), "the old files are gone");
	CHECK(exists("domains/pv1") && exists("domains/pv2"), "the records are there");
	CHECK(exists("not a name!.xml") && exists("notes.txt"), "what is no definition is left alone");
	auto_free char *pv1 = definition(&drv, "pv1");
	CHECK_STR(pv1, pv1_xml, "pv1's definition is the old file's text, byte for byte");
	auto_free char *pv2 = definition(&drv, "pv2");
	CHECK_STR(pv2, pv2_new, "a record already there is the newer copy and stays");
	CHECK_INT(xen_defs_migrate(&drv), 0, "a second open moves nothing");

	CHECK_INT(hv_record_list(drv.state_dir, HV_KIND_DOMAIN, &names, &err), 0, "list (%s)", err.message);
	CHECK(names.count == 2 && strcmp(names.names[0], "pv1") == 0 && strcmp(names.names[1], "pv2") == 0,
	      "pv1 and pv2 are defined");
	hv_name_list_finish(&names);
	CHECK(xen_def_exists(&drv, "pv1") && !xen_def_exists(&drv, "pv3"), "exists");

	/* A record whose header names another domain is refused, not trusted. */
	put("domains/pv3", "name other\n\n<domain/>\n");
	char *xml = NULL;
	size_t len;
	CHECK_INT(xen_def_read(&drv, "pv3", &xml, &len, &err), -EIO, "a record naming another domain");
	CHECK(strstr(err.message, "no header naming it") != NULL, "says why: %s", err.message);
	hv_error_clear(&err);

	static const char *const names_left[] = {"pv1", "pv2", "pv3"};
	for (size_t i = 0; i < ARRAY_SIZE(names_left); i++)
		CHECK_INT(xen_def_remove(&drv, names_left[i], &err), 0, "undefine %s", names_left[i]);
	CHECK(!xen_def_exists(&drv, "pv1"), "pv1 is undefined");
	CHECK_INT(xen_def_remove(&drv, "pv1", &err), 0, "removing what is gone is no error");

	char path[sizeof(dir) + 64];
	static const char *const leftovers[] = {"not a name!.xml", "notes.txt"};
	for (size_t i = 0; i < ARRAY_SIZE(leftovers); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, leftovers[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/domains", dir);
	CHECK_INT(rmdir(path), 0, "nothing else was left in domains/");
	CHECK_INT(rmdir(dir), 0, "nor in the state directory");
	return UNIT_DONE();
}
