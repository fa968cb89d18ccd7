/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The words users read and write for states and commands (docs/paths.md). */
#include <errno.h>
#include <string.h>

#include "drivers/driver.h"
#include "util/cleanup.h"

static const char *const domain_state_names[] = {
    [HV_DOMAIN_NOSTATE] = "nostate", [HV_DOMAIN_RUNNING] = "running",	      [HV_DOMAIN_BLOCKED] = "blocked",
    [HV_DOMAIN_PAUSED] = "paused",   [HV_DOMAIN_SHUTDOWN] = "shutdown",	      [HV_DOMAIN_SHUTOFF] = "shutoff",
    [HV_DOMAIN_CRASHED] = "crashed", [HV_DOMAIN_PMSUSPENDED] = "pmsuspended",
};

static const char *const pool_state_names[] = {
    [HV_POOL_INACTIVE] = "inactive", [HV_POOL_BUILDING] = "building",	      [HV_POOL_RUNNING] = "running",
    [HV_POOL_DEGRADED] = "degraded", [HV_POOL_INACCESSIBLE] = "inaccessible",
};

static const char *const domain_command_names[] = {
    [HV_DOMAIN_CMD_START] = "start",	 [HV_DOMAIN_CMD_SHUTDOWN] = "shutdown",
    [HV_DOMAIN_CMD_REBOOT] = "reboot",	 [HV_DOMAIN_CMD_RESET] = "reset",
    [HV_DOMAIN_CMD_DESTROY] = "destroy", [HV_DOMAIN_CMD_SUSPEND] = "suspend",
    [HV_DOMAIN_CMD_RESUME] = "resume",
};

static const char *const network_command_names[] = {
    [HV_NETWORK_CMD_START] = "start",
    [HV_NETWORK_CMD_STOP] = "stop",
};

static const char *const pool_command_names[] = {
    [HV_POOL_CMD_BUILD] = "build",     [HV_POOL_CMD_START] = "start",	[HV_POOL_CMD_STOP] = "stop",
    [HV_POOL_CMD_REFRESH] = "refresh", [HV_POOL_CMD_DELETE] = "delete",
};

static int lookup_word(const char *const *names, size_t count, const char *word)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], word) == 0)
			return (int)i;
	return -EINVAL;
}

const char *hv_domain_state_name(enum hv_domain_state state)
{
	return (size_t)state < ARRAY_SIZE(domain_state_names) ? domain_state_names[state] : "nostate";
}

const char *hv_pool_state_name(enum hv_pool_state state)
{
	return (size_t)state < ARRAY_SIZE(pool_state_names) ? pool_state_names[state] : "inaccessible";
}

const char *hv_domain_command_name(enum hv_domain_command command)
{
	return (size_t)command < ARRAY_SIZE(domain_command_names) ? domain_command_names[command] : "?";
}

int hv_domain_command_parse(const char *word, enum hv_domain_command *out)
{
	int i = lookup_word(domain_command_names, ARRAY_SIZE(domain_command_names), word);

	if (i < 0)
		return i;
	*out = (enum hv_domain_command)i;
	return 0;
}

int hv_network_command_parse(const char *word, enum hv_network_command *out)
{
	int i = lookup_word(network_command_names, ARRAY_SIZE(network_command_names), word);

	if (i < 0)
		return i;
	*out = (enum hv_network_command)i;
	return 0;
}

int hv_pool_command_parse(const char *word, enum hv_pool_command *out)
{
	int i = lookup_word(pool_command_names, ARRAY_SIZE(pool_command_names), word);

	if (i < 0)
		return i;
	*out = (enum hv_pool_command)i;
	return 0;
}
