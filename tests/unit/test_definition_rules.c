/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The define, rename and undefine rules every driver asks
 * (drivers/definition_rules.h): one decision and one sentence per case,
 * for each kind, whichever driver finds the facts. */
#include <errno.h>

#include "drivers/definition_rules.h"
#include "unit.h"

#define U1 "11111111-1111-4111-8111-111111111111"
#define U2 "22222222-2222-4222-8222-222222222222"

static void test_uuid(void)
{
	struct hv_error err = {0};

	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", "", NULL, U1, true, &err), 0,
		  "no UUID in the text: the object keeps its own, even running");
	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", U2, NULL, NULL, false, &err), 0,
		  "a new object takes any free UUID");
	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", U2, NULL, U1, false, &err), 0,
		  "a shut-off one takes a new free UUID (an exported definition)");
	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", U1, NULL, U1, true, &err), 0,
		  "a running one may restate its own");
	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", U2, "b", U1, false, &err), -EEXIST,
		  "another's UUID is refused");
	CHECK_STR(err.message, "UUID " U2 " is already used by domain 'b'", "naming the other");
	hv_error_clear(&err);
	CHECK_INT(hv_rule_define_uuid(HV_KIND_DOMAIN, "a", U2, NULL, U1, true, &err), -EBUSY,
		  "a running domain keeps the UUID it runs with");
	CHECK_STR(err.message,
		  "domain 'a' is active with UUID " U1 ": a new UUID (" U2
		  ") can be given only while it is shut off",
		  "and says when it could");
	hv_error_clear(&err);
	CHECK_INT(hv_rule_define_uuid(HV_KIND_NETWORK, "n", U2, NULL, U1, true, &err), -EBUSY,
		  "an active network");
	CHECK_STR(err.message,
		  "network 'n' is active with UUID " U1 ": a new UUID (" U2
		  ") can be given only while it is inactive",
		  "says inactive");
	hv_error_clear(&err);
	CHECK_INT(hv_rule_define_uuid(HV_KIND_POOL, "p", U2, "q", NULL, false, &err), -EEXIST, "a pool's");
	CHECK_STR(err.message, "UUID " U2 " is already used by pool 'q'", "names a pool");
	hv_error_clear(&err);
}

static void test_rename_and_undefine(void)
{
	struct hv_error err = {0};

	CHECK_INT(hv_rule_rename(HV_KIND_DOMAIN, "a", "a", true, true, &err), 1,
		  "to its own name: nothing to do, even running");
	CHECK_INT(hv_rule_rename(HV_KIND_DOMAIN, "a", "b", false, false, &err), 0, "a free name, shut off");
	CHECK_INT(hv_rule_rename(HV_KIND_DOMAIN, "a", "b", false, true, &err), -EBUSY, "not while running");
	CHECK_STR(err.message, "domain is running", "says why");
	hv_error_clear(&err);
	CHECK_INT(hv_rule_rename(HV_KIND_NETWORK, "a", "b", true, false, &err), -EEXIST, "not onto another");
	CHECK_STR(err.message, "network 'b' already exists", "naming it");
	hv_error_clear(&err);
	CHECK_INT(hv_rule_undefine(HV_KIND_POOL, false, &err), 0, "an inactive pool may go");
	CHECK_INT(hv_rule_undefine(HV_KIND_POOL, true, &err), -EBUSY, "an active one not");
	CHECK_STR(err.message, "pool is active", "says why");
	hv_error_clear(&err);
	CHECK_STR(hv_kind_words(HV_KIND_DOMAIN)->idle, "shut off", "a domain is idle when shut off");
}

int main(void)
{
	test_uuid();
	test_rename_and_undefine();
	return UNIT_DONE();
}
