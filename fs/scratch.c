/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Scratch files: the temporary files and directories that editors and
 * configuration tools make next to the file they change (sed's sedXXXXXX,
 * Ansible's .ansible_tmp*, Puppet's NAME<date>-<pid>-<rand> and its .lock
 * directory, vim's 4913 probe and .NAME.swp, Python's tempfile).  They are
 * plain in-memory files, owned by whoever made them, never persisted and
 * never objects; renaming one over an attribute applies its content (see
 * dirs.c).  Bounds keep a runaway tool from eating the daemon's memory:
 * FS_XML_VALUE_MAX per file (EFBIG), FS_SCRATCH_PER_DIR entries per
 * directory and FS_SCRATCH_TOTAL_BYTES over the mount (ENOSPC). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "fs/fs.h"

#define XATTR_MAX_COUNT 16
#define XATTR_VALUE_MAX 4096

struct scratch_xattr {
	char *name;
	char *value;
	size_t size;
};

struct scratch {
	struct scratch_budget *budget; /* the mount's */
	pthread_mutex_t lock;
	unsigned refs; /* the node, and every open file */
	mode_t mode;   /* with the file type bits */
	uid_t uid;
	gid_t gid;
	struct timespec atime, mtime, ctime;
	struct strbuf data;
	struct scratch_xattr xattrs[XATTR_MAX_COUNT];
	size_t xattr_count;
};

struct scratch_file {
	struct fs_file base;
	struct scratch *scratch;
	bool append;
};

/* Bytes held by all scratch files of one mount (data only). */
struct scratch_budget {
	pthread_mutex_t lock;
	size_t bytes;
};

struct scratch_budget *scratch_budget_create(void)
{
	struct scratch_budget *b = calloc(1, sizeof(*b));

	if (b)
		pthread_mutex_init(&b->lock, NULL);
	return b;
}

void scratch_budget_destroy(struct scratch_budget *b)
{
	if (!b)
		return;
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int account(struct scratch_budget *b, size_t old_len, size_t new_len)
{
	int ret = 0;

	pthread_mutex_lock(&b->lock);
	if (new_len > old_len && b->bytes + (new_len - old_len) > FS_SCRATCH_TOTAL_BYTES)
		ret = -ENOSPC;
	else
		b->bytes = b->bytes - old_len + new_len;
	pthread_mutex_unlock(&b->lock);
	return ret;
}

static struct timespec now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

struct scratch *scratch_new(struct scratch_budget *budget, mode_t mode, uid_t uid, gid_t gid)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->budget = budget;
	pthread_mutex_init(&s->lock, NULL);
	s->refs = 1;
	s->mode = mode;
	s->uid = uid;
	s->gid = gid;
	s->atime = s->mtime = s->ctime = now();
	return s;
}

void scratch_ref(struct scratch *s)
{
	pthread_mutex_lock(&s->lock);
	s->refs++;
	pthread_mutex_unlock(&s->lock);
}

