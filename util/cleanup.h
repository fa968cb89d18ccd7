/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scope-bound ownership: a variable declared with one of these attributes is
 * released when it goes out of scope.  move_ptr() hands ownership on. */
#ifndef HVFS_UTIL_CLEANUP_H
#define HVFS_UTIL_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_close_(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void cleanup_fclose_(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define auto_free   __attribute__((cleanup(cleanup_free_)))
#define auto_close  __attribute__((cleanup(cleanup_close_)))
#define auto_fclose __attribute__((cleanup(cleanup_fclose_)))

#define move_ptr(p)                                                                                          \
	({                                                                                                   \
		__typeof__(p) moved_ = (p);                                                                  \
		(p) = NULL;                                                                                  \
		moved_;                                                                                      \
	})

#define move_fd(fd)                                                                                          \
	({                                                                                                   \
		int moved_fd_ = (fd);                                                                        \
		(fd) = -1;                                                                                   \
		moved_fd_;                                                                                   \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
