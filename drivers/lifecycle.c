/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domain lifecycle as one table, indexed by (state, command), so that
 * every combination is answered in one place and the unit test can walk the
 * whole grid.  A cell either names the next state with libvirt's event and
 * detail words, or gives the sentence for -EBUSY.
 *
 * Example: (paused, start) is refused with "domain is paused" rather than
 * "domain is already running", because that is what `virsh domstate` would
 * show the user, and the fix (resume) follows from it. */
#include "drivers/lifecycle.h"

#include <errno.h>

#include "util/cleanup.h"

struct lifecycle_cell {
	bool allowed;
	struct hv_transition transition;
	const char *refusal; /* when !allowed */
};

#define GO(state, ev, det)                                                                                   \
	{                                                                                                    \
		.allowed = true, .transition = {.next = (state), .event = (ev), .detail = (det) }            \
	}
#define NO(why)                                                                                              \
	{                                                                                                    \
		.allowed = false, .refusal = (why)                                                           \
	}

/* Shared rows: the two inactive states and the two running ones behave alike. */
#define ROW_INACTIVE                                                                                         \
	{                                                                                                    \
		[HV_DOMAIN_CMD_START] = GO(HV_DOMAIN_RUNNING, "started", "booted"),                          \
		[HV_DOMAIN_CMD_SHUTDOWN] = NO("domain is not running"),                                      \
		[HV_DOMAIN_CMD_REBOOT] = NO("domain is not running"),                                        \
		[HV_DOMAIN_CMD_RESET] = NO("domain is not running"),                                         \
		[HV_DOMAIN_CMD_DESTROY] = NO("domain is not running"),                                       \
		[HV_DOMAIN_CMD_SUSPEND] = NO("domain is not running"),                                       \
		[HV_DOMAIN_CMD_RESUME] = NO("domain is not running"),                                        \
	}

#define ROW_RUNNING                                                                                          \
	{                                                                                                    \
		[HV_DOMAIN_CMD_START] = NO("domain is already running"),                                     \
		[HV_DOMAIN_CMD_SHUTDOWN] = GO(HV_DOMAIN_SHUTDOWN, "shutdown", "requested"),                  \
		[HV_DOMAIN_CMD_REBOOT] = GO(HV_DOMAIN_RUNNING, "started", "rebooted"),                       \
		[HV_DOMAIN_CMD_RESET] = GO(HV_DOMAIN_RUNNING, "started", "reset"),                           \
		[HV_DOMAIN_CMD_DESTROY] = GO(HV_DOMAIN_SHUTOFF, "stopped", "destroyed"),                     \
		[HV_DOMAIN_CMD_SUSPEND] = GO(HV_DOMAIN_PAUSED, "suspended", "paused"),                       \
		[HV_DOMAIN_CMD_RESUME] = NO("domain is not paused"),                                         \
	}

static const struct lifecycle_cell lifecycle_table[][HV_DOMAIN_CMD_RESUME + 1] =
    {
	/* libvirt's "no state": we cannot know what the guest is doing, so
	 * refuse everything rather than guess. */
	[HV_DOMAIN_NOSTATE] =
	    {
		[HV_DOMAIN_CMD_START] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_SHUTDOWN] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_REBOOT] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_RESET] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_DESTROY] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_SUSPEND] = NO("domain state is unknown"),
		[HV_DOMAIN_CMD_RESUME] = NO("domain state is unknown"),
	    },
	[HV_DOMAIN_RUNNING] = ROW_RUNNING,
	[HV_DOMAIN_BLOCKED] = ROW_RUNNING,
	[HV_DOMAIN_PAUSED] =
	    {
		[HV_DOMAIN_CMD_START] = NO("domain is paused"),
		[HV_DOMAIN_CMD_SHUTDOWN] = NO("domain is paused"),
		[HV_DOMAIN_CMD_REBOOT] = GO(HV_DOMAIN_RUNNING, "started", "rebooted"),
		[HV_DOMAIN_CMD_RESET] = GO(HV_DOMAIN_RUNNING, "started", "reset"),
		[HV_DOMAIN_CMD_DESTROY] = GO(HV_DOMAIN_SHUTOFF, "stopped", "destroyed"),
		[HV_DOMAIN_CMD_SUSPEND] = NO("domain is already paused"),
		[HV_DOMAIN_CMD_RESUME] = GO(HV_DOMAIN_RUNNING, "resumed", "unpaused"),
	    },
	[HV_DOMAIN_SHUTDOWN] =
	    {
		[HV_DOMAIN_CMD_START] = NO("domain is shutting down"),
		[HV_DOMAIN_CMD_SHUTDOWN] = NO("domain is already shutting down"),
		[HV_DOMAIN_CMD_REBOOT] = NO("domain is shutting down"),
		[HV_DOMAIN_CMD_RESET] = NO("domain is shutting down"),
		[HV_DOMAIN_CMD_DESTROY] = GO(HV_DOMAIN_SHUTOFF, "stopped", "destroyed"),
		[HV_DOMAIN_CMD_SUSPEND] = NO("domain is shutting down"),
		[HV_DOMAIN_CMD_RESUME] = NO("domain is not paused"),
	    },
	[HV_DOMAIN_SHUTOFF] = ROW_INACTIVE,
	[HV_DOMAIN_CRASHED] = ROW_INACTIVE,
	/* Suspended to RAM: only a wake-up (which we do not model) or a
	 * destroy gets it out. */
	[HV_DOMAIN_PMSUSPENDED] =
	    {
		[HV_DOMAIN_CMD_START] = NO("domain is suspended to memory"),
		[HV_DOMAIN_CMD_SHUTDOWN] = NO("domain is suspended to memory"),
		[HV_DOMAIN_CMD_REBOOT] = NO("domain is suspended to memory"),
		[HV_DOMAIN_CMD_RESET] = NO("domain is suspended to memory"),
		[HV_DOMAIN_CMD_DESTROY] = GO(HV_DOMAIN_SHUTOFF, "stopped", "destroyed"),
		[HV_DOMAIN_CMD_SUSPEND] = NO("domain is suspended to memory"),
		[HV_DOMAIN_CMD_RESUME] = NO("domain is not paused"),
	    },
};

int hv_lifecycle_next(enum hv_domain_state current, enum hv_domain_command command, struct hv_transition *out,
		      struct hv_error *err)
{
	if ((size_t)current >= ARRAY_SIZE(lifecycle_table))
		return hv_error_set(err, EINVAL, "unknown domain state %d", (int)current);
	if ((size_t)command >= ARRAY_SIZE(lifecycle_table[0]))
		return hv_error_set(err, EINVAL, "unknown domain command %d", (int)command);

	const struct lifecycle_cell *cell = &lifecycle_table[current][command];
	if (!cell->allowed)
		return hv_error_set(err, EBUSY, "%s", cell->refusal);
	*out = cell->transition;
	return 0;
}

bool hv_domain_state_is_active(enum hv_domain_state state)
{
	switch (state) {
	case HV_DOMAIN_RUNNING:
	case HV_DOMAIN_BLOCKED:
	case HV_DOMAIN_PAUSED:
	case HV_DOMAIN_SHUTDOWN:
	case HV_DOMAIN_PMSUSPENDED:
		return true;
	case HV_DOMAIN_NOSTATE:
	case HV_DOMAIN_SHUTOFF:
	case HV_DOMAIN_CRASHED:
		break;
	}
	return false;
}
