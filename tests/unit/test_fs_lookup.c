/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A lookup of domains/NAME asks the driver for that one object, which costs
 * the same with 10 or 10,000 of them, instead of listing them all
 * (docs/design.md, "Object tables").  Shown with the test driver's fault
 * injection: with every listing failing, lookups still answer; with the
 * object's info failing, the listing decides, so that an object whose
 * definition cannot be read can still be found and removed. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "fs/fs.h"
#include "fs/ops.h"
#include "unit.h"

static int lookup(const char *uri, const char *name)
{
	struct fs_ctx ctx = {0};
	struct node domains = {.dir = &fs_domains_type};
	const struct fs_dir_type *type = NULL;
	struct hv_error err = {0};
	struct timespec now;
	int ret;

	clock_gettime(CLOCK_REALTIME, &now);
	if (fs_ctx_init(&ctx, now) < 0 || hv_conn_open(uri, NULL, NULL, &ctx.conn, &err) < 0) {
		CHECK(false, "open %s: %s", uri, err.message);
		fs_ctx_finish(&ctx);
		return -EIO;
	}
	ret = fs_collection_member(&ctx, &domains, name, &type);
	if (ret == 0)
		CHECK(type == fs_domains_type.collection->child_type, "%s is a domain directory", name);
	hv_conn_close(ctx.conn);
	fs_ctx_finish(&ctx);
	return ret;
}

int main(void)
{
	CHECK_INT(lookup("test:///default", "test"), 0, "domains/test is found");
	CHECK_INT(lookup("test:///default", "nosuch"), -ENOENT, "domains/nosuch is not");
	CHECK_INT(lookup("test:///default?fail=domain_list", "test"), 0,
		  "with every listing failing, domains/test is still found: nothing was listed");
	CHECK_INT(lookup("test:///default?fail=domain_list", "nosuch"), -ENOENT, "and nosuch still is not");
	CHECK_INT(lookup("test:///default?fail=domain_info", "test"), 0,
		  "with the info failing, the listing finds domains/test");
	CHECK_INT(lookup("test:///default?fail=domain_info", "nosuch"), -ENOENT, "and not nosuch");
	CHECK_INT(lookup("test:///default?fail=domain_info,domain_list", "test"), -EIO,
		  "with both failing the lookup fails, rather than saying it is absent");
	return UNIT_DONE();
}
