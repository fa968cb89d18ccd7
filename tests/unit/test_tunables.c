/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared rules of memory, max_memory, vcpus and max_vcpus
 * (drivers/tunables.c), which every driver applies. */
#include <errno.h>

#include "drivers/driver.h"
#include "drivers/tunables.h"
#include "unit.h"

static struct hv_error err;

/* hv_error keeps the first error set: each call gets a fresh one. */
static int apply(struct hv_domain_def *def, bool active, enum hv_tunable tunable, uint64_t value,
		 const struct hv_tunable_limits *limits)
{
	err = (struct hv_error){0};
	return hv_tunable_apply(def, active, tunable, value, limits, &err);
}

static struct hv_domain_def sample(void)
{
	return (struct hv_domain_def){.memory_kib = 1024, .max_memory_kib = 2048, .vcpus = 1, .max_vcpus = 2};
}

int main(void)
{
	const struct hv_tunable_limits xen = {.min_memory_kib = 1024, .max_vcpus = 8};
	struct hv_domain_def def = sample();

	CHECK_INT(apply(&def, true, HV_TUNABLE_MEMORY, 1536, NULL), 0, "memory within max, live");
	CHECK_INT(def.memory_kib, 1536, "memory applied");
	CHECK_INT(apply(&def, true, HV_TUNABLE_MEMORY, 4096, NULL), -EINVAL, "memory above max");
	CHECK_STR(err.message, "memory 4096 KiB exceeds max_memory 2048 KiB", "the reason names both");
	CHECK_INT(def.memory_kib, 1536, "a refused value leaves the definition alone");
	CHECK_INT(apply(&def, true, HV_TUNABLE_MEMORY, 0, NULL), -EINVAL, "memory 0");
	CHECK_INT(apply(&def, false, HV_TUNABLE_MEMORY, 512, &xen), -EINVAL,
		  "below the hypervisor's minimum");
	CHECK_STR(err.message, "memory must be at least 1024 KiB", "the minimum is named");

	def = sample();
	CHECK_INT(apply(&def, true, HV_TUNABLE_MAX_MEMORY, 4096, NULL), -EBUSY,
		  "max_memory of a running domain");
	CHECK_INT(apply(&def, true, HV_TUNABLE_MAX_MEMORY, 2048, NULL), 1,
		  "its own max_memory written back while running: no change, no error");
	CHECK_INT(apply(&def, true, HV_TUNABLE_MAX_VCPUS, 2, NULL), 1,
		  "its own max_vcpus written back while running: no change, no error");
	CHECK_INT(apply(&def, false, HV_TUNABLE_MAX_MEMORY, 512, NULL), 0, "lower max_memory");
	CHECK_INT(def.memory_kib, 512, "memory follows a lower max_memory down");

	def = sample();
	CHECK_INT(apply(&def, true, HV_TUNABLE_VCPUS, 2, NULL), 0, "vcpus up to max");
	CHECK_INT(apply(&def, true, HV_TUNABLE_VCPUS, 3, NULL), -EINVAL, "vcpus above max");
	CHECK_STR(err.message, "vcpus 3 exceeds max_vcpus 2", "the reason");
	CHECK_INT(apply(&def, true, HV_TUNABLE_VCPUS, 0, NULL), -EINVAL, "vcpus 0");
	CHECK_INT(apply(&def, false, HV_TUNABLE_MAX_VCPUS, 1, NULL), 0, "lower max_vcpus");
	CHECK_INT(def.vcpus, 1, "vcpus follows a lower max_vcpus down");
	CHECK_INT(apply(&def, false, HV_TUNABLE_MAX_VCPUS, 9, &xen), -EINVAL, "above the hypervisor's vCPUs");
	CHECK_INT(apply(&def, true, HV_TUNABLE_MAX_VCPUS, 4, NULL), -EBUSY, "max_vcpus of a running domain");

	CHECK(hv_tunable_fields(HV_TUNABLE_MAX_MEMORY) & HV_FIELD_MEMORY, "max_memory may change memory");
	CHECK(hv_tunable_fields(HV_TUNABLE_VCPUS) & HV_FIELD_CONFIG, "every tunable shows in config.xml");
	return UNIT_DONE();
}
