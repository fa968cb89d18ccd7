/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging: one line per event, with the source location of where an error
 * was detected.  In the foreground (or when stderr is a terminal) lines go to
 * stderr; a daemonized hvfs logs to syslog. */
#ifndef HVFS_UTIL_LOG_H
#define HVFS_UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Returns 0, or -EINVAL for a name that is not error|warning|info|debug. */
int log_parse_level(const char *name, enum log_level *level);
void log_set_level(enum log_level level);
/* After this, messages go to syslog(3) with the given identity instead of stderr. */
void log_use_syslog(const char *ident);
bool log_enabled(enum log_level level);

void log_message(enum log_level level, const char *file, int line, const char *func, const char *format, ...)
    __attribute__((format(printf, 5, 6)));

#define log_error(...)	 log_message(LOG_LEVEL_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warning(...) log_message(LOG_LEVEL_WARNING, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_info(...)	 log_message(LOG_LEVEL_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...)                                                                                       \
	do {                                                                                                 \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                            \
			log_message(LOG_LEVEL_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__);             \
	} while (0)

#endif
