/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "util/atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

static int fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (len == 0) {
		strcpy(dir, slash ? "/" : ".");
	} else {
		if (len >= sizeof(dir))
			return -ENAMETOOLONG;
		memcpy(dir, path, len);
		dir[len] = '\0';
	}
	auto_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		return -errno;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_file_write(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[PATH_MAX];
	int ret;

	/* The ".tmp-" prefix in the same directory: rename(2) stays within one
	 * filesystem, and loaders recognise and discard leftovers of a crash. */
	const char *slash = strrchr(path, '/');
	int n = slash
		    ? snprintf(tmp, sizeof(tmp), "%.*s/.tmp-%s.XXXXXX", (int)(slash - path), path, slash + 1)
		    : snprintf(tmp, sizeof(tmp), ".tmp-%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -ENAMETOOLONG;
	auto_close int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0) {
		unlink(tmp);
		return ret;
	}
	return fsync_parent(path);
}

int atomic_file_remove(const char *path)
{
	if (unlink(path) < 0)
		return errno == ENOENT ? 0 : -errno;
	return fsync_parent(path);
}

int file_read_all(const char *path, size_t max, char **data, size_t *len)
{
	auto_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	auto_free char *buf = NULL;
	size_t used = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	size_t cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		/* procfs-style files hold more than fstat says: bound what we read. */
		if (used > max)
			return -EFBIG;
		if (used == cap) {
			/* The file grew after fstat: read on, within the bound. */
			if (cap > max)
				return -EFBIG;
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger)
				return -ENOMEM;
			buf = bigger;
			cap *= 2;
		}
	}
	buf[used] = '\0';
	*data = move_ptr(buf);
	if (len)
		*len = used;
	return 0;
}

int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0) {
		struct stat st;
		if (errno != EEXIST)
			return -errno;
		/* As mkdir -p: an existing non-directory is an error. */
		if (stat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}
