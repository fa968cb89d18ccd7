/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/proc.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"

/* /proc/PID/stat into buf; the fields after the command name (which may
 * hold blanks and parentheses: they are counted from the last ')'), field 3
 * (state) first; NULL when the process is gone. */
static const char *stat_fields(pid_t pid, char *buf, size_t size)
{
	char path[64];
	auto_close int fd = -1;
	ssize_t n;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p ? p + 1 : NULL;
}

/* Field number field (3 = state) of the fields stat_fields returned. */
static const char *stat_field(const char *p, int field)
{
	for (int at = 3; at <= field; at++) {
		while (*p == ' ')
			p++;
		if (at == field)
			return p;
		while (*p && *p != ' ')
			p++;
	}
	return p;
}

uint64_t proc_start_time(pid_t pid)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));

	/* A zombie (Z) or a dying task (X) is no longer the process we
	 * watch, though it keeps its start time until reaped, which an
	 * unattentive reaper may take its time over. */
	if (!p || (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X')))
		return 0;
	return strtoull(stat_field(p, 22), NULL, 10);
}

uint64_t proc_cpu_time_ns(pid_t pid)
{
	char buf[1024];
	const char *p = stat_fields(pid, buf, sizeof(buf));
	long ticks = sysconf(_SC_CLK_TCK);
	unsigned long long utime, stime;

	if (!p || ticks <= 0)
		return UINT64_MAX;
	utime = strtoull(stat_field(p, 14), NULL, 10);
	stime = strtoull(stat_field(p, 15), NULL, 10);
	return (uint64_t)(utime + stime) * (1000000000ULL / (uint64_t)ticks);
}

uint64_t proc_rss_kib(pid_t pid)
{
	char path[64], line[256];
	auto_fclose FILE *file = NULL;
	uint64_t kib = UINT64_MAX;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	file = fopen(path, "re");
	while (file && fgets(line, sizeof(line), file))
		if (sscanf(line, "VmRSS: %" SCNu64, &kib) == 1)
			break;
	return kib;
}
