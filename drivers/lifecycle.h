/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain lifecycle state machine shared by all drivers (libvirt's
 * semantics).  Pure: no I/O, no locks.
 *
 *   shutoff/crashed --start--> running
 *   running/blocked --suspend--> paused --resume--> running
 *   running/blocked --shutdown--> shutdown --(driver, later)--> shutoff
 *   running/blocked/paused --reboot|reset--> running
 *   any active state --destroy--> shutoff
 *
 * A command that does not apply in the current state is -EBUSY with a
 * reason such as "domain is not running". */
#ifndef HVFS_DRIVERS_LIFECYCLE_H
#define HVFS_DRIVERS_LIFECYCLE_H

#include <stdbool.h>

#include "drivers/driver.h"

struct hv_transition {
	enum hv_domain_state next;
	const char *event;  /* libvirt lifecycle event name: "started", "suspended", ... */
	const char *detail; /* "booted", "paused", "destroyed", ... */
};

/* Returns 0 and fills *out, or -EBUSY (err says why). */
int hv_lifecycle_next(enum hv_domain_state current, enum hv_domain_command command, struct hv_transition *out,
		      struct hv_error *err);
/* running, blocked, paused, shutdown, pmsuspended: the domain has an id. */
bool hv_domain_state_is_active(enum hv_domain_state state);

#endif
