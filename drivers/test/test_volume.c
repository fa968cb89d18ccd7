/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Storage volumes of the test driver.  A running pool of type dir is real
 * even here: its volumes are the regular files of its target directory,
 * created, grown and removed on disk, and everything shown of them is read
 * back from the file (so files added behind hvfs's back are volumes too).
 * The demo seed's pool (its simulated path) and pools of other types are
 * simulated and have no volumes: creating one is EOPNOTSUPP.
 *
 * File operations that change the pool run under the driver's lock, so
 * that the busy check (a running domain's disk) and the change cannot be
 * overtaken by a domain start; reads need no lock past copying the pool's
 * directory.  They are all local and short. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "drivers/lifecycle.h"
#include "drivers/test/test_private.h"
#include "util/cleanup.h"

/* qcow2's header: magic, version, ..., the virtual size at offset 24 (big
 * endian), in every version. */
#define QCOW2_MAGIC	  "QFI\xfb"
#define QCOW2_SIZE_OFFSET 24

static const struct test_pool *pool_of(const struct hv_object *obj)
{
	return test_container_of(obj, const struct test_pool, obj);
}

bool test_pool_is_real(const struct test_pool *pool)
{
	return strcmp(pool->def.type, "dir") == 0 && pool->def.target_path[0] == '/' &&
	       strcmp(pool->def.target_path, TEST_SEED_POOL_PATH) != 0;
}

/* The pool's directory, without trailing slashes, for the volume slots:
 * the pool must be a running real one (for_change) or else may be anything
 * (listing: *dir is "" when it has no volumes). */
static int pool_dir_locked(struct test_driver *drv, const char *name, bool for_change, char dir[4096],
			   struct hv_error *err)
{
	struct hv_object *obj = hv_kind_lookup(&drv->kinds, &test_pool_kind, name, err);
	const struct test_pool *pool;
	size_t len;

	dir[0] = '\0';
	if (!obj)
		return -ENOENT;
	pool = pool_of(obj);
	if (!test_pool_is_real(pool)) {
		if (!for_change)
			return 0;
		return hv_error_set(
		    err, EOPNOTSUPP,
		    "pool '%s' is simulated (type %s, target %s): only a dir pool has volumes", name,
		    pool->def.type, pool->def.target_path);
	}
	if (pool->state != HV_POOL_RUNNING) {
		if (!for_change)
			return 0;
		return hv_error_set(err, EBUSY, "pool is not active");
	}
	len = strlen(pool->def.target_path);
	while (len > 1 && pool->def.target_path[len - 1] == '/')
		len--;
	snprintf(dir, 4096, "%.*s", (int)len, pool->def.target_path);
	return 0;
}

static int pool_dir(struct hv_conn *conn, const char *name, char dir[4096], struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	int ret;

	pthread_mutex_lock(&drv->lock);
	ret = pool_dir_locked(drv, name, false, dir, err);
	pthread_mutex_unlock(&drv->lock);
	return ret;
}

static int open_dir(const char *dir, struct hv_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return hv_error_set(err, errno == ENOENT ? ENOENT : EIO,
				    "cannot open the pool's directory %s: %s", dir, strerror(errno));
	return fd;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int test_volume_list(struct hv_conn *conn, const char *pool, struct hv_name_list *out, struct hv_error *err)
{
	char dir[4096];
	struct dirent *entry;
	size_t cap = 0;
	DIR *d;
	int ret = pool_dir(conn, pool, dir, err);

	*out = (struct hv_name_list){0};
	if (ret < 0 || !dir[0])
		return ret;
	d = opendir(dir);
	if (!d) /* not built yet: no volumes */
		return errno == ENOENT ? 0
				       : hv_error_set(err, EIO, "cannot list %s: %s", dir, strerror(errno));
	while ((entry = readdir(d))) {
		struct stat st;

		/* Only regular files named like objects: not the editor's
		 * dot-files, not symlinks that lead elsewhere. */
		if (!hv_name_is_valid(entry->d_name) ||
		    fstatat(dirfd(d), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (out->count == cap) {
			size_t new_cap = cap ? cap * 2 : 16;
			char **names = realloc(out->names, new_cap * sizeof(*names));
			if (!names)
				break;
			out->names = names;
			cap = new_cap;
		}
		if (!(out->names[out->count] = strdup(entry->d_name)))
			break;
		out->count++;
	}
	ret = entry ? hv_error_set(err, ENOMEM, "out of memory") : 0;
	closedir(d);
	if (ret < 0) {
		hv_name_list_finish(out);
		return ret;
	}
	if (out->count > 1)
		qsort(out->names, out->count, sizeof(*out->names), name_cmp);
	return 0;
}

/* What the file says: a qcow2 image by its magic, its virtual size from
 * the header; anything else is raw, as big as the file. */
static int read_file_info(int dir_fd, const char *dir, const char *name, struct hv_volume_info *info,
			  struct stat *st_out, struct hv_error *err)
{
	unsigned char header[QCOW2_SIZE_OFFSET + 8];
	struct stat st;
	ssize_t got;
	int fd;

	fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ELOOP))
		return hv_error_set(err, ENOENT, "no volume named '%s'", name);
	if (fd < 0)
		return hv_error_set(err, EIO, "cannot open %s/%s: %s", dir, name, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_error_set(err, ENOENT, "no volume named '%s'", name);
	}
	*info = (struct hv_volume_info){
	    .capacity = (uint64_t)st.st_size,
	    .allocation = (uint64_t)st.st_blocks * 512,
	};
	snprintf(info->name, sizeof(info->name), "%s", name);
	snprintf(info->path, sizeof(info->path), "%s/%s", dir, name);
	snprintf(info->format, sizeof(info->format), "raw");
	got = pread(fd, header, sizeof(header), 0);
	close(fd);
	if (got == (ssize_t)sizeof(header) && memcmp(header, QCOW2_MAGIC, 4) == 0) {
		uint64_t size = 0;
		for (int i = 0; i < 8; i++)
			size = size << 8 | header[QCOW2_SIZE_OFFSET + i];
		info->capacity = size;
		snprintf(info->format, sizeof(info->format), "qcow2");
	}
	if (st_out)
		*st_out = st;
	return 0;
}

int test_volume_info(struct hv_conn *conn, const char *pool, const char *name, struct hv_volume_info *info,
		     struct hv_error *err)
{
	char dir[4096];
	int fd, ret = pool_dir(conn, pool, dir, err);

	if (ret < 0)
		return ret;
	if (!dir[0])
		return hv_error_set(err, ENOENT, "no volume named '%s'", name);
	fd = open_dir(dir, err);
	if (fd < 0)
		return fd;
	ret = read_file_info(fd, dir, name, info, NULL, err);
	close(fd);
	return ret;
}

int test_volume_get_xml(struct hv_conn *conn, const char *pool, const char *name, char **xml,
			struct hv_error *err)
{
	struct hv_volume_info info;
	int ret = test_volume_info(conn, pool, name, &info, err);

	*xml = NULL;
	if (ret < 0)
		return ret;
	struct hv_volume_state state = {
	    .name = info.name,
	    .path = info.path,
	    .format = info.format,
	    .capacity = info.capacity,
	    .allocation = info.allocation,
	};
	if (hv_volume_xml_format(&state, xml) < 0)
		return hv_error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* --- changes -------------------------------------------------------------- */

/* The running domain whose disk is the file st (by path or by inode, so
 * that another spelling of the path counts too), or NULL. */
static const struct hv_object *domain_using(struct test_driver *drv, const char *path, const struct stat *st,
					    char disk[4096])
{
	for (const struct hv_object *obj = drv->domains.head; obj; obj = obj->next) {
		const struct test_domain *dom = test_container_of(obj, const struct test_domain, obj);
		char **files = NULL;
		size_t count = 0;
		bool uses = false;

		if (!hv_domain_state_is_active(dom->state) ||
		    hv_domain_disk_files(obj->xml, strlen(obj->xml), &files, &count, NULL) < 0)
			continue;
		for (size_t i = 0; i < count; i++) {
			struct stat fst;
			if (!uses && (strcmp(files[i], path) == 0 ||
				      (stat(files[i], &fst) == 0 && fst.st_dev == st->st_dev &&
				       fst.st_ino == st->st_ino))) {
				uses = true;
				snprintf(disk, 4096, "%s", files[i]);
			}
			free(files[i]);
		}
		free(files);
		if (uses)
			return obj;
	}
	return NULL;
}

static int grow(int fd, const char *path, uint64_t from, uint64_t to, struct hv_error *err)
{
	if (to < from)
		return hv_error_set(
		    err, EINVAL,
		    "capacity %llu is less than the volume's %llu bytes: shrinking would lose data",
		    (unsigned long long)to, (unsigned long long)from);
	if (to > (uint64_t)INT64_MAX)
		return hv_error_set(err, EINVAL, "capacity %llu is too large", (unsigned long long)to);
	/* Sparse: ftruncate allocates nothing. */
	if (to != from && ftruncate(fd, (off_t)to) < 0)
		return hv_error_set(err, errno == EFBIG || errno == EINVAL ? EINVAL : EIO,
				    "cannot resize %s to %llu bytes: %s", path, (unsigned long long)to,
				    strerror(errno));
	return 0;
}

/* The pool's sizes and the volume's files changed: readers of the pool's
 * capacity, allocation and available must look again. */
static void sizes_changed(struct hv_change_batch *changes, const char *pool)
{
	hv_batch_modified(changes, HV_KIND_POOL, pool, HV_FIELD_POOL_SIZES);
}

static int check_format(const char *format, struct hv_error *err)
{
	if (!format[0] || strcmp(format, "raw") == 0)
		return 0;
	if (strcmp(format, "qcow2") == 0)
		return hv_error_set(err, EOPNOTSUPP,
				    "creating qcow2 volumes is not supported: create a raw one, or make the "
				    "image with qemu-img in the pool's directory and refresh the pool");
	return hv_error_set(err, EOPNOTSUPP, "volume format '%s' is not supported (raw only)", format);
}

/* config.xml of an existing volume: what may change is its capacity
 * (grow only); its format and path are the file's. */
static int apply_locked(int fd, const char *path, const struct hv_volume_info *info,
			const struct hv_volume_def *def, struct hv_error *err)
{
	if (def->format[0] && strcmp(def->format, info->format) != 0)
		return hv_error_set(err, EOPNOTSUPP, "cannot convert a %s volume to %s", info->format,
				    def->format);
	if (def->target_path[0] && strcmp(def->target_path, path) != 0)
		return hv_error_set(err, EINVAL, "target path %s is not the volume's path %s",
				    def->target_path, path);
	if (!def->has_capacity || def->capacity == info->capacity)
		return 0;
	if (strcmp(info->format, "raw") != 0)
		return hv_error_set(err, EOPNOTSUPP, "resizing a %s volume is not supported", info->format);
	return grow(fd, path, info->capacity, def->capacity, err);
}

static int create_locked(int dir_fd, const char *dir, const char *name, const struct hv_volume_def *def,
			 bool *changed, struct hv_error *err)
{
	char path[4096 + HV_NAME_MAX + 2];
	struct hv_volume_info info;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = read_file_info(dir_fd, dir, name, &info, NULL, err);
	if (ret == 0 && !def)
		return hv_error_set(err, EEXIST, "volume '%s' already exists", name);
	if (ret == 0) {
		fd = openat(dir_fd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return hv_error_set(err, EIO, "cannot open %s: %s", path, strerror(errno));
		hv_error_clear(err);
		ret = apply_locked(fd, path, &info, def, err);
		close(fd);
		*changed = ret == 0 && def->has_capacity && def->capacity != info.capacity;
		return ret;
	}
	if (ret != -ENOENT)
		return ret;
	hv_error_clear(err);
	if (def && ((ret = check_format(def->format, err)) < 0))
		return ret;
	if (def && def->target_path[0] && strcmp(def->target_path, path) != 0)
		return hv_error_set(err, EINVAL,
				    "target path %s is not %s: a volume lives in its pool's directory",
				    def->target_path, path);
	fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST)
		return hv_error_set(err, EEXIST, "%s already exists and is not a regular file", path);
	if (fd < 0)
		return hv_error_set(err, errno == ENOENT ? ENOENT : EIO, "cannot create %s: %s", path,
				    errno == ENOENT ? "the pool's directory does not exist (build the pool)"
						    : strerror(errno));
	ret = def && def->has_capacity ? grow(fd, path, 0, def->capacity, err) : 0;
	close(fd);
	if (ret < 0)
		unlinkat(dir_fd, name, 0); /* nothing half-made */
	*changed = ret == 0;
	return ret;
}

enum volume_action { VOLUME_CREATE, VOLUME_DELETE, VOLUME_RESIZE };

static int delete_locked(struct test_driver *drv, int dir_fd, const char *dir, const char *name,
			 struct hv_error *err)
{
	char path[4096 + HV_NAME_MAX + 2], disk[4096];
	const struct hv_object *user;
	struct hv_volume_info info;
	struct stat st;
	int ret = read_file_info(dir_fd, dir, name, &info, &st, err);

	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	user = domain_using(drv, path, &st, disk);
	if (user)
		return hv_error_set(err, EBUSY, "volume is in use by running domain '%s' (disk %s)",
				    user->name, disk);
	if (unlinkat(dir_fd, name, 0) < 0)
		return hv_error_set(err, errno == ENOENT ? ENOENT : EIO, "cannot remove %s: %s", path,
				    strerror(errno));
	return 0;
}

static int resize_locked(int dir_fd, const char *dir, const char *name, uint64_t capacity, bool *changed,
			 struct hv_error *err)
{
	struct hv_volume_def def = {.has_capacity = true, .capacity = capacity};
	struct hv_volume_info info;
	int ret = read_file_info(dir_fd, dir, name, &info, NULL, err);

	if (ret < 0) /* a resize makes no volume */
		return ret;
	snprintf(def.name, sizeof(def.name), "%s", name);
	return create_locked(dir_fd, dir, name, &def, changed, err);
}

/* The shape of the changing slots: under the lock, find the pool's
 * directory and act in it; then emit. */
static int change_volume(struct hv_conn *conn, enum volume_action action, const char *pool, const char *name,
			 const struct hv_volume_def *def, uint64_t capacity, struct hv_error *err)
{
	struct test_driver *drv = conn->priv;
	struct hv_change_batch changes = {0};
	bool changed = action == VOLUME_DELETE;
	char dir[4096];
	int fd, ret;

	pthread_mutex_lock(&drv->lock);
	ret = pool_dir_locked(drv, pool, true, dir, err);
	fd = ret < 0 ? ret : open_dir(dir, err);
	if (fd < 0 && ret == 0 && err->code == ENOENT)
		hv_error_set(err, ENOENT, "the pool's directory %s does not exist (build the pool)", dir);
	if (fd >= 0) {
		switch (action) {
		case VOLUME_CREATE:
			ret = create_locked(fd, dir, name, def, &changed, err);
			break;
		case VOLUME_DELETE:
			ret = delete_locked(drv, fd, dir, name, err);
			break;
		case VOLUME_RESIZE:
			ret = resize_locked(fd, dir, name, capacity, &changed, err);
			break;
		}
		close(fd);
	} else {
		ret = fd;
	}
	if (ret == 0 && changed)
		sizes_changed(&changes, pool);
	pthread_mutex_unlock(&drv->lock);
	hv_batch_emit(drv->conn, &changes);
	return ret;
}

int test_volume_create(struct hv_conn *conn, const char *pool, const char *name, const char *xml, size_t len,
		       struct hv_error *err)
{
	auto_free struct hv_volume_def *def = NULL;
	int ret;

	if (xml) {
		def = malloc(sizeof(*def));
		if (!def)
			return hv_error_set(err, ENOMEM, "out of memory");
		ret = hv_volume_def_parse(xml, len, name, def, err);
		if (ret < 0)
			return ret;
	}
	return change_volume(conn, VOLUME_CREATE, pool, name, def, 0, err);
}

int test_volume_delete(struct hv_conn *conn, const char *pool, const char *name, struct hv_error *err)
{
	return change_volume(conn, VOLUME_DELETE, pool, name, NULL, 0, err);
}

int test_volume_resize(struct hv_conn *conn, const char *pool, const char *name, uint64_t capacity,
		       struct hv_error *err)
{
	return change_volume(conn, VOLUME_RESIZE, pool, name, NULL, capacity, err);
}

/* --- the pool's side ------------------------------------------------------- */

void test_pool_measure(const struct test_pool *pool, struct hv_pool_info *info)
{
	struct statvfs fs;

	/* As libvirt's dir backend: the filesystem holding the directory. */
	if (!test_pool_is_real(pool) || statvfs(pool->def.target_path, &fs) < 0)
		return;
	info->capacity = (uint64_t)fs.f_blocks * fs.f_frsize;
	info->allocation = (uint64_t)(fs.f_blocks - fs.f_bfree) * fs.f_frsize;
	info->available = (uint64_t)fs.f_bavail * fs.f_frsize;
}

int test_pool_build_dir(const struct test_pool *pool, struct hv_error *err)
{
	char path[sizeof(pool->def.target_path)];

	if (!test_pool_is_real(pool))
		return 0;
	snprintf(path, sizeof(path), "%s", pool->def.target_path);
	/* mkdir -p: each missing component, 0755 as libvirt's default. */
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (path[0] && mkdir(path, 0755) < 0 && errno != EEXIST)
			return hv_error_set(err, errno == EACCES ? EACCES : EIO, "cannot create %s: %s", path,
					    strerror(errno));
		if (last)
			break;
		*p = '/';
	}
	return 0;
}

int test_pool_delete_dir(const struct test_pool *pool, struct hv_error *err)
{
	if (!test_pool_is_real(pool) || rmdir(pool->def.target_path) == 0 || errno == ENOENT)
		return 0;
	if (errno == ENOTEMPTY || errno == EEXIST)
		return hv_error_set(err, EBUSY, "the pool's directory %s still holds files",
				    pool->def.target_path);
	return hv_error_set(err, EIO, "cannot remove %s: %s", pool->def.target_path, strerror(errno));
}
