/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every (state, command) pair of the lifecycle state machine, with the next
 * state and event words, or EBUSY and the sentence the user will read. */
#include <errno.h>

#include "drivers/lifecycle.h"
#include "tests/unit/unit.h"
#include "util/cleanup.h"

#define BUSY -1 /* in the `next` column: refused with EBUSY */

struct lifecycle_case {
	enum hv_domain_state state;
	enum hv_domain_command command;
	int next; /* an hv_domain_state, or BUSY */
	const char *event;
	const char *detail; /* or, for BUSY, the refusal */
};

static const struct lifecycle_case cases[] = {
    /* nostate: nothing is known, nothing is done */
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_START, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_REBOOT, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_RESET, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_DESTROY, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain state is unknown"},
    {HV_DOMAIN_NOSTATE, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain state is unknown"},

    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_START, BUSY, NULL, "domain is already running"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_SHUTDOWN, HV_DOMAIN_SHUTDOWN, "shutdown", "requested"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_REBOOT, HV_DOMAIN_RUNNING, "started", "rebooted"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_RESET, HV_DOMAIN_RUNNING, "started", "reset"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_DESTROY, HV_DOMAIN_SHUTOFF, "stopped", "destroyed"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_SUSPEND, HV_DOMAIN_PAUSED, "suspended", "paused"},
    {HV_DOMAIN_RUNNING, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not paused"},

    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_START, BUSY, NULL, "domain is already running"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_SHUTDOWN, HV_DOMAIN_SHUTDOWN, "shutdown", "requested"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_REBOOT, HV_DOMAIN_RUNNING, "started", "rebooted"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_RESET, HV_DOMAIN_RUNNING, "started", "reset"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_DESTROY, HV_DOMAIN_SHUTOFF, "stopped", "destroyed"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_SUSPEND, HV_DOMAIN_PAUSED, "suspended", "paused"},
    {HV_DOMAIN_BLOCKED, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not paused"},

    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_START, BUSY, NULL, "domain is paused"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain is paused"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_REBOOT, HV_DOMAIN_RUNNING, "started", "rebooted"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_RESET, HV_DOMAIN_RUNNING, "started", "reset"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_DESTROY, HV_DOMAIN_SHUTOFF, "stopped", "destroyed"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain is already paused"},
    {HV_DOMAIN_PAUSED, HV_DOMAIN_CMD_RESUME, HV_DOMAIN_RUNNING, "resumed", "unpaused"},

    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_START, BUSY, NULL, "domain is shutting down"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain is already shutting down"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_REBOOT, BUSY, NULL, "domain is shutting down"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_RESET, BUSY, NULL, "domain is shutting down"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_DESTROY, HV_DOMAIN_SHUTOFF, "stopped", "destroyed"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain is shutting down"},
    {HV_DOMAIN_SHUTDOWN, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not paused"},

    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_START, HV_DOMAIN_RUNNING, "started", "booted"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_REBOOT, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_RESET, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_DESTROY, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_SHUTOFF, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not running"},

    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_START, HV_DOMAIN_RUNNING, "started", "booted"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_REBOOT, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_RESET, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_DESTROY, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain is not running"},
    {HV_DOMAIN_CRASHED, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not running"},

    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_START, BUSY, NULL, "domain is suspended to memory"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_SHUTDOWN, BUSY, NULL, "domain is suspended to memory"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_REBOOT, BUSY, NULL, "domain is suspended to memory"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_RESET, BUSY, NULL, "domain is suspended to memory"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_DESTROY, HV_DOMAIN_SHUTOFF, "stopped", "destroyed"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_SUSPEND, BUSY, NULL, "domain is suspended to memory"},
    {HV_DOMAIN_PMSUSPENDED, HV_DOMAIN_CMD_RESUME, BUSY, NULL, "domain is not paused"},
};

#define STATE_COUNT   (HV_DOMAIN_PMSUSPENDED + 1)
#define COMMAND_COUNT (HV_DOMAIN_CMD_RESUME + 1)

static void check_case(const struct lifecycle_case *c)
{
	struct hv_transition t = {.next = HV_DOMAIN_NOSTATE};
	struct hv_error err = {0};
	const char *state = hv_domain_state_name(c->state);
	const char *command = hv_domain_command_name(c->command);
	int ret = hv_lifecycle_next(c->state, c->command, &t, &err);

	if (c->next == BUSY) {
		CHECK_INT(ret, -EBUSY, "%s + %s is refused", state, command);
		CHECK_INT(err.code, EBUSY, "%s + %s: err.code", state, command);
		CHECK_STR(err.message, c->detail, "%s + %s: reason", state, command);
		return;
	}
	CHECK_INT(ret, 0, "%s + %s is allowed", state, command);
	CHECK_STR(hv_domain_state_name(t.next), hv_domain_state_name((enum hv_domain_state)c->next),
		  "%s + %s: next state", state, command);
	CHECK_STR(t.event, c->event, "%s + %s: event", state, command);
	CHECK_STR(t.detail, c->detail, "%s + %s: detail", state, command);
}

/* The table above must be the whole grid: each pair exactly once. */
static void check_coverage(void)
{
	int seen[STATE_COUNT][COMMAND_COUNT] = {{0}};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		seen[cases[i].state][cases[i].command]++;
	for (int s = 0; s < STATE_COUNT; s++)
		for (int c = 0; c < COMMAND_COUNT; c++)
			CHECK_INT(seen[s][c], 1, "case table covers %s + %s once",
				  hv_domain_state_name((enum hv_domain_state)s),
				  hv_domain_command_name((enum hv_domain_command)c));
}

static void check_active(void)
{
	static const struct {
		enum hv_domain_state state;
		bool active;
	} expected[] = {
	    {HV_DOMAIN_NOSTATE, false}, {HV_DOMAIN_RUNNING, true},     {HV_DOMAIN_BLOCKED, true},
	    {HV_DOMAIN_PAUSED, true},	{HV_DOMAIN_SHUTDOWN, true},    {HV_DOMAIN_SHUTOFF, false},
	    {HV_DOMAIN_CRASHED, false}, {HV_DOMAIN_PMSUSPENDED, true},
	};

	for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
		CHECK_INT(hv_domain_state_is_active(expected[i].state), expected[i].active, "%s is %s",
			  hv_domain_state_name(expected[i].state),
			  expected[i].active ? "active" : "inactive");
}

/* Out-of-range input from a buggy caller is rejected, not indexed. */
static void check_out_of_range(void)
{
	struct hv_transition t;
	struct hv_error err = {0};

	CHECK_INT(hv_lifecycle_next((enum hv_domain_state)99, HV_DOMAIN_CMD_START, &t, &err), -EINVAL,
		  "unknown state is EINVAL");
	hv_error_clear(&err);
	CHECK_INT(hv_lifecycle_next(HV_DOMAIN_RUNNING, (enum hv_domain_command)99, &t, &err), -EINVAL,
		  "unknown command is EINVAL");
}

int main(void)
{
	check_coverage();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		check_case(&cases[i]);
	check_active();
	check_out_of_range();
	return UNIT_DONE();
}
