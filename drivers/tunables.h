/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rules of a domain's four tunables (memory, max_memory, vcpus,
 * max_vcpus), once for every driver (docs/design.md, "Shared rules").
 * A driver checks a write here, then applies what results: live through
 * its hypervisor while the domain runs, and in its stored definition. */
#ifndef HVFS_DRIVERS_TUNABLES_H
#define HVFS_DRIVERS_TUNABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/conf/conf.h"
#include "util/error.h"

enum hv_tunable {
	HV_TUNABLE_MEMORY,
	HV_TUNABLE_MAX_MEMORY,
	HV_TUNABLE_VCPUS,
	HV_TUNABLE_MAX_VCPUS,
};

/* What a hypervisor can hold: the least memory a domain may have (Xen
 * cannot build one below 1 MiB) and the most vCPUs. */
struct hv_tunable_limits {
	uint64_t min_memory_kib;
	unsigned max_vcpus;
};

/* The limits of drivers without their own: 1 KiB, 4096 vCPUs. */
extern const struct hv_tunable_limits hv_tunable_default_limits;

/* Writes value into *def as the rules say: memory and vcpus within
 * [minimum, their maximum]; the maxima only while the domain is shut off
 * (active false), lowering memory and vcpus when above.  Writing the value
 * a tunable already has is no change while the domain runs too, so that
 * configuration tools that rewrite every file keep working.  Returns 1
 * when nothing changes, 0 when *def changed, -EINVAL or -EBUSY (with err)
 * and *def untouched otherwise. */
int hv_tunable_apply(struct hv_domain_def *def, bool active, enum hv_tunable tunable, uint64_t value,
		     const struct hv_tunable_limits *limits, struct hv_error *err);
/* The hv_field bits a change of the tunable touches (config.xml included). */
uint32_t hv_tunable_fields(enum hv_tunable tunable);
/* The enum hv_field bits whose files show a difference between two
 * definitions of one domain (the name and UUID are the caller's; the
 * domain type shows only in config.xml). */
uint32_t hv_domain_def_fields(const struct hv_domain_def *old, const struct hv_domain_def *new);

#endif
