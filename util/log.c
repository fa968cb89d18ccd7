/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

static enum log_level current_level = LOG_LEVEL_INFO;
static bool to_syslog;

static const char *const level_names[] = {
    [LOG_LEVEL_ERROR] = "error",
    [LOG_LEVEL_WARNING] = "warning",
    [LOG_LEVEL_INFO] = "info",
    [LOG_LEVEL_DEBUG] = "debug",
};

int log_parse_level(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_set_level(enum log_level level)
{
	current_level = level;
}

void log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

bool log_enabled(enum log_level level)
{
	return level <= current_level;
}

void log_message(enum log_level level, const char *file, int line, const char *func, const char *format, ...)
{
	static const int syslog_priorities[] = {
	    [LOG_LEVEL_ERROR] = LOG_ERR,
	    [LOG_LEVEL_WARNING] = LOG_WARNING,
	    [LOG_LEVEL_INFO] = LOG_INFO,
	    [LOG_LEVEL_DEBUG] = LOG_DEBUG,
	};
	char text[1024];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, format);
	vsnprintf(text, sizeof(text), format, ap);
	va_end(ap);

	if (to_syslog) {
		syslog(syslog_priorities[level], "%s: %s (%s:%d %s)", level_names[level], text, file, line,
		       func);
		return;
	}
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	/* One fprintf per line so that lines from worker threads never interleave. */
	fprintf(stderr, "%02d:%02d:%02d.%03ld hvfs %s: %s (%s:%d %s)\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		now.tv_nsec / 1000000, level_names[level], text, file, line, func);
}