void scratch_unref(struct scratch *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	unsigned refs = --s->refs;
	pthread_mutex_unlock(&s->lock);
	if (refs)
		return;
	account(s->budget, s->data.len, 0);
	strbuf_finish(&s->data);
	for (size_t i = 0; i < s->xattr_count; i++) {
		free(s->xattrs[i].name);
		free(s->xattrs[i].value);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void scratch_stat(struct scratch *s, struct stat *st)
{
	pthread_mutex_lock(&s->lock);
	st->st_mode = s->mode;
	st->st_uid = s->uid;
	st->st_gid = s->gid;
	st->st_nlink = S_ISDIR(s->mode) ? 2 : 1;
	st->st_size = (off_t)s->data.len;
	st->st_blocks = (st->st_size + 511) / 512;
	st->st_atim = s->atime;
	st->st_mtim = s->mtime;
	st->st_ctim = s->ctime;
	pthread_mutex_unlock(&s->lock);
}

/* Callers hold s->lock. */
static int resize_locked(struct scratch *s, size_t size)
{
	int ret;

	if (size > FS_XML_VALUE_MAX)
		return -EFBIG;
	ret = account(s->budget, s->data.len, size);
	if (ret < 0)
		return ret;
	if (strbuf_resize(&s->data, size) < 0) {
		account(s->budget, size, s->data.len);
		return -ENOMEM;
	}
	s->mtime = s->ctime = now();
	return 0;
}

int scratch_setattr(struct scratch *s, const struct stat *attr, int to_set)
{
	int ret = 0;

	/* The kernel has checked permissions (default_permissions). */
	pthread_mutex_lock(&s->lock);
	if (to_set & FUSE_SET_ATTR_SIZE) {
		if (S_ISDIR(s->mode))
			ret = -EISDIR;
		else if (attr->st_size < 0)
			ret = -EINVAL;
		else
			ret = resize_locked(s, (size_t)attr->st_size);
	}
	if (ret == 0) {
		if (to_set & FUSE_SET_ATTR_MODE)
			s->mode = (s->mode & S_IFMT) | (attr->st_mode & 07777);
		if (to_set & FUSE_SET_ATTR_UID)
			s->uid = attr->st_uid;
		if (to_set & FUSE_SET_ATTR_GID)
			s->gid = attr->st_gid;
		if (to_set & FUSE_SET_ATTR_ATIME)
			s->atime = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			s->atime = now();
		if (to_set & FUSE_SET_ATTR_MTIME)
			s->mtime = attr->st_mtim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			s->mtime = now();
		s->ctime = now();
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int scratch_contents(struct scratch *s, char **data, size_t *len)
{
	pthread_mutex_lock(&s->lock);
	*len = s->data.len;
	*data = malloc(*len + 1);
	if (*data) {
		memcpy(*data, strbuf_str(&s->data), *len);
		(*data)[*len] = '\0';
	}
	pthread_mutex_unlock(&s->lock);
	return *data ? 0 : -ENOMEM;
}

/* --- open files ---------------------------------------------------------- */

int scratch_open(struct scratch *s, int flags, struct fs_file **out)
{
	struct scratch_file *f;

	if (S_ISDIR(s->mode))
		return -EISDIR;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (flags & O_TRUNC) {
		pthread_mutex_lock(&s->lock);
		int ret = resize_locked(s, 0);
		pthread_mutex_unlock(&s->lock);
		if (ret < 0) {
			free(f);
			return ret;
		}
	}
	f->base.type = FS_FILE_SCRATCH;
	f->scratch = s;
	f->append = flags & O_APPEND;
	scratch_ref(s);
	*out = &f->base;
	return 0;
}

void scratch_release(struct fs_file *file)
{
	struct scratch_file *f = (struct scratch_file *)file;

	scratch_unref(f->scratch);
	free(f);
}

ssize_t scratch_read(struct fs_file *file, off_t offset, char *buf, size_t size)
{
	struct scratch *s = ((struct scratch_file *)file)->scratch;
	size_t len = 0;

	pthread_mutex_lock(&s->lock);
	if ((size_t)offset < s->data.len) {
		len = s->data.len - (size_t)offset;
		if (len > size)
			len = size;
		memcpy(buf, s->data.data + offset, len);
	}
	s->atime = now();
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)len;
}

ssize_t scratch_write(struct fs_file *file, off_t offset, const char *data, size_t len)
{
	struct scratch_file *f = (struct scratch_file *)file;
	struct scratch *s = f->scratch;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	size_t at = f->append ? s->data.len : (size_t)offset;
	if (at > FS_XML_VALUE_MAX || len > FS_XML_VALUE_MAX - at)
		ret = -EFBIG;
	else if (at + len > s->data.len)
		ret = resize_locked(s, at + len);
	if (ret == 0 && len > 0) {
		memcpy(s->data.data + at, data, len);
		s->mtime = s->ctime = now();
	}
	pthread_mutex_unlock(&s->lock);
	return ret < 0 ? ret : (ssize_t)len;
}

/* --- extended attributes (user.*, security.*, trusted.*: stored as given) - */

static struct scratch_xattr *find_xattr(struct scratch *s, const char *name)
{
	for (size_t i = 0; i < s->xattr_count; i++)
		if (strcmp(s->xattrs[i].name, name) == 0)
			return &s->xattrs[i];
	return NULL;
}

int scratch_setxattr(struct scratch *s, const char *name, const char *value, size_t size, int flags)
{
	int ret = 0;

	if (size > XATTR_VALUE_MAX)
		return -E2BIG;
	pthread_mutex_lock(&s->lock);
	struct scratch_xattr *x = find_xattr(s, name);
	if (x && (flags & XATTR_CREATE))
		ret = -EEXIST;
	else if (!x && (flags & XATTR_REPLACE))
		ret = -ENODATA;
	else if (!x && s->xattr_count == XATTR_MAX_COUNT)
		ret = -ENOSPC;
	if (ret == 0) {
		char *copy = malloc(size ? size : 1);
		char *name_copy = x ? NULL : strdup(name);
		if (!copy || (!x && !name_copy)) {
			free(copy);
			free(name_copy);
			ret = -ENOMEM;
		} else {
			memcpy(copy, value, size);
			if (!x) {
				x = &s->xattrs[s->xattr_count++];
				x->name = name_copy;
			} else {
				free(x->value);
			}
			x->value = copy;
			x->size = size;
			s->ctime = now();
		}
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* getxattr(2)'s contract: size 0 asks for the length; ERANGE if too small. */
ssize_t scratch_getxattr(struct scratch *s, const char *name, char *buf, size_t size)
{
	ssize_t ret;

	pthread_mutex_lock(&s->lock);
	struct scratch_xattr *x = find_xattr(s, name);
	if (!x)
		ret = -ENODATA;
	else if (size == 0)
		ret = (ssize_t)x->size;
	else if (size < x->size)
		ret = -ERANGE;
	else {
		memcpy(buf, x->value, x->size);
		ret = (ssize_t)x->size;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

ssize_t scratch_listxattr(struct scratch *s, char *buf, size_t size)
{
	size_t need = 0;
	ssize_t ret;

	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->xattr_count; i++)
		need += strlen(s->xattrs[i].name) + 1;
	if (size == 0) {
		ret = (ssize_t)need;
	} else if (size < need) {
		ret = -ERANGE;
	} else {
		char *p = buf;
		for (size_t i = 0; i < s->xattr_count; i++) {
			size_t n = strlen(s->xattrs[i].name) + 1;
			memcpy(p, s->xattrs[i].name, n);
			p += n;
		}
		ret = (ssize_t)need;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int scratch_removexattr(struct scratch *s, const char *name)
{
	int ret = -ENODATA;

	pthread_mutex_lock(&s->lock);
	struct scratch_xattr *x = find_xattr(s, name);
	if (x) {
		free(x->name);
		free(x->value);
		*x = s->xattrs[--s->xattr_count];
		s->ctime = now();
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* --- attributes unlinked to be replaced -------------------------------- */

/* install(1) and some copy tools unlink the target and create it anew with
 * O_EXCL.  An attribute cannot go, so its unlink is taken as the first half
 * of such a replacement: for the unlinking process only, and only for a
 * short while, the name looks absent, and creating it writes the
 * attribute.  Everyone else sees the attribute all along. */
#define UNLINKED_MAX	 16
#define UNLINKED_SECONDS 5

struct fs_unlinked {
	pthread_mutex_t lock;
	struct unlinked {
		fuse_ino_t parent;
		pid_t pid;
		const struct fs_attr *attr;
		time_t deadline;
		bool replacing; /* created again: its chmod/chown are let through */
	} slots[UNLINKED_MAX];
};

struct fs_unlinked *fs_unlinked_create(void)
{
	struct fs_unlinked *u = calloc(1, sizeof(*u));

	if (u)
		pthread_mutex_init(&u->lock, NULL);
	return u;
}

void fs_unlinked_destroy(struct fs_unlinked *u)
{
	if (!u)
		return;
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static time_t monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

void fs_unlinked_add(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr, pid_t pid)
{
	time_t now_s = monotonic_seconds();
	struct unlinked *slot = &unlinked->slots[0];

	pthread_mutex_lock(&unlinked->lock);
	/* Reuse the entry for the same name, else a free one, else the oldest. */
	for (size_t i = 0; i < UNLINKED_MAX; i++) {
		struct unlinked *u = &unlinked->slots[i];
		if (u->attr == attr && u->parent == parent) {
			slot = u;
			break;
		}
		if (u->deadline < slot->deadline)
			slot = u;
	}
	*slot = (struct unlinked){parent, pid, attr, now_s + UNLINKED_SECONDS, false};
	pthread_mutex_unlock(&unlinked->lock);
}

static bool unlinked_find(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr,
			  pid_t pid, bool replacing, bool advance)
{
	time_t now_s = monotonic_seconds();
	bool found = false;

	pthread_mutex_lock(&unlinked->lock);
	for (size_t i = 0; i < UNLINKED_MAX && !found; i++) {
		struct unlinked *u = &unlinked->slots[i];
		if (u->attr == attr && u->parent == parent && u->pid == pid && u->replacing == replacing &&
		    u->deadline >= now_s) {
			found = true;
			if (advance) {
				u->replacing = true;
				u->deadline = now_s + UNLINKED_SECONDS;
			}
		}
	}
	pthread_mutex_unlock(&unlinked->lock);
	return found;
}

bool fs_unlinked_check(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr, pid_t pid,
		       bool take)
{
	return unlinked_find(unlinked, parent, attr, pid, false, take);
}

bool fs_unlinked_replacing(struct fs_unlinked *unlinked, fuse_ino_t parent, const struct fs_attr *attr,
			   pid_t pid)
{
	return unlinked_find(unlinked, parent, attr, pid, true, false);
}
