/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What /proc tells about a process that drivers run (containers' init,
 * QEMU): who it is, against pid reuse, and what it costs. */
#ifndef HVFS_UTIL_PROC_H
#define HVFS_UTIL_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Field 22 of /proc/PID/stat (clock ticks since boot); 0 when gone or a
 * zombie.  A pid with the start time recorded when it was started is that
 * same process, not a stranger that got the number again. */
uint64_t proc_start_time(pid_t pid);
/* user + system CPU time of the process and its threads, in ns; UINT64_MAX
 * when it cannot be read. */
uint64_t proc_cpu_time_ns(pid_t pid);
/* VmRSS, KiB; UINT64_MAX when it cannot be read. */
uint64_t proc_rss_kib(pid_t pid);

#endif
