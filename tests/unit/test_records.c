/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The record format and layout every driver keeps its definitions in
 * (drivers/records.h), in a temporary directory: parsing, writing and
 * reading back byte for byte, refusing a record that names another
 * object, listing in name order, and removing a crash's leftovers. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/records.h"
#include "tests/unit/unit.h"
#include "util/atomic_file.h"
#include "util/cleanup.h"

static char dir[] = "/tmp/hvfs-records-XXXXXX";

static void test_parse(void)
{
	struct hv_record *r = malloc(sizeof(*r));
	char good[] = "name web\nuuid 1234\nempty \n\n<domain>\n\n</domain>\n";
	char no_blank[] = "name web\nuuid 1234\n";
	char no_space[] = "name web\nbroken\n\n<x/>";

	if (!r)
		return;
	CHECK_INT(hv_record_parse(good, strlen(good), r), 0, "a record parses");
	CHECK_INT(r->count, 3, "three header fields");
	CHECK_STR(hv_record_get(r, "name"), "web", "name");
	CHECK_STR(hv_record_get(r, "empty"), "", "an empty value");
	CHECK(hv_record_get(r, "nosuch") == NULL, "a missing key");
	CHECK_STR(r->body, "<domain>\n\n</domain>\n", "the body, blank lines and all");
	uint64_t n = 0;
	CHECK(hv_record_u64(r, "uuid", UINT64_MAX, &n) && n == 1234, "a number");
	char small[3];
	CHECK(!hv_record_copy(r, "name", small, sizeof(small)), "a value too long for the buffer is not cut");
	CHECK_INT(hv_record_parse(no_blank, strlen(no_blank), r), -EINVAL, "no blank line: no record");
	CHECK_INT(hv_record_parse(no_space, strlen(no_space), r), -EINVAL, "a header line without a value");
	free(r);
}

static void test_files(void)
{
	struct hv_record *r = malloc(sizeof(*r));
	struct hv_name_list names = {0};
	static const char body[] = "<domain type='lxc'>\n  <name>b</name>\n</domain>\n";
	char path[sizeof(dir) + 64];
	char *text = NULL;

	if (!r)
		return;
	CHECK_INT(hv_record_list(dir, HV_KIND_DOMAIN, &names, NULL), 0, "listing a kind never written");
	CHECK_INT(names.count, 0, "lists nothing");
	CHECK_INT(hv_record_write(dir, HV_KIND_DOMAIN, "b", "name b\n", body, strlen(body)), -ENOENT,
		  "without domains/ a write fails: a removed directory is not made again behind one's back");
	CHECK_INT(hv_record_dir_make(dir, HV_KIND_DOMAIN), 0, "domains/ made");
	CHECK_INT(hv_record_dir_make(dir, HV_KIND_NETWORK), 0, "networks/ made");
	CHECK_INT(hv_record_write(dir, HV_KIND_DOMAIN, "b", "name b\nautostart 1\n", body, strlen(body)), 0,
		  "write b");
	CHECK_INT(hv_record_write(dir, HV_KIND_DOMAIN, "a", "name a\n", "", 0), 0, "write a, empty");
	CHECK_INT(hv_record_write(dir, HV_KIND_NETWORK, "a", "name a\n", "<network/>", 10), 0, "a network a");
	CHECK_INT(hv_record_read(dir, HV_KIND_DOMAIN, "b", &text, r), 0, "read b");
	CHECK_STR(r->body, body, "b's body, byte for byte");
	CHECK_STR(hv_record_get(r, "autostart"), "1", "b's header");
	free(text);

	snprintf(path, sizeof(path), "%s/domains/c", dir);
	CHECK_INT(atomic_file_write(path, "name other\n\n<x/>", 16, 0600), 0, "a record c naming another");
	CHECK_INT(hv_record_read(dir, HV_KIND_DOMAIN, "c", &text, r), -EINVAL, "is not trusted");
	CHECK(text == NULL, "and gives no text");
	CHECK_INT(hv_record_read(dir, HV_KIND_DOMAIN, "d", &text, r), -ENOENT, "no record d");

	snprintf(path, sizeof(path), "%s/domains/.tmp-b-123", dir);
	CHECK_INT(atomic_file_write(path, "torn", 4, 0600), 0, "a crash's temporary file");
	CHECK_INT(hv_record_list(dir, HV_KIND_DOMAIN, &names, NULL), 0, "list domains");
	CHECK(names.count == 3 && strcmp(names.names[0], "a") == 0 && strcmp(names.names[1], "b") == 0 &&
		  strcmp(names.names[2], "c") == 0,
	      "a, b and c, in name order");
	hv_name_list_finish(&names);
	CHECK(access(path, F_OK) != 0, "the temporary file is removed");

	/* A kind's directory that cannot be read: an error that says where. */
	struct hv_error err = {0};
	snprintf(path, sizeof(path), "%s/pools", dir);
	CHECK_INT(atomic_file_write(path, "x", 1, 0600), 0, "pools is a file, not a directory");
	CHECK_INT(hv_record_list(dir, HV_KIND_POOL, &names, &err), -EIO, "listing pools fails");
	CHECK(strstr(err.message, "pools") != NULL, "naming it: %s", err.message);
	CHECK_INT(names.count, 0, "and lists nothing");
	unlink(path);

	static const char *const domains[] = {"a", "b", "c", "d"};
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++)
		CHECK_INT(hv_record_remove(dir, HV_KIND_DOMAIN, domains[i]), 0, "remove %s", domains[i]);
	CHECK_INT(hv_record_remove(dir, HV_KIND_NETWORK, "a"), 0, "remove the network");
	snprintf(path, sizeof(path), "%s/domains", dir);
	CHECK_INT(rmdir(path), 0, "domains/ is empty");
	snprintf(path, sizeof(path), "%s/networks", dir);
	CHECK_INT(rmdir(path), 0, "networks/ is empty");
	free(r);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse();
	test_files();
	CHECK_INT(rmdir(dir), 0, "nothing else was left");
	return UNIT_DONE();
}
