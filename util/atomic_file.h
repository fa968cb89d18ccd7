/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Crash-safe file replacement: write a temporary file in the same directory,
 * fsync it, rename it over the target, fsync the directory.  After return the
 * new content survives a crash; before it, the old content does. */
#ifndef HVFS_UTIL_ATOMIC_FILE_H
#define HVFS_UTIL_ATOMIC_FILE_H

#include <stddef.h>

int atomic_file_write(const char *path, const void *data, size_t len, unsigned mode);
/* unlink + fsync of the directory; -ENOENT is not an error. */
int atomic_file_remove(const char *path);
/* Reads a whole file (at most max bytes, else -EFBIG) into a NUL-terminated buffer. */
int file_read_all(const char *path, size_t max, char **data, size_t *len);
/* mkdir -p with mode 0700 for created components. */
int mkdir_parents(const char *path);

#endif
