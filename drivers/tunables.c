/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "drivers/tunables.h"

#include <errno.h>
#include <string.h>

#include "drivers/driver.h"

const struct hv_tunable_limits hv_tunable_default_limits = {.min_memory_kib = 1, .max_vcpus = 4096};

static int check(struct hv_domain_def *next, bool active, enum hv_tunable tunable, uint64_t value,
		 const struct hv_tunable_limits *limits, struct hv_error *err)
{
	switch (tunable) {
	case HV_TUNABLE_MEMORY:
		if (value < limits->min_memory_kib)
			return hv_error_set(err, EINVAL, "memory must be at least %llu KiB",
					    (unsigned long long)limits->min_memory_kib);
		if (value > next->max_memory_kib)
			return hv_error_set(err, EINVAL, "memory %llu KiB exceeds max_memory %llu KiB",
					    (unsigned long long)value,
					    (unsigned long long)next->max_memory_kib);
		next->memory_kib = value;
		return 0;
	case HV_TUNABLE_MAX_MEMORY:
		if (active)
			return hv_error_set(err, EBUSY,
					    "max_memory can only change while the domain is shut off");
		if (value < limits->min_memory_kib)
			return hv_error_set(err, EINVAL, "max_memory must be at least %llu KiB",
					    (unsigned long long)limits->min_memory_kib);
		next->max_memory_kib = value;
		if (next->memory_kib > value)
			next->memory_kib = value;
		return 0;
	case HV_TUNABLE_VCPUS:
		if (value < 1)
			return hv_error_set(err, EINVAL, "vcpus must be at least 1");
		if (value > next->max_vcpus)
			return hv_error_set(err, EINVAL, "vcpus %llu exceeds max_vcpus %u",
					    (unsigned long long)value, next->max_vcpus);
		next->vcpus = (unsigned)value;
		return 0;
	case HV_TUNABLE_MAX_VCPUS:
		if (active)
			return hv_error_set(err, EBUSY,
					    "max_vcpus can only change while the domain is shut off");
		if (value < 1 || value > limits->max_vcpus)
			return hv_error_set(err, EINVAL, "max_vcpus %llu is not between 1 and %u",
					    (unsigned long long)value, limits->max_vcpus);
		next->max_vcpus = (unsigned)value;
		if (next->vcpus > next->max_vcpus)
			next->vcpus = next->max_vcpus;
		return 0;
	}
	return hv_error_set(err, EINVAL, "no such tunable");
}

static bool unchanged(const struct hv_domain_def *def, enum hv_tunable tunable, uint64_t value)
{
	switch (tunable) {
	case HV_TUNABLE_MEMORY:
		return value == def->memory_kib;
	case HV_TUNABLE_MAX_MEMORY:
		return value == def->max_memory_kib;
	case HV_TUNABLE_VCPUS:
		return value == def->vcpus;
	case HV_TUNABLE_MAX_VCPUS:
		return value == def->max_vcpus;
	}
	return false;
}

int hv_tunable_apply(struct hv_domain_def *def, bool active, enum hv_tunable tunable, uint64_t value,
		     const struct hv_tunable_limits *limits, struct hv_error *err)
{
	struct hv_domain_def next = *def;
	int ret;

	if (!limits)
		limits = &hv_tunable_default_limits;
	if (unchanged(def, tunable, value))
		return 1;
	ret = check(&next, active, tunable, value, limits, err);
	if (ret == 0)
		*def = next;
	return ret;
}

uint32_t hv_tunable_fields(enum hv_tunable tunable)
{
	switch (tunable) {
	case HV_TUNABLE_MEMORY:
		return HV_FIELD_MEMORY | HV_FIELD_CONFIG;
	case HV_TUNABLE_MAX_MEMORY:
		return HV_FIELD_MAX_MEMORY | HV_FIELD_MEMORY | HV_FIELD_CONFIG;
	case HV_TUNABLE_VCPUS:
		return HV_FIELD_VCPUS | HV_FIELD_CONFIG;
	case HV_TUNABLE_MAX_VCPUS:
		return HV_FIELD_MAX_VCPUS | HV_FIELD_VCPUS | HV_FIELD_CONFIG;
	}
	return 0;
}

uint32_t hv_domain_def_fields(const struct hv_domain_def *old, const struct hv_domain_def *new)
{
	uint32_t fields = 0;

	if (old->memory_kib != new->memory_kib)
		fields |= HV_FIELD_MEMORY;
	if (old->max_memory_kib != new->max_memory_kib)
		fields |= HV_FIELD_MAX_MEMORY;
	if (old->vcpus != new->vcpus)
		fields |= HV_FIELD_VCPUS;
	if (old->max_vcpus != new->max_vcpus)
		fields |= HV_FIELD_MAX_VCPUS;
	if (strcmp(old->os_type, new->os_type) != 0)
		fields |= HV_FIELD_OS_TYPE;
	return fields;
}
