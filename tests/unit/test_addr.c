/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address allocation: the generic allocator (util/addr_alloc.h) on spaces
 * of its own, checked against a brute-force model and at the scale of a
 * host with 10,000 domains.  Meant to run clean under valgrind
 * --leak-check=full. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/addr_helpers.h"
#include "tests/unit/unit.h"
#include "util/addr_alloc.h"
#include "util/cleanup.h"

/* A deterministic generator, so that a failing random run can be replayed. */
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint32_t rng(uint32_t bound)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % bound);
}

/* A small PCI-like space: bus [0,3], slot [0,7], function [0,3]; allocation
 * on bus 0 only, function 0, whole slots; slot 0 of bus 0 excluded. */
static const struct addr_exclusion toy_bridge = {
    .range = {{0, 0}, {0, 0}, {0, 3}},
    .reason = "the toy bridge",
};

static const struct addr_space_spec toy_spec = {
    .kind = "toy address",
    .components = 3,
    .names = {"bus", "slot", "function"},
    .hex = true,
    .valid = {{0, 3}, {0, 7}, {0, 3}},
    .alloc = {{0, 0}, {0, 7}, {0, 0}},
    .unit = 2,
    .exclusions = &toy_bridge,
    .exclusion_count = 1,
};

static struct addr_space *toy_space(void)
{
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	int ret = addr_space_create(&toy_spec, &s, &err);

	CHECK_INT(ret, 0, "create the toy space (%s)", err.message);
	return s;
}

/* --- spec checks ---------------------------------------------------------- */

static void test_bad_specs(void)
{
	static const struct addr_exclusion no_reason = {.range = {{0, 1}}, .reason = NULL};
	static const struct addr_exclusion empty = {.range = {{2, 1}}, .reason = "x"};
	static const struct {
		const char *label;
		struct addr_space_spec spec;
		const char *message;
	} cases[] = {
	    {"no kind", {.components = 1, .unit = 1}, "needs a kind"},
	    {"0 components", {.kind = "k", .components = 0, .unit = 1}, "0 components"},
	    {"7 components", {.kind = "k", .components = 7, .unit = 1}, "7 components"},
	    {"unit 0", {.kind = "k", .components = 2, .unit = 0}, "a unit of 0"},
	    {"unit past the components", {.kind = "k", .components = 2, .unit = 3}, "a unit of 3"},
	    {"empty valid range",
	     {.kind = "k", .components = 1, .unit = 1, .valid = {{5, 4}}, .alloc = {{5, 5}}},
	     "empty range"},
	    {"allocation outside valid",
	     {.kind = "k", .components = 1, .unit = 1, .valid = {{0, 9}}, .alloc = {{5, 10}}},
	     "outside its valid range"},
	    {"2^64 units",
	     {.kind = "k",
	      .components = 2,
	      .unit = 2,
	      .valid = {{0, UINT32_MAX}, {0, UINT32_MAX}},
	      .alloc = {{0, UINT32_MAX}, {0, UINT32_MAX}}},
	     "more than 2^64"},
	    {"exclusion without reason",
	     {.kind = "k",
	      .components = 1,
	      .unit = 1,
	      .valid = {{0, 9}},
	      .alloc = {{0, 9}},
	      .exclusions = &no_reason,
	      .exclusion_count = 1},
	     "gives no reason"},
	    {"empty exclusion",
	     {.kind = "k",
	      .components = 1,
	      .unit = 1,
	      .valid = {{0, 9}},
	      .alloc = {{0, 9}},
	      .exclusions = &empty,
	      .exclusion_count = 1},
	     "exclusion 0 has an empty range"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct addr_space *s = NULL;
		struct hv_error err = {0};
		int ret = addr_space_create(&cases[i].spec, &s, &err);

		CHECK_INT(ret, -EINVAL, "spec %s is refused", cases[i].label);
		CHECK(contains(err.message, cases[i].message) && s == NULL, "spec %s: message '%s' says '%s'",
		      cases[i].label, err.message, cases[i].message);
		addr_space_destroy(s);
	}
	/* The biggest space that still fits: 2^32 x 2^31 units. */
	struct addr_space_spec big = {.kind = "big",
				      .components = 2,
				      .unit = 2,
				      .valid = {{0, UINT32_MAX}, {0, UINT32_MAX}},
				      .alloc = {{0, UINT32_MAX}, {0, INT32_MAX}}};
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	CHECK_INT(addr_space_create(&big, &s, &err), 0, "2^63 units are fine (%s)", err.message);
	struct addr_tuple t;
	CHECK_INT(addr_space_allocate(s, "o", NULL, &t, &err), 0, "allocate in the big space");
	CHECK(t.v[0] == 0 && t.v[1] == 0, "the first big tuple is 0:0 (%s)", fmt(s, t));
	addr_space_destroy(s);
	addr_space_destroy(NULL);
}

/* --- reserve, clash, range ------------------------------------------------ */

static void test_reserve(void)
{
	struct addr_space *s = toy_space();
	struct hv_error err = {0};
	const char *owner = NULL, *device = NULL;
	static const struct {
		struct addr_tuple t;
		const char *owner, *device;
		int ret;
		const char *message;
	} cases[] = {
	    {{{0, 3, 0}}, "domain web1", "interface 0", 0, NULL},
	    {{{0, 3, 1}}, "domain web1", "interface 1", 0, NULL}, /* another function of the slot */
	    {{{2, 7, 3}}, "domain web2", NULL, 0, NULL},	  /* off the allocation bus: still valid */
	    {{{0, 3, 0}},
	     "domain web2",
	     "disk vda",
	     -EBUSY,
	     "toy address 0:3:0 is in use by domain web1 (interface 0)"},
	    {{{0, 3, 0}},
	     "domain web1",
	     "interface 0",
	     -EBUSY,
	     "is given twice to interface 0 of domain web1"},
	    {{{0, 3, 0}},
	     "domain web1",
	     "disk vdb",
	     -EBUSY,
	     "is given twice in domain web1: to interface 0 and to disk vdb"},
	    {{{2, 7, 3}}, "domain web1", "x", -EBUSY, "toy address 2:7:3 is in use by domain web2"},
	    {{{0, 0, 0}}, "domain web1", "x", -EBUSY, "toy address 0:0:0 is reserved for the toy bridge"},
	    {{{0, 0, 2}}, "domain web1", "x", -EBUSY, "toy address 0:0:2 is reserved for the toy bridge"},
	    {{{1, 0, 0}}, "domain web1", "x", 0, NULL}, /* the exclusion is bus 0 only */
	    {{{4, 0, 0}},
	     "domain web1",
	     "x",
	     -EINVAL,
	     "toy address 4:0:0 is out of range: bus 0x4 is not within 0x0-0x3"},
	    {{{0, 8, 0}}, "domain web1", "x", -EINVAL, "slot 0x8 is not within 0x0-0x7"},
	    {{{0, 1, UINT32_MAX}}, "domain web1", "x", -EINVAL, "function 0xffffffff is not within 0x0-0x3"},
	    {{{0, 5, 0}}, "", "x", -EINVAL, "a toy address needs a holder"},
	    {{{0, 5, 0}}, NULL, "x", -EINVAL, "needs a holder"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t before = addr_space_count(s);
		int ret;

		hv_error_clear(&err);
		ret = addr_space_reserve(s, &cases[i].t, cases[i].owner, cases[i].device, &err);
		CHECK_INT(ret, cases[i].ret, "reserve %s for %s", fmt(s, cases[i].t),
			  cases[i].owner ? cases[i].owner : "(null)");
		if (cases[i].ret == 0) {
			CHECK_INT(addr_space_count(s), before + 1, "reserve %s adds one", fmt(s, cases[i].t));
			continue;
		}
		CHECK_INT(err.code, -cases[i].ret, "reserve %s: err.code", fmt(s, cases[i].t));
		CHECK(contains(err.message, cases[i].message), "reserve %s: '%s' says '%s'",
		      fmt(s, cases[i].t), err.message, cases[i].message);
		CHECK_INT(addr_space_count(s), before, "a refused reserve of %s changes nothing",
			  fmt(s, cases[i].t));
	}

	struct addr_tuple t = tuple4(0, 3, 0, 0);
	CHECK(addr_space_lookup(s, &t, &owner, &device), "0:3:0 is held");
	CHECK_STR(owner, "domain web1", "0:3:0 owner");
	CHECK_STR(device, "interface 0", "0:3:0 device");
	t = tuple4(2, 7, 3, 0);
	CHECK(addr_space_lookup(s, &t, &owner, &device), "2:7:3 is held");
	CHECK_STR(device, "", "a holder without a device has an empty label");
	t = tuple4(0, 4, 0, 0);
	CHECK(!addr_space_lookup(s, &t, &owner, &device), "0:4:0 is free");
	CHECK(!addr_space_lookup(s, &t, NULL, NULL), "lookup takes NULL outputs");
	/* Components past the space's count never matter. */
	t = tuple4(0, 3, 0, 77);
	CHECK(addr_space_lookup(s, &t, NULL, NULL), "a stray fourth component is ignored by lookup");
	CHECK_INT(addr_space_reserve(s, &t, "domain web3", NULL, &err), -EBUSY,
		  "and by reserve: 0:3:0 is still taken");
	addr_space_destroy(s);
}

/* --- allocate, release, exhaustion ------------------------------------------ */

static void test_allocate(void)
{
	struct addr_space *s = toy_space();
	struct hv_error err = {0};
	struct addr_tuple t, u;
	char name[32];

	/* Slot 0 is the bridge's; the first free slot is 1. */
	CHECK_INT(addr_space_allocate(s, "domain a", "nic", &t, &err), 0, "allocate the first");
	CHECK_STR(fmt(s, t), "0:1:0", "the first allocation skips the excluded slot 0");
	u = tuple4(0, 2, 0, 0);
	CHECK_INT(addr_space_reserve(s, &u, "domain b", NULL, &err), 0, "reserve 0:2:0 by hand");
	u = tuple4(0, 3, 2, 0);
	CHECK_INT(addr_space_reserve(s, &u, "domain b", NULL, &err), 0, "reserve function 2 of slot 3");
	u = tuple4(1, 4, 0, 0);
	CHECK_INT(addr_space_reserve(s, &u, "domain b", NULL, &err), 0,
		  "reserve 1:4:0, off the allocation bus");
	CHECK_INT(addr_space_allocate(s, "domain a", "disk", &t, &err), 0, "allocate the second");
	CHECK_STR(fmt(s, t), "0:4:0",
		  "skips the reserved slot 2 and slot 3, one of whose functions is taken");
	CHECK_INT(addr_space_allocate(s, "domain a", NULL, &t, &err), 0, "allocate the third");
	CHECK_STR(fmt(s, t), "0:5:0", "the third");

	/* Release, then the lowest free slot comes back first. */
	u = tuple4(0, 2, 0, 0);
	CHECK_INT(addr_space_release(s, &u), 0, "release 0:2:0");
	CHECK_INT(addr_space_release(s, &u), -ENOENT, "release 0:2:0 again: ENOENT");
	CHECK(!addr_space_lookup(s, &u, NULL, NULL), "0:2:0 is free again");
	CHECK_INT(addr_space_allocate(s, "domain c", NULL, &t, &err), 0, "allocate after the release");
	CHECK_STR(fmt(s, t), "0:2:0", "reuses the released slot");
	u = tuple4(0, 3, 2, 0);
	CHECK_INT(addr_space_release(s, &u), 0, "release the function in slot 3");
	CHECK_INT(addr_space_allocate(s, "domain c", NULL, &t, &err), 0, "allocate slot 3 now");
	CHECK_STR(fmt(s, t), "0:3:0", "slot 3 is wholly free again");

	/* Fill the bus: slots 6 and 7 are left, then ENOSPC. */
	for (int i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "domain fill%d", i);
		CHECK_INT(addr_space_allocate(s, name, NULL, &t, &err), 0, "fill slot %d", 6 + i);
	}
	CHECK_STR(fmt(s, t), "0:7:0", "the last slot");
	size_t before = addr_space_count(s);
	hv_error_clear(&err);
	CHECK_INT(addr_space_allocate(s, "domain z", "interface 3", &t, &err), -ENOSPC, "a full bus: ENOSPC");
	CHECK_INT(err.code, ENOSPC, "err.code is ENOSPC");
	CHECK_STR(
	    err.message,
	    "no free toy address for domain z (interface 3): every one from 0:0:0 to 0:7:0 is in use or "
	    "reserved",
	    "the ENOSPC message");
	CHECK_INT(addr_space_count(s), before, "a failed allocation reserves nothing");
	/* Other buses are still open to explicit reservations. */
	u = tuple4(3, 7, 3, 0);
	CHECK_INT(addr_space_reserve(s, &u, "domain z", NULL, &err), 0, "reserve on bus 3 with bus 0 full");
	u = tuple4(0, 6, 0, 0);
	CHECK_INT(addr_space_release(s, &u), 0, "release slot 6");
	CHECK_INT(addr_space_allocate(s, "domain z", NULL, &t, &err), 0, "allocate after freeing one");
	CHECK_STR(fmt(s, t), "0:6:0", "gets the freed slot");
	CHECK_INT(addr_space_allocate(s, NULL, NULL, &t, &err), -EINVAL, "allocate without an owner");
	addr_space_destroy(s);
}

/* --- owners --------------------------------------------------------------- */

struct owned {
	char text[8][ADDR_TEXT_MAX];
	char device[8][32];
	size_t count;
	const struct addr_space *space;
};

static void collect(const struct addr_tuple *t, const char *device, void *opaque)
{
	struct owned *o = opaque;

	if (o->count < 8) {
		addr_space_format(o->space, t, o->text[o->count], ADDR_TEXT_MAX);
		snprintf(o->device[o->count], sizeof(o->device[0]), "%s", device);
	}
	o->count++;
}

static void test_owners(void)
{
	struct addr_space *s = toy_space();
	struct hv_error err = {0};
	struct addr_tuple t, u = tuple4(1, 5, 2, 0);
	struct owned o = {.space = s};
	const char *owner;

	CHECK_INT(addr_space_reserve(s, &u, "domain web1", "disk vdb", &err), 0, "web1 reserves 1:5:2");
	CHECK_INT(addr_space_allocate(s, "domain web1", "interface 0", &t, &err), 0, "web1 allocates");
	CHECK_INT(addr_space_allocate(s, "domain web2", "interface 0", &t, &err), 0, "web2 allocates");
	CHECK_INT(addr_space_allocate(s, "domain web1", "interface 1", &t, &err), 0, "web1 allocates again");
	CHECK_INT(addr_space_count(s), 4, "four reservations");

	addr_space_foreach_owned(s, "domain web1", collect, &o);
	CHECK_INT(o.count, 3, "web1 holds three");
	CHECK(o.count == 3 && strcmp(o.text[0], "1:5:2") == 0 && strcmp(o.text[1], "0:1:0") == 0 &&
		  strcmp(o.text[2], "0:3:0") == 0,
	      "in reservation order: %s %s %s", o.text[0], o.text[1], o.text[2]);
	CHECK(strcmp(o.device[0], "disk vdb") == 0 && strcmp(o.device[2], "interface 1") == 0,
	      "with their devices: %s, %s", o.device[0], o.device[2]);
	o.count = 0;
	addr_space_foreach_owned(s, "domain nobody", collect, &o);
	CHECK_INT(o.count, 0, "an unknown owner holds nothing");

	/* Rename: the holder in lookups and messages follows. */
	CHECK_INT(addr_space_rename_owner(s, "domain web1", "domain web9"), 0, "rename web1 to web9");
	t = tuple4(0, 1, 0, 0);
	CHECK(addr_space_lookup(s, &t, &owner, NULL), "0:1:0 still held");
	CHECK_STR(owner, "domain web9", "by the new name");
	hv_error_clear(&err);
	CHECK_INT(addr_space_reserve(s, &u, "domain x", NULL, &err), -EBUSY, "clash after the rename");
	CHECK(contains(err.message, "in use by domain web9 (disk vdb)"), "names the new owner: %s",
	      err.message);
	CHECK_INT(addr_space_rename_owner(s, "domain web1", "domain web8"), -ENOENT, "the old name is gone");
	CHECK_INT(addr_space_rename_owner(s, "domain web9", "domain web2"), -EEXIST, "no merging into web2");
	CHECK_INT(addr_space_rename_owner(s, "domain web9", ""), -EINVAL, "no empty name");

	/* Release everything web9 holds; web2 keeps its own. */
	CHECK_INT(addr_space_release_owner(s, "domain web9"), 3, "release_owner web9 drops three");
	CHECK_INT(addr_space_release_owner(s, "domain web9"), 0, "a second time drops none");
	CHECK_INT(addr_space_release_owner(s, NULL), 0, "NULL owner drops none");
	CHECK_INT(addr_space_count(s), 1, "web2's reservation is left");
	t = tuple4(0, 2, 0, 0);
	CHECK(addr_space_lookup(s, &t, &owner, NULL) && strcmp(owner, "domain web2") == 0, "0:2:0 is web2's");
	CHECK(!addr_space_lookup(s, &u, NULL, NULL), "1:5:2 is free");
	CHECK_INT(addr_space_allocate(s, "domain web3", NULL, &t, &err), 0, "allocate after release_owner");
	CHECK_STR(fmt(s, t), "0:1:0", "web9's first slot comes back first");
	/* An owner emptied one release at a time is gone too. */
	CHECK_INT(addr_space_release(s, &t), 0, "release web3's only one");
	CHECK_INT(addr_space_rename_owner(s, "domain web3", "domain web4"), -ENOENT,
		  "web3 holds nothing now");
	addr_space_destroy(s);
}

/* --- exclusions that cover ranges ---------------------------------------- */

static void test_exclusion_skips(void)
{
	/* Units (a, b): a [0,3], b [0,9].  Exclusions cover b 0-4 of every a,
	 * all of a = 1, and (2, 7); a unit is skipped when its exclusion covers
	 * it for any value of the last component. */
	static const struct addr_exclusion ex[] = {
	    {.range = {{0, 3}, {0, 4}, {0, 1}}, .reason = "low"},
	    {.range = {{1, 1}, {0, 9}, {0, 1}}, .reason = "one"},
	    {.range = {{2, 2}, {7, 7}, {1, 1}}, .reason = "seven"},
	};
	const struct addr_space_spec spec = {
	    .kind = "x",
	    .components = 3,
	    .valid = {{0, 3}, {0, 9}, {0, 1}},
	    .alloc = {{0, 3}, {0, 9}, {0, 0}},
	    .unit = 2,
	    .exclusions = ex,
	    .exclusion_count = ARRAY_SIZE(ex),
	};
	static const char *const expect[] = {"0:5:0", "0:6:0", "0:7:0", "0:8:0", "0:9:0", "2:5:0", "2:6:0",
					     "2:8:0", "2:9:0", "3:5:0", "3:6:0", "3:7:0", "3:8:0", "3:9:0"};
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	bool same = true;
	size_t i;

	CHECK_INT(addr_space_create(&spec, &s, &err), 0, "create the exclusion space");
	for (i = 0; i < ARRAY_SIZE(expect); i++) {
		if (addr_space_allocate(s, "o", NULL, &t, &err) < 0 || strcmp(fmt(s, t), expect[i]) != 0) {
			same = false;
			break;
		}
	}
	CHECK(same, "allocations jump over exclusions in order (stopped at %zu, got %s, want %s)", i,
	      same ? "-" : fmt(s, t), i < ARRAY_SIZE(expect) ? expect[i] : "-");
	CHECK_INT(addr_space_allocate(s, "o", NULL, &t, &err), -ENOSPC, "then the space is full");
	t = tuple4(2, 7, 0, 0);
	CHECK_INT(addr_space_reserve(s, &t, "o", NULL, &err), 0, "2:7:0 itself is not excluded");
	t = tuple4(2, 7, 1, 0);
	hv_error_clear(&err);
	CHECK_INT(addr_space_reserve(s, &t, "o", NULL, &err), -EBUSY, "2:7:1 is");
	CHECK_STR(err.message, "x 2:7:1 is reserved for seven", "with its reason, default format");
	addr_space_destroy(s);
}

/* --- the index across many blocks ----------------------------------------- */

static void test_many_blocks(void)
{
	const struct addr_space_spec spec = {
	    .kind = "n",
	    .components = 1,
	    .valid = {{0, 9999}},
	    .alloc = {{0, 9999}},
	    .unit = 1,
	};
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	struct addr_tuple t;
	char why[128] = "";

	CHECK_INT(addr_space_create(&spec, &s, &err), 0, "create a one-component space");
	for (uint32_t i = 0; i < 3000 && !why[0]; i++)
		if (addr_space_allocate(s, i < 1500 ? "low" : "high", NULL, &t, &err) < 0 || t.v[0] != i)
			snprintf(why, sizeof(why), "allocation %u gave %u", i, t.v[0]);
	CHECK(!why[0], "3000 allocations in order, over a dozen index blocks %s", why);
	/* Empty whole blocks in the middle, then the low end entirely. */
	for (uint32_t i = 300; i < 1300; i++) {
		t = tuple4(i, 0, 0, 0);
		addr_space_release(s, &t);
	}
	for (uint32_t i = 300; i < 1300 && !why[0]; i++)
		if (addr_space_allocate(s, "mid", NULL, &t, &err) < 0 || t.v[0] != i)
			snprintf(why, sizeof(why), "refill %u gave %u", i, t.v[0]);
	CHECK(!why[0], "a hole of 1000 refills in order %s", why);
	CHECK_INT(addr_space_release_owner(s, "low"), 500, "release what is left of the low 1500");
	CHECK_INT(addr_space_release_owner(s, "mid"), 1000, "and the refill");
	for (uint32_t i = 0; i < 1500 && !why[0]; i++)
		if (addr_space_allocate(s, "again", NULL, &t, &err) < 0 || t.v[0] != i)
			snprintf(why, sizeof(why), "allocation %u after emptying gave %u", i, t.v[0]);
	CHECK(!why[0], "the emptied low end fills again in order %s", why);
	CHECK_INT(addr_space_allocate(s, "next", NULL, &t, &err), 0, "and then");
	CHECK_INT(t.v[0], 3000, "allocation continues after the high block");
	CHECK_INT(addr_space_release_owner(s, "high"), 1500, "release the high half");
	CHECK_INT(addr_space_release_owner(s, "again"), 1500, "and the low");
	CHECK_INT(addr_space_release_owner(s, "next"), 1, "and the last");
	CHECK_INT(addr_space_count(s), 0, "the space is empty");
	CHECK_INT(addr_space_allocate(s, "first", NULL, &t, &err), 0, "allocate in the emptied space");
	CHECK_INT(t.v[0], 0, "starts from 0 again");
	addr_space_destroy(s);
}

/* --- random operations against a brute-force model ---------------------- */

/* Space: 4 components, valid [0,7]x[0,15]x[0,31]x[0,1], allocation
 * [0,7]x[1,15]x[0,15]x[0,0] in units of 3 components (1920 units, enough to
 * split index blocks), with an exclusion block and a single tuple excluded. */
#define M_A 8
#define M_B 16
#define M_C 32
#define M_D 2

static const struct addr_exclusion model_ex[] = {
    {.range = {{2, 2}, {3, 5}, {0, 31}, {0, 1}}, .reason = "block"},
    {.range = {{5, 5}, {7, 7}, {9, 9}, {1, 1}}, .reason = "single"},
};

static const struct addr_space_spec model_spec = {
    .kind = "m",
    .components = 4,
    .valid = {{0, M_A - 1}, {0, M_B - 1}, {0, M_C - 1}, {0, M_D - 1}},
    .alloc = {{0, M_A - 1}, {1, M_B - 1}, {0, 15}, {0, 0}},
    .unit = 3,
    .exclusions = model_ex,
    .exclusion_count = ARRAY_SIZE(model_ex),
};

struct model {
	int holder[M_A][M_B][M_C][M_D]; /* owner number + 1, 0 when free */
};

static bool model_excluded(const struct addr_tuple *t)
{
	for (size_t e = 0; e < ARRAY_SIZE(model_ex); e++) {
		bool in = true;
		for (unsigned i = 0; i < 4; i++)
			in = in && t->v[i] >= model_ex[e].range[i].min && t->v[i] <= model_ex[e].range[i].max;
		if (in)
			return true;
	}
	return false;
}

static bool model_unit_free(const struct model *m, uint32_t a, uint32_t b, uint32_t c)
{
	for (uint32_t d = 0; d < M_D; d++) {
		struct addr_tuple t = tuple4(a, b, c, d);
		if (m->holder[a][b][c][d] || model_excluded(&t))
			return false;
	}
	return true;
}

static bool model_first_free(const struct model *m, struct addr_tuple *out)
{
	for (uint32_t a = 0; a < M_A; a++)
		for (uint32_t b = 1; b < M_B; b++)
			for (uint32_t c = 0; c < 16; c++)
				if (model_unit_free(m, a, b, c)) {
					*out = tuple4(a, b, c, 0);
					return true;
				}
	return false;
}

static void test_against_model(void)
{
	static struct model m;
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	char owner[16], why[160] = "";
	unsigned ops = 0, allocs = 0, full = 0, clashes = 0;

	memset(&m, 0, sizeof(m));
	CHECK_INT(addr_space_create(&model_spec, &s, &err), 0, "create the model space");
	for (unsigned step = 0; step < 12000 && !why[0]; step++) {
		/* Phase one fills the space, so that the ENOSPC path is walked;
		 * phase two churns: allocate, reserve, release, undefine. */
		uint32_t op = step < 3000 ? (rng(10) < 9 ? 0 : 60) : rng(100), o = rng(40);
		struct addr_tuple t, want;
		int ret;

		snprintf(owner, sizeof(owner), "o%u", o);
		ops++;
		if (op < 45) {
			bool any = model_first_free(&m, &want);
			ret = addr_space_allocate(s, owner, NULL, &t, &err);
			if (!any && ret != -ENOSPC)
				snprintf(why, sizeof(why), "step %u: allocate gave %d, model says full", step,
					 ret);
			else if (any && (ret != 0 || memcmp(&t, &want, sizeof(t)) != 0))
				snprintf(why, sizeof(why), "step %u: allocate gave %d %s, model %s", step,
					 ret, fmt(s, t), fmt(s, want));
			if (ret == 0) {
				m.holder[t.v[0]][t.v[1]][t.v[2]][t.v[3]] = (int)o + 1;
				allocs++;
			} else {
				full++;
			}
		} else if (op < 65) {
			t = tuple4(rng(M_A), rng(M_B), rng(M_C), rng(M_D));
			int expect =
			    model_excluded(&t) || m.holder[t.v[0]][t.v[1]][t.v[2]][t.v[3]] ? -EBUSY : 0;
			hv_error_clear(&err);
			ret = addr_space_reserve(s, &t, owner, NULL, &err);
			if (ret != expect)
				snprintf(why, sizeof(why), "step %u: reserve %s gave %d, want %d", step,
					 fmt(s, t), ret, expect);
			if (ret == 0)
				m.holder[t.v[0]][t.v[1]][t.v[2]][t.v[3]] = (int)o + 1;
			else
				clashes++;
		} else if (op < 99) {
			t = tuple4(rng(M_A), rng(M_B), rng(M_C), rng(M_D));
			int *h = &m.holder[t.v[0]][t.v[1]][t.v[2]][t.v[3]];
			ret = addr_space_release(s, &t);
			if (ret != (*h ? 0 : -ENOENT))
				snprintf(why, sizeof(why), "step %u: release %s gave %d", step, fmt(s, t),
					 ret);
			*h = 0;
		} else {
			size_t held = 0;
			for (int *h = &m.holder[0][0][0][0];
			     h < &m.holder[0][0][0][0] + M_A * M_B * M_C * M_D; h++) {
				if (*h == (int)o + 1) {
					*h = 0;
					held++;
				}
			}
			size_t got = addr_space_release_owner(s, owner);
			if (got != held)
				snprintf(why, sizeof(why), "step %u: release_owner %s gave %zu, want %zu",
					 step, owner, got, held);
		}
	}
	CHECK(!why[0],
	      "%u random operations agree with the model (%u allocations, %u ENOSPC, %u clashes)%s%s", ops,
	      allocs, full, clashes, why[0] ? ": " : "", why);
	CHECK(full > 0 && allocs > 1000, "the run filled the space (%u ENOSPC) and allocated plenty (%u)",
	      full, allocs);
	/* Every tuple in the model is held in the space, by the same owner. */
	size_t held = 0, wrong = 0;
	for (uint32_t a = 0; a < M_A; a++)
		for (uint32_t b = 0; b < M_B; b++)
			for (uint32_t c = 0; c < M_C; c++)
				for (uint32_t d = 0; d < M_D; d++) {
					struct addr_tuple t = tuple4(a, b, c, d);
					const char *got = NULL;
					int h = m.holder[a][b][c][d];
					bool in = addr_space_lookup(s, &t, &got, NULL);
					snprintf(owner, sizeof(owner), "o%d", h - 1);
					if (in != (h != 0) || (in && strcmp(got, owner) != 0))
						wrong++;
					held += h != 0;
				}
	CHECK_INT(wrong, 0, "lookups agree with the model over the whole valid range");
	CHECK_INT(addr_space_count(s), held, "count agrees with the model");
	addr_space_destroy(s);
}

/* --- scale: a host-wide space with tens of thousands of holders ---------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_scale(void)
{
	/* A MAC-shaped space: 24-bit prefix, 24-bit suffix. */
	const struct addr_space_spec spec = {
	    .kind = "wide",
	    .components = 2,
	    .valid = {{0, 0xffffff}, {0, 0xffffff}},
	    .alloc = {{0x525400, 0x525400}, {0, 0xffffff}},
	    .unit = 2,
	};
	enum { DOMAINS = 10000, PER = 3 };
	struct addr_space *s = NULL;
	struct hv_error err = {0};
	char owner[32];
	auto_free uint8_t *taken = calloc(1u << 24, 1);
	auto_free uint32_t *given = calloc(DOMAINS, sizeof(*given));
	size_t bad = 0, reserved = 0;
	double t0;

	if (!taken || !given) {
		CHECK(false, "calloc the scale model");
		return;
	}
	CHECK_INT(addr_space_create(&spec, &s, &err), 0, "create the wide space");
	/* A persisted host: random addresses, reserved in no useful order. */
	t0 = now_ms();
	for (unsigned d = 0; d < DOMAINS; d++) {
		snprintf(owner, sizeof(owner), "domain dom-%05u", d);
		for (unsigned k = 0; k < PER; k++) {
			uint32_t x = rng(1u << 24);
			struct addr_tuple t = {{0x525400, x}};
			int ret = addr_space_reserve(s, &t, owner, NULL, &err);
			if (ret != (taken[x] ? -EBUSY : 0))
				bad++;
			reserved += ret == 0;
			taken[x] = 1;
		}
	}
	double reserve_ms = now_ms() - t0;
	/* And a dense run from the start, as allocation builds it. */
	uint32_t want = 0; /* nothing is freed in this phase: no need to rescan */
	t0 = now_ms();
	for (unsigned d = 0; d < DOMAINS; d++) {
		struct addr_tuple t;

		snprintf(owner, sizeof(owner), "domain new-%05u", d);
		while (taken[want])
			want++;
		if (addr_space_allocate(s, owner, "interface 0", &t, &err) < 0 || t.v[0] != 0x525400 ||
		    t.v[1] != want)
			bad++;
		taken[want] = 1;
		given[d] = want;
	}
	double alloc_ms = now_ms() - t0;
	CHECK_INT(bad, 0, "%u random reservations and %u allocations agree with a bitmap", DOMAINS * PER,
		  DOMAINS);
	printf("# %u reservations in %.1f ms, %u allocations in %.1f ms\n", DOMAINS * PER, reserve_ms,
	       DOMAINS, alloc_ms);
	/* Undefine every other new domain, then the lowest freed addresses
	 * come back first. */
	size_t released = 0;
	for (unsigned d = 0; d < DOMAINS; d += 2) {
		snprintf(owner, sizeof(owner), "domain new-%05u", d);
		released += addr_space_release_owner(s, owner);
		taken[given[d]] = 0;
	}
	CHECK_INT(released, DOMAINS / 2, "release_owner of half the new domains");
	CHECK_INT(addr_space_count(s), reserved + DOMAINS - DOMAINS / 2, "count after the releases");
	want = 0;
	for (unsigned k = 0; k < 100; k++) {
		struct addr_tuple t;

		while (taken[want])
			want++;
		if (addr_space_allocate(s, "domain late", NULL, &t, &err) < 0 || t.v[1] != want)
			bad++;
		taken[want] = 1;
	}
	CHECK_INT(bad, 0, "100 allocations after the releases fill the lowest holes first");
	addr_space_destroy(s);
}

int main(void)
{
	test_bad_specs();
	test_reserve();
	test_allocate();
	test_owners();
	test_exclusion_skips();
	test_many_blocks();
	test_against_model();
	test_scale();
	return UNIT_DONE();
}
